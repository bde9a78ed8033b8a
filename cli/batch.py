"""``statusdesk-cli batch NAME FILE.csv``: check every row, then send the valid ones.

``statusdesk-cli batch FILE.csv`` (no profile name) takes a file with a ``profile`` column:
each row goes to its profile, the customers side by side (core.customer_runs); the summary
says what became of each customer's rows, the ``--results`` file has a profile column.

Invalid rows are listed and never sent. On a terminal a progress line is kept up to date
on standard error; ``--json`` prints one JSON line per row, then one with the summary.
Ctrl+C stops after the call in flight, which is recorded (a second Ctrl+C cuts it);
the summary, the ``--results`` file and exit code 130 follow; ``--resume`` carries on.
The ``--results`` file and the JSON lines are written as rows finish: nothing of a
finished row is kept, so memory stays flat however long the file is.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from core.batch import BatchRun, BatchSummary, RowResult
from core.batch_file import BatchFile, BatchRow, check_rows, read_batch
from core.csv_out import ResultsWriter
from core.customer_runs import CustomersRun
from core.desk import Desk
from core.profiles import Profile
from core.systems import get_system
from core.visible import json_text, visible
from core.wording import counted


class BatchStopped(Exception):
    """The batch cannot start; the message says why (exit code 2)."""


def read(path: str, stdin: TextIO) -> BatchFile:
    """The rows of the file (``-``: standard input), not checked yet."""
    if path == "-":
        data, name = stdin.buffer.read() if hasattr(stdin, "buffer") else stdin.read(), "stdin"
    else:
        try:
            data, name = Path(path).read_bytes(), Path(path).name
        except OSError as exc:
            raise BatchStopped(f"{path} cannot be read ({exc.strerror or exc}).") from None
    return read_batch(data, name)


def load(path: str, profile: Profile, stdin: TextIO) -> BatchFile:
    batch = read(path, stdin)
    if batch.by_profile:
        raise BatchStopped(f"{batch.name} has a profile column: each row names its profile. "
                           f"Leave out the profile name ({profile.name!r}) to send each row "
                           "to its own: statusdesk-cli batch FILE. Nothing was sent.")
    return check_rows(batch, profile)


def check_results(results: str, source: str) -> None:
    """Before the first row: the ``--results`` file can be written, and is not the batch
    file itself. Found only after every row was sent, it was a traceback."""
    target = Path(results)
    if source != "-" and target.exists() and target.resolve() == Path(source).resolve():
        raise BatchStopped(f"--results {results} is the batch file itself: name another "
                           "file. Nothing was sent.")
    existed = target.exists()
    try:
        with target.open("a", encoding="utf-8"):  # appends nothing: an existing file stays
            pass
    except OSError as exc:
        raise BatchStopped(f"--results {results} cannot be written ({exc.strerror or exc}): "
                           "name a file in a folder you can write to. Nothing was sent.") \
            from None
    if not existed:
        target.unlink(missing_ok=True)


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


def run_batch(desk: Desk, profile: Profile | None, batch: BatchFile, *, rate: float | None,
              burst: int | None,
              resume: bool, as_json: bool, results: str | None,
              out: TextIO = sys.stdout, err: TextIO = sys.stderr,
              run: BatchRun | CustomersRun | None = None) -> int:
    """``run``: made (and its lock taken) by the caller already, else made here (for
    ``profile``; a file for several customers comes with its run)."""
    for note in batch.notes:
        print(f"Note: {visible(note)}", file=err)
    for row in batch.invalid:
        print(f"Row {row.row} not sent ({visible(row.message_id) or 'no message id'}): "
              f"{visible(row.problem)}", file=err)
    for row in batch.set_already:
        print(f"Row {row.row} skipped ({visible(row.message_id)}): "
              f"{visible(row.set_already)}", file=err)
    if batch.set_already and not (batch.valid or batch.invalid):
        print(f"Nothing to send: a teammate set every row of {batch.name} to its status "
              "already (--resend sends them again).", file=err)
        return 0
    if not batch.valid:
        raise BatchStopped(f"{batch.name}: no row can be sent.")
    if run is None:
        assert profile is not None, "a file for several customers comes with its run"
        run = desk.batch(profile, batch, rate=rate, burst=burst)
    progress = _Progress(len(batch.valid), err) if err.isatty() and not as_json else None
    print(_intro(run, batch, resume), file=err)
    try:  # checked before the first row (check_results); opened now, written as rows end
        written = open(results, "w", encoding="utf-8", newline="") if results else None  # noqa: SIM115
    except OSError as exc:
        raise BatchStopped(f"{results} cannot be written ({exc.strerror or exc}).") from None
    try:
        writer = ResultsWriter(batch, written) if written else None
        summary = _send(run, resume, as_json, progress, writer, out, err)
        if writer:
            writer.close()
    except OSError as exc:  # the disk may fill since the check
        raise BatchStopped(f"The results could not be written to {results} "
                           f"({exc.strerror or exc}); every row is in the history: "
                           "statusdesk-cli history --csv.") from None
    finally:
        if written:
            with contextlib.suppress(OSError):
                written.close()
    _report(summary, batch, as_json, out, err)
    return _exit_code(summary)


def _intro(run: BatchRun | CustomersRun, batch: BatchFile, resume: bool) -> str:
    """Where the rows go, at what pace, and how long that takes."""
    def target(one: BatchRun) -> str:
        system = get_system(one.profile.system)
        return (f"{system.title} {system.tenant(one.profile)} at most "
                f"{one.limiter.rate:g}/s, {one.limiter.burst} at once")

    if isinstance(run, BatchRun):
        return (f"Sending {counted(run.rows_to_send(resume), 'row')} of {batch.name} to "
                f"{target(run)}: {run.estimate(resume)} (batch {batch.batch_id}).")
    lines = [f"Sending {counted(run.rows_to_send(resume), 'row')} of {batch.name} to "
             f"{counted(len(run.runs), 'customer')} side by side: {run.estimate(resume)} "
             f"(batch {batch.batch_id})."]
    lines += [f"  {visible(name)}: {counted(one.rows_to_send(resume), 'row')} to {target(one)}"
              for name, one in run.runs.items()]
    return "\n".join(lines)


def _send(run: BatchRun | CustomersRun, resume: bool, as_json: bool, progress: _Progress | None,
          writer: ResultsWriter | None, out: TextIO, err: TextIO) -> BatchSummary:
    def on_row(result: RowResult) -> None:
        if writer:
            writer.add(result)
        if as_json:
            print(json_text(result.as_dict()), file=out, flush=True)
        if progress:
            progress.row(result)

    def on_wait(row: BatchRow, reason: str, seconds: float) -> None:
        if progress:
            progress.waiting(row, reason, seconds)
        elif not as_json:
            print(f"Row {row.row}: {visible(reason)}; trying again in {seconds:.1f} s.",
                  file=err)

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


def _run_interruptibly(run: BatchRun | CustomersRun, on_row: Callable[[RowResult], None],
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
            "invalid": len(batch.invalid), "set_already": len(batch.set_already),
            "retries": summary.retries,
            "cancelled": summary.cancelled, "stopped": summary.stopped,
            "failures": summary.failures, "possibly_applied": summary.possibly_applied,
            "exit_code": _exit_code(summary), "verdict": summary.verdict,
            "pace_note": summary.pace_note}
    if summary.customers:
        data["customers"] = {name: _counts(part) for name, part in summary.customers.items()}
    if as_json:
        print(json_text({"summary": data}), file=out)
        return
    text = (f"{summary.done} done, {summary.failed} failed, {summary.skipped} done earlier, "
            f"{summary.unsent} not sent, {len(batch.invalid)} invalid; "
            f"{counted(summary.retries, 'retry', 'retries')}.")
    if summary.failures:
        text += " Failures: " + ", ".join(f"{visible(c)} ×{n}"
                                          for c, n in summary.failures.items())
    print(text, file=out)
    if batch.set_already:
        print(f"{counted(len(batch.set_already), 'row')} skipped: a teammate had set "
              f"{'it' if len(batch.set_already) == 1 else 'them'} to that status already "
              "(--resend sends them again).", file=out)
    for name, part in summary.customers.items():
        print(f"  {visible(name)}: {part.done} done, {part.failed} failed, {part.skipped} done "
              f"earlier, {part.unsent} not sent, {part.invalid} invalid"
              + (f"; {visible(part.verdict)}" if part.verdict else ""), file=out)
    if summary.verdict and not summary.cancelled:
        print(f"{summary.verdict} Exit code {_exit_code(summary)}.", file=out)
    if summary.stopped:
        print(visible(summary.stopped), file=err)
    if summary.cancelled or summary.stopped:
        print("Carry on later with the same file and --resume.", file=err)


def _counts(summary: BatchSummary) -> dict[str, object]:
    return {"rows": summary.rows, "done": summary.done, "failed": summary.failed,
            "skipped": summary.skipped, "unsent": summary.unsent, "invalid": summary.invalid,
            "retries": summary.retries, "stopped": summary.stopped,
            "failures": summary.failures, "verdict": summary.verdict}


def _exit_code(summary: BatchSummary) -> int:
    """0 only when every row was applied (or done earlier); Ctrl+C 130; else the worst
    row's code (core.batch.BatchSummary.worst: 4, 3, 2 for an invalid row, then 1)."""
    if summary.cancelled and not summary.stopped:
        return 130
    return summary.worst.exit_code


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
        self._show(f"row {row.row}: {visible(reason)}, again in {seconds:.0f} s")

    def note(self, text: str) -> None:
        """A line that stays above the progress line."""
        print("\r" + " " * 119 + "\r" + text, file=self.err, flush=True)

    def end(self) -> None:
        print(file=self.err)

    def _show(self, what: str) -> None:
        share = self.seen / self.total if self.total else 1
        line = f"\r[{self.seen}/{self.total}] {share:4.0%}  failed {self.failed}  {what}"
        print(line[:119].ljust(119), end="", file=self.err, flush=True)
