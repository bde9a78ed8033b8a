"""Files the window loads from resources/: the app icon and the optional style sheet."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def resources_dir() -> Path:
    """The folder of the ``resources`` package: in the source tree, in an installed wheel
    (its package data) and in a PyInstaller bundle (``_MEIPASS/resources``) alike."""
    import resources

    return Path(resources.__file__).resolve().parent


def app_icon() -> QIcon:
    """The icon as PNGs rendered from resources/statusdesk.svg (no SVG plugin needed)."""
    icon = QIcon()
    folder = resources_dir()
    for size in ICON_SIZES:
        path = folder / f"statusdesk-{size}.png"
        if path.exists():
            icon.addFile(str(path), QSize(size, size))  # with a size: decoded when drawn
    return icon


def style_sheet() -> str:
    path = resources_dir() / "statusdesk.qss"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""
