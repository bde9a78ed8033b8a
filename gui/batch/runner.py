"""A batch run in a worker thread, reported to the window through Qt signals.

core.batch.BatchRun blocks (pacing, network, history); it runs here in a daemon thread.
Finished rows are queued by the worker and handed to the window in groups on a timer, so
a fast run costs the UI thread one small update per tick, never one per row; they are
queued without their traffic (RowResult.light: the history has it), so a long run's
table costs its outcomes, not every answer. Pause,
continue and cancel go straight to the run (they are thread-safe there); a cancel lets
the call in flight finish and be recorded.
"""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

if TYPE_CHECKING:
    from core.batch import BatchRun, BatchSummary, RowResult
    from core.batch_file import BatchRow
    from core.customer_runs import CustomersRun

TICK_MS = 100


class BatchRunner(QObject):
    rows_done = Signal(list)  # RowResults finished since the last tick, in order
    waiting = Signal(int, str, float)  # row number, reason, seconds before trying again
    pace_changed = Signal(str)  # the run slowed down to the limit the system showed: why
    finished = Signal(object)  # the BatchSummary
    failed = Signal(object)  # the exception that ended the run (a HistoryError, say)
    _ended = Signal(bool, object)  # from the worker thread: ok, summary or exception
    _waited = Signal(int, str, float)
    _paced = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._queue: collections.deque[RowResult] = collections.deque()
        self._run: BatchRun | CustomersRun | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._cancelled = False
        self._paused = False
        self._tick = QTimer(self, interval=TICK_MS)
        self._tick.timeout.connect(self._drain)
        self._ended.connect(self._end, Qt.ConnectionType.QueuedConnection)
        self._waited.connect(self.waiting, Qt.ConnectionType.QueuedConnection)
        self._paced.connect(self.pace_changed, Qt.ConnectionType.QueuedConnection)

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def paused(self) -> bool:
        return self._paused

    def start(self, make_run: Callable[[], BatchRun | CustomersRun], resume: bool) -> None:
        """``make_run`` is called in the worker (it imports the network stack)."""
        if self._thread is not None:
            raise RuntimeError("A batch is already running.")
        self._queue.clear()
        self._cancelled = self._paused = False
        ended, waited, paced, queue = self._ended, self._waited, self._paced, self._queue

        def on_wait(row: BatchRow, reason: str, seconds: float) -> None:
            waited.emit(row.row, reason, seconds)

        def work() -> None:
            try:
                run = make_run()
                with self._lock:
                    self._run = run
                    if self._cancelled:
                        run.cancel()
                    elif self._paused:
                        run.pause()
                value: BatchSummary | BaseException = run.run(
                    lambda result: queue.append(result.light()), on_wait, resume=resume,
                    on_pace=paced.emit)
                ok = True
            except BaseException as exc:  # handed to the window
                value, ok = exc, False
            try:
                ended.emit(ok, value)
            except RuntimeError:  # the window is gone
                pass

        self._thread = threading.Thread(target=work, name="batch-run", daemon=True)
        self._tick.start()
        self._thread.start()

    def pause(self) -> None:
        with self._lock:
            self._paused = True
            if self._run is not None:
                self._run.pause()

    def carry_on(self) -> None:
        with self._lock:
            self._paused = False
            if self._run is not None:
                self._run.resume()

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._run is not None:
                self._run.cancel()

    def stop_now(self) -> None:
        """Cancel and cut the call in flight (the application is quitting)."""
        with self._lock:
            self._cancelled = True
            if self._run is not None:
                self._run.stop_now()

    def wait(self, timeout: float) -> bool:
        """Join the worker (closing the window, tests); True when it has ended."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
            return not thread.is_alive()
        return True

    def _drain(self) -> None:
        done = []
        while self._queue:
            done.append(self._queue.popleft())
        if done:
            self.rows_done.emit(done)

    @Slot(bool, object)
    def _end(self, ok: bool, value: object) -> None:
        self._tick.stop()
        self._drain()
        self._thread, self._run = None, None
        if ok:
            self.finished.emit(value)
        else:
            self.failed.emit(value)
