"""The history rows as a table model: what each column says, its tool tip and its width.

A model (not one widget per row) so that a thousand rows cost nothing to show; the view
asks only for the rows on screen. Times are shown in local time, kept in UTC.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QFontMetrics

from core.visible import visible
from gui.widgets.table_model import RowsModel, outcome_words

if TYPE_CHECKING:
    from core.history import HistoryEntry

COLUMNS = ("When", "Who", "Profile", "Tenant", "Message id", "Status", "Outcome", "HTTP",
           "Elapsed")
WHEN, WHO, PROFILE, TENANT, MESSAGE, STATUS, OUTCOME, HTTP, ELAPSED = range(len(COLUMNS))
# Typical contents, to size each column by the font rather than by whatever rows came first;
# and the least each column gives way to when the table is narrow (text is elided in the
# middle, the tool tip has it whole). Time, HTTP and Elapsed never give way.
_SAMPLES = ("2026-12-31 23:59:59", "support.user", "Sandbox SuperOffice",
            "online.superoffice.com/Cust12345",
            "65575980fa531ac284c2ee68f81ebebd", "3 (Delivered (demo plugin))",
            "Refused: QUERY_LIMIT_EXCEEDED", "HTTP", "99.9 s")
_LEAST = ("2026-12-31 23:59:59", "support", "Sandbox Su", "Cust12345", "65575…1ebebd",
          "3 (Delivered)", "Refused: QUERY", "HTTP", "99.9 s")
_GROWING = (PROFILE, TENANT, MESSAGE, STATUS, OUTCOME)  # they share a wide table's room
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


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


def outcome_text(entry: HistoryEntry) -> str:
    return outcome_words(entry.outcome_kind, entry.outcome_code)


def column_widths(metrics: QFontMetrics) -> list[int]:
    return [metrics.horizontalAdvance(sample) + 24 for sample in _SAMPLES]


def least_widths(metrics: QFontMetrics) -> list[int]:
    return [metrics.horizontalAdvance(sample) + 24 for sample in _LEAST]


def fit_widths(wanted: list[int], least: list[int], room: int) -> list[int]:
    """Column widths filling ``room`` pixels: a narrow table takes from each column in
    proportion to what it can spare (down to ``least``); a wide one shares the extra out
    among Profile, Tenant, Message id, Status and Outcome by their size, so no column
    takes half the table. Below the sum of ``least`` the table scrolls."""
    if sum(least) >= room:
        return list(least)
    total = sum(wanted)
    if total >= room:
        spare = [w - m for w, m in zip(wanted, least, strict=True)]
        part = (total - room) / sum(spare)
        widths = [round(w - s * part) for w, s in zip(wanted, spare, strict=True)]
    else:
        share = sum(wanted[c] for c in _GROWING)
        widths = list(wanted)
        for column in _GROWING:
            widths[column] += (room - total) * wanted[column] // share
    widths[MESSAGE] += room - sum(widths)  # what rounding left over
    return widths


class HistoryTable(RowsModel):
    columns = COLUMNS

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.entries: list[HistoryEntry] = []

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

    # -- the cells -------------------------------------------------------------------------

    def row_total(self) -> int:
        return len(self.entries)

    def cell(self, row: int, column: int, role: int) -> object:
        entry = self.entries[row]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(entry)
        if role == Qt.ItemDataRole.DecorationRole and column == OUTCOME:
            return self.dot(entry.ok)
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
                 f"{local_time(entry.time)} local ({entry.time} UTC), by {entry.who}"
                 + (f" on {entry.machine}" if entry.machine else ""),
                 f"{entry.profile} · {entry.system} · {entry.tenant}"]
        if entry.message_id:
            lines.append(f"Message {entry.message_id} → {entry.status}")
        if entry.description:
            lines.append(f"Description: {entry.description}")
        if entry.batch_id:
            lines.append(f"Batch {entry.batch_id}, row {entry.batch_row}")
        return "\n".join(map(visible, lines))  # rows of older versions may hold raw controls
