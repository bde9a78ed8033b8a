"""Every row of a batch file as a table model: what it says, whether it may be sent, and
what became of it (gui.widgets.table_model: a file of thousands of rows costs no widget
per row).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QColor

from gui.widgets.table_model import RowsModel, outcome_words

if TYPE_CHECKING:
    from core.batch import RowResult
    from core.batch_file import BatchFile, BatchRow

COLUMNS = ("Row", "Profile", "Message id", "Status", "Description", "Check", "Outcome")
ROW, PROFILE, MESSAGE, STATUS, DESCRIPTION, CHECK, OUTCOME = range(len(COLUMNS))
WIDTHS = (50, 140, 260, 100, 160, 200, 320)  # Profile: shown for a profile column only
INVALID_COLOUR = QColor("#d93025")


def result_text(result: RowResult) -> str:
    if result.skipped:
        return "Done in an earlier run"
    outcome = result.exchange.outcome if result.exchange else None
    if outcome is None:
        return "Not sent"
    text = outcome_words(outcome.kind.value, outcome.code)
    tries = f" (after {result.attempts} attempts)" if result.attempts > 1 else ""
    return f"{text}{tries}"


class BatchTable(RowsModel):
    columns = COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows: tuple[BatchRow, ...] = ()
        self.results: dict[int, RowResult] = {}  # spreadsheet row number -> what became of it
        self.earlier: set[int] = set()  # rows a previous run finished (history says so)
        self.waiting: tuple[int, str] = (0, "")  # a row waiting to be tried again, and why
        self._index: dict[int, int] = {}  # row number -> table row

    def set_batch(self, batch: BatchFile | None, earlier: set[int] | None = None) -> None:
        self.beginResetModel()
        self.rows = batch.rows if batch is not None else ()
        self._index = {row.row: i for i, row in enumerate(self.rows)}
        self.results, self.waiting = {}, (0, "")
        self.earlier = set(earlier or ())
        self.endResetModel()

    def set_earlier(self, earlier: set[int]) -> None:
        self.earlier = set(earlier)
        self._changed(0, len(self.rows) - 1)

    def clear_results(self) -> None:
        self.results, self.waiting = {}, (0, "")
        self._changed(0, len(self.rows) - 1)

    def add_results(self, results: list[RowResult]) -> int:
        """Record finished rows; the table row of the last one (for scrolling to it)."""
        places = []
        for result in results:
            self.results[result.row.row] = result
            places.append(self._index.get(result.row.row, 0))
        if self.waiting[0] in self.results:
            self.waiting = (0, "")
        if places:
            self._changed(min(places), max(places))
        return places[-1] if places else -1

    def set_waiting(self, row_number: int, text: str) -> None:
        old = self._index.get(self.waiting[0])
        self.waiting = (row_number, text)
        for place in (old, self._index.get(row_number)):
            if place is not None:
                self._changed(place, place)

    def _changed(self, first: int, last: int) -> None:
        if last >= first >= 0:
            self.dataChanged.emit(self.index(first, CHECK), self.index(last, OUTCOME))

    # -- the cells -------------------------------------------------------------------------

    def row_total(self) -> int:
        return len(self.rows)

    def cell(self, place: int, column: int, role: int) -> object:
        row = self.rows[place]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            text = self.text(row, column)
            if role == Qt.ItemDataRole.ToolTipRole and column == OUTCOME:
                result = self.results.get(row.row)
                if result is not None and result.exchange is not None:
                    return f"{text}\n{result.exchange.outcome.summary}"
            return text
        if role == Qt.ItemDataRole.ForegroundRole and row.problem and column == CHECK:
            return INVALID_COLOUR
        if role == Qt.ItemDataRole.DecorationRole and column == CHECK:
            return self.dot(not row.problem)
        if role == Qt.ItemDataRole.DecorationRole and column == OUTCOME:
            result = self.results.get(row.row)
            if result is not None:
                return self.dot(result.ok)
        return None

    def text(self, row: BatchRow, column: int) -> str:
        if column == ROW:
            return str(row.row)
        if column == PROFILE:
            return row.profile
        if column == CHECK:
            return row.problem or row.set_already or "OK"
        if column == OUTCOME:
            return self.outcome(row)
        return (row.message_id, row.status, row.description)[column - MESSAGE]

    def outcome(self, row: BatchRow) -> str:
        if row.problem:
            return "Not sent (invalid)"
        if row.set_already:
            return "Skipped (a teammate set it)"
        result = self.results.get(row.row)
        if result is not None:
            return result_text(result)
        if self.waiting[0] == row.row:
            return self.waiting[1]
        if row.row in self.earlier:
            return "Done in an earlier run"
        return ""
