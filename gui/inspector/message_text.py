"""The read-only text of one view of a message (raw, pretty body, headers).

Big messages go into their editor piece by piece, each piece one short step of the event
loop, so the window keeps painting and reacting while a 10 MB answer comes in; the first
screenful shows at once. An editor that is hidden (the other tab) takes its text when it
is first shown. See gui.inspector.long_text for how the text is cut.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QMimeData, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFocusEvent,
    QFontDatabase,
    QPaintEvent,
    QShowEvent,
    QTextBlock,
    QTextOption,
)
from PySide6.QtWidgets import QPlainTextEdit, QWidget

from gui.inspector.highlighter import HttpHighlighter
from gui.inspector.long_text import DisplayLines, head_lines, join_display_lines

AT_ONCE = 200_000  # characters; a text up to this size goes in in one step
FIRST_STEP = 64_000  # characters in the first step of a bigger text; later ones adapt
STEP_MS = 12.0  # what one step may take; between steps the window repaints and reacts
MAX_STEP = 4_000_000


class MessageText(QPlainTextEdit):
    """Read-only monospaced text that tells its pane when it gets focus."""

    focused = Signal()
    progress = Signal(int)  # percent of a big text shown so far; 100 when it is all in

    def __init__(self, placeholder: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setReadOnly(True)
        # the caret moves by keyboard too (arrows, Page Down...): folding works at the caret
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                     | Qt.TextInteractionFlag.TextSelectableByKeyboard)
        self.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        self.setPlaceholderText(placeholder)
        self.setUndoRedoEnabled(False)
        # The viewport's first viewport() of a process makes PySide try every QWidget class
        # for the wrapper of an object it has not seen (~9 ms, 2 MB: all those classes get
        # built); found by its Qt name it is wrapped as the plain QWidget it is, and
        # viewport() gives that wrapper from then on.
        self.findChild(QWidget, "qt_scrollarea_viewport")
        self.highlighter = HttpHighlighter(self, self.palette())
        self._feed: DisplayLines | None = None  # the text still going in, piece by piece
        self._joins: list[int] = []  # display lines that continue the one before
        self._step_size = FIRST_STEP
        self._next_step = QTimer(self)
        self._next_step.setSingleShot(True)
        self._next_step.setInterval(0)
        self._next_step.timeout.connect(self._take_step)

    @property
    def loading(self) -> bool:
        """True while a big text is going in (a hidden editor waits until it is shown)."""
        return self._feed is not None and self.isVisible()

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 (Qt's name)
        super().focusInEvent(event)
        self.focused.emit()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.highlighter.set_palette(self.palette())

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        self.highlighter.colour_visible()
        super().paintEvent(event)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt's name)
        super().showEvent(event)
        if self._feed is not None:
            self._next_step.start()

    def set_wrap(self, wrap: bool) -> None:
        """Long lines wrap at the edge (True) or scroll sideways (False)."""
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth if wrap
                             else QPlainTextEdit.LineWrapMode.NoWrap)

    def next_shown(self, block: QTextBlock) -> QTextBlock:
        """The block after ``block`` that is on screen when scrolled to (folding skips)."""
        return block.next()

    def text_replaced(self) -> None:
        """The text is about to be replaced (subclasses forget what they knew of it)."""

    def show_text(self, text: str, kind: str, head: int | None = None) -> None:
        """Replace the text: at once when small, else piece by piece (see the module).
        ``head``: how many lines are the start line and headers (default: up to the
        first empty line; 0 for a body alone)."""
        self._next_step.stop()
        self._feed = None
        self.text_replaced()
        self.clear()
        self.highlighter.set_body_kind(kind, head_lines(text) if head is None else head)
        feed = DisplayLines(text)
        self._joins = feed.joins
        if len(text) <= AT_ONCE:
            self._append(feed.take(len(text) + 1), first=True)
            return
        self._feed, self._step_size = feed, FIRST_STEP
        if self.isVisible():
            self._take_step()  # the first screenful now

    def _take_step(self) -> None:
        feed = self._feed
        if feed is None or not self.isVisible():
            return  # replaced, or hidden meanwhile: showEvent carries on
        started = time.perf_counter()
        first = feed.lines == 0
        self._append(feed.take(self._step_size), first=first)
        took = (time.perf_counter() - started) * 1000
        if took < STEP_MS / 2:
            self._step_size = min(MAX_STEP, self._step_size * 2)
        elif took > STEP_MS:
            self._step_size = max(4_000, int(self._step_size * STEP_MS / took))
        if feed.done:
            self._feed = None
            self.progress.emit(100)
        else:
            self.progress.emit(min(99, feed.pos * 100 // max(1, len(feed.text))))
            self._next_step.start()

    def _append(self, piece: str, *, first: bool) -> None:
        from PySide6.QtGui import QTextCursor  # not needed before the first text

        cursor = QTextCursor(self.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        if first:
            cursor.insertText(piece)
        else:
            self.highlighter.forget(self.document().blockCount() - 1)
            cursor.insertText("\n" + piece)

    def createMimeDataFromSelection(self) -> QMimeData:  # noqa: N802 (Qt's name)
        """Copying a selection gives the text as it was, without the display cuts."""
        if not self._joins:
            return super().createMimeDataFromSelection()
        cursor = self.textCursor()
        first = self.document().findBlock(cursor.selectionStart()).blockNumber()
        parts = cursor.selectedText().split("\u2029")  # Qt's paragraph separator
        data = QMimeData()
        data.setText(join_display_lines(parts, first, set(self._joins)))
        return data
