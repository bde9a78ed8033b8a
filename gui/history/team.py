"""The window's link to the team history: what waits for it, delivering it, choosing it.

Every step is a job (the file, the keyring, the network). ``waiting_changed(words)``:
the line the history panel shows ("" when nothing waits). ``chosen(where)``: the history
is the team's at ``where`` ("" when it is this machine's); the panel lists the team's rows
then. Rows that wait are tried again every minute, and after each call.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from gui.widgets.errors import explain

if TYPE_CHECKING:
    from core.desk import Desk
    from core.team_link import Delivery
    from gui.jobs import Jobs

RETRY_MS = 60_000
SOON_MS = 2_000  # a batch's rows go to the team history at most this often


class TeamHistoryLink(QObject):
    waiting_changed = Signal(str)
    chosen = Signal(str)
    delivered = Signal()  # rows reached the team history: the list may show them now

    def __init__(self, desk: Desk, jobs: Jobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk, self.jobs = desk, jobs
        self.where = ""  # the team history's server and database, "" when local
        self.waiting = 0
        self._retry = QTimer(self, interval=RETRY_MS)
        self._retry.timeout.connect(self.deliver)
        self._soon = QTimer(self, singleShot=True, interval=SOON_MS)
        self._soon.timeout.connect(self.deliver)

    def start(self) -> None:
        """At start: which history, and deliver what a previous run left waiting."""
        self.deliver()

    def deliver(self) -> None:
        team = self.desk.team

        def work() -> tuple[str, Delivery | None]:
            delivery = team.deliver(patient=True)
            database = team.database()
            return (database.where if database else ""), delivery

        def done(result: tuple[str, Delivery | None]) -> None:
            where, delivery = result
            if where != self.where:
                self.where = where
                self.chosen.emit(where)
            self.show(delivery)

        self.jobs.start("Delivering to the team history", work, done,
                        lambda exc: self.waiting_changed.emit(explain(exc, "The team history")
                                                              .headline),
                        cancellable=False)

    def deliver_soon(self) -> None:
        """Rows were recorded (a batch): deliver them shortly, not once per row; only
        while the history is the team's."""
        if self.where and not self._soon.isActive():
            self._soon.start()

    def show(self, delivery: Delivery | None) -> None:
        """After a call or a delivery: how many rows wait, in words."""
        self.waiting = delivery.waiting if delivery is not None else 0
        self.waiting_changed.emit(delivery.words() if delivery is not None else "")
        if delivery is not None and delivery.sent:
            self.delivered.emit()
        if self.waiting and not self._retry.isActive():
            self._retry.start()
        elif not self.waiting:
            self._retry.stop()

    # -- the Settings box -------------------------------------------------------------

    def load(self, done: Callable[[str], None]) -> None:
        """The chosen address ("" when local), to the settings box."""
        team = self.desk.team

        def work() -> str:
            database = team.database()
            return database.url if database else ""

        def failed(_exc: BaseException) -> None:
            done("")

        self.jobs.start("Reading the team history setting", work, done, failed,
                        cancellable=False)

    def test(self, url: str, password: str, done: Callable[[bool, str], None]) -> None:
        team = self.desk.team

        def tested(words: str) -> None:
            done(True, words)

        def failed(exc: BaseException) -> None:
            done(False, _said(exc))

        self.jobs.start("Testing the team history", lambda: team.test(url, password).words(),
                        tested, failed, cancellable=False)

    def choose(self, url: str, password: str, done: Callable[[bool, str], None]) -> None:
        """Make the history the team's at ``url`` ("" : this machine's again)."""
        team = self.desk.team

        def work() -> str:
            if not url:
                team.use_local()
                return "The history is this machine's again."
            return "The history is now the team's. " + team.use(url, password).words()

        def chose(words: str) -> None:
            done(True, words)
            self.deliver()  # says which history, and what waits

        def failed(exc: BaseException) -> None:
            done(False, _said(exc))

        self.jobs.start("Choosing the history", work, chose, failed, cancellable=False)


def _said(exc: BaseException) -> str:
    from core.team_config import TeamSettingError
    from core.team_history import TeamHistoryError

    if isinstance(exc, TeamHistoryError | TeamSettingError):
        return str(exc)
    told = explain(exc, "The team history")
    return f"{told.headline} {told.advice}".strip()
