"""The history rows as a table model: what each column says, its tool tip and its width.

A model (not one widget per row) so that a thousand rows cost nothing to show; the view
asks only for the rows on screen. Times are shown in local time, kept in UTC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QFontMetrics

from gui.profiles.picker import dot_icon

if TYPE_CHECKING:
    from core.history import HistoryEntry

COLUMNS = ("When", "Who", "Profile", "Tenant", "Message id", "Status", "Outcome", "HTTP",
           "Elapsed")
WHEN, WHO, PROFILE, TENANT, MESSAGE, STATUS, OUTCOME, HTTP, ELAPSED = range(len(COLUMNS))
# Typical contents, to size each column by the font rather than by whatever rows came first.
_SAMPLES = ("2026-12-31 23:59:59", "support.user", "Sandbox SuperOffice",
            "online.superoffice.com/Cust12345",
            "65575980fa531ac284c2ee68f81ebebd", "undelivered", "Refused: QUERY_LIMIT_EXCEEDED",
            "HTTP", "99.9 s")
OUTCOME_WORDS = {"done": "Done", "refused": "Refused", "transport": "Network",
                 "credentials": "Credentials", "bad_input": "Not sent"}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
Index = QModelIndex | QPersistentModelIndex


def local_time(iso: str) -> str:
    from datetime import datetime  # not needed before the first row is shown

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return iso


def elapsed_text(ms: int | None) -> str:
    if ms is None:
        return ""
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def outcome_words(kind: str, code: str) -> str:
    """An outcome in a table cell: "Refused: E_CODE", "Network: ReadTimeout", "Cancelled"."""
    if code.startswith("cancelled"):  # the person stopped it: not the network
        return "Cancelled" + code.removeprefix("cancelled")
    words = OUTCOME_WORDS.get(kind, kind)
    return f"{words}: {code}" if code else words


def outcome_text(entry: HistoryEntry) -> str:
    return outcome_words(entry.outcome_kind, entry.outcome_code)


def column_widths(metrics: QFontMetrics) -> list[int]:
    return [metrics.horizontalAdvance(sample) + 24 for sample in _SAMPLES]


class HistoryTable(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[HistoryEntry] = []
        self._ok, self._failed = dot_icon("#1e9e50"), dot_icon("#d93025")

    # -- contents -------------------------------------------------------------------------

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.beginResetModel()
        self.entries = list(entries)
        self.endResetModel()

    def prepend(self, entry: HistoryEntry, keep: int) -> None:
        self.beginInsertRows(QModelIndex(), 0, 0)
        self.entries.insert(0, entry)
        self.endInsertRows()
        if len(self.entries) > keep:
            self.beginRemoveRows(QModelIndex(), keep, len(self.entries) - 1)
            del self.entries[keep:]
            self.endRemoveRows()

    def entry(self, row: int) -> HistoryEntry | None:
        return self.entries[row] if 0 <= row < len(self.entries) else None

    def row_of(self, entry_id: int) -> int:
        return next((i for i, e in enumerate(self.entries) if e.id == entry_id), -1)

    # -- Qt's model interface ---------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt's)
        return 0 if parent.isValid() else len(self.entries)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008, N802 (Qt's)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,  # noqa: N802 (Qt's)
                   role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        entry = self.entry(index.row())
        if entry is None:
            return None
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(entry)
        if role == Qt.ItemDataRole.DecorationRole and column == OUTCOME:
            return self._ok if entry.ok else self._failed
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (HTTP, ELAPSED):
            return _RIGHT
        return None

    @staticmethod
    def _text(entry: HistoryEntry, column: int) -> str:
        if column == WHEN:
            return local_time(entry.time)
        if column == MESSAGE:
            return entry.message_id or f"({entry.operation})"
        if column == OUTCOME:
            return outcome_text(entry)
        if column == HTTP:
            return "" if entry.http_status is None else str(entry.http_status)
        if column == ELAPSED:
            return elapsed_text(entry.elapsed_ms)
        return (entry.who, entry.profile, entry.tenant, entry.message_id,
                entry.status)[column - WHO] if column <= STATUS else ""

    @staticmethod
    def _tip(entry: HistoryEntry) -> str:
        lines = [f"{outcome_text(entry)}: {entry.outcome_summary}",
                 f"{local_time(entry.time)} local ({entry.time} UTC), by {entry.who}",
                 f"{entry.profile} · {entry.system} · {entry.tenant}"]
        if entry.message_id:
            lines.append(f"Message {entry.message_id} → {entry.status}")
        if entry.description:
            lines.append(f"Description: {entry.description}")
        if entry.batch_id:
            lines.append(f"Batch {entry.batch_id}, row {entry.batch_row}")
        return "\n".join(lines)
