"""Find in traffic: every match marked, Enter / Shift+Enter (or the arrows) to step.

Searches the visible text of the request and the response in that order, so "next" walks
from the request into the response. Case-insensitive, plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QHBoxLayout, QLabel, QLineEdit, QToolButton, QWidget

from gui.inspector.highlighter import is_dark

if TYPE_CHECKING:  # the text classes are imported by the first search, not at start-up
    from PySide6.QtGui import QTextCursor
    from PySide6.QtWidgets import QPlainTextEdit

MAX_MATCHES = 5000


class FindBar(QWidget):
    def __init__(
        self,
        editors: Callable[[], list[QPlainTextEdit]],
        reveal: Callable[[QPlainTextEdit], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._editors = editors
        self._reveal = reveal
        self._matches: list[tuple[QPlainTextEdit, QTextCursor]] = []
        self._current = -1
        self._marked: set[QPlainTextEdit] = set()  # editors showing marks now
        self._selected: QPlainTextEdit | None = None  # the editor whose match is selected
        self.field = QLineEdit()
        self.field.setObjectName("findField")
        self.field.setPlaceholderText("Find in traffic  (Ctrl+F)")
        self.field.setClearButtonEnabled(True)
        self.field.textChanged.connect(lambda _: self.refresh(jump=True))
        self.field.returnPressed.connect(self.next)
        self.field.installEventFilter(self)  # Esc clears (the window's Esc cancels a call)
        shift_enter = QShortcut(QKeySequence("Shift+Return"), self.field)
        shift_enter.setContext(Qt.ShortcutContext.WidgetShortcut)
        shift_enter.activated.connect(self.previous)
        self.prev_button = QToolButton()
        self.prev_button.setArrowType(Qt.ArrowType.UpArrow)
        self.prev_button.setToolTip("Previous match (Shift+Enter)")
        self.prev_button.clicked.connect(self.previous)
        self.next_button = QToolButton()
        self.next_button.setArrowType(Qt.ArrowType.DownArrow)
        self.next_button.setToolTip("Next match (Enter)")
        self.next_button.clicked.connect(self.next)
        self.count = QLabel("")
        self.count.setMinimumWidth(64)
        self.field.setMinimumWidth(90)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.field, 1)
        layout.addWidget(self.prev_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.count)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if watched is self.field and event.type() == QEvent.Type.KeyPress \
                and event.key() == Qt.Key.Key_Escape and self.field.text():  # type: ignore[attr-defined]
            self.field.clear()
            return True
        return super().eventFilter(watched, event)

    def activate(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def match_count(self) -> int:
        return len(self._matches)

    def current_match(self) -> tuple[QPlainTextEdit, str] | None:
        if not 0 <= self._current < len(self._matches):
            return None
        editor, cursor = self._matches[self._current]
        return editor, cursor.selectedText()

    def refresh(self, *, jump: bool = False) -> None:
        """Find every match again (the text changed or the query did)."""
        query = self.field.text()
        self._matches = []
        if query:
            from PySide6.QtGui import QTextCursor, QTextDocument

            for editor in self._editors():
                document = editor.document()
                cursor = QTextCursor(document)
                while len(self._matches) < MAX_MATCHES:
                    cursor = document.find(query, cursor, QTextDocument.FindFlag(0))
                    if cursor.isNull():
                        break
                    self._matches.append((editor, QTextCursor(cursor)))
        self._current = 0 if self._matches and jump else -1
        if self._current == 0:
            self._select()
        else:
            self._mark()

    def next(self) -> None:
        self._step(1)

    def previous(self) -> None:
        self._step(-1)

    def _step(self, direction: int) -> None:
        if not self._matches:
            self.refresh()
            if not self._matches:
                return
        self._current = (self._current + direction) % len(self._matches)
        self._select()

    def _select(self) -> None:
        editor, cursor = self._matches[self._current]
        self._unselect()
        self._reveal(editor)
        editor.setTextCursor(cursor)
        editor.ensureCursorVisible()
        self._selected = editor
        self._mark()

    def _unselect(self) -> None:
        """The match selected last is no longer selected (the caret stays where it was)."""
        editor, self._selected = self._selected, None
        if editor is not None:
            cursor = editor.textCursor()
            cursor.clearSelection()
            editor.setTextCursor(cursor)

    def _mark(self) -> None:
        if self._current < 0:
            self._unselect()
        if self._matches or self._marked:  # with nothing marked, there is nothing to clear
            self._set_marks()
        if not self.field.text():
            self.count.setText("")
        elif not self._matches:
            self.count.setText("no matches")
        else:
            position = f"{self._current + 1} of " if self._current >= 0 else ""
            more = "+" if len(self._matches) >= MAX_MATCHES else ""
            self.count.setText(f"{position}{len(self._matches)}{more}")

    def _set_marks(self) -> None:
        from PySide6.QtGui import QColor, QTextCharFormat
        from PySide6.QtWidgets import QTextEdit

        dark = is_dark(self.palette())
        every = QColor("#6b5a00" if dark else "#fff2a8")
        current = QColor("#c77700" if dark else "#ffb340")
        selections: dict[QPlainTextEdit, list[QTextEdit.ExtraSelection]] = {
            editor: [] for editor in (*self._marked, *self._editors())  # old marks go too
        }
        for index, (editor, cursor) in enumerate(self._matches):
            selection = QTextEdit.ExtraSelection()
            selection.cursor = cursor
            marked = QTextCharFormat()
            marked.setBackground(current if index == self._current else every)
            selection.format = marked
            selections.setdefault(editor, []).append(selection)
        for editor, marks in selections.items():
            editor.setExtraSelections(marks)
        self._marked = {editor for editor, marks in selections.items() if marks}
