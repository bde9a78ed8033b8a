"""One open connection per profile, kept between calls and cut on Cancel."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.profiles import Profile
    from core.transport import Connection


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
