"""Run blocking work (network, keyring, disk) off the UI thread, one job per operation.

Each job runs a plain function in a daemon thread and reports back by a queued signal, so
its result or error is handled on the UI thread. Cancelling a job *abandons* it: the UI
stops waiting at once and its late result is dropped; whoever started it also closes the
resource it was blocked on in ``on_cancel`` (a connection: core.desk.Connections.discard,
which cuts the call in flight) so that the thread ends at once too.
Daemon threads never hold up quitting the application.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

OnResult = Callable[[Any], None]
OnError = Callable[[BaseException], None]


@dataclass
class Job:
    """One operation in flight. ``label`` is what the busy indicator says."""

    id: int
    label: str
    on_result: OnResult
    on_error: OnError | None
    on_cancel: Callable[[], None] | None = None
    cancellable: bool = True
    thread: threading.Thread | None = field(default=None, repr=False)


class _Relay(QObject):
    """Lives on the UI thread; signals emitted from job threads arrive here queued."""

    finished = Signal(int, bool, object)


class Jobs(QObject):
    """Starts jobs and tells the window what is in flight.

    ``busy_changed(label)`` carries the label of the newest cancellable job still running,
    or "" when none is left.
    """

    busy_changed = Signal(str)
    failed_unhandled = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._running: dict[int, Job] = {}
        self._threads: list[threading.Thread] = []
        self._relay = _Relay(self)
        self._relay.finished.connect(self._deliver, Qt.ConnectionType.QueuedConnection)

    def start(
        self,
        label: str,
        work: Callable[[], Any],
        on_result: OnResult,
        on_error: OnError | None = None,
        *,
        on_cancel: Callable[[], None] | None = None,
        cancellable: bool = True,
    ) -> Job:
        job = Job(next(self._ids), label, on_result, on_error, on_cancel, cancellable)
        relay = self._relay

        def run() -> None:
            try:
                value, ok = work(), True
            except BaseException as exc:  # delivered to on_error on the UI thread
                value, ok = exc, False
            try:
                relay.finished.emit(job.id, ok, value)
            except RuntimeError:  # the window is gone; nobody is waiting any more
                pass

        job.thread = threading.Thread(target=run, name=f"job-{job.id}-{label}", daemon=True)
        self._running[job.id] = job
        self._threads = [t for t in self._threads if t.is_alive()] + [job.thread]
        job.thread.start()
        self._announce()
        return job

    def is_running(self, job: Job | None) -> bool:
        return job is not None and job.id in self._running

    def busy_label(self) -> str:
        for job in reversed(self._running.values()):
            if job.cancellable:
                return job.label
        return ""

    def cancel(self, job: Job | None = None) -> bool:
        """Abandon one job, or every cancellable one; True if something was cancelled."""
        targets = [job] if job is not None else [
            j for j in self._running.values() if j.cancellable
        ]
        cancelled = False
        for target in targets:
            if self._running.pop(target.id, None) is None:
                continue
            cancelled = True
            if target.on_cancel is not None:
                target.on_cancel()
        if cancelled:
            self._announce()
        return cancelled

    def abandon_all(self) -> None:
        """Forget every job without calling back (the window is closing)."""
        self._running.clear()
        self._announce()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Join the job threads (including abandoned ones); for tests and shutdown."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(t.is_alive() for t in self._threads)

    @Slot(int, bool, object)
    def _deliver(self, job_id: int, ok: bool, value: object) -> None:
        job = self._running.pop(job_id, None)
        if job is None:
            return  # cancelled: its result arrives too late to matter
        self._announce()
        if ok:
            job.on_result(value)
        elif job.on_error is not None:
            job.on_error(value)  # type: ignore[arg-type]
        else:
            self.failed_unhandled.emit(f"{job.label} failed: {value}")

    def _announce(self) -> None:
        self.busy_changed.emit(self.busy_label())
