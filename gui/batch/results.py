"""What a batch run comes to: the summary in words, and the results as a CSV file.

The file has every row of the batch (its input columns) with its outcome and error code
(core.csv_out.batch_results_csv); it is written in a job.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QWidget

from core.wording import counted
from gui.jobs import Job, Jobs
from gui.widgets.errors import explain

if TYPE_CHECKING:
    from core.batch import BatchSummary, RowResult
    from core.batch_file import BatchFile


def summary_text(summary: BatchSummary, invalid: int) -> str:
    parts = [f"{summary.done:,} done", f"{summary.failed:,} failed"]
    if summary.skipped:
        parts.append(f"{summary.skipped:,} done in an earlier run")
    if summary.unsent:
        parts.append(f"{summary.unsent:,} not sent")
    if invalid:
        parts.append(f"{invalid:,} invalid (never sent)")
    text = ", ".join(parts) + f"; {counted(summary.retries, 'retry', 'retries')}."
    if summary.failures:
        text += " Failures: " + ", ".join(f"{code} ×{n}" for code, n in summary.failures.items())
    if summary.verdict and not (summary.cancelled or summary.stopped):
        text += f"\n{summary.verdict}"
    for name, part in summary.customers.items():
        text += (f"\n{name}: {part.done:,} done, {part.failed:,} failed"
                 + (f", {part.skipped:,} done in an earlier run" if part.skipped else "")
                 + (f", {part.unsent:,} not sent" if part.unsent else "")
                 + (f", {part.invalid:,} invalid" if part.invalid else "") + ".")
    if summary.resent_note:
        text += f"\n{summary.resent_note}"
    if summary.pace_note:
        text += f"\n{summary.pace_note}"
    if summary.stopped:
        text += (f"\n{summary.stopped} Correct the credentials (Profiles, Ctrl+,), then "
                 "Resume sends the rows left.")
    elif summary.cancelled:
        text += "\nCancelled after the call in flight. Resume sends the rows left."
    return text


def ask_results_path(parent: QWidget, batch: BatchFile | None) -> Path | None:
    name = Path(batch.name).stem if batch is not None else "batch"
    path, _ = QFileDialog.getSaveFileName(parent, "Export the results",
                                          str(Path.home() / f"{name}-results.csv"),
                                          "CSV files (*.csv)")
    return Path(path) if path else None


def export_results(jobs: Jobs, batch: BatchFile, finished: list[RowResult], path: Path,
                   say: Callable[[str], None]) -> Job:
    def write() -> Path:
        from core.csv_out import batch_results_csv

        path.write_text(batch_results_csv(batch, finished), encoding="utf-8", newline="")
        return path

    return jobs.start(
        "Exporting the results", write,
        lambda saved: say(f"Saved the results to {saved}."),
        lambda exc: say(f"Could not save the results: {explain(exc, 'Exporting').headline}"),
        cancellable=False)
