"""Files the window loads from resources/: the app icon and the optional style sheet."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import QSize
from PySide6.QtGui import QIcon

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256)


def resources_dir() -> Path:
    """resources/ beside the packages, or inside a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    candidates = [Path(bundle) / "resources"] if bundle else []
    candidates.append(Path(__file__).resolve().parent.parent / "resources")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[-1]


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
