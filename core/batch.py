"""Send a checked batch of rows, one after another, at a pace the customer's system takes.

Rules, for the CLI and the window alike:
- never faster than the profile's rate limiter allows;
- "too busy" answers (Bitrix24 QUERY_LIMIT_EXCEEDED, OVERLOAD_LIMIT, OPERATION_TIME_LIMIT
  until its reset time; SuperOffice HTTP 503), time-outs and connection failures are tried
  again after growing pauses, a bounded number of times (the calls are idempotent); any
  other answer is final for that row;
- every attempt is committed to the history before its request leaves ("outcome unknown")
  and again with its outcome, marked with the file's id and row, so a run killed at any
  moment resumes where it stopped; a row whose outcome was never recorded is possibly
  applied: Resume sends it again (a repeated status update is harmless) and says so;
- rejected credentials (after the one renewal core.sending tries) stop the whole run:
  every further row would be refused the same way;
- a refusal that means "over the limit" (Bitrix24 QUERY_LIMIT_EXCEEDED) teaches the rate
  limiter the system's limit: the run keeps under it from then on, and says so (``on_pace``);
- memory stays flat however long the file: rows are reported as they finish and not kept
  (the summary keeps counts); the credentials are read from the keyring once per run, and
  again only when a renewal changes them (core.secret_stores.RememberedSecrets);
- one run at a time of a file for a profile (core.batch_lock): a second run is refused
  at once (BatchBusy), before anything is sent, naming who runs it.
Pause, resume and cancel are safe from any thread; a call in flight is finished first, and
one only waiting for its slot of the pace does not go (the wait ends at once).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from core.batch_file import BatchFile, BatchRow
from core.batch_lock import BatchLock
from core.cancelling import CANCELLED, CANCELLED_BEFORE_SENDING
from core.exchange import Exchange, OutcomeKind, ReceivedResponse
from core.history import Attempt, BatchMark, CallRecord, History, HistoryError
from core.pacing import Backoff, Learned, RateLimiter, duration_words, pacing_seconds
from core.profiles import Profile
from core.secret_stores import RememberedSecrets
from core.secrets import Secrets
from core.sending import send_status
from core.systems import get_system
from core.transport import Connection

# Calls cut by stop_now: not an answer about the row.
_CUT = frozenset({CANCELLED, CANCELLED_BEFORE_SENDING})
# Failures below HTTP worth another attempt (a certificate problem is not one of them).
NETWORK_RETRIES = frozenset({"ConnectError", "ConnectTimeout", "ReadTimeout", "WriteTimeout",
                             "PoolTimeout", "RemoteProtocolError", "ReadError", "WriteError"})


@dataclass(frozen=True)
class RowResult:
    row: BatchRow
    exchange: Exchange | None  # the last attempt; None for a row done in an earlier run
    attempts: int
    skipped: bool = False  # already done: found in the history when resuming

    @property
    def ok(self) -> bool:
        return self.skipped or (self.exchange is not None and self.exchange.ok)

    def light(self) -> RowResult:
        """The same result without its traffic (headers and bodies), for whoever keeps
        results of a long run (a table of the rows): the outcome, HTTP status and
        attempts stay; the whole exchange is in the history."""
        exchange = self.exchange
        if exchange is None:
            return self
        response = exchange.response
        return replace(self, exchange=replace(
            exchange, request=replace(exchange.request, headers=(), body=b""),
            response=None if response is None else replace(response, headers=(), body=b"")))

    def as_dict(self) -> dict[str, object]:
        """What a results file or a JSON line says about the row."""
        row, exchange = self.row, self.exchange
        outcome = exchange.outcome if exchange else None
        return {
            "row": row.row, **({"profile": row.profile} if row.profile else {}),
            "message_id": row.message_id, "status": row.status,
            "ok": self.ok, "skipped": self.skipped, "attempts": self.attempts,
            "kind": outcome.kind.value if outcome else "done",
            "code": outcome.code if outcome else "",
            "summary": outcome.summary if outcome else "Done in an earlier run.",
            "http_status": exchange.response.status_code if exchange and exchange.response
            else None,
        }


@dataclass
class BatchSummary:
    rows: int = 0  # valid rows in the file
    done: int = 0
    failed: int = 0
    skipped: int = 0  # done in an earlier run
    retries: int = 0
    cancelled: bool = False
    stopped: str = ""  # why the run stopped before the end, in words
    failures: dict[str, int] = field(default_factory=dict)  # error code -> rows
    # Rows an earlier run stopped during (outcome unknown, possibly applied)...
    possibly_applied: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)  # ...and those this run sent again
    invalid: int = 0  # rows of the file with a problem: never sent
    kinds: dict[str, int] = field(default_factory=dict)  # OutcomeKind value -> failed rows
    pace_note: str = ""  # the pace the run slowed down to, in words (see pace_note)
    # A file for several customers: each profile's own summary (core.customer_runs).
    customers: dict[str, BatchSummary] = field(default_factory=dict)

    @property
    def resent_note(self) -> str:
        """The sentence both front ends show about rows that were possibly applied."""
        if not self.resent:
            return ""
        rows = ", ".join(map(str, self.resent))
        return (f"Sent again: row{'s' if len(self.resent) > 1 else ''} {rows}. The last run "
                "stopped during their call, so they were possibly applied already; a "
                "repeated status update is harmless.")

    @property
    def unsent(self) -> int:
        return self.rows - self.done - self.failed - self.skipped

    @property
    def worst(self) -> OutcomeKind:
        """DONE only when every row of the file was applied (or done in an earlier run);
        else the worst way a row was not: the kind with the highest exit code (rejected
        credentials, then the network, then bad input, then refused). An invalid row is
        bad input."""
        kinds = {OutcomeKind(kind) for kind in self.kinds}
        if self.invalid:
            kinds.add(OutcomeKind.BAD_INPUT)
        kinds.discard(OutcomeKind.DONE)
        return max(kinds, key=lambda kind: kind.exit_code, default=OutcomeKind.DONE)

    @property
    def verdict(self) -> str:
        """One sentence when not every row was applied, saying how many were not and why
        (the worst first); empty when all were."""
        if self.worst is OutcomeKind.DONE and not self.unsent:
            return ""
        words = {OutcomeKind.CREDENTIALS: "with rejected credentials",
                 OutcomeKind.TRANSPORT: "failed on the network or transport",
                 OutcomeKind.BAD_INPUT: "refused as bad input",
                 OutcomeKind.REFUSED: "refused by the system"}
        parts = []
        for kind in sorted(words, key=lambda k: -k.exit_code):
            if self.kinds.get(kind.value):
                parts.append(f"{self.kinds[kind.value]:,} {words[kind]}")
            if kind is OutcomeKind.BAD_INPUT and self.invalid:
                parts.append(f"{self.invalid:,} invalid (never sent)")
        if self.unsent:
            parts.append(f"{self.unsent:,} not sent")
        return f"Not every row was applied: {', '.join(parts)}."


class BatchRun:
    """One run of a batch file against one profile. ``run`` blocks: call it off the UI thread."""

    def __init__(
        self,
        profile: Profile,
        store: Secrets,
        batch: BatchFile,
        history: History,
        *,
        rate: float | None = None,
        burst: int | None = None,
        backoff: Backoff | None = None,
        connection: Connection | None = None,
    ) -> None:
        system = get_system(profile.system)
        default_rate, default_burst = system.pace
        self.profile, self.batch, self.history = profile, batch, history
        # Read once for the whole run; renewals write through it (and read afresh).
        self.store = RememberedSecrets(store)
        # 0 is refused by the limiter (PaceError), not taken for "the default".
        self.limiter = RateLimiter(default_rate if rate is None else rate,
                                   default_burst if burst is None else burst)
        self.backoff = backoff or Backoff()
        # Beside the history that --resume reads: runs that share it share the lock.
        self.lock = BatchLock(history.path.parent, profile.name, batch.batch_id, batch.name)
        self._system = system
        self._tenant = system.tenant(profile)
        self._connection = connection
        self._in_use: Connection | None = None  # for stop_now to cut
        self._last_good: ReceivedResponse | None = None  # for limits that reset later
        self._on_pace: Callable[[str], None] | None = None
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._nudge = threading.Event()  # pause or cancel: ends the wait for the next slot

    # -- control, from any thread -------------------------------------------------------

    def pause(self) -> None:
        self._running.clear()
        self._nudge.set()  # after the clear: a waiting run sees it paused

    def resume(self) -> None:
        self._running.set()

    def cancel(self) -> None:
        self._stop.set()
        self._running.set()  # a paused run wakes up to stop
        self._nudge.set()

    def stop_now(self) -> None:
        """Cancel, and cut the call in flight instead of waiting for its answer (the
        application is quitting). A cut row is recorded as not finished: Resume sends it."""
        self.cancel()
        connection = self._in_use
        if connection is not None:
            connection.abort()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def rows_to_send(self, resume: bool = False) -> int:
        """How many rows ``run(resume=...)`` would send (Resume skips the rows done)."""
        rows = {row.row for row in self.batch.valid}
        if resume:
            rows -= self.history.rows_done(self.profile.name, self.batch.batch_id)
        return len(rows)

    def estimate(self, resume: bool = False) -> str:
        """How long the run will take at its pace, in words ("about 25 minutes")."""
        return duration_words(pacing_seconds(self.rows_to_send(resume), self.limiter.rate,
                                             self.limiter.burst))

    # -- the run ------------------------------------------------------------------------

    def run(
        self,
        on_row: Callable[[RowResult], None] | None = None,
        on_wait: Callable[[BatchRow, str, float], None] | None = None,
        *,
        resume: bool = False,
        on_pace: Callable[[str], None] | None = None,
    ) -> BatchSummary:
        """Send every valid row not yet done; report each row as it finishes.

        ``on_wait(row, reason, seconds)`` is told about pauses before another attempt;
        ``on_pace(sentence)`` when the run slows down to the limit the system showed.
        Raises BatchBusy before anything is sent when another run of this file for this
        profile is going on (``self.lock``, which a front end may take earlier itself);
        HistoryError when the history cannot be written (nothing more is sent).
        """
        self._on_pace = on_pace
        with self.lock:
            return self._run(on_row, on_wait, resume)

    def _run(self, on_row: Callable[[RowResult], None] | None,
             on_wait: Callable[[BatchRow, str, float], None] | None,
             resume: bool) -> BatchSummary:
        rows = self.batch.valid
        done = self.history.rows_done(self.profile.name, self.batch.batch_id) if resume \
            else set()
        summary = BatchSummary(rows=len(rows), invalid=len(self.batch.invalid))
        if resume:
            unknown = self.history.rows_unknown(self.profile.name, self.batch.batch_id)
            summary.possibly_applied = sorted(unknown - done)
        connection = self._connection or Connection(self.profile)
        self._in_use = connection
        try:
            for row in rows:
                if row.row in done:
                    summary.skipped += 1
                    _tell(on_row, RowResult(row, None, 0, skipped=True))
                    continue
                if not self._wait_while_paused():
                    summary.cancelled = True
                    break
                result = self._send_row(row, connection, summary, on_wait)
                if row.row in summary.possibly_applied and result is not None:
                    summary.resent.append(row.row)
                if result is None or (result.exchange is not None
                                      and result.exchange.outcome.code in _CUT):
                    summary.cancelled = True  # a row cut mid-call counts as not sent
                    break
                self._count(result, summary)
                _tell(on_row, result)
                if result.exchange and result.exchange.outcome.kind is OutcomeKind.CREDENTIALS:
                    summary.stopped = (f"Stopped at row {row.row}: "
                                       f"{result.exchange.outcome.summary}")
                    break
        finally:
            with contextlib.suppress(HistoryError):  # a broken history is raised anyway
                self.history.sync()
            if self._connection is None:
                connection.close()
        return summary

    def _send_row(self, row: BatchRow, connection: Connection, summary: BatchSummary,
                  on_wait: Callable[[BatchRow, str, float], None] | None) -> RowResult | None:
        """Attempts of one row until a final answer; None when cancelled before any."""
        attempts, exchange = 0, None
        update = get_system(self.profile.system).as_sent(row.update, self.profile)
        while True:
            if not self._next_slot():
                return RowResult(row, exchange, attempts) if exchange else None
            record = CallRecord(self.history, Attempt(
                self.profile.name, self.profile.system, self._tenant, "SetDeliveryStatus",
                update), BatchMark(self.batch.batch_id, row.row, final=False))
            # The row is written before the request leaves; a HistoryError stops the run.
            exchange = send_status(self.profile, update, self.store, connection,
                                   before_sending=record.begin)
            attempts += 1
            learned = exchange.outcome.code in self._system.limit_codes and \
                self._learn(row, exchange.outcome.code, summary)
            pause = self._pause_after(exchange, attempts)
            if learned and pause is not None:  # no backoff: the limiter, slowed down and
                pause = 1 / self.limiter.rate  # emptied, paces the next attempt
            # Not done: a row cancelled while it waits to try again, or cut mid-call.
            final = pause is None and exchange.outcome.code not in _CUT
            # On disk with the next row's begin (or the sync at the end): one flush per row.
            record.finish(exchange, BatchMark(self.batch.batch_id, row.row, final),
                          durable=False)
            if final or pause is None or self._stop.is_set():
                return RowResult(row, exchange, attempts)
            summary.retries += 1
            if on_wait is not None:
                on_wait(row, exchange.outcome.code or exchange.outcome.summary, pause)
            if self._stop.wait(pause):
                return RowResult(row, exchange, attempts)

    def _learn(self, row: BatchRow, code: str, summary: BatchSummary) -> bool:
        """Tell the limiter; True when it slowed down (and the user was told)."""
        learned = self.limiter.refused()
        if learned is None:
            return False
        left = summary.rows - summary.done - summary.failed - summary.skipped
        summary.pace_note = pace_note(self._system.title, row.row, code, learned,
                                      duration_words(pacing_seconds(left, learned.rate, 1)))
        if self._on_pace is not None:
            self._on_pace(summary.pace_note)
        return True

    def _pause_after(self, exchange: Exchange, attempts: int) -> float | None:
        """Seconds before the next attempt, or None when this answer is final."""
        outcome = exchange.outcome
        if outcome.ok:
            self._last_good = exchange.response
            return None
        if exchange.response is None:  # nothing came back: the network decides
            at_least = 0.0 if outcome.code in NETWORK_RETRIES else None
        else:  # the system reads its answer, error pages (a 503 "busy" page) included
            at_least = self._system.retry_after(outcome, exchange.response, self._last_good)
        if at_least is None:
            return None
        return self.backoff.pause(attempts, at_least)

    def _next_slot(self) -> bool:
        """Wait for the limiter's next slot; False when cancelled first. A pause during
        the wait holds the call until Continue (then the slot is waited for again): only a
        call already on its way is let go."""
        while True:
            if not self._wait_while_paused():
                return False
            self._nudge.clear()
            if self.paused:  # paused between the two lines above
                continue
            wait = self.limiter.delay()
            if wait == 0.0:
                return True
            self._nudge.wait(wait)

    def _wait_while_paused(self) -> bool:
        self._running.wait()
        return not self._stop.is_set()

    @staticmethod
    def _count(result: RowResult, summary: BatchSummary) -> None:
        if result.ok:
            summary.done += 1
            return
        summary.failed += 1
        outcome = result.exchange.outcome if result.exchange else None
        code = (outcome.code or outcome.kind.value) if outcome else "unknown"
        summary.failures[code] = summary.failures.get(code, 0) + 1
        kind = outcome.kind.value if outcome else OutcomeKind.TRANSPORT.value
        summary.kinds[kind] = summary.kinds.get(kind, 0) + 1


def pace_note(system: str, row: int, code: str, learned: Learned, left: str) -> str:
    """The sentence both front ends show when a run slows down to a limit it found."""
    return (f"Row {row}: {system} refused a call as over its limit ({code}). From now on "
            f"the run keeps under it: at most {learned.rate:.3g} calls/s, {learned.burst} at "
            f"once; the rest takes {left}.")


def _tell(on_row: Callable[[RowResult], None] | None, result: RowResult) -> None:
    if on_row is not None:
        on_row(result)
