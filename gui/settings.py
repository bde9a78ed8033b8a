"""Window state (geometry, splitters, last profile) and settings (how long history is
kept, how much of each body it keeps) in an INI file beside the profiles.

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


def restore_int(settings: QSettings, key: str, default: int) -> int:
    """A whole number kept under ``key`` (an int this run, a str read back from the file);
    ``default`` when it is missing or not a number."""
    value = settings.value(key, default)
    if isinstance(value, int):
        return value
    try:
        return int(value) if isinstance(value, str) else default
    except ValueError:
        return default


KEEP_DAYS_KEY = "history/keep_days"


def keep_days(settings: QSettings) -> int:
    """How many days of history to keep; 0 keeps it for ever (the default)."""
    return max(0, restore_int(settings, KEEP_DAYS_KEY, 0))


def set_keep_days(settings: QSettings, days: int) -> None:
    settings.setValue(KEEP_DAYS_KEY, max(0, int(days)))
    settings.sync()


BODY_CAP_KEY = "history/body_cap_kib"
DEFAULT_BODY_CAP_KIB = 64  # core.history.BODY_CAP
MAX_BODY_CAP_KIB = 100 * 1024  # the largest answer a profile takes (100 MB)


def body_cap_kib(settings: QSettings) -> int:
    """How many KiB of each request and answer body the history keeps (64 by default)."""
    return min(MAX_BODY_CAP_KIB,
               max(1, restore_int(settings, BODY_CAP_KEY, DEFAULT_BODY_CAP_KIB)))


def set_body_cap_kib(settings: QSettings, kib: int) -> None:
    settings.setValue(BODY_CAP_KEY, min(MAX_BODY_CAP_KIB, max(1, int(kib))))
    settings.sync()
