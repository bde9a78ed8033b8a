"""What both front ends work with: profiles, the keyring, the history and open connections.

Nothing here is Qt; every method may block (disk, keyring, network): the window calls it
from its job threads only (gui.jobs). Heavy core modules (httpx, lxml, keyring) are imported
on first use, inside those threads, so the window opens without waiting for them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from core.profiles import HISTORY_FILE, Profile, ProfileStore, config_dir, history_dir

if TYPE_CHECKING:
    from core.history import History
    from core.secrets import Secrets
    from core.transport import Connection


class SerialSecrets:
    """A SecretStore whose calls run one at a time: D-Bus keyrings dislike concurrency."""

    def __init__(self, store: Secrets | None = None) -> None:
        self._store = store
        self._lock = threading.Lock()

    def _target(self) -> Secrets:
        if self._store is None:
            from core.secrets import SecretStore

            self._store = SecretStore()
        return self._store

    def check(self) -> str:
        with self._lock:
            return self._target().check()

    def get(self, profile: str, field: str) -> str | None:
        with self._lock:
            return self._target().get(profile, field)

    def set(self, profile: str, field: str, value: str) -> None:
        with self._lock:
            self._target().set(profile, field, value)

    def set_many(self, profile: str, values: Mapping[str, str]) -> None:
        with self._lock:
            self._target().set_many(profile, values)

    def delete(self, profile: str, field: str) -> bool:
        with self._lock:
            return self._target().delete(profile, field)

    def read_all(self, profile: str, fields: Iterable[str]) -> dict[str, str]:
        with self._lock:
            return self._target().read_all(profile, list(fields))


class MemorySecrets:
    """Secrets held in memory only: for --screenshot, which must not touch the keyring."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, str], str] = {}

    def check(self) -> str:
        return "memory (this run only)"

    def get(self, profile: str, field: str) -> str | None:
        return self._values.get((profile, field))

    def set(self, profile: str, field: str, value: str) -> None:
        if not value:
            raise ValueError(f"The {field!r} credential of profile {profile!r} is empty.")
        self._values[(profile, field)] = value

    def set_many(self, profile: str, values: Mapping[str, str]) -> None:
        for field, value in values.items():
            self.set(profile, field, value)

    def delete(self, profile: str, field: str) -> bool:
        return self._values.pop((profile, field), None) is not None

    def read_all(self, profile: str, fields: Iterable[str]) -> dict[str, str]:
        return {f: self._values[(profile, f)] for f in fields if (profile, f) in self._values}


class Connections:
    """One core Connection per profile, reused between calls; replaced when cancelled.

    Discarding a connection closes it, which aborts the call in flight: its thread ends at
    once with a "cancelled" outcome (see core.transport.Connection.abort) that the window
    no longer waits for, and nothing more goes out on it; the next call gets a new one.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, tuple[Profile, Connection]] = {}

    def get(self, profile: Profile) -> Connection:
        from core.transport import Connection

        with self._lock:
            found = self._open.get(profile.name)
            if found is not None and found[0] == profile:
                return found[1]
            stale = found[1] if found else None
            connection = Connection(profile)
            self._open[profile.name] = (profile, connection)
        if stale is not None:
            stale.close()
        return connection

    def discard(self, name: str) -> None:
        """Abort and close the profile's connection (Cancel), if it has one."""
        with self._lock:
            found = self._open.pop(name, None)
        if found is not None:
            found[1].close()

    def close_all(self) -> None:
        with self._lock:
            found, self._open = list(self._open.values()), {}
        for _, connection in found:
            connection.close()


class Desk:
    """The stores behind one window. Everything defaults to the user's real ones."""

    def __init__(
        self,
        folder: Path | None = None,
        secrets: Secrets | None = None,
    ) -> None:
        self.folder = folder or config_dir()
        self.history_folder = folder or history_dir()
        self.profiles = ProfileStore(self.folder)
        self.secrets: Secrets = secrets if secrets is not None else SerialSecrets()
        self.connections = Connections()
        self._history: History | None = None

    @property
    def history(self) -> History:
        """Imported on first use (from a job thread): sqlite3 need not delay the window."""
        if self._history is None:
            from core.history import History

            self._history = History(self.history_folder / HISTORY_FILE)
        return self._history

    def has_history(self) -> bool:
        """Whether the history is open or its file exists: False before the first record,
        when listing it would find nothing (and would import sqlite3 for that)."""
        return self._history is not None or (self.history_folder / HISTORY_FILE).exists()
