"""Window state (geometry, splitters, last profile) in an INI file beside the profiles.

Kept in the Desk's folder (core.profiles.config_dir(), STATUSDESK_HOME in tests), so one
folder holds everything StatusDesk remembers and tests never touch the user's settings.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

SETTINGS_FILE = "window.ini"


def window_settings(folder: Path) -> QSettings:
    return QSettings(str(folder / SETTINGS_FILE), QSettings.Format.IniFormat)


def restore_bytes(settings: QSettings, key: str) -> QByteArray | None:
    value = settings.value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None
