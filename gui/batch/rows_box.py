"""Where a batch's rows come from and how they look: a file, pasted text, the table.

Only widgets; gui.batch.window reads and checks the rows (through gui.batch.source).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.batch.table import CHECK, DESCRIPTION, OUTCOME, PROFILE, WIDTHS, BatchTable


class EndElided(QStyledItemDelegate):
    """Sentences cut at their end ("Same message id as row 2: keep…"), not in the middle
    as message ids are; the full text is the cell's tooltip."""

    def initStyleOption(self, option: QStyleOptionViewItem,  # noqa: N802 (Qt's name)
                        index: QModelIndex | QPersistentModelIndex) -> None:
        super().initStyleOption(option, index)
        option.textElideMode = Qt.TextElideMode.ElideRight


def row_of(*items: QWidget | tuple[QWidget, int] | None) -> QHBoxLayout:
    """Widgets side by side; (widget, stretch) to stretch one, None for a gap."""
    row = QHBoxLayout()
    for item in items:
        if item is None:
            row.addStretch(1)
        elif isinstance(item, tuple):
            row.addWidget(*item)
        else:
            row.addWidget(item)
    return row


class BatchRowsBox(QWidget):
    file_chosen = Signal(object)  # a Path
    text_pasted = Signal(str)

    def __init__(self, model: BatchTable, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.open_button = QPushButton("&Open CSV file…")
        self.open_button.clicked.connect(self.ask_file)
        self.file_label = QLabel("")
        self.paste = QPlainTextEdit()
        self.paste.setObjectName("batchPaste")
        self.paste.setPlaceholderText("…or paste rows here, header first:\n"
                                      "message_id,status,description")
        self.paste.setMaximumHeight(self.fontMetrics().height() * 5)
        self.paste.setTabChangesFocus(True)
        self.check_button = QPushButton("Chec&k pasted rows")
        self.check_button.clicked.connect(self._check_pasted)
        self.counts = QLabel("Open a CSV file or paste rows: nothing is sent until you say so.")
        self.counts.setObjectName("batchCounts")
        self.counts.setWordWrap(True)
        self.table = QTableView()
        self.table.setObjectName("batchTable")
        self.table.setModel(model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # message ids
        self.sentences = EndElided(self.table)
        for column in (DESCRIPTION, CHECK, OUTCOME):
            self.table.setItemDelegateForColumn(column, self.sentences)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        for column, width in enumerate(WIDTHS):
            self.table.setColumnWidth(column, width)
        for column in (CHECK, OUTCOME):  # the sentences share what the window has left
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setColumnHidden(PROFILE, True)  # shown for a file with a profile column
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row_of(self.open_button, (self.file_label, 1)))
        layout.addLayout(row_of((self.paste, 1), self.check_button))
        layout.addWidget(self.counts)
        layout.addWidget(self.table, 1)

    def set_sources_enabled(self, enabled: bool) -> None:
        for widget in (self.open_button, self.paste, self.check_button):
            widget.setEnabled(enabled)

    def ask_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open a batch file", str(Path.home()),
                                              "CSV files (*.csv *.txt);;All files (*)")
        if path:
            self.file_chosen.emit(Path(path))

    def _check_pasted(self) -> None:
        text = self.paste.toPlainText()
        if text.strip():
            self.text_pasted.emit(text)
