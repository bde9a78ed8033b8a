"""The batch window against the sandbox's Bitrix24: preview, run, pause, cancel, resume.

Real loopback HTTP, the real history file, secrets in memory. The portal's limit is
raised (500 calls/s, burst 50) and the window's rate set to 200/s so runs take seconds.
"""

from __future__ import annotations

import csv
import io
import time

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox

from core.history import HistoryFilter
from core.profiles import Profile
from gui.batch.table import CHECK, OUTCOME
from sandbox.demo import DEMO_BITRIX24
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import choose, press


def batch_window(qtbot, window, profile: str = DEMO_BITRIX24):
    choose(qtbot, window, profile)
    press(qtbot, window, "Ctrl+B")
    dialog = window.batch_window
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.profile().name == profile
    return dialog


def load(qtbot, dialog, path) -> None:
    with qtbot.waitSignal(dialog.source.checked, timeout=5000):
        dialog.load_file(path)


def run(qtbot, dialog, button, timeout: int = 30000):
    with qtbot.waitSignal(dialog.runner.finished, timeout=timeout) as done:
        button.click()
    return done.args[0]


def write_rows(path, ids: list[str], status: str = "delivered", extra: str = "") -> None:
    """As a spreadsheet saves it: BOM, ';' separators, a quoted description."""
    lines = ["message_id;status;description"]
    lines += [f'{message_id};{status};"fixed; gateway outage"' for message_id in ids]
    path.write_text("\ufeff" + "\r\n".join(lines) + "\r\n" + extra, encoding="utf-8")


def test_a_file_is_previewed_then_sent_once_per_valid_row(qtbot, demo_window, sandbox,
                                                          tmp_path):
    portal = sandbox.bitrix24
    portal.set_rate_limit(500, 50)
    ids = portal.seed_messages(20)
    spare = portal.seed_messages(1, start=500)[0]
    path = tmp_path / "outage.csv"
    write_rows(path, ids, extra=f"{spare};Delivered\r\n{ids[3]};failed\r\n{spare};\r\n")
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)

    model = dialog.model
    assert model.rowCount() == 23
    assert "23 rows: 20 to send, 3 invalid" in dialog.counts.text()
    problems = {model.rows[i].row: model.index(i, CHECK).data() for i in range(23)
                if model.rows[i].problem}
    assert set(problems) == {22, 23, 24}  # spreadsheet rows: the header is row 1
    assert "Same message id as row 5" in problems[23]
    assert "empty" in problems[24].lower()
    assert model.index(0, CHECK).data() == "OK" and model.index(0, OUTCOME).data() == ""
    assert dialog.pace.values() == (2.0, 10)  # Bitrix24's pace by default
    assert dialog.pace.burst.maximum() == 10  # the burst may be lowered, not raised
    assert dialog.send_button.text() == "&Send 20 rows"
    assert not dialog.resume_button.isVisible()
    assert len(sandbox.received) == 0  # a preview sends nothing

    dialog.pace.set_values(200, 10)
    summary = run(qtbot, dialog, dialog.send_button)
    assert (summary.done, summary.failed, summary.retries) == (20, 0, 0)
    assert all(portal.updates_of(i) == 1 for i in ids)
    assert portal.updates_of(spare) == 0
    assert portal.limit_refusals == 0
    assert dialog.progress.value() == dialog.progress.maximum() == 20
    assert "20 done, 0 failed, 3 invalid (never sent); 0 retries." in dialog.summary.text()
    assert model.index(0, OUTCOME).data() == "Done"
    assert model.index(21, OUTCOME).data() == "Not sent (invalid)"
    # Every row is in the history panel too (it catches up after the run).
    history = demo_window.history
    qtbot.waitUntil(lambda: len(history.model.entries) == 20, timeout=5000)
    assert {e.message_id for e in history.model.entries} == set(ids)
    assert {e.batch_id for e in history.model.entries} == {dialog.source.batch.batch_id}

    results = tmp_path / "results.csv"
    dialog.export_results(results)
    qtbot.waitUntil(lambda: "Saved the results" in dialog.notice.text(), timeout=5000)
    rows = list(csv.DictReader(io.StringIO(results.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 23
    assert rows[0]["message_id"] == ids[0] and rows[0]["outcome"] == "done"
    assert rows[0]["description"] == "fixed; gateway outage"
    assert [r["error_code"] for r in rows[20:]] == ["invalid"] * 3


def test_pause_cancel_then_resume_sends_every_row_once(qtbot, demo_window, sandbox, tmp_path):
    portal = sandbox.bitrix24
    portal.set_rate_limit(500, 50)
    ids = portal.seed_messages(60)
    path = tmp_path / "many.csv"
    write_rows(path, ids)
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    dialog.pace.set_values(20, 1)

    with qtbot.waitSignal(dialog.runner.finished, timeout=30000) as stopped:
        dialog.send_button.click()
        assert not dialog.send_button.isEnabled() and not dialog.picker.isEnabled()
        qtbot.waitUntil(lambda: len(dialog.finished_rows) >= 5, timeout=10000)
        dialog.pause_button.click()
        assert dialog.pause_button.text() == "Co&ntinue"
        qtbot.wait(400)  # the call in flight ends; then nothing more goes out
        paused_at = sum(portal.updates_of(i) for i in ids)
        qtbot.wait(400)
        assert sum(portal.updates_of(i) for i in ids) == paused_at < 60
        dialog.cancel_button.click()
    summary = stopped.args[0]
    assert summary.cancelled and summary.done == paused_at
    assert "Resume sends the rows left" in dialog.summary.text()
    # The window is usable at once, and offers Resume for the rows left.
    qtbot.waitUntil(dialog.resume_button.isVisible, timeout=5000)
    assert dialog.resume_button.text() == f"Resu&me ({60 - paused_at} left)"
    assert dialog.send_button.isEnabled() and dialog.picker.isEnabled()

    # The same file loaded again (as after a restart) is still known to be partly done.
    load(qtbot, dialog, path)
    assert dialog.resume_button.isVisible()
    assert f"{paused_at} of them were done before" in dialog.counts.text()
    assert dialog.model.index(0, OUTCOME).data() == "Done in an earlier run"
    dialog.pace.set_values(200, 10)
    again = run(qtbot, dialog, dialog.resume_button)
    assert (again.skipped, again.done, again.failed) == (paused_at, 60 - paused_at, 0)
    assert [portal.updates_of(i) for i in ids] == [1] * 60
    assert dialog.progress.value() == 60
    qtbot.waitUntil(lambda: not dialog.resume_button.isVisible(), timeout=5000)  # all done


def test_the_window_keeps_ticking_during_a_300_row_run(qtbot, demo_window, sandbox, tmp_path):
    portal = sandbox.bitrix24
    portal.set_rate_limit(500, 50)
    ids = portal.seed_messages(300)
    path = tmp_path / "300.csv"
    write_rows(path, ids, status="undelivered")
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    dialog.pace.set_values(200, 10)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    started = time.perf_counter()
    summary = run(qtbot, dialog, dialog.send_button)
    finished = time.perf_counter()
    timer.stop()
    assert summary.done == 300
    gaps = [b - a for a, b in zip([started, *ticks], [*ticks, finished], strict=True)]
    assert finished - started >= 1.0  # 300 rows at 200/s with a burst of 10
    assert max(gaps) < 0.3, f"the UI thread stalled for {max(gaps):.2f} s"
    assert all(n == 1 for n in (portal.updates_of(i) for i in ids))


def test_pasted_rows_for_a_production_profile_ask_once(qtbot, demo_desk, sandbox):
    creds = sandbox.credentials
    live = Profile("Customer live", "bitrix24", sandbox.bitrix24_url,
                   options={"code": creds.b24_code, "auth": "oauth"}, production=True)
    demo_desk.profiles.add(live)
    demo_desk.secrets.set(live.name, "access-token", creds.b24_access_token)
    ids = sandbox.bitrix24.seed_messages(3)
    window = open_window(qtbot, demo_desk)
    try:
        dialog = batch_window(qtbot, window, live.name)
        assert "PRODUCTION" in dialog.target.text()
        dialog.paste.setPlainText("message_id,status\n" + "\n".join(f"{i},sent" for i in ids))
        with qtbot.waitSignal(dialog.source.checked, timeout=5000):
            dialog.check_button.click()
        assert dialog.file_label.text().startswith("pasted rows")
        dialog.send_button.click()
        qtbot.waitUntil(lambda: dialog.question is not None and dialog.question.isVisible())
        text = dialog.question.text()
        assert "PRODUCTION" in text and "127.0.0.1" in text and "Rows to send:  3" in text
        dialog.question.button(QMessageBox.StandardButton.Cancel).click()
        qtbot.wait(200)
        assert len(sandbox.received) == 0

        dialog.send_button.click()
        qtbot.waitUntil(lambda: dialog.question is not None and dialog.question.isVisible())
        go = next(b for b in dialog.question.buttons() if "to production" in b.text())
        with qtbot.waitSignal(dialog.runner.finished, timeout=10000) as done:
            go.click()
        assert done.args[0].done == 3
        assert all(sandbox.bitrix24.updates_of(i) == 1 for i in ids)
    finally:
        close_window(window)


def test_a_file_that_is_no_batch_is_explained(qtbot, demo_window, sandbox, tmp_path):
    path = tmp_path / "notes.csv"
    path.write_text("id,state\n1,ok\n", encoding="utf-8")
    dialog = batch_window(qtbot, demo_window)
    with qtbot.waitSignal(dialog.source.problem, timeout=5000):
        dialog.load_file(path)
    assert "header" in dialog.counts.text() and "Nothing was sent" in dialog.counts.text()
    assert dialog.model.rowCount() == 0 and not dialog.send_button.isEnabled()


def test_busy_answers_are_announced_and_retried(qtbot, demo_window, sandbox, tmp_path):
    portal = sandbox.bitrix24
    portal.set_rate_limit(500, 50)
    ids = portal.seed_messages(6)
    portal.fail_every(4, "QUERY_LIMIT_EXCEEDED")  # the 4th call is refused once
    path = tmp_path / "busy.csv"
    write_rows(path, ids)
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    dialog.pace.set_values(200, 10)
    notices: list[str] = []
    dialog.runner.waiting.connect(lambda *_: notices.append(dialog.notice.text()))
    summary = run(qtbot, dialog, dialog.send_button)
    assert (summary.done, summary.failed, summary.retries) == (6, 0, 1)
    # Rows start at 2. Over the limit: tried again at the pace it taught, not after 1 s.
    assert notices == ["Row 5: QUERY_LIMIT_EXCEEDED, again in under a second"]
    assert dialog.model.index(3, OUTCOME).data() == "Done (after 2 attempts)"
    assert "6 done, 0 failed; 1 retry." in dialog.summary.text()
    assert [portal.updates_of(i) for i in ids] == [1] * 6


def test_closing_hides_a_run_and_quitting_stops_it(qtbot, demo_desk, sandbox, tmp_path):
    portal = sandbox.bitrix24
    portal.set_rate_limit(500, 50)
    ids = portal.seed_messages(200)
    path = tmp_path / "long.csv"
    write_rows(path, ids)
    window = open_window(qtbot, demo_desk)
    try:
        dialog = batch_window(qtbot, window)
        load(qtbot, dialog, path)
        dialog.pace.set_values(20, 1)
        dialog.send_button.click()
        qtbot.waitUntil(lambda: len(dialog.finished_rows) >= 3, timeout=10000)
        dialog.close()
        assert not dialog.isVisible() and dialog.runner.running
        assert "goes on in the background" in window.statusBar().currentMessage()
        seen = len(dialog.finished_rows)
        qtbot.waitUntil(lambda: len(dialog.finished_rows) > seen + 2, timeout=10000)
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        press(qtbot, window, "Ctrl+B")
        qtbot.waitUntil(dialog.isVisible)
        assert dialog.runner.running and dialog.progress.value() > seen
    finally:
        close_window(window)  # stops the run after the call in flight
    assert dialog.runner.wait(0)  # the worker has ended
    recorded = {e.message_id for e in demo_desk.history.search(HistoryFilter(limit=1000))}
    sent = {i for i in ids if portal.updates_of(i)}
    assert sent == recorded and len(sent) < 200  # every call that went out is recorded
    assert all(portal.updates_of(i) == 1 for i in sent)


def test_quitting_during_a_run_cuts_the_call_and_leaves_its_row_for_resume(
        qtbot, demo_window, demo_desk, sandbox, tmp_path):
    """Closing the main window while a row waits on a slow portal (10 s) does not wait for
    it: the call is cut, recorded as not finished, and the row is still to be sent."""
    ids = sandbox.bitrix24.seed_messages(3, start=700)
    path = tmp_path / "slow.csv"
    write_rows(path, ids)
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    batch_id = dialog.source.batch.batch_id
    sandbox.set_delay(10)
    try:
        dialog.send_button.click()
        qtbot.waitUntil(lambda: len(sandbox.received) == 1, timeout=5000)
        started = time.monotonic()
        demo_window.close()
        assert time.monotonic() - started < 3, "quitting waited for the slow portal"
    finally:
        sandbox.set_delay(0)
    [entry] = demo_desk.history.search(HistoryFilter(batch_id=batch_id))
    assert (entry.message_id, entry.outcome_code) == (ids[0], "cancelled")
    assert demo_desk.history.rows_done(DEMO_BITRIX24, batch_id) == set()


def test_a_run_started_before_the_earlier_rows_are_known_keeps_its_controls(
        qtbot, demo_window, sandbox, tmp_path):
    """After a run the window looks up which rows are done (a job). Send pressed before
    that answer comes must not see its Pause/Cancel disabled and the picker enabled."""
    ids = sandbox.bitrix24.seed_messages(2, start=800)
    path = tmp_path / "twice.csv"
    write_rows(path, ids)
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    dialog.pace.set_values(200, 10)
    run(qtbot, dialog, dialog.send_button)  # its end starts the look-up of earlier rows
    sandbox.set_delay(2)
    try:
        dialog.send_button.click()  # before that look-up has answered
        assert dialog.runner.running
        with qtbot.waitSignal(dialog.source.earlier_changed, timeout=5000):
            pass  # the look-up's answer arrives during the new run
        assert dialog.runner.running
        assert dialog.cancel_button.isEnabled() and not dialog.picker.isEnabled()
        dialog.cancel_button.click()
    finally:
        sandbox.set_delay(0)
    qtbot.waitUntil(lambda: not dialog.runner.running, timeout=10000)


def test_plans_are_presets_and_the_estimate_is_shown_before_sending(
        qtbot, demo_window, sandbox, tmp_path):
    ids = sandbox.bitrix24.seed_messages(3000)
    path = tmp_path / "big.csv"
    write_rows(path, ids)
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    pace = dialog.pace
    assert pace.estimate.text() == "3,000 rows at 2 calls/s, 10 at once: about 25 minutes."
    plans = [pace.plan.itemText(i) for i in range(pace.plan.count())]
    assert plans[1:] == ["Standard plans: 2 calls/s, bursts of 50",
                         "Enterprise: 5 calls/s, bursts of 250"]
    pace.plan.setCurrentIndex(2)
    assert pace.values() == (5.0, 250) and pace.burst.maximum() == 250
    assert pace.estimate.text() == "3,000 rows at 5 calls/s, 250 at once: about 9 minutes."
    pace.plan.setCurrentIndex(0)
    assert pace.values() == (2.0, 10) and pace.burst.maximum() == 10


def test_the_limit_a_refusal_showed_is_kept_and_said(qtbot, demo_window, sandbox, tmp_path):
    portal = sandbox.bitrix24
    portal.set_rate_limit(40, 5)  # Bitrix24's bucket 20x faster, burst 5 below the run's 10
    ids = portal.seed_messages(80)
    path = tmp_path / "limited.csv"
    write_rows(path, ids)
    dialog = batch_window(qtbot, demo_window)
    load(qtbot, dialog, path)
    dialog.pace.set_values(40, 10)
    summary = run(qtbot, dialog, dialog.send_button)
    assert (summary.done, summary.failed) == (80, 0)
    assert portal.limit_refusals == 1  # never refused again
    note = dialog.pace_note.text()
    assert dialog.pace_note.isVisible() and "over its limit (QUERY_LIMIT_EXCEEDED)" in note
    assert "keeps under it: at most 38 calls/s" in note and note in dialog.summary.text()
