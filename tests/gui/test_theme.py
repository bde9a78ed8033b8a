"""The theme setting: System, Light or Dark, shown at once and kept for the next start."""

from __future__ import annotations

from PySide6.QtWidgets import QApplication

from gui.inspector.highlighter import is_dark
from gui.settings import window_settings
from gui.theme import DARK, LIGHT, SYSTEM, apply_theme, theme
from tests.gui.conftest import close_window, open_window


def _choose(dialog, key: str) -> None:
    box = dialog.theme_box
    box.setCurrentIndex(box.findData(key))


def test_dark_is_shown_at_once_and_the_next_window_starts_dark(qtbot, memory_desk):
    app = QApplication.instance()
    window = open_window(qtbot, memory_desk)
    try:
        editor = window.inspector.request.raw
        assert not is_dark(window.palette()) and not is_dark(editor.palette())
        window.open_settings()
        dialog = window.settings_dialog
        qtbot.waitUntil(dialog.isVisible)
        assert [dialog.theme_box.itemText(i) for i in range(dialog.theme_box.count())] == [
            "System", "Light", "Dark"]
        _choose(dialog, DARK)
        # At once, before OK: the window, its panes and their highlighting.
        qtbot.waitUntil(lambda: is_dark(window.palette()) and is_dark(editor.palette()),
                        timeout=2000)
        assert editor.highlighter._formats["header"].foreground().color().lightness() > 128
        dialog.accept()
        close_window(window)
        assert theme(window_settings(memory_desk.folder)) == DARK

        apply_theme(app, SYSTEM)  # as a new start: the application's own colours
        assert not is_dark(app.palette())
        again = open_window(qtbot, memory_desk)
        try:
            assert is_dark(app.palette())
            qtbot.waitUntil(lambda: is_dark(again.inspector.response.raw.palette()),
                            timeout=2000)
        finally:
            close_window(again)
    finally:
        apply_theme(app, SYSTEM)
    assert not is_dark(app.palette())


def test_cancel_puts_the_theme_back_and_keeps_nothing(qtbot, memory_desk):
    app = QApplication.instance()
    window = open_window(qtbot, memory_desk)
    try:
        window.open_settings()
        dialog = window.settings_dialog
        _choose(dialog, DARK)
        qtbot.waitUntil(lambda: is_dark(window.palette()), timeout=2000)
        dialog.reject()
        qtbot.waitUntil(lambda: not is_dark(window.palette()), timeout=2000)
        assert theme(window_settings(memory_desk.folder)) == SYSTEM

        window.open_settings()  # Light chosen on a light system stays light, and is kept
        _choose(window.settings_dialog, LIGHT)
        window.settings_dialog.accept()
        assert not is_dark(app.palette())
        assert theme(window_settings(memory_desk.folder)) == LIGHT
    finally:
        close_window(window)
        apply_theme(app, SYSTEM)
