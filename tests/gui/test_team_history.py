"""The team history in the window: chosen in Settings (Test first, off the UI thread), the
team's rows in the history panel with a filter by person, rows waiting while the server is
away, and the question before setting a status a teammate set. Real parts: the session's
PostgreSQL server, the sandbox, the isolated keyring, the real window (offscreen).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QMessageBox

from core.desk import Desk
from core.exchange import StatusUpdate
from sandbox.demo import DEMO_SUPEROFFICE, demo_profiles, install_demo
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import back_to, choose, fill, mnemonics, open_question, send_and_wait

pytestmark = pytest.mark.keyring


@pytest.fixture
def window(qtbot, statusdesk_home, secret_store, sandbox):
    desk = Desk(statusdesk_home, secret_store, who="alice")
    install_demo(desk, sandbox)
    for profile, secrets in demo_profiles(sandbox):  # removed again after the test
        for field, value in secrets.items():
            secret_store.set(profile.name, field, value)
    shown = open_window(qtbot, desk)
    yield shown
    close_window(shown)


def _choose_team(qtbot, window, url: str, password: str) -> None:
    window.open_settings()
    dialog = window.settings_dialog
    box = dialog.team_box
    qtbot.waitUntil(box.isEnabled)  # the current setting was read (a job)
    assert not box.on.isChecked() and not box.address.isEnabled()
    keys = [key for key, _ in mnemonics(dialog)]  # Alt+W reaches the password field
    assert len(keys) == len(set(keys)) and "w" in keys
    (label,) = [w for w in box.findChildren(QLabel) if w.text() == "Pass&word"]
    assert label.buddy() is box.password
    box.on.setChecked(True)
    box.address.setText(url)
    box.password.setText(password)
    box.test_button.click()
    assert box.result.text() == "Testing…"  # the window did not wait for the server
    qtbot.waitUntil(lambda: box.result.text().startswith("✓"), timeout=10000)
    assert "over TLS" in box.result.text() and "as team_" in box.result.text()
    with qtbot.waitSignal(dialog.accepted, timeout=10000):
        dialog.accept()
    qtbot.waitUntil(lambda: window.history.title.text() == "<b>Team history</b>")
    back_to(qtbot, window)


def test_settings_choose_the_team_history_and_the_panel_shows_the_team(
        qtbot, window, team_database, tmp_path, secret_store, sandbox, statusdesk_home):
    url, password = team_database
    _choose_team(qtbot, window, url, password)
    # Bob, on another desk, sends one.
    bob = Desk(tmp_path / "bob", secret_store, who="bob")
    bob.team.use(url, password)
    profile = demo_profiles(sandbox)[0][0]
    assert bob.send(profile, StatusUpdate(sandbox.superoffice_messages[1], "2")).ok
    window.history.search()
    qtbot.waitUntil(lambda: [e.who for e in window.history.model.entries] == ["bob"])
    qtbot.waitUntil(lambda: window.history.who_box.findData("bob") > 0)

    choose(qtbot, window, DEMO_SUPEROFFICE)
    fill(window, sandbox.superoffice_messages[0], "2")
    assert send_and_wait(qtbot, window).outcome.ok
    qtbot.waitUntil(lambda: [e.who for e in window.history.model.entries] == ["alice", "bob"])
    model = window.history.model
    tip = model.data(model.index(1, 0), Qt.ItemDataRole.ToolTipRole)
    assert f"by bob on {model.entries[1].machine}" in tip and model.entries[1].machine
    box = window.history.who_box
    box.setCurrentIndex(box.findData("bob"))
    qtbot.waitUntil(lambda: [e.who for e in window.history.model.entries] == ["bob"])
    assert not window.history.waiting.isVisible()
    for path in (p for p in statusdesk_home.rglob("*") if p.is_file()):
        assert password.encode() not in path.read_bytes(), path


def test_a_teammates_status_is_named_before_sending_again(
        qtbot, window, team_database, tmp_path, secret_store, sandbox):
    url, password = team_database
    _choose_team(qtbot, window, url, password)
    message = sandbox.superoffice_messages[2]
    bob = Desk(tmp_path / "bob", secret_store, who="bob")
    bob.team.use(url, password)
    assert bob.send(demo_profiles(sandbox)[0][0], StatusUpdate(message, "3")).ok
    received = len(sandbox.received)

    choose(qtbot, window, DEMO_SUPEROFFICE)
    fill(window, message, "2")
    window.flow.send()
    question = open_question(qtbot, window)
    assert question.windowTitle() == "Set this status again?"
    assert question.text().startswith("bob on ") and f"message {message}" in question.text()
    assert "to '3 (Failed (demo plugin))'" in question.text()
    question.button(QMessageBox.StandardButton.Cancel).click()
    qtbot.waitUntil(lambda: not question.isVisible())
    assert len(sandbox.received) == received  # nothing was sent


def test_rows_wait_while_the_server_is_away_and_go_when_it_is_back(
        qtbot, window, team_database, postgres_server, sandbox):
    url, password = team_database
    _choose_team(qtbot, window, url, password)
    choose(qtbot, window, DEMO_SUPEROFFICE)
    fill(window, sandbox.superoffice_messages[3], "2")
    postgres_server.stop()
    try:
        assert send_and_wait(qtbot, window).outcome.ok
        waiting = window.history.waiting
        qtbot.waitUntil(waiting.isVisible)
        assert waiting.text() == "⚠ 1 waiting for the team history"
        assert "cannot be reached" in waiting.toolTip()
    finally:
        postgres_server.start()
    window.team.deliver()  # what the minute's timer does
    qtbot.waitUntil(lambda: not window.history.waiting.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: [e.who for e in window.history.model.entries] == ["alice"])


def test_the_batch_window_skips_what_a_teammate_set_already(
        qtbot, window, team_database, tmp_path, secret_store, sandbox):
    """Issue 17: the batch's check lists a row a teammate set to the same status in the
    last 24 hours; it is skipped (never sent), the others go."""
    from gui.batch.table import CHECK, OUTCOME
    from tests.gui.test_batch_window import batch_window, load, run

    url, password = team_database
    _choose_team(qtbot, window, url, password)
    first, second = sandbox.superoffice_messages[1:3]
    bob = Desk(tmp_path / "bob", secret_store, who="bob")
    bob.team.use(url, password)
    assert bob.send(demo_profiles(sandbox)[0][0], StatusUpdate(first, "2")).ok
    rows = tmp_path / "outage.csv"
    rows.write_text(f"message_id,status\n{first},2\n{second},2\n", encoding="utf-8")

    dialog = batch_window(qtbot, window, DEMO_SUPEROFFICE)
    load(qtbot, dialog, rows)
    check = dialog.model.index(0, CHECK).data()  # row 2's
    assert check.startswith("bob on ") and check.endswith("it has this status already.")
    assert dialog.model.index(0, OUTCOME).data() == "Skipped (a teammate set it)"
    assert "1 to send" in dialog.counts.text() and "by a teammate already" in \
        dialog.counts.text()
    received = len(sandbox.received)
    summary = run(qtbot, dialog, dialog.send_button)
    assert summary.done == 1
    assert [first.encode() in r.body for r in sandbox.received[received:]] == [False]
