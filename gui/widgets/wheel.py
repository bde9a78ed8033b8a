"""Combo boxes and spin boxes in a scrolled form take the mouse wheel only when focused.

Scrolling a long form with the pointer passing over a combo box must scroll the form, not
switch the combo's choice behind the user's back (a Transport switched to SOAP 1.2 that
way). ``wheel_only_when_focused`` makes a widget hand an unfocused wheel to the scroll area
around it and take focus by click or Tab only, never by the wheel.
"""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QWidget

W = TypeVar("W", bound=QWidget)


class _WheelGuard(QObject):
    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if event.type() != QEvent.Type.Wheel or not isinstance(watched, QWidget) \
                or watched.hasFocus():
            return False
        area = _scroll_area_of(watched)
        if area is not None:  # the form scrolls, as if the pointer were beside the widget
            QApplication.sendEvent(area.viewport(), event)
        event.accept()
        return True


def _scroll_area_of(widget: QWidget) -> QAbstractScrollArea | None:
    parent = widget.parentWidget()
    while parent is not None and not isinstance(parent, QAbstractScrollArea):
        parent = parent.parentWidget()
    return parent


_GUARD: _WheelGuard | None = None


def wheel_only_when_focused(widget: W) -> W:
    global _GUARD
    if _GUARD is None:
        _GUARD = _WheelGuard()
    widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    widget.installEventFilter(_GUARD)
    return widget
