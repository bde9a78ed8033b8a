"""One side of the traffic: the request or the response, in three views.

Pretty: the body alone, indented, with line numbers; XML elements and JSON objects fold
(gui.inspector.numbered_text). Headers: the start line and the headers. Raw: all of it
exactly as on the wire, with line numbers. The title line says how big it is, and when
masking secrets changed the body's size, both sizes (as shown, and on the wire).
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QTabWidget, QVBoxLayout, QWidget

from gui.inspector.exchange_view import PaneText, human_size
from gui.inspector.message_text import MessageText
from gui.inspector.numbered_text import FOLD_HELP, NumberedText
from gui.inspector.one_line import OneLineLabel

__all__ = ["HEADERS", "PRETTY", "RAW", "MessagePane", "MessageText"]

RAW, PRETTY, HEADERS = 0, 1, 2


class MessagePane(QWidget):
    """Title line (what and how big) over Pretty / Headers / Raw tabs."""

    focused = Signal()
    mode_changed = Signal(int)
    loaded = Signal()  # a big text finished going into one of the editors

    def __init__(self, title: str, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.heading = QLabel(f"<b>{title}</b>")
        self.size_label = OneLineLabel(right=True)  # a narrow pane cuts it, never widens
        self.size_label.setObjectName("paneSize")
        self.raw = NumberedText(placeholder)
        self.raw.setObjectName(f"{title.lower()}Raw")
        self.pretty = NumberedText(placeholder, folding=True)
        self.pretty.setObjectName(f"{title.lower()}Pretty")
        self.headers = MessageText(placeholder)
        self.headers.setObjectName(f"{title.lower()}Headers")
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.pretty, "Pretty")
        self.tabs.addTab(self.headers, "Headers")
        self.tabs.addTab(self.raw, "Raw")
        self.tabs.setTabToolTip(0, f"The body, indented and coloured. {FOLD_HELP}")
        self.tabs.setTabToolTip(1, "The start line and the headers")
        self.tabs.setTabToolTip(2, "Start line, headers and body exactly as on the wire")
        self.tabs.currentChanged.connect(lambda _: self.mode_changed.emit(self.mode()))
        self.body = b""
        self._sizes = ""
        for editor in self.editors():
            editor.focused.connect(self.focused)
            editor.progress.connect(self._progress)

        top = QHBoxLayout()
        top.setContentsMargins(2, 0, 2, 0)
        top.addWidget(self.heading)
        top.addSpacing(8)
        top.addWidget(self.size_label, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addLayout(top)
        layout.addWidget(self.tabs, 1)

    def mode(self) -> int:
        current = self.tabs.currentWidget()
        return RAW if current is self.raw else HEADERS if current is self.headers else PRETTY

    def set_mode(self, mode: int) -> None:
        self.tabs.setCurrentWidget(
            self.raw if mode == RAW else self.headers if mode == HEADERS else self.pretty)

    def editors(self) -> list[MessageText]:
        return [self.pretty, self.headers, self.raw]

    def current_editor(self) -> MessageText:
        widget = self.tabs.currentWidget()
        return widget if isinstance(widget, MessageText) else self.pretty

    def set_wrap(self, wrap: bool) -> None:
        for editor in self.editors():
            editor.set_wrap(wrap)

    def show_pane(self, pane: PaneText | None, empty_note: str = "") -> None:
        if pane is None:
            self.body = b""
            self.size_label.setText("")
            self.tabs.setTabText(1, "Headers")
            for editor in self.editors():
                editor.setPlaceholderText(empty_note)
                editor.show_text("", "text")
            return
        self.body = pane.body
        # the body first: a narrow pane cuts the end of the line
        self._sizes = f"{pane.body_size_text()}  ·  {human_size(pane.size)} in all"
        self.size_label.setText(self._sizes)
        self.size_label.setToolTip(f"{self._sizes}\n{pane.body_size_tip()}")
        self.tabs.setTabText(1, f"Headers ({pane.header_count})")
        self.raw.show_text(pane.raw, pane.body_kind)
        self.pretty.show_text(pane.pretty, pane.body_kind, head=0)
        self.headers.show_text(pane.head, "text", head=pane.head.count("\n") + 1)

    def bring_into_view(self, line: int) -> None:
        """The pretty body's line ``line`` selected at the top (the part that matters)."""
        self.pretty.bring_into_view(line)

    def _progress(self, percent: int) -> None:
        self.size_label.setText(self._sizes if percent >= 100 else
                                f"{self._sizes}  ·  showing {percent}%…")
        if percent >= 100:
            self.loaded.emit()

    @property
    def loading(self) -> bool:
        return any(editor.loading for editor in self.editors())
