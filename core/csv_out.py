"""CSV that spreadsheets open safely: history rows and batch results.

UTF-8 with a BOM (so Excel reads accents right), comma separated, every text cell that a
spreadsheet would take for a formula (=, +, -, @ first) prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from core.batch import RowResult
from core.batch_file import BatchFile
from core.history import HistoryEntry

HISTORY_COLUMNS = ("time_utc", "who", "profile", "system", "tenant", "operation",
                   "message_id", "status", "description", "outcome", "error_code", "summary",
                   "http_status", "elapsed_ms", "batch_id", "batch_row")
RESULT_COLUMNS = ("row", "message_id", "status", "description", "outcome", "error_code",
                  "summary", "http_status", "attempts")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The CSV text of a header and rows (None becomes an empty cell)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return "\ufeff" + out.getvalue()


def history_csv(entries: Iterable[HistoryEntry]) -> str:
    return table(HISTORY_COLUMNS, (
        (e.time, e.who, e.profile, e.system, e.tenant, e.operation, e.message_id, e.status,
         e.description, e.outcome_kind, e.outcome_code, e.outcome_summary, e.http_status,
         e.elapsed_ms, e.batch_id, e.batch_row) for e in entries))


def batch_results_csv(batch: BatchFile, finished: Iterable[RowResult]) -> str:
    """Every row of the file (its input columns) with what became of it."""
    by_row = {result.row.row: result for result in finished}
    lines = []
    for row in batch.rows:
        result = by_row.get(row.row)
        if row.problem:
            cells: tuple[object, ...] = ("not sent", "invalid", row.problem, None, 0)
        elif result is None:
            cells = ("not sent", "", "Not sent (the run stopped before this row).", None, 0)
        else:
            data = result.as_dict()
            cells = (data["kind"], data["code"], data["summary"], data["http_status"],
                     data["attempts"])
        lines.append((row.row, row.message_id, row.status, row.description, *cells))
    return table(RESULT_COLUMNS, lines)


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(text):
        return "'" + text
    return text
