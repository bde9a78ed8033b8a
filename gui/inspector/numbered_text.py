"""A message text with line numbers in a gutter and, for an XML or JSON body, folding.

Folding hides the lines inside an element (or object, array) and leaves its first and
closing lines; a triangle in the gutter shows where a region starts (▾ open, ▸ folded)
and a click on it folds or opens it. From the keyboard, at the caret: Alt+Left folds the
innermost element around it, Alt+Right opens it again, Alt+Shift+Left folds every
element below the top level and Alt+Shift+Right opens everything. Find opens what hides
the match it goes to. Line numbers are the text's own lines: a display line that
continues a cut long line (gui.inspector.long_text) has none.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterator

from PySide6.QtCore import QPoint, QPointF, QRect, QSize, Qt
from PySide6.QtGui import (
    QContextMenuEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPolygonF,
    QResizeEvent,
    QShortcut,
    QTextBlock,
    QTextCursor,
)
from PySide6.QtWidgets import QWidget

from gui.inspector.folding import depth_change, enclosing_start, region_end
from gui.inspector.message_text import MessageText

MARKER = 12  # pixels of the gutter that hold the fold triangles
FOLD_LIMIT = 20_000  # display lines; a longer body does not fold (see can_fold)
SHORTCUTS = (("Alt+Left", "fold_at_caret"), ("Alt+Right", "unfold_at_caret"),
             ("Alt+Shift+Left", "fold_all"), ("Alt+Shift+Right", "unfold_all"))
FOLD_HELP = ("Fold: click a triangle, or Alt+Left / Alt+Right at the caret; "
             "Alt+Shift+Left folds all, Alt+Shift+Right opens all")


class _Gutter(QWidget):
    def __init__(self, editor: NumberedText) -> None:
        super().__init__(editor)
        self.editor = editor
        self.setObjectName("lineNumbers")

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        self.editor.paint_gutter(self, event.rect())

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 (Qt's name)
        self.editor.toggle_at(round(event.position().y()))


class NumberedText(MessageText):
    def __init__(self, placeholder: str, parent: QWidget | None = None, *,
                 folding: bool = False) -> None:
        super().__init__(placeholder, parent)
        self.folding = folding
        self._folds: dict[int, int] = {}  # first line of a folded region -> its last hidden line
        self._pending_focus = -1  # a line to bring into view once it has come in
        self.focus_block = -1  # the display line brought into view: marked in the gutter
        self.gutter = _Gutter(self)
        self.blockCountChanged.connect(lambda _: self._set_margin())
        self.updateRequest.connect(self._follow)
        self._set_margin()
        if folding:
            for keys, slot in SHORTCUTS:
                shortcut = QShortcut(QKeySequence(keys), self)
                shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
                shortcut.activated.connect(getattr(self, slot))
            self.gutter.setToolTip(FOLD_HELP)

    # -- the gutter ---------------------------------------------------------------------

    def gutter_width(self) -> int:
        digits = len(str(max(1, self.document().blockCount())))
        return 8 + self.fontMetrics().horizontalAdvance("9") * max(2, digits) + (
            MARKER if self.folding else 0)

    def _set_margin(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _follow(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        area = self.contentsRect()
        self.gutter.setGeometry(QRect(area.left(), area.top(), self.gutter_width(),
                                      area.height()))

    def line_number(self, block_number: int) -> int:
        """The text's own line (from 1) that display line ``block_number`` shows, or 0
        when it continues a line cut for display."""
        joins = self._joins
        before = bisect_right(joins, block_number)
        if before and joins[before - 1] == block_number:
            return 0
        return block_number - before + 1

    def block_of_line(self, line: int) -> int:
        """The display line where the text's line ``line`` (from 0) starts."""
        block = line
        for join in self._joins:  # sorted: every cut before it pushes it one further
            if join > block:
                break
            block += 1
        return block

    def paint_gutter(self, gutter: QWidget, area: QRect) -> None:
        painter = QPainter(gutter)
        palette = self.palette()
        painter.fillRect(area, palette.color(QPalette.ColorRole.AlternateBase))
        painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.setFont(self.font())
        numbers = gutter.width() - 4 - (MARKER if self.folding else 0)
        offset = self.contentOffset()
        block = self.firstVisibleBlock()
        height = self.fontMetrics().height()
        if self.document().isEmpty():  # the placeholder shows: nothing to number
            block = QTextBlock()
        foldable = self.can_fold()
        while block.isValid():
            top = round(self.blockBoundingGeometry(block).translated(offset).top())
            if top > area.bottom():
                break
            if block.isVisible():
                if block.blockNumber() == self.focus_block:
                    painter.fillRect(0, top, gutter.width(), height,
                                     palette.color(QPalette.ColorRole.Highlight))
                number = self.line_number(block.blockNumber())
                if number:
                    painter.drawText(0, top, numbers, height, Qt.AlignmentFlag.AlignRight,
                                     str(number))
                if foldable and self._opens(block) > 0:
                    self._paint_marker(painter, numbers + 2, top, height,
                                       block.blockNumber() in self._folds)
            block = self.next_shown(block)
        painter.end()

    def _paint_marker(self, painter: QPainter, left: int, top: int, height: int,
                      folded: bool) -> None:
        size = min(MARKER - 4, height - 4)
        x, y = left + 1, top + (height - size) / 2
        if folded:  # ▸
            points = [QPointF(x, y), QPointF(x + size, y + size / 2), QPointF(x, y + size)]
        else:  # ▾
            points = [QPointF(x, y + size / 4), QPointF(x + size, y + size / 4),
                      QPointF(x + size / 2, y + size * 3 / 4)]
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().color(QPalette.ColorRole.Text))
        painter.drawPolygon(QPolygonF(points))
        painter.restore()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if self._folds:
            self._paint_ellipses()

    def _paint_ellipses(self) -> None:
        """A "…" after each folded first line: there is more inside."""
        painter = QPainter(self.viewport())
        painter.setPen(self.palette().color(QPalette.ColorRole.PlaceholderText))
        offset = self.contentOffset()
        block = self.firstVisibleBlock()
        bottom = self.viewport().height()
        metrics = self.fontMetrics()
        while block.isValid():
            box = self.blockBoundingGeometry(block).translated(offset)
            if box.top() > bottom:
                break
            if block.blockNumber() in self._folds:
                line = block.layout().lineAt(max(0, block.layout().lineCount() - 1))
                left = round(offset.x() + line.naturalTextWidth()) + 6
                top = round(box.top() + line.y())
                painter.drawText(left, top + metrics.ascent(), " … ")
            block = self.next_shown(block)
        painter.end()

    # -- folding ------------------------------------------------------------------------

    def next_shown(self, block: QTextBlock) -> QTextBlock:
        last = self._folds.get(block.blockNumber())
        if last is None:
            return block.next()
        return self.document().findBlockByNumber(last + 1)

    def text_replaced(self) -> None:
        self._folds.clear()
        self._pending_focus = self.focus_block = -1

    def _opens(self, block: QTextBlock) -> int:
        return depth_change(block.text(), self.highlighter.body_kind)

    def _blocks_after(self, block: QTextBlock) -> Iterator[str]:
        block = block.next()
        while block.isValid():
            yield block.text()
            block = block.next()

    def _blocks_before(self, block: QTextBlock) -> Iterator[str]:
        block = block.previous()
        while block.isValid():
            yield block.text()
            block = block.previous()

    def can_fold(self) -> bool:
        """Folding is for bodies a person reads: a longer one (a 10 MB answer) would
        freeze the window while its lines are hidden and laid out again; Find instead."""
        return self.folding and self.document().blockCount() <= FOLD_LIMIT

    def is_folded(self, line: int) -> bool:
        return self.block_of_line(line) in self._folds

    def fold_block(self, number: int) -> bool:
        """Fold the region that display line ``number`` opens; False if it opens none."""
        block = self.document().findBlockByNumber(number)
        if not self.can_fold() or not block.isValid() or number in self._folds:
            return False
        opened = self._opens(block)
        if opened <= 0:
            return False
        inside = region_end(self._blocks_after(block), self.highlighter.body_kind, opened)
        if inside <= 0:  # closed on the next line, or not here (yet)
            return False
        self._folds[number] = number + inside
        self._keep_caret_out()
        self._show_as_folded(number, number + inside + 1)
        return True

    def unfold_block(self, number: int) -> bool:
        last = self._folds.pop(number, None)
        if last is None:
            return False
        self._show_as_folded(number, last + 1)
        return True

    def toggle_at(self, y: int) -> None:
        number = self.cursorForPosition(QPoint(0, y)).blockNumber()
        if not self.unfold_block(number):
            self.fold_block(number)

    def _region_around(self, number: int) -> int:
        """The display line that opens the innermost region holding line ``number``."""
        block = self.document().findBlockByNumber(number)
        if self._opens(block) > 0 and number not in self._folds:
            return number
        up = enclosing_start(self._blocks_before(block), self.highlighter.body_kind)
        return -1 if up < 0 else number - up

    def fold_at_caret(self) -> None:
        number = self._region_around(self.textCursor().blockNumber())
        if number >= 0:
            self.fold_block(number)

    def unfold_at_caret(self) -> None:
        self.unfold_block(self.textCursor().blockNumber())

    def fold_all(self) -> None:
        """Fold every region below the top level (the body's root stays open)."""
        if not self.can_fold():
            return
        kind = self.highlighter.body_kind
        depth, block = 0, self.document().firstBlock()
        open_at: list[tuple[int, int]] = []  # (first line, depth before it) of open regions
        while block.isValid():
            number, change = block.blockNumber(), depth_change(block.text(), kind)
            before, depth = depth, depth + change
            while open_at and depth <= open_at[-1][1]:  # this line closes them
                start, outside = open_at.pop()
                if outside >= 1 and number - 1 > start:  # below the top level, not empty
                    self._folds[start] = number - 1
            if change > 0:
                open_at.append((number, before))
            block = block.next()
        self._keep_caret_out()
        self._show_as_folded(0, self.document().blockCount() - 1)

    def unfold_all(self) -> None:
        if self._folds:
            self._folds.clear()
            self._show_as_folded(0, self.document().blockCount() - 1)

    def reveal(self, number: int) -> None:
        """Open every fold that hides display line ``number``."""
        for start, last in list(self._folds.items()):
            if start < number <= last:
                self.unfold_block(start)

    def setTextCursor(self, cursor: QTextCursor) -> None:  # noqa: N802 (Qt's name)
        self.reveal(cursor.blockNumber())
        super().setTextCursor(cursor)

    def _keep_caret_out(self) -> None:
        """A caret in lines about to hide goes to the line that folds them."""
        caret = self.textCursor().blockNumber()
        starts = [start for start, last in self._folds.items() if start < caret <= last]
        if starts:
            self.setTextCursor(QTextCursor(self.document().findBlockByNumber(min(starts))))

    def _show_as_folded(self, first: int, last: int) -> None:
        """Show or hide lines ``first`` .. ``last`` as the folds say, then lay them out."""
        document = self.document()
        hidden_until = max((end for start, end in self._folds.items() if start < first <= end),
                           default=-1)
        block = start_block = end_block = document.findBlockByNumber(first)
        while block.isValid() and block.blockNumber() <= last:
            here = block.blockNumber()
            shown = here > hidden_until
            if block.isVisible() != shown:
                block.setVisible(shown)
            inner = self._folds.get(here) if shown else None
            if inner is not None:  # lines inside a fold stay hidden
                hidden_until = inner
            end_block = block
            block = block.next()
        # Qt lays the changed lines out again: a hidden one takes no room
        document.markContentsDirty(start_block.position(), end_block.position()
                                   + end_block.length() - start_block.position())
        layout = document.documentLayout()  # the scroll bar follows the new height
        layout.documentSizeChanged.emit(layout.documentSize())
        if not self.firstVisibleBlock().isVisible():  # the top line went into a fold
            self.ensureCursorVisible()
        self.viewport().update()
        self.gutter.update()

    # -- bringing a line into view --------------------------------------------------------

    def bring_into_view(self, line: int) -> None:
        """Scroll the text's line ``line`` to the top with the caret on it, marked in the
        gutter (once it is in). Not a selection: Copy and Find keep theirs."""
        number = self.block_of_line(line)
        block = self.document().findBlockByNumber(number)
        if not block.isValid() or (self.loading and number >= self.document().blockCount() - 1):
            self._pending_focus = line
            return
        self._pending_focus = -1
        self.focus_block = number
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())  # then the caret's line comes in at the top
        self.setTextCursor(QTextCursor(block))
        self.ensureCursorVisible()
        self.gutter.update()

    def _append(self, piece: str, *, first: bool) -> None:
        super()._append(piece, first=first)
        if self._pending_focus >= 0:
            self.bring_into_view(self._pending_focus)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:  # noqa: N802 (Qt's name)
        menu = self.createStandardContextMenu(event.pos())
        if self.folding:
            menu.addSeparator()
            for label, slot, keys in (("Fold", self.fold_at_caret, "Alt+Left"),
                                      ("Unfold", self.unfold_at_caret, "Alt+Right"),
                                      ("Fold all", self.fold_all, "Alt+Shift+Left"),
                                      ("Unfold all", self.unfold_all, "Alt+Shift+Right")):
                menu.addAction(f"{label}\t{keys}", slot)
        menu.exec(event.globalPos())
        menu.deleteLater()
