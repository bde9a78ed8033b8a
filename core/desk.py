"""The desk: every use case the window and the command line share, in one place.

A front end collects a profile and a status update, asks the desk, and gets one result
value back. The desk records each call in the history once, in two steps: the attempt
just before its first request leaves ("outcome unknown"), its outcome when known. A
process killed in between leaves that row saying so. Cancel is a token the front end
trips (core.cancelling.CancelToken); a cancelled call ends "cancelled" (or "cancelled,
not sent") the same way for both.

Nothing here is Qt; every method may block (disk, keyring, network): the window calls it
from its job threads only (gui.jobs). Heavy core modules (httpx, lxml, keyring) are imported
on first use, inside those threads, so the window opens without waiting for them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from core.connections import Connections
from core.profiles import HISTORY_FILE, Profile, ProfileStore, config_dir, history_dir
from core.secret_stores import MemorySecrets, SerialSecrets

if TYPE_CHECKING:
    from core.batch import BatchRun
    from core.batch_file import BatchFile
    from core.cancelling import CancelToken
    from core.customer_runs import CustomersRun
    from core.exchange import Exchange, Outcome, OutgoingRequest, StatusUpdate
    from core.history import Attempt, History, HistoryEntry
    from core.secrets import Secrets
    from core.team_link import Delivery, EarlierCorrections, TeamLink
    from core.transport import Connection

__all__ = ["CallResult", "Desk", "MemorySecrets", "Preview", "ProfileSaved", "ProfileRemoved",
           "SerialSecrets", "credential_names"]


@dataclass(frozen=True)
class CallResult:
    """One call's record (masked), its history row, and what a connection test listed."""

    exchange: Exchange
    entry: HistoryEntry | None = None  # None: the history could not be written
    history_problem: str = ""  # why not, in words (sending works without a history)
    listed: tuple[str, ...] = ()
    team: Delivery | None = None  # the rows for the team history after this call

    @property
    def outcome(self) -> Outcome:
        return self.exchange.outcome

    @property
    def ok(self) -> bool:
        return self.exchange.ok


@dataclass(frozen=True)
class Preview:
    """The masked request Send would put on the wire, and what to know about it."""

    request: OutgoingRequest
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ProfileSaved:
    profile: Profile
    forgotten: tuple[str, ...] = ()  # kept sign-in values that belonged to the old address


@dataclass(frozen=True)
class ProfileRemoved:
    profile: Profile
    forgotten: tuple[str, ...] = ()  # the credentials deleted from the keyring


class Desk:
    """The stores behind one front end, and the use cases over them. Everything defaults
    to the user's real ones."""

    def __init__(
        self,
        folder: Path | None = None,
        secrets: Secrets | None = None,
        *,
        who: str | None = None,
    ) -> None:
        """``who``: the person's name in the history (the OS user unless given)."""
        self.folder = folder or config_dir()
        self.history_folder = folder or history_dir()
        self.profiles = ProfileStore(self.folder)
        self.secrets: Secrets = secrets if secrets is not None else SerialSecrets()
        self.connections = Connections()
        self._history: History | None = None
        self._body_cap: int | None = None  # None: core.history.BODY_CAP
        self._remembering = threading.Lock()  # one profiles.json write of learnt options
        self._who = who
        self._team: TeamLink | None = None

    @property
    def history(self) -> History:
        """Imported on first use (from a job thread): sqlite3 need not delay the window."""
        if self._history is None:
            from core.history import BODY_CAP, History

            self._history = History(self.history_path,
                                    self._body_cap or BODY_CAP, who=self._who)
        return self._history

    @property
    def team(self) -> TeamLink:
        """Which history this desk uses (the team's or this machine's), delivering rows
        to the team history, and the check for a second correction. Imported on first use:
        the window's first paint does not wait for it (nor for json, datetime, psycopg)."""
        if self._team is None:
            from core.team_link import TeamLink

            self._team = TeamLink(self.folder, self.secrets, lambda: self.history)
        return self._team

    def team_in_use(self) -> bool:
        """Whether the team history was chosen when last looked (no file read here: the
        window asks on its UI thread)."""
        return self._team is not None and self._team.in_use

    def set_history_body_cap(self, size: int) -> None:
        """How many bytes of each body the history keeps from now on (a setting)."""
        if size < 1024:
            raise ValueError("The history keeps at least 1 KiB of each body.")
        self._body_cap = size
        if self._history is not None:
            self._history.body_cap = size

    @property
    def history_path(self) -> Path:
        return self.history_folder / HISTORY_FILE

    def has_history(self) -> bool:
        """Whether the history is open or its file exists: False before the first record,
        when listing it would find nothing (and would import sqlite3 for that)."""
        return self._history is not None or self.history_path.exists()

    def close(self) -> None:
        self.connections.close_all()

    # -- calls ----------------------------------------------------------------------------

    def preview(self, profile: Profile, update: StatusUpdate) -> Preview:
        """The request Send would make, credentials masked; works with the keyring away
        (they show as placeholders then, and a note says so)."""
        from core.secrets import SecretStoreError
        from core.sending import preview, secret_keys
        from core.systems import get_system
        from core.systems.base import asks_first
        from core.transport import Connection

        system = get_system(profile.system)
        notes = list(system.warnings(profile))
        asker = asks_first(system)
        if asker is not None and asker.question(profile) is not None:
            notes.append("Before its first call StatusDesk asks the server which service "
                         "version it serves; the request may then go to that version's "
                         "address instead of the one shown.")
        try:
            secrets = self.secrets.read_all(profile.name, secret_keys(profile))
        except SecretStoreError as exc:
            secrets = {}
            notes.append(f"The keyring could not be read ({exc}); credentials show as "
                         "placeholders and sizes are those of the placeholders.")
        # Its own connection: the pooled one belongs to calls (and may be cut by Cancel).
        with Connection(profile) as connection:
            return Preview(preview(profile, update, secrets, connection), tuple(notes))

    def send(self, profile: Profile, update: StatusUpdate,
             cancel: CancelToken | None = None,
             going_out: Callable[[OutgoingRequest], None] | None = None) -> CallResult:
        """Set the message's status in the customer's system (input checked first: a bad
        one raises InvalidInput and nothing is recorded). ``going_out`` is given the
        request (masked, as on the wire) as it leaves, before the answer comes."""
        from core.sending import send_status
        from core.systems import get_system

        system = get_system(profile.system)
        system.validate(update, profile)
        update = system.as_sent(update, profile)  # the history keeps what went out
        return self._call(profile, "SetDeliveryStatus", update, cancel, lambda conn, begin:
                          send_status(profile, update, self.secrets, conn,
                                      before_sending=begin, going_out=going_out,
                                      learned=self.remember))

    def read_back(self, profile: Profile, messaging_ids: list[int],
                  cancel: CancelToken | None = None) -> CallResult:
        """What the system holds for its own message ids (SuperOffice GetDeliveryStatus)."""
        from core.sending import read_delivery_status

        return self._call(profile, "GetDeliveryStatus", None, cancel, lambda conn, begin:
                          read_delivery_status(profile, self.secrets, messaging_ids, conn,
                                               before_sending=begin, learned=self.remember))

    def test(self, profile: Profile, cancel: CancelToken | None = None) -> CallResult:
        """A harmless call that proves address and credentials, and what it listed."""
        from core.sending import check_connection

        listed: list[tuple[str, ...]] = []

        def run(conn: Connection, begin: Callable[[], None]) -> Exchange:
            exchange, found = check_connection(profile, self.secrets, conn,
                                               before_sending=begin, learned=self.remember)
            listed.append(found)
            return exchange

        result = self._call(profile, "connection test", None, cancel, run)
        return replace(result, listed=listed[0] if listed else ())

    def sign_in(self, profile: Profile, *, code: str = "", redirect_uri: str = "",
                cancel: CancelToken | None = None) -> CallResult:
        """Sign in now and keep what it gives (``code``: from the browser, Bitrix24 OAuth)."""
        from core.sending import sign_in

        return self._call(profile, "sign-in", None, cancel, lambda conn, begin:
                          sign_in(profile, self.secrets, conn, code=code,
                                  redirect_uri=redirect_uri, before_sending=begin,
                                  learned=self.remember))

    def batch(self, profile: Profile, batch: BatchFile, *, rate: float | None = None,
              burst: int | None = None) -> BatchRun:
        """A run of a checked batch file; ``run()`` it off the UI thread."""
        from core.batch import BatchRun

        self.team.mark_rows()  # its rows wait for the team history, or not
        return BatchRun(self.with_proxy_password(profile), self.secrets, batch, self.history,
                        rate=rate, burst=burst)

    def check_by_profile(self, batch: BatchFile) -> BatchFile:
        """A file with a profile column checked row by row for the profile each names (a
        name no profile has is that row's problem). Raises ProfileError when the profiles
        cannot be read."""
        from core.batch_file import check_rows_by_profile

        profiles = {profile.name: profile for profile in self.profiles.load()}
        return check_rows_by_profile(batch, profiles.get)

    def check_with_team(self, batch: BatchFile, profile: Profile | None = None, *,
                        resend: bool = False) -> BatchFile:
        """A checked batch against the team history (core.batch_team): rows a teammate set
        to the same status in the last 24 hours are skipped unless ``resend``. ``profile``:
        the one all rows go to; None for a file with a profile column. Unchanged while the
        history is this machine's."""
        from core.batch_team import teammates_first

        if self.team.database() is None:
            return batch
        return teammates_first(batch, (lambda _row: profile) if profile is not None else
                               (lambda row: self.profiles.get(row.profile)),
                               self.earlier_corrections, resend=resend)

    def customers_batch(self, batch: BatchFile, *, rate: float | None = None,
                        burst: int | None = None,
                        pace: Callable[[Profile], tuple[float | None, int | None]] | None = None,
                        ) -> CustomersRun:
        """A run of a checked file with a profile column: each profile named by a row
        that can be sent gets its share, side by side (core.customer_runs). ``pace``: a
        profile's own rate and burst (else ``rate`` and ``burst``, else its system's)."""
        from core.batch import BatchRun
        from core.batch_file import for_profile
        from core.customer_runs import CustomersRun

        self.team.mark_rows()  # its rows wait for the team history, or not

        runs = []
        for name in dict.fromkeys(row.profile for row in batch.valid):
            profile = self.with_proxy_password(self.profiles.get(name))
            own_rate, own_burst = pace(profile) if pace is not None else (rate, burst)
            runs.append(BatchRun(profile, self.secrets, for_profile(batch, name),
                                 self.history, rate=own_rate, burst=own_burst))
        return CustomersRun(batch, runs)

    def with_proxy_password(self, profile: Profile) -> Profile:
        """The profile with its proxy password from the keyring, for the call at hand (it
        joins the proxy address in memory only). Raises MissingSecret when the proxy has a
        user name and no password is stored, before anything is sent."""
        from core.proxy import PROXY_PASSWORD, check_proxy, proxy_user
        from core.systems.base import MissingSecret

        if not proxy_user(profile.proxy):
            return profile
        check_proxy(profile.proxy or "")  # an older profiles.json may hold the password
        password = self.secrets.get(profile.name, PROXY_PASSWORD.key)
        if not password:
            raise MissingSecret(profile.name, PROXY_PASSWORD.key, PROXY_PASSWORD.label)
        return profile.with_changes(proxy_password=password)

    def _call(
        self,
        profile: Profile,
        operation: str,
        update: StatusUpdate | None,
        cancel: CancelToken | None,
        run: Callable[[Connection, Callable[[], None]], Exchange],
    ) -> CallResult:
        from core.history import Attempt, CallRecord, HistoryError
        from core.systems import get_system

        profile = self.with_proxy_password(profile)
        self.team.mark_rows()  # its row waits for the team history, or not
        attempt = Attempt(profile.name, profile.system,
                          get_system(profile.system).tenant(profile), operation, update)
        record = CallRecord(self.history, attempt)
        problems: list[str] = []  # the history cannot be written: the call goes on without

        def begin() -> None:  # right before the first request leaves
            if not problems:
                try:
                    record.begin()
                except HistoryError as exc:
                    problems.append(str(exc))

        connection = self.connections.get(profile)
        if cancel is not None:
            cancel.on_cancel(lambda: self._cut(profile, connection))
        exchange = run(connection, begin)
        if cancel is not None and cancel.cancelled:
            exchange = as_cancelled(exchange, attempt)
        if problems:
            return CallResult(exchange, None, problems[0], team=self.team.deliver())
        try:
            entry = record.finish(exchange)
        except HistoryError as exc:
            return CallResult(exchange, None, str(exc), team=self.team.deliver())
        return CallResult(exchange, entry, team=self.team.deliver())

    def earlier_corrections(self, profile: Profile, message_ids: list[str]
                            ) -> EarlierCorrections:
        """Who set these messages' status on the profile's tenant in the last 24 hours, by
        the team history (empty when the history is this machine's). A front end asks
        before sending again; a batch can check all its rows in one call."""
        from core.systems import get_system

        return self.team.earlier_corrections(get_system(profile.system).tenant(profile),
                                             message_ids)

    def _cut(self, profile: Profile, connection: Connection) -> None:
        """Cancel: cut the call in flight; nothing more goes out on that connection."""
        self.connections.discard(profile.name)
        connection.close()  # the same one, unless the profile changed meanwhile

    # -- profiles ---------------------------------------------------------------------------

    def remember(self, learnt: Profile) -> None:
        """Keep in profiles.json what a server taught a profile (SuperOffice's Services
        version): the options no setting declares, and only while the saved profile still
        points at the same system and address (an edit in progress is not saved)."""
        from core.profiles import ProfileError
        from core.systems import get_system

        declared = {o.key for o in get_system(learnt.system).options}
        with self._remembering:
            try:
                saved = self.profiles.get(learnt.name)
            except ProfileError:
                return  # not saved yet (a test of a new profile), or removed meanwhile
            if (saved.system, saved.base_url) != (learnt.system, learnt.base_url):
                return
            options = {k: v for k, v in saved.options.items() if k in declared}
            options |= {k: v for k, v in learnt.options.items() if k not in declared}
            if options != saved.options:
                self.profiles.add(saved.with_changes(options=options), replace_existing=True)

    def save_profile(self, profile: Profile, *, replacing: str | None = None) -> ProfileSaved:
        """Add a profile, or replace the one named ``replacing`` (it may be renamed).

        A kept ticket never follows a profile to another address or sign-in: it is
        forgotten (when the keyring is away it stays, and the next call's sign-in checks
        it against the new address)."""
        from core.profiles import ProfileError
        from core.secrets import SecretStoreError
        from core.sending import stale_sign_in

        before = None
        if replacing is not None:
            try:
                before = self.profiles.get(replacing)
            except ProfileError:
                before = None
        self.profiles.add(profile, replace_existing=replacing is not None)
        stale = stale_sign_in(before, profile)
        forgotten: list[str] = []
        for field in stale:
            try:
                if self.secrets.delete(profile.name, field):
                    forgotten.append(field)
            except SecretStoreError:
                break
        return ProfileSaved(profile, tuple(forgotten))

    def remove_profile(self, name: str) -> ProfileRemoved:
        """Forget every credential the profile's system declares, then the profile.

        When the keyring cannot be reached, raises SecretStoreError and keeps the profile:
        a new profile of the same name must never find the old customer's credentials."""
        from core.secrets import SecretStoreError

        profile = self.profiles.get(name)
        try:
            self.secrets.check()
        except SecretStoreError as exc:
            raise SecretStoreError(
                f"Profile {name!r} was not removed: its credentials cannot be forgotten "
                f"while the keyring is unavailable. {exc}") from exc
        forgotten = tuple(field for field in credential_names(profile)
                          if self.secrets.delete(profile.name, field))
        self.profiles.remove(name)
        return ProfileRemoved(profile, forgotten)


def credential_names(profile: Profile) -> list[str]:
    """Every credential the profile could have stored, whatever sign-in mode it had then."""
    from core.proxy import PROXY_PASSWORD
    from core.systems import get_system

    system = get_system(profile.system)
    modes = [c.value for o in system.options if o.key == "auth" for c in o.choices]
    names: dict[str, None] = {}
    for mode in modes or [""]:
        changed = profile.with_changes(options=profile.options | {"auth": mode})
        names.update({spec.key: None for spec in system.secret_fields(changed)})
    names[PROXY_PASSWORD.key] = None  # whether or not its proxy has a user name now
    return list(names)


def as_cancelled(exchange: Exchange, attempt: Attempt) -> Exchange:
    """A call the user cancelled, recorded as what it was: stopped before anything went out,
    cut mid-call (maybe applied), or an answer that came anyway after the cancel."""
    from core.cancelling import CANCELLED, CANCELLED_BEFORE_SENDING, cancelled

    code = exchange.outcome.code
    if code in (CANCELLED, CANCELLED_BEFORE_SENDING):  # cut by the transport: its words, but
        # naming the customer's system as the window's banner and the CLI do (not host:port)
        return replace(exchange, outcome=replace(
            cancelled(attempt.tenant, sent=code == CANCELLED), detail=exchange.outcome.detail))
    outcome = cancelled(attempt.tenant, sent=True)
    return replace(exchange, outcome=replace(
        outcome, detail=f"What came back after the cancel: {exchange.outcome.summary}"))
