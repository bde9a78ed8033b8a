"""The team's history: every desk's rows in one PostgreSQL database (psycopg 3).

Rows come from each desk's own history file, its outbox (core.history): ``deliver`` sends
what waits there and marks it delivered. Each row carries the UUID its desk gave it, and
the server keeps one row per UUID (``ON CONFLICT``): a row sent twice, because a desk was
killed between the server's commit and its own mark, is kept once. The one change a
second copy may make is the outcome of a call sent while it was "outcome unknown".

StatusDesk creates and migrates the tables itself (``statusdesk_schema`` holds the
version), under an advisory lock so two desks starting at once do not both do it. The
connection takes TLS when the server offers it (libpq's default, ``sslmode=prefer``) and
honours ``sslmode`` in the address. psycopg is imported here only, when the team history
is first used, so the window's start-up never pays for it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from core.history import OUTCOME_UNKNOWN, History, HistoryEntry, HistoryFilter, filter_sql

if TYPE_CHECKING:
    import psycopg

    from core.team_config import TeamDatabase

SCHEMA_VERSION = 1
_LOCK = 0x5D_7E_57  # pg_advisory_xact_lock key: one desk migrates at a time
CONNECT_TIMEOUT = 5  # seconds: a server that is away is said so soon
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        """CREATE TABLE statusdesk_history (
            seq bigserial PRIMARY KEY,
            uuid uuid NOT NULL UNIQUE,
            time timestamptz NOT NULL,
            who text NOT NULL,
            machine text NOT NULL,
            profile text NOT NULL,
            system text NOT NULL,
            tenant text NOT NULL,
            operation text NOT NULL,
            message_id text NOT NULL DEFAULT '',
            status text NOT NULL DEFAULT '',
            description text NOT NULL DEFAULT '',
            http_status integer,
            elapsed_ms integer,
            outcome_kind text NOT NULL,
            outcome_code text NOT NULL DEFAULT '',
            outcome_summary text NOT NULL,
            batch_id text NOT NULL DEFAULT '',
            batch_row integer,
            exchange_json text NOT NULL DEFAULT '',
            delivered_at timestamptz NOT NULL DEFAULT now()
        )""",
        "CREATE INDEX statusdesk_history_time ON statusdesk_history (time)",
        "CREATE INDEX statusdesk_history_message ON statusdesk_history "
        "(tenant, message_id, time)",
        "CREATE INDEX statusdesk_history_who ON statusdesk_history (who)",
    ),
}
_FIELDS = ("time", "who", "profile", "system", "tenant", "operation", "message_id",
           "status", "description", "http_status", "elapsed_ms", "outcome_kind",
           "outcome_code", "outcome_summary", "batch_id", "batch_row", "machine", "uuid")
_SELECT = "seq, " + ", ".join(f"{name}::text" if name == "uuid" else name
                              for name in _FIELDS)
_CHANGED = [name for name in _FIELDS if name != "uuid"] + ["exchange_json"]
_INSERT = (
    f"INSERT INTO statusdesk_history ({', '.join(_FIELDS)}, exchange_json) "
    f"VALUES ({', '.join(['%s'] * (len(_FIELDS) + 1))}) ON CONFLICT (uuid) DO UPDATE SET "
    + ", ".join(f"{name} = EXCLUDED.{name}" for name in _CHANGED)
    + f" WHERE statusdesk_history.outcome_code = '{OUTCOME_UNKNOWN}' "
    f"AND EXCLUDED.outcome_code <> '{OUTCOME_UNKNOWN}'"
)


class TeamHistoryError(RuntimeError):
    """The team history cannot be used; the message says why and what to do.
    ``credentials``: the server refused the user or password (not a network problem)."""

    def __init__(self, message: str, *, credentials: bool = False) -> None:
        super().__init__(message)
        self.credentials = credentials


@dataclass(frozen=True)
class TeamCheck:
    """What a test of the team history found."""

    where: str
    user: str
    tls: bool
    server_version: str
    rows: int

    def words(self) -> str:
        secure = "over TLS" if self.tls else "without TLS (the server offers none, or " \
                                              "sslmode says not to)"
        return (f"Connected to {self.where} as {self.user} {secure}; PostgreSQL "
                f"{self.server_version}; {self.rows:,} row{'s' if self.rows != 1 else ''} "
                "in the team history.")


class TeamHistory:
    """The team's rows: delivered from desks' outboxes, listed and searched like a
    core.history.History (search, profiles, people, exchange)."""

    def __init__(self, database: TeamDatabase, password: str,
                 connect_timeout: float = CONNECT_TIMEOUT) -> None:
        self.database = database
        self._password = password
        self.connect_timeout = connect_timeout
        self._ready = False

    def __repr__(self) -> str:  # never the password
        return f"TeamHistory({self.database.where!r})"

    @property
    def where(self) -> str:
        return self.database.where

    @contextmanager
    def _db(self) -> Iterator[psycopg.Connection[Any]]:
        """One connection, one transaction: committed on success, rolled back on error."""
        import psycopg  # here: the window's start-up and a local history never load it

        try:
            with psycopg.connect(self.database.url, password=self._password,
                                 connect_timeout=max(1, round(self.connect_timeout)),
                                 application_name="StatusDesk") as db:
                if not self._ready:
                    _migrate(db)
                    self._ready = True
                yield db
        except psycopg.Error as exc:
            raise _explained(exc, self.database) from None

    def check(self) -> TeamCheck:
        """Connect, create or migrate the tables, and say how the connection is made."""
        with self._db() as db:
            tls = bool(db.pgconn.ssl_in_use)
            rows = db.execute("SELECT COUNT(*) FROM statusdesk_history").fetchone()
            version = str(db.execute("SHOW server_version").fetchone()[0])  # type: ignore[index]
        return TeamCheck(self.where, self.database.user, tls, version.split(" ")[0],
                         int(rows[0]) if rows else 0)

    def deliver(self, local: History, chunk: int = 200) -> int:
        """Send every row waiting in ``local``'s outbox; returns how many were sent."""
        sent = 0
        while True:
            waiting = local.outbox(chunk)
            if not waiting:
                return sent
            with self._db() as db, db.cursor() as cursor:
                cursor.executemany(_INSERT, [_values(entry, exchange_json)
                                             for entry, exchange_json in waiting])
            local.delivered([(entry.id, entry.outcome_code) for entry, _ in waiting])
            sent += len(waiting)
            if len(waiting) < chunk:
                return sent

    def search(self, which: HistoryFilter) -> list[HistoryEntry]:
        where, args = filter_sql(which, "%s", "ILIKE ?", datetime.fromisoformat)
        with self._db() as db:
            rows = db.execute(f"SELECT {_SELECT} FROM statusdesk_history {where} "
                              "ORDER BY time DESC, seq DESC LIMIT %s",
                              [*args, min(max(1, which.limit), 2**63 - 1)]).fetchall()
        return [_entry(row) for row in rows]

    def recent(self, limit: int = 200, profile: str | None = None) -> list[HistoryEntry]:
        return self.search(HistoryFilter(profile=profile or "", limit=limit))

    def profiles(self) -> list[str]:
        with self._db() as db:
            return [row[0] for row in db.execute(
                "SELECT DISTINCT profile FROM statusdesk_history ORDER BY profile")]

    def people(self) -> list[str]:
        with self._db() as db:
            return [row[0] for row in db.execute(
                "SELECT DISTINCT who FROM statusdesk_history WHERE who <> '' ORDER BY who")]

    def exchange(self, entry_id: int) -> Any:
        import json

        from core.exchange import Exchange
        from core.history import HistoryError

        with self._db() as db:
            row = db.execute("SELECT exchange_json FROM statusdesk_history WHERE seq = %s",
                             (entry_id,)).fetchone()
        if row is None:
            raise HistoryError(f"Team history row {entry_id} does not exist (any more).")
        if not row[0]:
            raise HistoryError(f"Team history row {entry_id} has no traffic to show: that "
                               "call's answer was never recorded.")
        return Exchange.from_dict(json.loads(row[0]))

    def status_set(self, tenant: str, message_ids: Iterable[str], since: str
                   ) -> list[HistoryEntry]:
        """Status updates of these messages on this tenant applied since ``since`` (UTC ISO
        text), newest first."""
        ids = sorted(set(message_ids))
        if not ids:
            return []
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_SELECT} FROM statusdesk_history WHERE tenant = %s AND "
                "message_id = ANY(%s) AND operation = 'SetDeliveryStatus' AND "
                "outcome_kind = 'done' AND time >= %s ORDER BY time DESC, seq DESC",
                (tenant, ids, datetime.fromisoformat(since))).fetchall()
        return [_entry(row) for row in rows]


def _migrate(db: psycopg.Connection[Any]) -> None:
    """Bring the tables to SCHEMA_VERSION, in one transaction, one desk at a time."""
    with db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK,))
        db.execute("CREATE TABLE IF NOT EXISTS statusdesk_schema (version integer NOT NULL, "
                   "migrated_at timestamptz NOT NULL DEFAULT now())")
        found = db.execute("SELECT MAX(version) FROM statusdesk_schema").fetchone()
        current = int(found[0]) if found and found[0] is not None else 0
        if current > SCHEMA_VERSION:
            raise TeamHistoryError(
                f"The team history's tables are of a newer StatusDesk (schema version "
                f"{current}; this one knows {SCHEMA_VERSION}). Update StatusDesk on this "
                "machine; until then its rows wait here.")
        for version in range(current + 1, SCHEMA_VERSION + 1):
            for statement in _MIGRATIONS[version]:
                db.execute(statement)
            db.execute("INSERT INTO statusdesk_schema (version) VALUES (%s)", (version,))


def _values(entry: HistoryEntry, exchange_json: str) -> list[object]:
    values = {name: getattr(entry, name) for name in _FIELDS}
    values["time"] = datetime.fromisoformat(entry.time)
    return [*values.values(), exchange_json]


def _entry(row: tuple[Any, ...]) -> HistoryEntry:
    values = dict(zip(_FIELDS, row[1:], strict=True))
    values["time"] = values["time"].astimezone(UTC).isoformat(timespec="milliseconds")
    return HistoryEntry(id=int(row[0]), **values)


def _explained(exc: Exception, database: TeamDatabase) -> TeamHistoryError:
    """psycopg's error in words a person can act on (libpq's own line kept as the reason)."""
    if isinstance(exc, TeamHistoryError):
        return exc
    reason = " ".join(str(exc).split()) or type(exc).__name__
    lowered = reason.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered \
            or "role" in lowered and "does not exist" in lowered:
        return TeamHistoryError(
            f"The team history at {database.where} refused user {database.user!r}: the "
            f"password is wrong or the user is unknown ({reason}). Store the password "
            "again: statusdesk-cli history use ADDRESS, or Settings, Team history.",
            credentials=True)
    if "permission denied" in lowered:
        return TeamHistoryError(
            f"The team history at {database.where} does not let {database.user!r} do this "
            f"({reason}). Ask the database's administrator to grant it.", credentials=True)
    return TeamHistoryError(
        f"The team history at {database.where} cannot be reached ({reason}). Calls are "
        "kept on this machine meanwhile and delivered when it is back.")
