"""CSV that spreadsheets open safely: history rows and batch results.

UTF-8 with a BOM (so Excel reads accents right), comma separated, every text cell that a
spreadsheet would take for a formula (=, +, -, @ first) prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import TextIO

from core.batch import RowResult
from core.batch_file import BatchFile, BatchRow
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
    out = io.StringIO()
    results = ResultsWriter(batch, out)
    for result in finished:
        results.add(result)
    results.close()
    return out.getvalue()


class ResultsWriter:
    """The results file written as rows finish, so a long run keeps no result in memory.

    Rows come in file order (a run sends them in order); each one added writes the invalid
    rows before it and then itself; ``close`` writes the rows the run never reached. The
    text is the same as ``batch_results_csv`` makes (UTF-8 BOM, CRLF); ``out`` is opened
    with ``newline=""``. A file with a profile column has a ``profile`` column here too;
    its customers run side by side, so rows are written as they finish (the row number
    says where each was) and ``close`` writes the others in file order.
    """

    def __init__(self, batch: BatchFile, out: TextIO) -> None:
        self._rows = iter(batch.rows)
        self._out = out
        self._writer = csv.writer(out, lineterminator="\r\n")
        self._by_profile = batch.by_profile
        self._written: set[int] = set()  # by_profile: the row numbers written so far
        out.write("\ufeff")
        self._writer.writerow((RESULT_COLUMNS[0], "profile", *RESULT_COLUMNS[1:])
                              if self._by_profile else RESULT_COLUMNS)

    def add(self, result: RowResult) -> None:
        if self._by_profile:
            self._finished(result.row, result)
            self._written.add(result.row.row)
            self._out.flush()
            return
        for row in self._rows:
            if row.row == result.row.row:
                data = result.as_dict()
                self._line(row, (data["kind"], data["code"], data["summary"],
                                 data["http_status"], data["attempts"]))
                self._out.flush()  # on disk as the row finishes: a killed run leaves it
                return
            self._line(row, _unsent(row))

    def close(self) -> None:
        for row in self._rows:
            if row.row not in self._written:
                self._line(row, _unsent(row))
        self._out.flush()

    def _finished(self, row: BatchRow, result: RowResult) -> None:
        data = result.as_dict()
        self._line(row, (data["kind"], data["code"], data["summary"], data["http_status"],
                         data["attempts"]))

    def _line(self, row: BatchRow, cells: tuple[object, ...]) -> None:
        where = (row.row, row.profile) if self._by_profile else (row.row,)
        self._writer.writerow([_cell(value) for value in
                               (*where, row.message_id, row.status, row.description, *cells)])


def _unsent(row: BatchRow) -> tuple[object, ...]:
    if row.problem:
        return ("not sent", "invalid", row.problem, None, 0)
    return ("not sent", "", "Not sent (the run stopped before this row).", None, 0)


def _cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _NUMBER.match(text):
        return "'" + text
    return text
