"""The audit trail: every call a person made, one committed row each, in SQLite.

A row holds what an auditor asks for (when, who, which profile, system and tenant, message
id, status sent, description, outcome, HTTP status, elapsed) plus the masked exchange as
JSON, so any row can be opened in the traffic inspector as it was. Secrets never reach
this file: core.sending masks exchanges before handing them out. Each body is kept up to
``body_cap`` bytes (a setting; 64 KiB by default): a longer one keeps its first part,
beside its full size and SHA-256, and a note in the exchange says so wherever it is shown.

Each call is written twice, in one row: ``begin`` before its request leaves (the row says
"outcome unknown"), ``finish`` when its outcome is known. A process killed in between
leaves the row saying so, and Resume treats that row as possibly applied.

The file lives in the data folder, in WAL mode with full sync: a row is on disk when
``begin``, ``finish`` or ``record`` returns, so a run killed at any moment resumes from
what is recorded. A batch finishes its rows with ``durable=False``: the outcome is in the
file at once (a crash or kill loses nothing) and on disk with the next ``begin``, which
syncs the whole log, or ``sync`` at the end of the run; a power cut can lose at most the
last outcome, and that row then says "outcome unknown" (Resume sends it again, and says
so). One disk flush per row instead of two.
Only ``prune`` (rows older than an age the user chose) ever deletes anything.
Each thread has its own connection, so threads never share one.

Every row has a UUID made here and says from which machine it came. While the history is
the team's (core.team_history), each row is also written "for the team": this file is
then its outbox until the team's server has it (``waiting``, ``outbox``, ``delivered``); a
row is delivered again after a crash at the wrong moment, and the UUID makes the server
keep it once.
"""

from __future__ import annotations

import base64
import functools
import getpass
import hashlib
import json
import os
import socket
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.exchange import Exchange, OutcomeKind, StatusUpdate
from core.profiles import HISTORY_FILE, history_dir, private_folder

SCHEMA_VERSION = 3

_SCHEMA = (
    """CREATE TABLE IF NOT EXISTS exchanges (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        time TEXT NOT NULL,
        profile TEXT NOT NULL,
        system TEXT NOT NULL,
        operation TEXT NOT NULL,
        message_id TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT '',
        http_status INTEGER,
        outcome_kind TEXT NOT NULL,
        outcome_summary TEXT NOT NULL,
        exchange_json TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS exchanges_profile_time ON exchanges (profile, time)",
)
# Added in version 2: the audit columns and the batch a row belongs to.
_ADDED = (
    ("who", "TEXT NOT NULL DEFAULT ''"),
    ("tenant", "TEXT NOT NULL DEFAULT ''"),
    ("description", "TEXT NOT NULL DEFAULT ''"),
    ("outcome_code", "TEXT NOT NULL DEFAULT ''"),
    ("elapsed_ms", "INTEGER"),
    ("batch_id", "TEXT NOT NULL DEFAULT ''"),
    ("batch_row", "INTEGER"),
    ("batch_final", "INTEGER NOT NULL DEFAULT 0"),
    # version 3: the team history. A row's own id (the team's server keeps it once), the
    # machine it was made on, whether it was made for the team, and whether it still waits
    # to be delivered there (the outbox).
    ("uuid", "TEXT NOT NULL DEFAULT ''"),
    ("machine", "TEXT NOT NULL DEFAULT ''"),
    ("for_team", "INTEGER NOT NULL DEFAULT 0"),
    ("outbox", "INTEGER NOT NULL DEFAULT 0"),
)
_COLUMNS = ("id, time, who, profile, system, tenant, operation, message_id, status, "
            "description, http_status, elapsed_ms, outcome_kind, outcome_code, "
            "outcome_summary, batch_id, batch_row, machine, uuid")
SEARCHED = ("message_id", "status", "description", "outcome_summary", "outcome_code",
            "profile", "tenant", "who", "machine")  # what a history filter's text looks in


MOST_ROWS = 2**63 - 1  # SQLite's largest LIMIT: a larger one (--limit 1e20) means "all"
BODY_CAP = 64 * 1024  # bytes of each request and response body a row keeps, by default
OUTCOME_UNKNOWN = "outcome unknown"  # outcome_code of a call whose end was never recorded
UNKNOWN_SUMMARY = ("Outcome unknown: StatusDesk stopped during this call, before its answer "
                   "was recorded. The request may have reached {tenant} and been applied.")


class HistoryError(RuntimeError):
    """The history file cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class HistoryEntry:
    """One row as a list shows it; ``History.exchange(entry.id)`` loads the full record."""

    id: int
    time: str  # UTC, ISO 8601 with milliseconds
    who: str
    profile: str
    system: str
    tenant: str
    operation: str
    message_id: str
    status: str
    description: str
    http_status: int | None
    elapsed_ms: int | None
    outcome_kind: str
    outcome_code: str
    outcome_summary: str
    batch_id: str = ""
    batch_row: int | None = None
    machine: str = ""  # the computer's name (hostname)
    uuid: str = ""  # the row's own id, the same in this file and in the team history

    @property
    def ok(self) -> bool:
        return self.outcome_kind == "done"


@dataclass(frozen=True)
class HistoryFilter:
    """Which rows to list. Empty fields do not filter; times are UTC ISO strings."""

    text: str = ""
    profile: str = ""
    outcome: str = ""  # "", "ok", "failed", or an outcome kind ("refused", ...)
    since: str = ""
    until: str = ""
    batch_id: str = ""
    who: str = ""  # one person's rows (their user name)
    limit: int = 500


@dataclass(frozen=True)
class BatchMark:
    """Where a recorded call stands in a batch: file id, row number, last attempt or not."""

    batch_id: str
    row: int
    final: bool


@dataclass(frozen=True)
class Attempt:
    """A call about to be made: what its history row says until the outcome is known."""

    profile: str
    system: str
    tenant: str
    operation: str
    update: StatusUpdate | None = None
    started_at: str = ""  # UTC ISO time; now when empty


class CallRecord:
    """One call's row: begun (once) right before its first request leaves, then finished;
    a call that never began (it stopped before sending) is recorded in one step."""

    def __init__(self, history: History, attempt: Attempt,
                 batch: BatchMark | None = None) -> None:
        self.history, self.attempt, self.batch = history, attempt, batch
        self.entry_id: int | None = None

    def begin(self) -> None:
        if self.entry_id is None:
            self.entry_id = self.history.begin(self.attempt, self.batch)

    def finish(self, exchange: Exchange, batch: BatchMark | None = None, *,
               durable: bool = True) -> HistoryEntry:
        if self.entry_id is None:
            return self.history.record(exchange, batch)
        return self.history.finish(self.entry_id, exchange, batch, durable=durable)


class History:
    def __init__(self, path: Path | None = None, body_cap: int = BODY_CAP, *,
                 who: str | None = None, machine: str | None = None) -> None:
        self.path = path or history_dir() / HISTORY_FILE
        self.body_cap = body_cap  # bytes kept of each body (the rest: size and SHA-256)
        self.who = who or _who()  # the OS user, unless a test names another person
        self.machine = machine or _machine()
        self.for_team = False  # rows written now wait for the team history too (the desk)
        self._ready = False  # schema checked by this instance
        self._lock = threading.Lock()
        self._local = threading.local()

    @contextmanager
    def _db(self, durable: bool = True) -> Iterator[sqlite3.Connection]:
        try:
            db = self._connection()
            if not durable:  # committed to the log without waiting for the disk
                db.execute("PRAGMA synchronous = NORMAL")
            try:
                with db:  # one transaction: committed on success, rolled back on error
                    yield db
            finally:
                if not durable:
                    db.execute("PRAGMA synchronous = FULL")
        except (sqlite3.Error, OSError) as exc:
            self._local.__dict__.pop("db", None)  # a broken connection is not kept
            raise HistoryError(
                f"The history file {self.path} cannot be used ({exc}). Move it away to "
                "start a new history; sending works without it."
            ) from exc

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, kept open: closing the last one checkpoints the WAL,
        which would cost more than the write itself."""
        db = getattr(self._local, "db", None)
        if db is None:
            private_folder(self.path.parent)
            _make_private(self.path)
            db = sqlite3.connect(self.path, timeout=10)
            db.execute("PRAGMA synchronous = FULL")
            with self._lock:
                if not self._ready:
                    _prepare(db)
                    self._ready = True
            self._local.db = db
        return db

    def close(self) -> None:
        """Close this thread's connection (others close when their threads end)."""
        db = self._local.__dict__.pop("db", None)
        if db is not None:
            db.close()

    def begin(self, attempt: Attempt, batch: BatchMark | None = None) -> int:
        """Write the row of a call before its request leaves, committed before this returns;
        it says "outcome unknown" until ``finish``. Returns the row's id."""
        values = self._own(_call_values(attempt, attempt.update, batch)) | {
            "time": attempt.started_at or _now(),
            "outcome_kind": OutcomeKind.TRANSPORT.value,
            "outcome_code": OUTCOME_UNKNOWN,
            "outcome_summary": UNKNOWN_SUMMARY.format(tenant=attempt.tenant or "the system"),
            "batch_final": 0,  # not an answer about the row until finished
            "exchange_json": "",
        }
        return self._insert(values).id

    def finish(self, entry_id: int, exchange: Exchange,
               batch: BatchMark | None = None, *, durable: bool = True) -> HistoryEntry:
        """Complete a row ``begin`` wrote with the call's (masked) exchange; a row that is
        gone meanwhile (pruned) is written anew. ``durable=False``: on disk with the next
        ``begin`` or ``sync`` (see the module's words)."""
        values = _row_values(exchange, batch, self.body_cap)
        values.pop("who")
        sets = ", ".join(f"{name} = ?" for name in values)
        with self._db(durable) as db:  # a row made for the team waits for it again
            found = db.execute(f"UPDATE exchanges SET {sets}, outbox = for_team WHERE id = ?",
                               (*values.values(), entry_id)).rowcount
            own = db.execute("SELECT who, machine, uuid FROM exchanges WHERE id = ?",
                             (entry_id,)).fetchone() if found else None
        if own is None:
            return self.record(exchange, batch)
        return _entry(entry_id, {**values, "who": own[0], "machine": own[1], "uuid": own[2]})

    def sync(self) -> None:
        """Put every row written so far on disk (after ``finish(durable=False)``)."""
        if self._local.__dict__.get("db") is None:
            return
        with self._db() as db:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def record(self, exchange: Exchange, batch: BatchMark | None = None) -> HistoryEntry:
        """Store one finished (masked) exchange in one step, committed before this returns."""
        return self._insert(self._own(_row_values(exchange, batch, self.body_cap)))

    def _own(self, values: dict[str, object]) -> dict[str, object]:
        """A new row's person, machine, UUID, and whether the team history waits for it."""
        team = int(self.for_team)
        return values | {"who": self.who, "machine": self.machine,
                         "uuid": str(uuid.uuid4()), "for_team": team, "outbox": team}

    def _insert(self, values: Mapping[str, object]) -> HistoryEntry:
        names = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        with self._db() as db:
            cursor = db.execute(f"INSERT INTO exchanges ({names}) VALUES ({marks})",
                                tuple(values.values()))
            entry_id = cursor.lastrowid or 0
        return _entry(entry_id, values)

    def recent(self, limit: int = 200, profile: str | None = None) -> list[HistoryEntry]:
        """The newest entries first, of one profile or of all."""
        return self.search(HistoryFilter(profile=profile or "", limit=limit))

    def search(self, which: HistoryFilter) -> list[HistoryEntry]:
        """The rows ``which`` selects, newest first."""
        if not self.path.exists():
            return []  # nothing recorded yet: looking does not create the file
        where, args = filter_sql(which)
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM exchanges {where} ORDER BY id DESC LIMIT ?",
                [*args, min(max(1, which.limit), MOST_ROWS)],
            ).fetchall()
        return [HistoryEntry(*row) for row in rows]

    def profiles(self) -> list[str]:
        """Every profile name the history knows (also of profiles since removed)."""
        if not self.path.exists():
            return []
        with self._db() as db:
            return [row[0] for row in db.execute(
                "SELECT DISTINCT profile FROM exchanges ORDER BY profile")]

    def people(self) -> list[str]:
        """Everyone whose calls the history holds (their user names)."""
        if not self.path.exists():
            return []
        with self._db() as db:
            return [row[0] for row in db.execute(
                "SELECT DISTINCT who FROM exchanges WHERE who != '' ORDER BY who")]

    # -- the outbox of the team history ----------------------------------------------------

    def waiting(self) -> int:
        """How many rows made for the team history have not reached it yet."""
        if not self.path.exists():
            return 0
        with self._db() as db:
            return int(db.execute("SELECT COUNT(*) FROM exchanges WHERE outbox = 1")
                       .fetchone()[0])

    def outbox(self, limit: int = 200) -> list[tuple[HistoryEntry, str]]:
        """The oldest rows waiting for the team history, each with its exchange's JSON."""
        if not self.path.exists():
            return []
        with self._db() as db:
            rows = db.execute(f"SELECT {_COLUMNS}, exchange_json FROM exchanges "
                              "WHERE outbox = 1 ORDER BY id LIMIT ?", (limit,)).fetchall()
        return [(HistoryEntry(*row[:-1]), row[-1]) for row in rows]

    def delivered(self, rows: list[tuple[int, str]]) -> None:
        """The team history has these rows (id here, outcome code as sent): they wait no
        more, unless the row changed meanwhile (its outcome came after an "unknown")."""
        with self._db() as db:
            db.executemany("UPDATE exchanges SET outbox = 0 WHERE id = ? AND "
                           "outcome_code = ?", rows)

    def exchange(self, entry_id: int) -> Exchange:
        with self._db() as db:
            row = db.execute(
                "SELECT exchange_json FROM exchanges WHERE id = ?", (entry_id,)
            ).fetchone()
        if row is None:
            raise HistoryError(f"History entry {entry_id} does not exist (any more).")
        if not row[0]:
            raise HistoryError(f"History entry {entry_id} has no traffic to show: "
                               "StatusDesk stopped during that call, before its answer.")
        return Exchange.from_dict(json.loads(row[0]))

    def rows_done(self, profile: str, batch_id: str) -> set[int]:
        """Rows of a batch file that were applied for a profile: Resume skips them. A row
        that ended refused or failed is sent again (a repeated status update is harmless)."""
        if not self.path.exists():
            return set()
        with self._db() as db:
            return {row[0] for row in db.execute(
                "SELECT DISTINCT batch_row FROM exchanges WHERE profile = ? AND batch_id = ? "
                "AND batch_final = 1 AND outcome_kind = 'done'", (profile, batch_id))}

    def rows_unknown(self, profile: str, batch_id: str) -> set[int]:
        """Rows of a batch file whose last attempt never got its outcome recorded (the run
        was killed during the call): possibly applied. Resume sends them again and says so."""
        if not self.path.exists():
            return set()
        with self._db() as db:
            return {row[0] for row in db.execute(
                "SELECT batch_row FROM exchanges AS e WHERE profile = ? AND batch_id = ? "
                "AND outcome_code = ? AND id = (SELECT MAX(id) FROM exchanges "
                "WHERE profile = e.profile AND batch_id = e.batch_id "
                "AND batch_row = e.batch_row)", (profile, batch_id, OUTCOME_UNKNOWN))}

    def prune(self, older_than_days: int) -> int:
        """Delete rows older than that many days (the user's setting); returns how many."""
        if older_than_days < 1:
            raise ValueError("History is kept at least one day.")
        # Date arithmetic, not timestamps: Windows has no time before 1970, and a
        # cutoff before year 1 is "keep everything".
        try:
            cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
        except OverflowError:
            return 0
        limit = cutoff.isoformat(timespec="milliseconds")
        if not self.path.exists():
            return 0
        with self._db() as db:
            return db.execute("DELETE FROM exchanges WHERE time < ?", (limit,)).rowcount


def _prepare(db: sqlite3.Connection) -> None:
    """Create or upgrade the file: WAL journal, version-2 columns and indexes.

    Runs in an immediate transaction, so two threads or processes opening a new or old
    file at once do not both upgrade it.
    """
    _switch_to_wal(db)
    db.execute("BEGIN IMMEDIATE")
    try:
        for statement in _SCHEMA:
            db.execute(statement)
        if db.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
            present = {row[1] for row in db.execute("PRAGMA table_info(exchanges)")}
            for name, kind in _ADDED:
                if name not in present:
                    db.execute(f"ALTER TABLE exchanges ADD COLUMN {name} {kind}")
            db.execute("CREATE INDEX IF NOT EXISTS exchanges_time ON exchanges (time)")
            db.execute("CREATE INDEX IF NOT EXISTS exchanges_batch "
                       "ON exchanges (profile, batch_id, batch_row)")
            db.execute("CREATE INDEX IF NOT EXISTS exchanges_outbox ON exchanges (outbox) "
                       "WHERE outbox = 1")
            db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def _make_private(path: Path) -> None:
    """The history is only for this user (0600), as profiles.json is: a new file is made
    so before SQLite opens it (SQLite gives its -wal and -shm files the same mode), and
    one an older StatusDesk made readable by others is made private. Windows keeps it in
    the user's own profile folder, private already."""
    if os.name == "nt":
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        for suffix in ("", "-wal", "-shm"):
            try:
                found = Path(f"{path}{suffix}")
                if found.stat().st_mode & 0o077:
                    found.chmod(0o600)
            except OSError:  # gone meanwhile, or not ours: SQLite says what it can't do
                pass
    except OSError:
        pass  # a folder we cannot write: SQLite's own error names the problem


def _switch_to_wal(db: sqlite3.Connection, patience: float = 10.0) -> None:
    """WAL journal mode. SQLite answers "database is locked" at once, without waiting for
    its busy timeout, while another connection is switching a new file to WAL: so wait
    here, as long as the busy timeout would (two desks starting on one new file)."""
    deadline = time.monotonic() + patience
    while True:
        try:
            db.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def filter_sql(which: HistoryFilter, mark: str = "?", like: str = "LIKE ? ESCAPE '\\'",
               when: Callable[[str], object] = str) -> tuple[str, list[object]]:
    """The WHERE clause of a history filter and its values, for this file (SQLite, the
    defaults) and the team's server (core.team_history: ``mark`` "%s", ``like`` "ILIKE %s",
    ``when`` making its times datetimes). ``like`` is written with "?" for the value."""
    clauses: list[str] = []
    args: list[object] = []
    if which.text.strip():
        pattern = "%" + which.text.strip().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        match = like.replace("?", mark)
        clauses.append("(" + " OR ".join(f"{c} {match}" for c in SEARCHED) + ")")
        args += [pattern] * len(SEARCHED)
    for value, column in ((which.profile, "profile"), (which.batch_id, "batch_id"),
                          (which.who, "who")):
        if value:
            clauses.append(f"{column} = {mark}")
            args.append(value)
    if which.outcome == "ok":
        clauses.append("outcome_kind = 'done'")
    elif which.outcome == "failed":
        clauses.append("outcome_kind <> 'done'")
    elif which.outcome:
        clauses.append(f"outcome_kind = {mark}")
        args.append(which.outcome)
    for value, clause in ((which.since, "time >= "), (which.until, "time < ")):
        if value:
            clauses.append(clause + mark)
            args.append(when(value))
    return ("WHERE " + " AND ".join(clauses)) if clauses else "", args


def _call_values(call: Attempt | Exchange, update: StatusUpdate | None,
                 batch: BatchMark | None) -> dict[str, object]:
    """The columns an attempt and its finished exchange share."""
    return {
        "time": _now(),
        "who": _who(),
        "profile": call.profile,
        "system": call.system,
        "tenant": call.tenant,
        "operation": call.operation,
        "message_id": update.message_id if update else "",
        "status": update.status if update else "",
        "description": update.description if update else "",
        "http_status": None,
        "elapsed_ms": None,
        "batch_id": batch.batch_id if batch else "",
        "batch_row": batch.row if batch else None,
    }


def _row_values(exchange: Exchange, batch: BatchMark | None,
                body_cap: int = BODY_CAP) -> dict[str, object]:
    values = _call_values(exchange, exchange.update, batch) | {
        "outcome_kind": exchange.outcome.kind.value,
        "outcome_code": exchange.outcome.code,
        "outcome_summary": exchange.outcome.summary,
        "batch_final": int(batch.final) if batch else 0,
        "exchange_json": json.dumps(capped(exchange.to_dict(), body_cap), ensure_ascii=False),
    }
    if exchange.response is not None:
        values["http_status"] = exchange.response.status_code
    if exchange.timings is not None:
        values["time"] = exchange.timings.started_at
        values["elapsed_ms"] = round(exchange.timings.total_ms)
    return values


def capped(data: dict[str, object], cap: int) -> dict[str, object]:
    """An exchange's dictionary with each body over ``cap`` bytes cut to its first ``cap``
    bytes (at a character boundary), its full size and SHA-256 beside it, and a note.

    The exchange is masked already: the cut cannot show more of a secret than its mask.
    """
    notes: list[str] = []
    for side, words in (("request", "request"), ("response", "answer")):
        part = data.get(side)
        if not isinstance(part, dict):
            continue
        text = part.get("body")
        raw = base64.b64decode(part["body_base64"]) if "body_base64" in part else \
            str(text or "").encode("utf-8")
        if len(raw) <= cap:
            continue
        if "body_base64" in part:
            part["body_base64"] = base64.b64encode(raw[:cap]).decode("ascii")
        else:
            part["body"] = raw[:cap].decode("utf-8", "ignore")
        digest = hashlib.sha256(raw).hexdigest()
        part.update(body_size=len(raw), body_sha256=digest, body_capped=cap)
        notes.append(f"The history keeps the first {_size_words(cap)} of this {words}'s "
                     f"body: it was {len(raw):,} bytes (SHA-256 {digest}).")
    if notes:
        data["notes"] = [*data.get("notes", ()), *notes]  # type: ignore[misc]
    return data


def _size_words(size: int) -> str:
    if size % 1024 == 0:
        return f"{size // 1024:,} KiB"
    return f"{size:,} bytes"


def _entry(entry_id: int, values: Mapping[str, object]) -> HistoryEntry:
    shown = {k: v for k, v in values.items()
             if k not in ("batch_final", "exchange_json", "for_team", "outbox")}
    return HistoryEntry(id=entry_id, **shown)  # type: ignore[arg-type]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@functools.cache
def _machine() -> str:
    """This computer's name, as the network knows it."""
    try:
        return socket.gethostname() or "unknown"
    except OSError:
        return "unknown"


@functools.cache
def _who() -> str:
    """The person at the keyboard: the operating system's user name (asked once)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
