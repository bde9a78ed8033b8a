"""What the controllers tell the person, in one place: a status-bar line or a message in the
inspector. The main window connects the two signals to its status bar and its inspector;
a controller only says what happened.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal


@dataclass(frozen=True)
class Message:
    """A message shown in the inspector without new traffic (see TrafficInspector)."""

    level: str  # "ok", "warning", "error", "busy"
    headline: str
    advice: str = ""
    details: str = ""
    clear: bool = False  # empty the request and response panes
    empty_note: str = "Nothing was sent."  # what the emptied panes say


class Notices(QObject):
    line = Signal(str, int)  # a status-bar line and how long it stays (ms; 0: until replaced)
    message = Signal(object)  # a Message for the inspector

    def say(self, text: str, ms: int = 8000) -> None:
        """One line in the status bar."""
        self.line.emit(text, ms)

    def tell(self, level: str, headline: str, advice: str = "", *, details: str = "",
             clear: bool = False, empty_note: str = "Nothing was sent.") -> None:
        """A message in the inspector."""
        self.message.emit(Message(level, headline, advice, details, clear, empty_note))
