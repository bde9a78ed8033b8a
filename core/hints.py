"""What to do next, as a value: core says *what* ("store the access token"), each front end
says *where* (the CLI its command, the window its button). Core's own messages therefore
never name a command or a button.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any


class Do(enum.Enum):
    STORE_CREDENTIAL = "store credential"  # ``field``: which one
    SIGN_IN = "sign in"
    TEST = "test the connection"
    RAISE_SIZE_LIMIT = "raise the size limit"
    FILL_SETTING = "fill in a setting"  # ``field``: the profile option's key


@dataclass(frozen=True)
class Hint:
    do: Do
    field: str = ""  # the credential (STORE_CREDENTIAL) or the option (FILL_SETTING)

    def to_dict(self) -> dict[str, str]:
        return {"do": self.do.value, "field": self.field}

    @classmethod
    def from_dict(cls, data: Any) -> Hint | None:
        """A stored hint, or None (rows from before hints, or one this version lacks)."""
        if not isinstance(data, dict):
            return None
        try:
            return cls(Do(data.get("do")), str(data.get("field", "")))
        except ValueError:
            return None


def store(field: str) -> Hint:
    return Hint(Do.STORE_CREDENTIAL, field)


def fill_in(option: str) -> Hint:
    return Hint(Do.FILL_SETTING, option)


SIGN_IN = Hint(Do.SIGN_IN)
TEST = Hint(Do.TEST)
RAISE_SIZE_LIMIT = Hint(Do.RAISE_SIZE_LIMIT)
