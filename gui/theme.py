"""The window's colours: the system's (the default), light or dark, chosen in Settings.

Qt's own means first: from Qt 6.8, ``QStyleHints.setColorScheme`` asks the platform for
a light or dark scheme (Windows 11 and macOS draw it, title bars and menus included).
Where the platform does not follow (Linux without a desktop that does, Xvfb, offscreen),
the palette is checked: then the window uses Qt's Fusion style with a light or a dark
palette, which looks the same on every OS. "System" puts back the style the application
started with and the platform's own palette (which follows the desktop again). Everything
else that draws colours (the traffic highlighter, the outcome banner, the find bar) reads
them from the palette (``is_dark``).
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

from gui.inspector.highlighter import is_dark

SYSTEM, LIGHT, DARK = "system", "light", "dark"
THEMES = {SYSTEM: "System", LIGHT: "Light", DARK: "Dark"}  # key -> name in Settings
THEME_KEY = "appearance/theme"

_started_with: dict[str, str] = {}  # the style's name before any change

_DARK_COLOURS = {
    QPalette.ColorRole.Window: "#2b2d30",
    QPalette.ColorRole.WindowText: "#e3e3e3",
    QPalette.ColorRole.Base: "#1e1f22",
    QPalette.ColorRole.AlternateBase: "#27292c",
    QPalette.ColorRole.ToolTipBase: "#3a3d41",
    QPalette.ColorRole.ToolTipText: "#e3e3e3",
    QPalette.ColorRole.PlaceholderText: "#9a9da1",
    QPalette.ColorRole.Text: "#e3e3e3",
    QPalette.ColorRole.Button: "#35373b",
    QPalette.ColorRole.ButtonText: "#e3e3e3",
    QPalette.ColorRole.BrightText: "#ff7b72",
    QPalette.ColorRole.Light: "#4b4e53",
    QPalette.ColorRole.Midlight: "#3e4145",
    QPalette.ColorRole.Mid: "#2a2c2f",
    QPalette.ColorRole.Dark: "#1a1b1d",
    QPalette.ColorRole.Shadow: "#0d0d0e",
    QPalette.ColorRole.Highlight: "#3574f0",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.Link: "#78b4ff",
    QPalette.ColorRole.LinkVisited: "#c39bff",
    QPalette.ColorRole.Accent: "#3574f0",
}
_DARK_DISABLED = {
    QPalette.ColorRole.WindowText: "#7d8085",
    QPalette.ColorRole.Text: "#7d8085",
    QPalette.ColorRole.ButtonText: "#7d8085",
    QPalette.ColorRole.Base: "#26282b",
    QPalette.ColorRole.Button: "#2f3134",
    QPalette.ColorRole.Highlight: "#4b4e53",
}


def theme(settings: QSettings) -> str:
    """The theme kept in the settings; "system" when none (or an unknown one) is."""
    value = str(settings.value(THEME_KEY, SYSTEM) or SYSTEM)
    return value if value in THEMES else SYSTEM


def set_theme(settings: QSettings, name: str) -> None:
    settings.setValue(THEME_KEY, name if name in THEMES else SYSTEM)
    settings.sync()


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour in _DARK_COLOURS.items():
        palette.setColor(role, QColor(colour))
    for role, colour in _DARK_DISABLED.items():
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(colour))
    return palette


def light_palette() -> QPalette:
    fusion = QStyleFactory.create("Fusion")
    return fusion.standardPalette()


def apply_theme(app: QApplication, name: str) -> None:
    """Show ``name`` ("system", "light" or "dark") in every window of ``app``, now."""
    if name not in (LIGHT, DARK):
        if _started_with:  # nothing to undo when no theme was ever chosen
            _back_to_system(app)
        return
    _started_with.setdefault("style", app.style().name())
    dark = name == DARK
    _back_to_system(app)
    if _ask_platform(dark) and is_dark(app.palette()) == dark:
        return  # the platform draws it (Qt 6.8+ on Windows 11, macOS, some desktops)
    app.setStyle("Fusion")
    app.setPalette(dark_palette() if dark else light_palette())


def _back_to_system(app: QApplication) -> None:
    """The style the application started with, and a palette with no colour of its own:
    the platform's, following the desktop's changes again."""
    _ask_platform(None)
    app.setStyle(str(_started_with["style"]))
    app.setPalette(QPalette())


def _ask_platform(dark: bool | None) -> bool:
    """Ask the platform for a colour scheme (None: its own again); False before Qt 6.8."""
    hints = QGuiApplication.styleHints()
    if not hasattr(hints, "setColorScheme"):
        return False
    if dark is None:
        hints.unsetColorScheme()
    else:
        hints.setColorScheme(Qt.ColorScheme.Dark if dark else Qt.ColorScheme.Light)
    return True
