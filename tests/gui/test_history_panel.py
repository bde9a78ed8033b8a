"""The history panel: filters, opening a row, send again, CSV export and pruning.

Rows come from real sends to the sandbox; rows "from other days" or of a removed profile
are real exchanges recorded again with another time or profile name (core.history.record
stores whatever exchange it is given).
"""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QMessageBox

from gui.history.table import OUTCOME, WHEN
from gui.settings import set_keep_days
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import back_to, choose, fill, press, send_and_wait

GONE = "Old customer"  # a profile removed since: only the history knows it


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def record_again(desk, entry_id: int, *, days_ago: float = 0, profile: str = ""):
    """The exchange of a row, recorded once more as if made earlier or by another profile."""
    exchange = desk.history.exchange(entry_id)
    when = datetime.now(UTC) - timedelta(days=days_ago)
    exchange = replace(exchange, timings=replace(exchange.timings, started_at=utc(when)))
    return desk.history.record(replace(exchange, profile=profile or exchange.profile))


def three_sends(qtbot, window, sandbox) -> None:
    """SO-1001 done, SO-404 refused (SuperOffice), one Bitrix24 row done: newest first."""
    choose(qtbot, window, DEMO_SUPEROFFICE)
    for message_id in ("SO-1001", "SO-404"):
        fill(window, message_id, "2", "on handset")
        send_and_wait(qtbot, window)
    choose(qtbot, window, DEMO_BITRIX24)
    fill(window, sandbox.bitrix24_messages[0], "delivered")
    send_and_wait(qtbot, window)


def searched(qtbot, panel, change) -> list[str]:
    """Apply a filter change and return the message ids the panel then lists."""
    with qtbot.waitSignal(panel.results_shown, timeout=5000):
        change()
    return [entry.message_id for entry in panel.model.entries]


def test_filters_by_text_profile_outcome_and_date(qtbot, demo_window, demo_desk, sandbox):
    three_sends(qtbot, demo_window, sandbox)
    b24_id = sandbox.bitrix24_messages[0]
    panel = demo_window.history
    first_id = panel.entry_ids()[-1]  # SO-1001
    record_again(demo_desk, first_id, days_ago=10)
    record_again(demo_desk, first_id, profile=GONE)
    everything = searched(qtbot, panel, panel.search)
    assert everything == ["SO-1001", "SO-1001", b24_id, "SO-404", "SO-1001"]
    assert panel.count.text() == "5 rows"

    # Typing filters as you type (one search after a short pause), in every text column.
    press(qtbot, demo_window, "Ctrl+H")
    assert panel.filter_field.hasFocus()
    assert searched(qtbot, panel, lambda: qtbot.keyClicks(panel.filter_field, "so-40")) == \
        ["SO-404"]
    assert searched(qtbot, panel, lambda: panel.filter_field.setText("ERROR")) == []
    assert searched(qtbot, panel, lambda: panel.filter_field.setText("SoException")) == \
        ["SO-404"]
    assert searched(qtbot, panel, panel.filter_field.clear) == everything

    # Profiles: those of today's profiles and one removed since, which is marked so.
    labels = [panel.profile_box.itemText(i) for i in range(panel.profile_box.count())]
    assert labels == ["All profiles", f"{GONE} (removed)", DEMO_BITRIX24, DEMO_SUPEROFFICE]
    gone = panel.profile_box.findData(GONE)
    assert searched(qtbot, panel, lambda: panel.profile_box.setCurrentIndex(gone)) == \
        ["SO-1001"]
    assert panel.model.index(0, OUTCOME).data() == "Done"
    b24 = panel.profile_box.findData(DEMO_BITRIX24)
    assert searched(qtbot, panel, lambda: panel.profile_box.setCurrentIndex(b24)) == [b24_id]
    assert searched(qtbot, panel, lambda: panel.profile_box.setCurrentIndex(0)) == everything

    failed = panel.outcome_box.findData("failed")
    assert searched(qtbot, panel, lambda: panel.outcome_box.setCurrentIndex(failed)) == \
        ["SO-404"]
    assert panel.model.index(0, OUTCOME).data() == "Refused: SoException"
    assert "The message was not found" in panel.model.index(0, WHEN).data(3)  # tool tip
    refused = panel.outcome_box.findData("refused")
    assert searched(qtbot, panel, lambda: panel.outcome_box.setCurrentIndex(refused)) == \
        ["SO-404"]
    network = panel.outcome_box.findData("transport")
    assert searched(qtbot, panel, lambda: panel.outcome_box.setCurrentIndex(network)) == []
    done = panel.outcome_box.findData("ok")
    assert len(searched(qtbot, panel, lambda: panel.outcome_box.setCurrentIndex(done))) == 4
    searched(qtbot, panel, lambda: panel.outcome_box.setCurrentIndex(0))

    # Dates are local days, both ends included: today alone leaves out the old row.
    today = QDate.currentDate()
    searched(qtbot, panel, lambda: panel.since_edit.setDate(today))
    today_only = [everything[0], *everything[2:]]  # not the row of ten days ago
    assert searched(qtbot, panel, lambda: panel.dates_box.setChecked(True)) == today_only
    assert searched(qtbot, panel, lambda: panel.since_edit.setDate(today.addDays(-12))) == \
        everything
    assert searched(qtbot, panel, lambda: panel.until_edit.setDate(today.addDays(-5))) == \
        ["SO-1001"]
    assert searched(qtbot, panel, lambda: panel.dates_box.setChecked(False)) == everything


def test_a_new_send_appears_only_when_the_filter_lets_it(qtbot, demo_window, sandbox):
    three_sends(qtbot, demo_window, sandbox)
    panel = demo_window.history
    searched(qtbot, panel, lambda: panel.filter_field.setText("SO-"))
    with qtbot.waitSignal(panel.results_shown, timeout=5000):
        fill(demo_window, sandbox.bitrix24_messages[1], "sent")
        send_and_wait(qtbot, demo_window)
    assert [e.message_id for e in panel.model.entries] == ["SO-404", "SO-1001"]
    assert searched(qtbot, panel, panel.filter_field.clear)[0] == sandbox.bitrix24_messages[1]


def test_send_again_fills_the_form_and_sends_nothing(qtbot, demo_window, sandbox):
    three_sends(qtbot, demo_window, sandbox)
    panel = demo_window.history
    sent = len(sandbox.received)
    assert demo_window.form.profile.name == DEMO_BITRIX24
    fill(demo_window, "", "sent")
    # The SuperOffice row with a description: the form switches profile and fills in.
    with qtbot.waitSignal(demo_window.exchange_shown, timeout=5000):
        panel.table.setCurrentIndex(panel.model.index(2, 0))
    panel.table.setFocus()
    press(qtbot, demo_window, "Ctrl+D")
    form = demo_window.form
    assert demo_window.picker.current_profile().name == DEMO_SUPEROFFICE
    assert (form.value("message_id"), form.value("status"), form.value("description")) == \
        ("SO-1001", "2", "on handset")
    qtbot.waitUntil(form.fields["message_id"].hasFocus)
    assert "Nothing was sent" in demo_window.statusBar().currentMessage()

    # From the context menu's action too, for the Bitrix24 row (no description there).
    with qtbot.waitSignal(demo_window.exchange_shown, timeout=5000):
        panel.table.setCurrentIndex(panel.model.index(0, 0))
    panel.send_again_button.click()
    assert demo_window.picker.current_profile().name == DEMO_BITRIX24
    assert (form.value("message_id"), form.value("status")) == \
        (sandbox.bitrix24_messages[0], "delivered")
    qtbot.wait(200)
    assert len(sandbox.received) == sent  # nothing went out


def test_send_again_of_a_removed_profile_says_so(qtbot, demo_window, demo_desk, sandbox):
    three_sends(qtbot, demo_window, sandbox)
    record_again(demo_desk, demo_window.history.entry_ids()[-1], profile=GONE)
    panel = demo_window.history
    searched(qtbot, panel, panel.search)
    with qtbot.waitSignal(demo_window.exchange_shown, timeout=5000):
        panel.table.setCurrentIndex(panel.model.index(0, 0))
    panel.send_again_action.trigger()
    assert f"Profile {GONE!r} no longer exists" in demo_window.statusBar().currentMessage()
    assert demo_window.picker.current_profile().name == DEMO_BITRIX24


def test_export_writes_every_row_the_filter_selects(qtbot, demo_window, sandbox, tmp_path):
    three_sends(qtbot, demo_window, sandbox)
    panel = demo_window.history
    searched(qtbot, panel, lambda: panel.profile_box.setCurrentIndex(
        panel.profile_box.findData(DEMO_SUPEROFFICE)))
    path = tmp_path / "history.csv"
    job = demo_window.history_actions.export(path, panel.filter())
    qtbot.waitUntil(lambda: not demo_window.jobs.is_running(job), timeout=5000)
    assert "Saved 2 history rows" in demo_window.statusBar().currentMessage()
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data and b"\r\r" not in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [(r["message_id"], r["outcome"], r["error_code"]) for r in rows] == \
        [("SO-404", "refused", "SoException"), ("SO-1001", "done", "")]
    assert {r["profile"] for r in rows} == {DEMO_SUPEROFFICE}
    assert rows[1]["description"] == "on handset" and rows[1]["http_status"] == "200"
    assert sandbox.credentials.so_ticket not in data.decode("utf-8")


def test_prune_now_removes_old_rows_after_asking(qtbot, demo_window, demo_desk, sandbox):
    three_sends(qtbot, demo_window, sandbox)
    oldest = demo_window.history.entry_ids()[-1]
    for days in (40, 45):
        record_again(demo_desk, oldest, days_ago=days)
    panel = demo_window.history
    assert len(searched(qtbot, panel, panel.search)) == 5

    demo_window.open_settings()
    dialog = demo_window.settings_dialog
    assert not dialog.keep_box.isChecked() and not dialog.prune_button.isEnabled()
    dialog.keep_box.setChecked(True)
    dialog.days.setValue(30)
    dialog.prune_button.click()
    qtbot.waitUntil(lambda: dialog.question is not None and dialog.question.isVisible())
    dialog.question.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.wait(100)
    assert len(demo_desk.history.recent()) == 5  # asked, said no: nothing deleted

    dialog.prune_button.click()
    qtbot.waitUntil(lambda: dialog.question is not None and dialog.question.isVisible())
    with qtbot.waitSignal(panel.results_shown, timeout=5000):
        next(b for b in dialog.question.buttons() if b.text() == "Delete old rows").click()
    assert dialog.result_label.text() == "Removed 2 history rows older than 30 days."
    assert len(panel.model.entries) == 3
    dialog.accept()
    back_to(qtbot, demo_window)
    from gui.settings import keep_days

    assert keep_days(demo_window.settings) == 30


def test_the_chosen_age_is_pruned_at_start(qtbot, demo_desk, sandbox):
    window = open_window(qtbot, demo_desk)
    try:
        three_sends(qtbot, window, sandbox)
        record_again(demo_desk, window.history.entry_ids()[-1], days_ago=8)
        set_keep_days(window.settings, 7)
    finally:
        close_window(window)
    window = open_window(qtbot, demo_desk)
    try:
        qtbot.waitUntil(lambda: len(window.history.model.entries) == 3, timeout=5000)
        assert "Removed 1 history row older than 7 days." in window.statusBar().currentMessage()
        assert len(demo_desk.history.recent()) == 3
    finally:
        close_window(window)
