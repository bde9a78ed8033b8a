"""A batch file for several customers (a ``profile`` column): each profile's rows run as a
batch of their own, side by side.

Each profile keeps what a one-profile run has (core.batch.BatchRun): its pace, retries,
history marks, Resume and lock. The runs go in worker threads, one per customer system
(profiles aimed at the same system and tenant take turns in one worker, so that system is
never sent more than one profile's pace), at most ``MAX_WORKERS`` at once: an outage fixed
across twenty customers takes about as long as the largest customer's share, not the sum.
The workers' reports are handed on one at a time (``on_row`` and the others never run
concurrently). Pause, Continue, Cancel and stop-now reach every run; a run that fails (the
history cannot be written) cancels the others, and its error is raised when all ended.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from collections.abc import Set as AbstractSet
from concurrent.futures import ThreadPoolExecutor
from types import TracebackType

from core.batch import BatchRun, BatchSummary, RowResult
from core.batch_file import BatchFile, BatchRow
from core.batch_lock import BatchLock
from core.pacing import duration_words, pacing_seconds
from core.profiles import Profile
from core.systems import get_system

MAX_WORKERS = 8  # customer systems sent to at once; more wait for a free worker


class Locks:
    """The locks of every profile's share, taken together: all, or none (BatchBusy or
    OSError from the first that cannot be taken, the others released)."""

    def __init__(self, locks: Iterable[BatchLock]) -> None:
        self.locks = tuple(locks)
        self.path = self.locks[0].path if self.locks else None

    @property
    def held(self) -> bool:
        return all(lock.held for lock in self.locks)

    def acquire(self) -> None:
        taken: list[BatchLock] = []
        try:
            for lock in self.locks:
                lock.acquire()
                taken.append(lock)
        except BaseException:
            for lock in reversed(taken):
                lock.release()
            raise

    def release(self) -> None:
        for lock in reversed(self.locks):
            lock.release()

    def __enter__(self) -> Locks:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()


class CustomersRun:
    """The runs of one file's customers (``runs``: one per profile, in the file's order)."""

    def __init__(self, batch: BatchFile, runs: Sequence[BatchRun],
                 workers: int = MAX_WORKERS) -> None:
        self.batch = batch
        self.runs = {run.profile.name: run for run in runs}
        self.lock = Locks(run.lock for run in runs)
        self.workers = max(1, workers)
        groups: dict[tuple[str, str], list[BatchRun]] = {}
        for run in runs:
            groups.setdefault(_system_of(run), []).append(run)
        self.groups = list(groups.values())
        self._report = threading.Lock()

    # -- control, from any thread -------------------------------------------------------

    def pause(self) -> None:
        for run in self.runs.values():
            run.pause()

    def resume(self) -> None:
        for run in self.runs.values():
            run.resume()

    def cancel(self) -> None:
        for run in self.runs.values():
            run.cancel()

    def stop_now(self) -> None:
        for run in self.runs.values():
            run.stop_now()

    @property
    def paused(self) -> bool:
        return any(run.paused for run in self.runs.values())

    def rows_to_send(self, resume: bool = False) -> int:
        return sum(run.rows_to_send(resume) for run in self.runs.values())

    def seconds(self, resume: bool = False) -> float:
        """The least time the run takes: each worker's share at its pace, shares given
        out largest first to the least busy of the workers."""
        return busiest([sum(pacing_seconds(run.rows_to_send(resume), run.limiter.rate,
                                           run.limiter.burst) for run in group)
                        for group in self.groups], self.workers)

    def estimate(self, resume: bool = False) -> str:
        return duration_words(self.seconds(resume))

    # -- the run ------------------------------------------------------------------------

    def run(
        self,
        on_row: Callable[[RowResult], None] | None = None,
        on_wait: Callable[[BatchRow, str, float], None] | None = None,
        *,
        resume: bool = False,
        on_pace: Callable[[str], None] | None = None,
    ) -> BatchSummary:
        """Every profile's rows, side by side; the summary of all with each profile's in
        ``customers``. Raises BatchBusy before anything is sent when one profile's share
        is being sent by another run; HistoryError when the history cannot be written."""
        def told(report: Callable[..., None] | None) -> Callable[..., None] | None:
            if report is None:
                return None

            def one_at_a_time(*args: object) -> None:
                with self._report:
                    report(*args)
            return one_at_a_time

        rows, waits = told(on_row), told(on_wait)
        summaries: dict[str, BatchSummary] = {}
        errors: list[BaseException] = []

        def work(group: list[BatchRun]) -> None:
            for run in group:
                if errors:
                    return
                name = run.profile.name
                paced = told(None if on_pace is None else
                             lambda note, name=name: on_pace(f"{name}: {note}"))
                try:
                    summaries[name] = run.run(rows, waits, resume=resume, on_pace=paced)
                except BaseException as exc:  # noqa: BLE001 - raised below, after the others
                    errors.append(exc)
                    self.cancel()
                    return

        with self.lock:
            order = sorted(self.groups, key=lambda g: -sum(len(r.batch.valid) for r in g))
            with ThreadPoolExecutor(min(self.workers, len(order) or 1),
                                    thread_name_prefix="batch-customer") as pool:
                for future in [pool.submit(work, group) for group in order]:
                    future.result()
        if errors:
            raise errors[0]
        return merged(self.batch, [summaries[name] for name in self.runs if name in summaries],
                      list(summaries))


def busiest(shares: Iterable[float], workers: int = MAX_WORKERS) -> float:
    """The time of the busiest worker when the shares (seconds) go largest first to the
    least busy of ``workers``."""
    ordered = sorted(shares, reverse=True)
    busy = [0.0] * min(max(1, workers), len(ordered) or 1)
    for share in ordered:
        busy[busy.index(min(busy))] += share
    return max(busy)


def estimate(batch: BatchFile, profiles: Sequence[Profile], skip: AbstractSet[int] = frozenset(),
             workers: int = MAX_WORKERS) -> str:
    """How long a file for several customers takes at each system's usual pace, in words
    (``skip``: rows Resume leaves out)."""
    groups: dict[tuple[str, str], float] = {}
    for profile in profiles:
        system = get_system(profile.system)
        rows = sum(1 for row in batch.valid if row.profile == profile.name and
                   row.row not in skip)
        key = profile.system, system.tenant(profile).strip().lower()
        groups[key] = groups.get(key, 0.0) + pacing_seconds(rows, *system.pace)
    return duration_words(busiest(groups.values(), workers))


def merged(batch: BatchFile, parts: Sequence[BatchSummary],
           names: Sequence[str]) -> BatchSummary:
    """One summary of every customer's (``customers`` keeps each, by profile name)."""
    total = BatchSummary(invalid=len(batch.invalid))
    for name, part in zip(names, parts, strict=True):
        total.rows += part.rows
        total.done += part.done
        total.failed += part.failed
        total.skipped += part.skipped
        total.retries += part.retries
        total.cancelled = total.cancelled or part.cancelled
        for counts, more in ((total.failures, part.failures), (total.kinds, part.kinds)):
            for key, count in more.items():
                counts[key] = counts.get(key, 0) + count
        total.possibly_applied += part.possibly_applied
        total.resent += part.resent
        total.stopped = " ".join(filter(None, (total.stopped,
                                               part.stopped and f"{name}: {part.stopped}")))
        total.pace_note = " ".join(filter(None, (total.pace_note,
                                                 part.pace_note and f"{name}: {part.pace_note}")))
        total.customers[name] = part  # its invalid rows are its own: those it names
    total.possibly_applied.sort()
    total.resent.sort()
    return total


def _system_of(run: BatchRun) -> tuple[str, str]:
    """The customer system a run sends to: the system and its tenant (portal, Cust id)."""
    profile = run.profile
    return profile.system, get_system(profile.system).tenant(profile).strip().lower()
