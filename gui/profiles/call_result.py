"""One line under the profile: how the last test, sign-in or save went, in plain words.

A server that moved is offered as a link that puts the new address into the form; saving
it stays the user's decision.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QWidget

from gui.hints import with_step

if TYPE_CHECKING:
    from core.exchange import Exchange

OK_COLOUR, ERROR_COLOUR = "#1e9e50", "#d93025"


def _plain(text: str) -> str:
    return escape(text, quote=False)


class CallResult(QLabel):
    new_address = Signal(str)  # the address a server moved to, when the link is used

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("", parent)
        self.setObjectName("testResult")
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self._moved = ""
        self.linkActivated.connect(self._link_used)

    def _link_used(self, _link: str) -> None:
        if self._moved:
            self.new_address.emit(self._moved)

    def say(self, text: str) -> None:
        self._moved = ""
        self.setText(_plain(text))

    def show_exchange(self, exchange: Exchange) -> None:
        outcome = exchange.outcome
        colour = OK_COLOUR if outcome.ok else ERROR_COLOUR
        code = f" ({_plain(outcome.code)})" if outcome.code else ""
        said = with_step(outcome.advice, outcome.hint, in_profiles=True)
        advice = f"<br>{_plain(said)}" if said and not outcome.ok else ""
        self._moved = outcome.moved_to
        moved = ('<br><a href="#moved">Use the new address</a> (then save the profile)'
                 if outcome.moved_to else "")
        self.setText(f'<span style="color:{colour}"><b>{"✔" if outcome.ok else "✖"}</b> '
                     f"{_plain(outcome.summary)}{code}</span>{advice}{moved}")

    def show_problem(self, headline: str, advice: str = "") -> None:
        self._moved = ""
        self.setText(f'<span style="color:{ERROR_COLOUR}">✖ {_plain(headline)}</span>'
                     + (f"<br>{_plain(advice)}" if advice else ""))
