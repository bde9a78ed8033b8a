"""Issue 16's Done-when: a send and a batch made with the keyboard alone, from the main
window's first focus; keys go where the focus is, as a person's would. (The keyboard-only
profile creation is in test_window_day.py.)"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWidget

from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.drive import press


def key(qtbot, which, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(QApplication.focusWidget(), which, modifiers)


def alt(qtbot, which) -> None:
    key(qtbot, which, Qt.KeyboardModifier.AltModifier)


def tab_to(qtbot, target: QWidget, most: int = 25) -> None:
    """Tab on until ``target`` has the focus, as a person would (never more than ``most``)."""
    passed = []
    for _ in range(most):
        if target.hasFocus():
            return
        now = QApplication.focusWidget()
        passed.append(now.objectName() or type(now).__name__)
        key(qtbot, Qt.Key.Key_Tab)
    assert target.hasFocus(), " | ".join(passed)


def pick(qtbot, current, wanted: str, most: int = 6) -> None:
    """Down (then Up) in a focused profile list until ``current()`` names ``wanted``."""
    for direction in (Qt.Key.Key_Down, Qt.Key.Key_Up):
        for _ in range(most):
            if current() == wanted:
                return
            key(qtbot, direction)
    assert current() == wanted


def test_a_send_with_the_keyboard_alone(qtbot, demo_window, sandbox):
    window = demo_window
    alt(qtbot, Qt.Key.Key_P)  # &Profile
    assert window.picker.hasFocus()
    pick(qtbot, lambda: window.picker.current_profile().name, DEMO_SUPEROFFICE)
    qtbot.waitUntil(lambda: window.form.profile.name == DEMO_SUPEROFFICE
                    and all(w.isVisible() for w in window.form.widgets()))
    message_id, status = window.form.fields["message_id"], window.form.fields["status"]
    tab_to(qtbot, message_id)
    message_id.selectAll()
    qtbot.keyClicks(message_id, "SO-1004")
    key(qtbot, Qt.Key.Key_Tab)
    assert status.hasFocus()
    qtbot.keyClicks(QApplication.focusWidget(), "3")
    with qtbot.waitSignal(window.exchange_shown, timeout=10000) as shown:
        press(qtbot, window, "Ctrl+Return")
    assert shown.args[0].outcome.ok, shown.args[0].outcome
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1004")[0] == 3
    qtbot.waitUntil(lambda: window.history.model.row_total() >= 1)
    newest = window.history.model.entry(0)
    assert (newest.message_id, newest.status) == ("SO-1004", "3 (Failed (demo plugin))")


def test_a_batch_with_the_keyboard_alone(qtbot, demo_window, sandbox):
    window = demo_window
    press(qtbot, window, "Ctrl+B")
    batch = window.batch_window
    qtbot.waitUntil(lambda: batch is not None and batch.isActiveWindow())
    alt(qtbot, Qt.Key.Key_P)  # &Profile
    pick(qtbot, lambda: batch.profile().name, DEMO_BITRIX24)
    paste = batch.rows_box.paste
    tab_to(qtbot, paste)
    ids = sandbox.bitrix24_messages[:3]
    qtbot.keyClicks(paste, "message_id,status")
    for message_id in ids:
        key(qtbot, Qt.Key.Key_Return)
        qtbot.keyClicks(paste, f"{message_id},delivered")
    with qtbot.waitSignal(batch.source.checked, timeout=5000):
        alt(qtbot, Qt.Key.Key_K)  # Chec&k pasted rows
    qtbot.waitUntil(lambda: batch.send_button.isEnabled())
    with qtbot.waitSignal(batch.runner.finished, timeout=30000) as finished:
        alt(qtbot, Qt.Key.Key_S)  # &Send 3 rows
    summary = finished.args[0]
    assert summary.done == 3, summary
    code = sandbox.credentials.b24_code
    assert [sandbox.bitrix24.status_of(code, m) for m in ids] == ["delivered"] * 3
    key(qtbot, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not batch.isVisible())
