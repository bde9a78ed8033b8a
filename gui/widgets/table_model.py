"""What the window's tables share: a read-only model over a list of rows (the history, a
batch's rows), its header, its bounds, the ok/failed dots and the words for an outcome.

A model, not one widget per row, so that thousands of rows cost nothing to show: the view
asks only for the rows on screen. A subclass says how many rows there are (``row_total``)
and what a cell shows for a role (``cell``).
"""

from __future__ import annotations

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QIcon

from gui.widgets.dot import dot_icon

OK_COLOUR, FAILED_COLOUR = "#1e9e50", "#d93025"
OUTCOME_WORDS = {"done": "Done", "refused": "Refused", "transport": "Network",
                 "credentials": "Credentials", "bad_input": "Not sent"}
Index = QModelIndex | QPersistentModelIndex


def outcome_words(kind: str, code: str) -> str:
    """An outcome in a table cell: "Refused: E_CODE", "Network: ReadTimeout", "Cancelled"."""
    if code.startswith("cancelled"):  # the person stopped it: not the network
        return "Cancelled" + code.removeprefix("cancelled")
    words = OUTCOME_WORDS.get(kind, kind)
    return f"{words}: {code}" if code else words


class RowsModel(QAbstractTableModel):
    """A read-only table: one row per item, the columns named by ``columns``."""

    columns: tuple[str, ...] = ()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._dots = {True: dot_icon(OK_COLOUR), False: dot_icon(FAILED_COLOUR)}

    def dot(self, ok: bool) -> QIcon:
        """The green (ok) or red (failed) dot of an outcome or a check."""
        return self._dots[ok]

    def row_total(self) -> int:
        raise NotImplementedError

    def cell(self, row: int, column: int, role: int) -> object:
        """What row ``row`` (within bounds) shows in ``column`` for ``role``; None: nothing."""
        raise NotImplementedError

    # -- Qt's model interface ---------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt's)
        return 0 if parent.isValid() else self.row_total()

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt's)
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt's)
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not 0 <= index.row() < self.row_total():
            return None
        return self.cell(index.row(), index.column(), role)
