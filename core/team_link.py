"""One desk's link to the team history: which history it uses, delivering what waits, and
the check for a second correction of the same message.

The desk (core.desk) owns one. Every method may block (a file, the keyring, the network):
the window calls them from its job threads only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from core.team_config import PASSWORD_ENTRY, TeamDatabase, check_url, load_team, save_team

if TYPE_CHECKING:
    from core.history import History, HistoryEntry
    from core.secrets import Secrets
    from core.team_history import TeamCheck, TeamHistory

RETRY_AFTER = 30.0  # seconds: after the server was away, calls do not wait on it again
SECOND_CORRECTION_HOURS = 24


@dataclass(frozen=True)
class Delivery:
    """How the rows made for the team history stand after a delivery."""

    where: str
    sent: int = 0
    waiting: int = 0  # still only on this machine
    problem: str = ""  # why they wait (the server is away, the password is refused...)

    def words(self) -> str:
        if not self.waiting:
            return ""
        rows = f"{self.waiting:,} row{'s' if self.waiting != 1 else ''}"
        why = f" {self.problem}" if self.problem else ""
        return (f"{rows} wait{'s' if self.waiting == 1 else ''} on this machine for the team "
                f"history at {self.where}; {'it is' if self.waiting == 1 else 'they are'} "
                f"delivered when it can be reached.{why}")


@dataclass(frozen=True)
class EarlierCorrections:
    """Who set these messages' status in the last 24 hours (the newest row of each)."""

    found: dict[str, HistoryEntry] = field(default_factory=dict)
    problem: str = ""  # the team history could not be asked: why (the check is partial)

    def question(self, message_id: str) -> str:
        """The words that ask about sending again, or "" when nobody set it."""
        entry = self.found.get(message_id)
        return "" if entry is None else earlier_words(entry)


def earlier_words(entry: HistoryEntry) -> str:
    when = datetime.fromisoformat(entry.time)
    minutes = max(0, int((datetime.now(UTC) - when).total_seconds() // 60))
    ago = f"{minutes} minute{'s' if minutes != 1 else ''}" if minutes < 120 else \
        f"{minutes // 60} hours"
    local = when.astimezone().strftime("%Y-%m-%d %H:%M")
    machine = f" on {entry.machine}" if entry.machine else ""
    return (f"{entry.who or 'someone'}{machine} already set message {entry.message_id} on "
            f"{entry.tenant} to {entry.status!r} {ago} ago ({local}, profile "
            f"{entry.profile!r}).")


def _waiting(local: History) -> int:
    from core.history import HistoryError

    try:
        return local.waiting()
    except HistoryError:
        return 0


class TeamLink:
    def __init__(self, folder: Path, secrets: Secrets, local: Callable[[], History]) -> None:
        self.folder, self.secrets, self.local = folder, secrets, local
        self._team: TeamHistory | None = None
        self._retry_at = 0.0  # monotonic time before which deliveries do not connect
        self._problem = ""
        self.in_use = False  # the team history was chosen, when last looked (database())

    # -- which history ----------------------------------------------------------------

    def database(self) -> TeamDatabase | None:
        """The team database chosen on this desk (None: this machine's history). Rows
        written from now on wait for it, or not."""
        database = load_team(self.folder)
        self.in_use = database is not None
        return database

    def mark_rows(self) -> None:
        """Rows written from now on wait for the team history when it is chosen; a
        settings file that cannot be read keeps them waiting too (nothing is lost)."""
        try:
            self.local().for_team = self.database() is not None
        except ValueError:
            self.local().for_team = True

    def history(self) -> TeamHistory | None:
        """The team history, with the password from the keyring; None when not chosen."""
        from core.team_history import TeamHistoryError

        database = self.database()
        if database is None:
            return None
        if self._team is None or self._team.database != database:
            from core.secrets import SecretStoreError
            from core.team_history import TeamHistory

            try:
                password = self.secrets.get(*PASSWORD_ENTRY)
            except SecretStoreError as exc:
                raise TeamHistoryError(f"The team history's password cannot be read from "
                                       f"the keyring ({exc}).", credentials=True) from None
            if not password:
                raise TeamHistoryError(
                    "No password is stored for the team history: choose it again "
                    f"(statusdesk-cli history use {database.url}, or Settings, Team "
                    "history).", credentials=True)
            self._team = TeamHistory(database, password)
        return self._team

    def shown(self) -> History | TeamHistory:
        """The history people read: the team's when chosen, else this machine's."""
        return self.history() or self.local()

    # -- choosing ---------------------------------------------------------------------

    def test(self, url: str, password: str = "") -> TeamCheck:
        """Try an address (and password; "" takes the stored one) without choosing it."""
        from core.team_history import TeamHistory, TeamHistoryError

        database = check_url(url)
        if not password:
            password = self.secrets.get(*PASSWORD_ENTRY) or ""
            if not password:
                raise TeamHistoryError("Type the database password to test it.",
                                       credentials=True)
        return TeamHistory(database, password).check()

    def use(self, url: str, password: str) -> TeamCheck:
        """Make the history the team's: tested first (tables made or migrated), then the
        password goes to the keyring and the address to team-history.json."""
        from core.team_history import TeamHistory

        database = check_url(url)
        team = TeamHistory(database, password)
        found = team.check()
        self.secrets.check()
        self.secrets.set(*PASSWORD_ENTRY, password)
        save_team(self.folder, database)
        self._team, self._retry_at = team, 0.0
        self.in_use = self.local().for_team = True
        return found

    def use_local(self) -> bool:
        """This machine's history again; the stored password is forgotten. Rows already
        delivered stay in the team history; those still waiting stay here. Returns
        whether a team history was in use."""
        was = load_team(self.folder) is not None
        save_team(self.folder, None)
        self._team = None
        self.in_use = self.local().for_team = False
        try:
            self.secrets.delete(*PASSWORD_ENTRY)
        except Exception:  # noqa: BLE001 - the keyring is away: the entry stays, unused
            pass
        return was

    # -- delivering -------------------------------------------------------------------

    def deliver(self, *, patient: bool = False) -> Delivery | None:
        """Send the rows that wait here. None when the history is this machine's (and
        none waits). After a failure, calls do not try again for RETRY_AFTER seconds
        unless ``patient`` (a start, a listing, the Test button)."""
        try:
            database = self.database()
        except ValueError as exc:  # a broken team-history.json
            return Delivery("(unknown)", waiting=_waiting(self.local()), problem=str(exc))
        if database is None:
            return None  # and sqlite3, core.history and psycopg stay unloaded
        from core.history import HistoryError
        from core.team_history import TeamHistoryError

        local = self.local()
        if not patient and time.monotonic() < self._retry_at:
            return Delivery(database.where, waiting=_waiting(local), problem=self._problem)
        try:
            team = self.history()
            assert team is not None
            sent = team.deliver(local)
        except (TeamHistoryError, HistoryError) as exc:
            self._retry_at, self._problem = time.monotonic() + RETRY_AFTER, str(exc)
            return Delivery(database.where, waiting=_waiting(local), problem=str(exc))
        self._retry_at, self._problem = 0.0, ""
        return Delivery(database.where, sent=sent, waiting=_waiting(local))

    # -- a second correction ----------------------------------------------------------

    def earlier_corrections(self, tenant: str, message_ids: Iterable[str],
                            hours: int = SECOND_CORRECTION_HOURS) -> EarlierCorrections:
        """Who set these messages' status on this tenant in the last ``hours``: the team
        history, and this machine's rows still waiting for it. Empty when the history is
        this machine's. A team history that cannot be asked is said in ``problem``."""
        from core.history import HistoryError
        from core.team_history import TeamHistoryError

        ids = set(message_ids)
        if self.database() is None or not ids:
            return EarlierCorrections()
        since = (datetime.now(UTC) - timedelta(hours=hours)).isoformat(
            timespec="milliseconds")
        problem = ""
        rows: list[HistoryEntry] = []
        try:
            team = self.history()
            if team is not None:
                rows = team.status_set(tenant, ids, since)
        except TeamHistoryError as exc:
            problem = (f"Not checked whether a teammate set this status already: {exc}")
        try:
            waiting = self.local().outbox(10_000)
        except HistoryError:
            waiting = []
        rows += [entry for entry, _ in waiting
                 if entry.tenant == tenant and entry.message_id in ids
                 and entry.operation == "SetDeliveryStatus" and entry.outcome_kind == "done"
                 and entry.time >= since]
        found: dict[str, HistoryEntry] = {}
        for entry in sorted(rows, key=lambda e: e.time, reverse=True):
            found.setdefault(entry.message_id, entry)
        return EarlierCorrections(found, problem)
