"""Small test helpers shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class DictSecrets:
    """Secrets held in memory, for protocol tests whose subject is not the keyring.

    The keyring itself is tested for real (tests/core/test_secrets.py, tests/cli/test_cli.py).
    """

    def __init__(self, values: dict[str, str]) -> None:
        self.values = dict(values)

    def read_all(self, profile: str, fields: Iterable[str]) -> dict[str, str]:
        return {field: self.values[field] for field in fields if self.values.get(field)}

    def set(self, profile: str, field: str, value: str) -> None:
        self.values[field] = value

    def set_many(self, profile: str, values: Mapping[str, str]) -> None:
        self.values.update(values)
