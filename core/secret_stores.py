"""Secret stores beside the keyring's own: one that serialises its calls (D-Bus keyrings
dislike concurrency), one in memory for --screenshot, which must not touch the keyring,
and one that remembers what it read for the length of a batch run."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from core.secrets import Secrets


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


@runtime_checkable
class ReadsAfresh(Protocol):
    """A store that remembers what it read, and can read the keyring itself when asked."""

    def read_afresh(self, profile: str, fields: Iterable[str]) -> dict[str, str]: ...


def read_current(store: Secrets, profile: str, fields: Iterable[str]) -> dict[str, str]:
    """What the keyring holds now, past any remembered copy (renewals ask this: another
    window or command may have renewed the credentials meanwhile)."""
    if isinstance(store, ReadsAfresh):
        return store.read_afresh(profile, fields)
    return store.read_all(profile, fields)


class RememberedSecrets:
    """A store for one batch run: each credential is read from the keyring once and then
    remembered (a 20,000-row run asked the keyring 20,000 times); whatever is written
    (a renewal's new tokens) goes to the keyring and is remembered as written; a renewal
    reads afresh (``read_current``). A failed write forgets what it touched."""

    def __init__(self, store: Secrets) -> None:
        self._store = store
        self._known: dict[tuple[str, str], str | None] = {}  # None: not stored
        self._lock = threading.Lock()

    def check(self) -> str:
        return self._store.check()

    def get(self, profile: str, field: str) -> str | None:
        return self.read_all(profile, [field]).get(field)

    def read_all(self, profile: str, fields: Iterable[str]) -> dict[str, str]:
        fields = list(fields)
        with self._lock:
            missing = [f for f in fields if (profile, f) not in self._known]
        if missing:
            self._remember(profile, missing, self._store.read_all(profile, missing))
        with self._lock:
            return {f: v for f in fields if (v := self._known.get((profile, f))) is not None}

    def read_afresh(self, profile: str, fields: Iterable[str]) -> dict[str, str]:
        fields = list(fields)
        found = self._store.read_all(profile, fields)
        self._remember(profile, fields, found)
        return found

    def set(self, profile: str, field: str, value: str) -> None:
        self.set_many(profile, {field: value})

    def set_many(self, profile: str, values: Mapping[str, str]) -> None:
        try:
            self._store.set_many(profile, values)
        except BaseException:
            self._forget(profile, values)
            raise
        self._remember(profile, list(values), dict(values))

    def delete(self, profile: str, field: str) -> bool:
        try:
            return self._store.delete(profile, field)
        finally:
            self._forget(profile, [field])

    def _remember(self, profile: str, fields: list[str], found: Mapping[str, str]) -> None:
        with self._lock:
            for field in fields:
                self._known[(profile, field)] = found.get(field)

    def _forget(self, profile: str, fields: Iterable[str]) -> None:
        with self._lock:
            for field in fields:
                self._known.pop((profile, field), None)
