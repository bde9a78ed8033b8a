"""The argument checks the sandbox's controls share: the simulators' own methods and the
control endpoint (sandbox/control.py), which checks every key before applying any."""

from __future__ import annotations

MAX_STALL_SECONDS = 600.0


def check_count(value: object, name: str, minimum: int, maximum: int | None = None) -> int:
    """``value`` if it is an integer (not a bool) of at least ``minimum`` (and at most
    ``maximum``); ValueError naming ``name`` otherwise."""
    if (isinstance(value, bool) or not isinstance(value, int) or value < minimum
            or (maximum is not None and value > maximum)):
        bounds = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an integer {bounds}, not {value!r}")
    return value


def check_every(n: object) -> int:
    """The ``n`` of a fault schedule (every n-th call): an integer >= 1."""
    return check_count(n, "n", 1)


def check_seconds(seconds: object, name: str = "seconds") -> float:
    """A stall or reset time: a number of seconds in (0, MAX_STALL_SECONDS]."""
    if (isinstance(seconds, bool) or not isinstance(seconds, int | float)
            or not 0 < seconds <= MAX_STALL_SECONDS):
        raise ValueError(f"{name} must be a number in (0, {MAX_STALL_SECONDS:g}], "
                         f"not {seconds!r}")
    return float(seconds)


def check_rate(value: object, name: str) -> float:
    """A rate (per second): a number >= 0."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(f"{name} must be a number >= 0, not {value!r}")
    return float(value)
