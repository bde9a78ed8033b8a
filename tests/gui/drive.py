"""Small steps the tests take on the real window, the way a user would."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from gui.inspector.exchange_view import ExchangeView
from gui.window.main_window import MainWindow


def choose(qtbot, window: MainWindow, profile: str) -> None:
    window.picker.select(profile)
    qtbot.waitUntil(lambda: window.form.profile is not None
                    and window.form.profile.name == profile
                    and all(w.isVisible() for w in window.form.widgets()))


def back_to(qtbot, window) -> None:
    """Activate the window again after a dialog closed: the offscreen platform does not
    give activation back by itself (a window manager would), and keys go to the active one."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)


def fill(window: MainWindow, message_id: str, status: str, description: str = "") -> None:
    window.form.set_value("message_id", message_id)
    window.form.set_value("status", status)
    if description:
        window.form.set_value("description", description)


def press(qtbot, window: MainWindow, keys: str) -> None:
    """A shortcut typed into whatever has focus in the window, e.g. "Ctrl+Return"."""
    *mods, key = keys.split("+")
    modifiers = Qt.KeyboardModifier.NoModifier
    for mod in mods:
        modifiers |= {"Ctrl": Qt.KeyboardModifier.ControlModifier,
                      "Shift": Qt.KeyboardModifier.ShiftModifier}[mod]
    named = {",": Qt.Key.Key_Comma, ".": Qt.Key.Key_Period}
    target = QApplication.focusWidget() or window
    qtbot.keyClick(target, named.get(key) or getattr(Qt.Key, f"Key_{key}"), modifiers)


def send_and_wait(qtbot, window: MainWindow, timeout: int = 10000) -> ExchangeView:
    with qtbot.waitSignal(window.exchange_shown, timeout=timeout) as shown:
        press(qtbot, window, "Ctrl+Return")
    view = shown.args[0]
    assert not view.is_preview
    return view


def preview_and_wait(qtbot, window: MainWindow) -> ExchangeView:
    with qtbot.waitSignal(window.exchange_shown, timeout=10000) as shown:
        press(qtbot, window, "Ctrl+P")
    view = shown.args[0]
    assert view.is_preview
    return view


def open_question(qtbot, window: MainWindow) -> QMessageBox:
    qtbot.waitUntil(lambda: window.flow.confirmation is not None
                    and window.flow.confirmation.isVisible())
    return window.flow.confirmation


def all_visible_text(window) -> str:
    """Every text the window and its children (dialogs too) show, tool tips and titles
    included, to prove a secret is not among them."""
    from PySide6.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QLabel,
        QLineEdit,
        QPlainTextEdit,
        QWidget,
    )

    parts = [window.windowTitle(), window.toolTip()]
    for widget in window.findChildren(QWidget):
        parts += [widget.windowTitle(), widget.toolTip()]
    for widget in window.findChildren(QComboBox):
        parts += [widget.itemText(i) for i in range(widget.count())]
    for widget in window.findChildren(QLabel):
        parts.append(widget.text())
    for widget in window.findChildren(QLineEdit):
        parts.append(widget.text())
    for widget in window.findChildren(QPlainTextEdit):
        parts.append(widget.toPlainText())
    for widget in window.findChildren(QAbstractButton):
        parts.append(widget.text())
    return "\n".join(parts)


def mnemonics(root) -> list[tuple[str, str]]:
    """(key, text) of every visible &-mnemonic under ``root``: buttons, labels, group boxes."""
    import re

    from PySide6.QtWidgets import QAbstractButton, QGroupBox, QLabel

    found = []
    for widget in (*root.findChildren(QAbstractButton), *root.findChildren(QLabel),
                   *root.findChildren(QGroupBox)):
        text = widget.title() if isinstance(widget, QGroupBox) else widget.text()
        match = re.search(r"&([^&])", text.replace("&&", ""))
        if match and widget.isVisibleTo(root):
            found.append((match.group(1).lower(), text))
    return found
