"""Past exchanges, newest first; choosing one opens it in the traffic inspector."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from gui.profile_picker import dot_icon

if TYPE_CHECKING:
    from core.history import HistoryEntry

ID_ROLE = Qt.ItemDataRole.UserRole + 1
COLUMNS = ("Time", "Message id", "Status", "Profile", "Result")
MAX_SHOWN = 500


def _when(iso: str) -> str:
    try:
        moment = datetime.fromisoformat(iso).astimezone()
    except ValueError:
        return iso
    today = datetime.now().astimezone().date()
    return moment.strftime("%H:%M:%S" if moment.date() == today else "%Y-%m-%d %H:%M")


class HistoryPanel(QTreeWidget):
    entry_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("historyList")
        self.setColumnCount(len(COLUMNS))
        self.setHeaderLabels(list(COLUMNS))
        self.setRootIsDecorated(False)
        self.setUniformRowHeights(True)
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # long ids keep both ends
        self.setAlternatingRowColors(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.header().setStretchLastSection(True)
        self.header().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.setToolTip("Past exchanges; Enter or a click opens one in the inspector")
        self._ok, self._failed = dot_icon("#1e9e50"), dot_icon("#d93025")
        self.itemActivated.connect(self._activated)
        self.currentItemChanged.connect(lambda item, _old: item and self._activated(item))

    def set_entries(self, entries: list[HistoryEntry]) -> None:
        self.blockSignals(True)
        self.clear()
        for entry in entries[:MAX_SHOWN]:
            self.addTopLevelItem(self._item(entry))
        self.blockSignals(False)
        self._fit_columns()

    def add_entry(self, entry: HistoryEntry) -> None:
        """A new exchange on top, selected (the inspector shows it already)."""
        self.blockSignals(True)
        self.insertTopLevelItem(0, self._item(entry))
        while self.topLevelItemCount() > MAX_SHOWN:
            self.takeTopLevelItem(self.topLevelItemCount() - 1)
        self.setCurrentItem(self.topLevelItem(0))
        self.blockSignals(False)
        self._fit_columns()

    def _fit_columns(self) -> None:
        for column in range(len(COLUMNS) - 1):
            self.resizeColumnToContents(column)
            self.setColumnWidth(column, min(self.columnWidth(column), 150))

    def entry_ids(self) -> list[int]:
        return [self.topLevelItem(i).data(0, ID_ROLE) for i in range(self.topLevelItemCount())]

    def _item(self, entry: HistoryEntry) -> QTreeWidgetItem:
        message = entry.message_id or f"({entry.operation})"
        item = QTreeWidgetItem([_when(entry.time), message, entry.status, entry.profile,
                                entry.outcome_summary])
        item.setIcon(0, self._ok if entry.ok else self._failed)  # the outcome at a glance
        item.setData(0, ID_ROLE, entry.id)
        for column in range(len(COLUMNS)):
            item.setToolTip(column, f"{entry.time}  {entry.profile}\n{entry.outcome_summary}")
        return item

    def _activated(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        self.entry_chosen.emit(int(item.data(0, ID_ROLE)))
