"""A date field's calendar that opens inside the window, not past its right edge.

Qt opens a QDateEdit's calendar below the field, its left edges together, and keeps it
on the screen only: for a field near the window's right side (the history's last day)
half the calendar hung outside the window, cut off by the screen's edge when the window
was maximised. Here it moves left, its right edge under the field's, when it would not
fit.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint
from PySide6.QtWidgets import QDateEdit


class CalendarInWindow(QObject):
    def __init__(self, edit: QDateEdit) -> None:
        super().__init__(edit)
        self.edit = edit
        self.popup = edit.calendarWidget().window()  # made now, shown by the field
        self.popup.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if watched is self.popup and event.type() == QEvent.Type.Show:
            self.place()
        return False

    def place(self) -> None:
        window, popup, edit = self.edit.window(), self.popup, self.edit
        window_left = window.mapToGlobal(QPoint(0, 0)).x()
        window_right = window_left + window.width()
        x = popup.x()
        if x + popup.width() > window_right or x < window_left:
            under_field = edit.mapToGlobal(QPoint(edit.width(), 0)).x() - popup.width()
            x = max(window_left, min(under_field, window_right - popup.width()))
        if x != popup.x():
            popup.move(x, popup.y())


def calendar_in_window(edit: QDateEdit) -> QDateEdit:
    edit.setCalendarPopup(True)
    CalendarInWindow(edit)
    return edit
