"""The registry of target systems: adding a third system is adding one module here."""

from __future__ import annotations

from core.systems.base import OptionSpec, TargetSystem
from core.systems.bitrix24 import Bitrix24
from core.systems.superoffice import SuperOffice

SYSTEMS: dict[str, TargetSystem] = {system.key: system for system in (SuperOffice(), Bitrix24())}


def get_system(key: str) -> TargetSystem:
    try:
        return SYSTEMS[key]
    except KeyError:
        known = ", ".join(SYSTEMS)
        raise KeyError(f"Unknown system {key!r}; known systems: {known}.") from None


def option_spec(key: str) -> OptionSpec | None:
    """The profile option of that key (the first system's, where two share one)."""
    return next((o for s in SYSTEMS.values() for o in s.options if o.key == key), None)
