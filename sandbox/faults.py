"""Deterministic fault schedules shared by both simulated systems (for bulk-mode tests).

A schedule fires on every n-th status update that reaches it, counted from the moment it
was set; each kind (fail, stall, drop) keeps its own count, so they combine predictably:

- drop: the connection is closed without an answer. ``apply=False`` (default): the update
  is not applied (lost on the way in); ``apply=True``: applied, then the connection dies.
- fail: an error answer instead of the result; the update is not applied.
- stall: the answer (whatever it is) leaves ``seconds`` late. The update is applied when
  the request arrives, as a real server commits and then answers slowly: a client that
  times out and retries sends an update that was already applied.

A drop wins over a fail on the same call; a stall delays either (a hang, then a close).
Not locked: the owning system calls it under its own lock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from sandbox.wire import Reply

FAULT_KINDS = ("fail", "stall", "drop")
MAX_STALL_SECONDS = 600.0

T = TypeVar("T")


def check_every(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1, not {n!r}")
    return n


def check_seconds(seconds: object, name: str = "seconds") -> float:
    if (isinstance(seconds, bool) or not isinstance(seconds, int | float)
            or not 0 < seconds <= MAX_STALL_SECONDS):
        raise ValueError(f"{name} must be a number in (0, {MAX_STALL_SECONDS:g}], "
                         f"not {seconds!r}")
    return float(seconds)


@dataclass
class Every(Generic[T]):
    """Fires on calls n, 2n, 3n, ... after it was set; ``value`` says what it does."""

    n: int
    value: T
    seen: int = 0
    fired: int = 0

    def tick(self) -> bool:
        self.seen += 1
        if self.seen % self.n:
            return False
        self.fired += 1
        return True


@dataclass(frozen=True)
class Decision(Generic[T]):
    """What the schedules make of one status update."""

    fail: T | None = None
    fail_index: int = 0  # how many fails this schedule fired before this one
    stall: float = 0.0
    drop: bool = False
    apply_dropped: bool = False

    @property
    def applies(self) -> bool:
        """Whether the update is processed (its checks run, its status stored)."""
        return (self.apply_dropped if self.drop else self.fail is None)

    def shape(self, reply: Reply) -> Reply:
        """The reply with this decision's lateness and connection drop."""
        if not self.stall and not self.drop:
            return reply
        return replace(reply, delay=self.stall, drop=self.drop)


class FaultSchedules(Generic[T]):
    """The fail, stall and drop schedules of one system, and what they dealt."""

    def __init__(self) -> None:
        self.fail: Every[T] | None = None
        self.stall: Every[float] | None = None
        self.drop: Every[bool] | None = None
        self.dealt: Counter[str] = Counter()

    def clear(self, *kinds: str) -> None:
        """Clear the named kinds ("fail", "stall", "drop"), or all of them."""
        unknown = [kind for kind in kinds if kind not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"kinds are {FAULT_KINDS}, not {unknown!r}")
        for kind in kinds or FAULT_KINDS:
            setattr(self, kind, None)

    def next_call(self) -> Decision[T]:
        """Tick every armed schedule for one status update and say what happens to it.

        A fail is counted in ``dealt`` by the caller, which knows its label (the code).
        """
        fail = self.fail if self.fail is not None and self.fail.tick() else None
        stall = self.stall if self.stall is not None and self.stall.tick() else None
        drop = self.drop if self.drop is not None and self.drop.tick() else None
        if stall is not None:
            self.dealt["stall"] += 1
        if drop is not None:
            self.dealt["drop"] += 1
            if fail is not None:  # the drop wins: this fail's turn passes to the next one
                fail.fired -= 1
                fail = None
        return Decision(fail=fail.value if fail is not None else None,
                        fail_index=fail.fired - 1 if fail is not None else 0,
                        stall=stall.value if stall is not None else 0.0,
                        drop=drop is not None,
                        apply_dropped=drop is not None and drop.value)

    def describe(self, fail: dict[str, object] | None = None) -> dict[str, object]:
        """For the control endpoint's state; ``fail`` adds what the fail schedule answers."""
        return {
            "fail": None if self.fail is None else {"n": self.fail.n, **(fail or {})},
            "stall": None if self.stall is None else {"n": self.stall.n,
                                                      "seconds": self.stall.value},
            "drop": None if self.drop is None else {"n": self.drop.n, "apply": self.drop.value},
            "dealt": dict(self.dealt),
        }
