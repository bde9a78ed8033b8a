"""``statusdesk-cli batch NAME FILE.csv``: check every row, then send the valid ones.

Invalid rows are listed and never sent. On a terminal a progress line is kept up to date
on standard error; ``--json`` prints one JSON line per row, then one with the summary.
Ctrl+C stops after the call in flight, which is recorded (a second Ctrl+C cuts it);
the summary, the ``--results`` file and exit code 130 follow; ``--resume`` carries on.
The ``--results`` file and the JSON lines are written as rows finish: nothing of a
finished row is kept, so memory stays flat however long the file is.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from core.batch import BatchRun, BatchSummary, RowResult
from core.batch_file import BatchFile, BatchRow, check_rows, read_batch
from core.csv_out import ResultsWriter
from core.desk import Desk
from core.exchange import OutcomeKind
from core.profiles import Profile
from core.systems import get_system


class BatchStopped(Exception):
    """The batch cannot start; the message says why (exit code 2)."""


def load(path: str, profile: Profile, stdin: TextIO) -> BatchFile:
    if path == "-":
        data, name = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read(), "stdin"
    else:
        try:
            data, name = Path(path).read_bytes(), Path(path).name
        except OSError as exc:
            raise BatchStopped(f"{path} cannot be read ({exc.strerror or exc}).") from None
    return check_rows(read_batch(data, name), profile)


def plan_pace(profile: Profile, plan: str | None, rate: float | None,
              burst: int | None) -> tuple[float | None, int | None]:
    """``--plan NAME`` as a rate and burst; ``--rate``/``--burst`` given beside it win."""
    if plan is None:
        return rate, burst
    system = get_system(profile.system)
    found = {p.name: p for p in system.plans}
    if plan not in found:
        names = ", ".join(found) or "none"
        raise BatchStopped(f"--plan {plan}: {system.title} plans are: {names}.")
    return (rate if rate is not None else found[plan].rate,
            burst if burst is not None else found[plan].burst)


def run_batch(desk: Desk, profile: Profile, batch: BatchFile, *, rate: float | None,
              burst: int | None,
              resume: bool, as_json: bool, results: str | None,
              out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    for note in batch.notes:
        print(f"Note: {note}", file=err)
    for row in batch.invalid:
        print(f"Row {row.row} not sent ({row.message_id or 'no message id'}): {row.problem}",
              file=err)
    if not batch.valid:
        raise BatchStopped(f"{batch.name}: no row can be sent.")
    run = desk.batch(profile, batch, rate=rate, burst=burst)
    system = get_system(profile.system)
    progress = _Progress(len(batch.valid), err) if err.isatty() and not as_json else None
    print(f"Sending {run.rows_to_send(resume)} rows of {batch.name} to {system.title} "
          f"{system.tenant(profile)} at most {run.limiter.rate:g}/s, {run.limiter.burst} at "
          f"once: {run.estimate(resume)} (batch {batch.batch_id}).", file=err)
    kinds: set[OutcomeKind] = set()  # of the rows that failed: the exit code
    try:  # opened before the first row is sent, so a path that cannot be written stops it
        written = open(results, "w", encoding="utf-8", newline="") if results else None  # noqa: SIM115
    except OSError as exc:
        raise BatchStopped(f"{results} cannot be written ({exc.strerror or exc}).") from None
    try:
        writer = ResultsWriter(batch, written) if written else None
        summary = _send(run, resume, as_json, progress, kinds, writer, out, err)
        if writer:
            writer.close()
    finally:
        if written:
            written.close()
    _report(summary, batch, as_json, out, err)
    return _exit_code(summary, kinds)


def _send(run: BatchRun, resume: bool, as_json: bool, progress: _Progress | None,
          kinds: set[OutcomeKind], writer: ResultsWriter | None, out: TextIO,
          err: TextIO) -> BatchSummary:
    def on_row(result: RowResult) -> None:
        if not result.ok and result.exchange is not None:
            kinds.add(result.exchange.outcome.kind)
        if writer:
            writer.add(result)
        if as_json:
            print(json.dumps(result.as_dict(), ensure_ascii=False), file=out, flush=True)
        if progress:
            progress.row(result)

    def on_wait(row: BatchRow, reason: str, seconds: float) -> None:
        if progress:
            progress.waiting(row, reason, seconds)
        elif not as_json:
            print(f"Row {row.row}: {reason}; trying again in {seconds:.1f} s.", file=err)

    def on_pace(note: str) -> None:
        if progress:
            progress.note(note)
        else:
            print(note, file=err, flush=True)

    summary = _run_interruptibly(run, on_row, on_wait, on_pace, resume, err)
    if summary.resent_note and not as_json:
        print(summary.resent_note, file=err)
    if progress:
        progress.end()
    return summary


def _run_interruptibly(run: BatchRun, on_row: Callable[[RowResult], None],
                       on_wait: Callable[[BatchRow, str, float], None],
                       on_pace: Callable[[str], None], resume: bool,
                       err: TextIO) -> BatchSummary:
    """The run in a worker thread, so Ctrl+C stops it cleanly: the first after the call in
    flight (its answer recorded), a second one at once (the call cut, recorded as such).

    The main thread waits on an Event, not on Thread.join: a join interrupted by Ctrl+C
    can mark a running thread as ended (CPython), and the summary would be missing.
    """
    box: dict[str, object] = {}
    finished = threading.Event()

    def work() -> None:
        try:
            box["summary"] = run.run(on_row, on_wait, resume=resume, on_pace=on_pace)
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread
            box["error"] = exc
        finally:
            finished.set()

    threading.Thread(target=work, name="batch", daemon=True).start()
    interrupts = 0
    while True:
        try:
            if finished.wait(0.2):
                break
        except KeyboardInterrupt:
            interrupts += 1
            if interrupts == 1:
                print("\nStopping after the call in flight… (Ctrl+C again: stop now)",
                      file=err, flush=True)
                run.cancel()
            else:
                print("\nStopping now.", file=err, flush=True)
                run.stop_now()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["summary"]  # type: ignore[return-value]


def _report(summary: BatchSummary, batch: BatchFile, as_json: bool, out: TextIO,
            err: TextIO) -> None:
    data = {"batch_id": batch.batch_id, "rows": summary.rows, "done": summary.done,
            "failed": summary.failed, "skipped": summary.skipped, "unsent": summary.unsent,
            "invalid": len(batch.invalid), "retries": summary.retries,
            "cancelled": summary.cancelled, "stopped": summary.stopped,
            "failures": summary.failures, "possibly_applied": summary.possibly_applied,
            "pace_note": summary.pace_note}
    if as_json:
        print(json.dumps({"summary": data}, ensure_ascii=False), file=out)
        return
    text = (f"{summary.done} done, {summary.failed} failed, {summary.skipped} done earlier, "
            f"{summary.unsent} not sent, {len(batch.invalid)} invalid; "
            f"{summary.retries} retries.")
    if summary.failures:
        text += " Failures: " + ", ".join(f"{c} ×{n}" for c, n in summary.failures.items())
    print(text, file=out)
    if summary.stopped:
        print(summary.stopped, file=err)
    if summary.cancelled or summary.stopped:
        print("Carry on later with the same file and --resume.", file=err)


def _exit_code(summary: BatchSummary, kinds: set[OutcomeKind]) -> int:
    if summary.stopped:
        return OutcomeKind.CREDENTIALS.exit_code
    if summary.cancelled:
        return 130
    if not kinds:
        return 0
    return min(kind.exit_code for kind in kinds if kind is not OutcomeKind.DONE)


class _Progress:
    """One line on a terminal: rows sent, failures, what is being waited for."""

    def __init__(self, total: int, err: TextIO) -> None:
        self.total, self.err = total, err
        self.seen = self.failed = 0

    def row(self, result: RowResult) -> None:
        self.seen += 1
        self.failed += 0 if result.ok else 1
        self._show(f"row {result.row.row}: {'ok' if result.ok else 'failed'}")

    def waiting(self, row: BatchRow, reason: str, seconds: float) -> None:
        self._show(f"row {row.row}: {reason}, again in {seconds:.0f} s")

    def note(self, text: str) -> None:
        """A line that stays above the progress line."""
        print("\r" + " " * 119 + "\r" + text, file=self.err, flush=True)

    def end(self) -> None:
        print(file=self.err)

    def _show(self, what: str) -> None:
        share = self.seen / self.total if self.total else 1
        line = f"\r[{self.seen}/{self.total}] {share:4.0%}  failed {self.failed}  {what}"
        print(line[:119].ljust(119), end="", file=self.err, flush=True)
