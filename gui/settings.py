"""Window state (geometry, splitters, last profile) and settings (how long history is
kept) in an INI file beside the profiles.

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


KEEP_DAYS_KEY = "history/keep_days"


def keep_days(settings: QSettings) -> int:
    """How many days of history to keep; 0 keeps it for ever (the default)."""
    try:
        return max(0, int(settings.value(KEEP_DAYS_KEY, 0) or 0))
    except (TypeError, ValueError):
        return 0


def set_keep_days(settings: QSettings, days: int) -> None:
    settings.setValue(KEEP_DAYS_KEY, max(0, int(days)))
    settings.sync()
