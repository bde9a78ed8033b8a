"""Two secret stores beside the keyring's own: one that serialises its calls (D-Bus keyrings
dislike concurrency) and one in memory for --screenshot, which must not touch the keyring."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

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
