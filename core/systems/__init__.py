"""The registry of target systems: adding a third system is adding one module here."""

from __future__ import annotations

from core.systems.base import TargetSystem
from core.systems.bitrix24 import Bitrix24
from core.systems.superoffice import SuperOffice

SYSTEMS: dict[str, TargetSystem] = {system.key: system for system in (SuperOffice(), Bitrix24())}


def get_system(key: str) -> TargetSystem:
    try:
        return SYSTEMS[key]
    except KeyError:
        known = ", ".join(SYSTEMS)
        raise KeyError(f"Unknown system {key!r}; known systems: {known}.") from None
