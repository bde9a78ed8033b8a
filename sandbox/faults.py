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
FaultSchedules is not locked: FaultControls, the controls both simulated systems inherit,
calls it under the system's lock.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from sandbox.checks import check_every, check_seconds
from sandbox.wire import Reply

FAULT_KINDS = ("fail", "stall", "drop")

T = TypeVar("T")
AnswerT = TypeVar("AnswerT")  # one answer of a system's fail schedule
OneShotT = TypeVar("OneShotT")  # the one-shot injected failure of a system


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


class FaultControls(Generic[AnswerT, OneShotT]):
    """The fault controls both simulated systems inherit, under the system's one lock
    (``_lock``, created here).

    The fail, stall and drop schedules of its status update (Bitrix24's
    messageservice.message.status.update, SuperOffice's SetDeliveryStatus over SOAP or
    REST), what they dealt, and a one-shot injected failure that the system spends on the
    next call it chooses (``take_injected``). A fail schedule answers its answers in turn.
    A system says how a fail is counted in ``faults_dealt`` (``_dealt_as``) and described
    in its control state (``_describe_fail``), and calls ``_reset_faults`` from its reset.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._reset_faults()

    def _reset_faults(self) -> None:
        self._faults: FaultSchedules[tuple[AnswerT, ...]] = FaultSchedules()
        self._injected: OneShotT | None = None

    def _dealt_as(self, answer: AnswerT) -> str:
        """The key a scheduled fail answering ``answer`` is counted under in faults_dealt."""
        return "fail"

    def _describe_fail(self, answers: tuple[AnswerT, ...]) -> dict[str, object]:
        """What the fail schedule answers, for describe_faults."""
        raise NotImplementedError

    def _schedule_fail(self, n: int, answers: Sequence[AnswerT]) -> None:
        """Every n-th status update (from now) fails with the next of ``answers``, in turn.

        ``n`` is checked here, the answers by the system before it calls this.
        """
        n, answers = check_every(n), tuple(answers)
        if not answers:
            raise ValueError("a fail schedule needs at least one answer")
        with self._lock:
            self._faults.fail = Every(n, answers)

    def stall_every(self, n: int, seconds: float) -> None:
        """Every n-th status update (from now) is answered ``seconds`` late.

        The update is applied when the request arrives, then the answer waits: a client
        that times out and retries sends an update the system already applied.
        """
        n, seconds = check_every(n), check_seconds(seconds)
        with self._lock:
            self._faults.stall = Every(n, seconds)

    def drop_every(self, n: int, *, apply: bool = False) -> None:
        """Every n-th status update (from now): the connection closes without an answer.

        ``apply=False``: the update is not applied (lost on its way in); ``apply=True``: it
        is applied first (the answer is what got lost).
        """
        n = check_every(n)
        with self._lock:
            self._faults.drop = Every(n, bool(apply))

    def clear_faults(self, *kinds: str) -> None:
        """Clear the named schedules ("fail", "stall", "drop"); with none named, clear all
        of them and the one-shot injected failure."""
        with self._lock:
            self._faults.clear(*kinds)
            if not kinds:
                self._injected = None

    @property
    def faults_dealt(self) -> dict[str, int]:
        """Scheduled faults given so far: "stall", "drop" and each fail's key -> count."""
        with self._lock:
            return dict(self._faults.dealt)

    def describe_faults(self) -> dict[str, object]:
        """The schedules and what they dealt (control state)."""
        with self._lock:
            fail = self._faults.fail
            return self._faults.describe(None if fail is None
                                         else self._describe_fail(fail.value))

    def _inject(self, injected: OneShotT) -> None:
        with self._lock:
            self._injected = injected

    def take_injected(self) -> OneShotT | None:
        """The one-shot injected failure, now spent; None if there is none."""
        with self._lock:
            injected, self._injected = self._injected, None
            return injected

    def run_status_update(self, update: Callable[[], Reply],
                          failed: Callable[[AnswerT], Reply]) -> Reply:
        """One status update through the schedules: ``update`` applies it and answers,
        ``failed`` answers a scheduled fail. Call with the lock held."""
        decision = self._faults.next_call()
        if decision.fail is not None:
            answer = decision.fail[decision.fail_index % len(decision.fail)]
            self._faults.dealt[self._dealt_as(answer)] += 1
            reply = failed(answer)
        elif decision.applies:
            reply = update()
        else:
            reply = Reply(0)  # dropped before it was applied: nothing is written
        return decision.shape(reply)
