"""One side of the traffic: the request or the response, as Raw and as Pretty text."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QFontDatabase, QTextOption
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui.exchange_view import PaneText, human_size
from gui.highlighter import HttpHighlighter

RAW, PRETTY = 0, 1


class MessageText(QPlainTextEdit):
    """Read-only monospaced text that tells its pane when it gets focus."""

    focused = Signal()

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setPlaceholderText(placeholder)
        self.setUndoRedoEnabled(False)
        self.highlighter = HttpHighlighter(self.document(), self.palette())

    def focusInEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().focusInEvent(event)
        self.focused.emit()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == event.Type.PaletteChange:
            self.highlighter.set_palette(self.palette())

    def show_text(self, text: str, kind: str, *, highlight: bool = True) -> None:
        self.highlighter.set_body_kind(kind, enabled=highlight)
        self.setPlainText(text)


class MessagePane(QWidget):
    """Title line (what and how big) over Raw / Pretty tabs."""

    focused = Signal()
    mode_changed = Signal(int)

    def __init__(self, title: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.heading = QLabel(f"<b>{title}</b>")
        self.size_label = QLabel("")
        self.size_label.setObjectName("paneSize")
        self.raw = MessageText(placeholder)
        self.raw.setObjectName(f"{title.lower()}Raw")
        self.pretty = MessageText(placeholder)
        self.pretty.setObjectName(f"{title.lower()}Pretty")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.pretty, "Pretty")
        self.tabs.addTab(self.raw, "Raw")
        self.tabs.setTabToolTip(0, "Indented XML or JSON, coloured")
        self.tabs.setTabToolTip(1, "Status line, headers and body exactly as on the wire")
        self.tabs.currentChanged.connect(lambda _: self.mode_changed.emit(self.mode()))
        self.body = b""
        for editor in (self.raw, self.pretty):
            editor.focused.connect(self.focused)

        top = QHBoxLayout()
        top.setContentsMargins(2, 0, 2, 0)
        top.addWidget(self.heading)
        top.addStretch(1)
        top.addWidget(self.size_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

    def mode(self) -> int:
        return RAW if self.tabs.currentWidget() is self.raw else PRETTY

    def set_mode(self, mode: int) -> None:
        self.tabs.setCurrentWidget(self.raw if mode == RAW else self.pretty)

    def editors(self) -> list[MessageText]:
        return [self.pretty, self.raw]

    def current_editor(self) -> MessageText:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, MessageText) else self.pretty

    def show_pane(self, pane: PaneText | None, empty_note: str = "") -> None:
        if pane is None:
            self.body = b""
            self.size_label.setText("")
            self.raw.setPlaceholderText(empty_note)
            self.pretty.setPlaceholderText(empty_note)
            self.raw.clear()
            self.pretty.clear()
            return
        self.body = pane.body
        self.size_label.setText(f"{human_size(pane.size)}  ·  body {human_size(len(pane.body))}")
        highlight = not pane.large
        self.raw.show_text(pane.raw, pane.body_kind, highlight=highlight)
        self.pretty.show_text(pane.pretty, pane.body_kind, highlight=highlight)
