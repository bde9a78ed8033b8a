"""CSV that spreadsheets open safely: history rows and batch results.

UTF-8 with a BOM (so Excel reads accents right), comma separated, every text cell that a
spreadsheet would take for a formula (=, +, -, @ first) prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from core.history import HistoryEntry

HISTORY_COLUMNS = ("time_utc", "who", "profile", "system", "tenant", "operation",
                   "message_id", "status", "description", "outcome", "error_code", "summary",
                   "http_status", "elapsed_ms", "batch_id", "batch_row")
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


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(text):
        return "'" + text
    return text
