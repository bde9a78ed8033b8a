"""Every exchange the user made, masked, in a small SQLite file beside the profiles.

One row per exchange: the columns a list shows (time, profile, system, message id, new
status, outcome) plus the whole record as JSON (Exchange.to_dict), so any entry can be
opened in the traffic inspector later exactly as it was. Secrets never reach this file:
exchanges are masked before core.sending returns them.

Each call opens its own short-lived connection, so the window can use the history from
worker threads without sharing a connection between threads.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from core.exchange import Exchange
from core.profiles import config_dir

HISTORY_FILE = "history.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS exchanges (
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
);
CREATE INDEX IF NOT EXISTS exchanges_profile_time ON exchanges (profile, time);
"""
_COLUMNS = ("id, time, profile, system, operation, message_id, status, http_status, "
            "outcome_kind, outcome_summary")


class HistoryError(RuntimeError):
    """The history file cannot be read or written; the message names the file."""


@dataclass(frozen=True)
class HistoryEntry:
    """One row as a list shows it; ``History.exchange(entry.id)`` loads the full record."""

    id: int
    time: str
    profile: str
    system: str
    operation: str
    message_id: str
    status: str
    http_status: int | None
    outcome_kind: str
    outcome_summary: str

    @property
    def ok(self) -> bool:
        return self.outcome_kind == "done"


class History:
    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / HISTORY_FILE

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(sqlite3.connect(self.path, timeout=10)) as db:
                db.executescript(_SCHEMA)
                with db:  # one transaction: committed on success, rolled back on error
                    yield db
        except sqlite3.Error as exc:
            raise HistoryError(
                f"The history file {self.path} cannot be used ({exc}). Move it away to "
                "start a new history; sending works without it."
            ) from exc

    def record(self, exchange: Exchange) -> HistoryEntry:
        """Store one (masked) exchange and return its row."""
        data = exchange.to_dict()
        started = exchange.timings.started_at if exchange.timings else \
            datetime.now(UTC).isoformat(timespec="milliseconds")
        update = exchange.update
        row = (
            started,
            exchange.profile,
            exchange.system,
            exchange.operation,
            update.message_id if update else "",
            update.status if update else "",
            exchange.response.status_code if exchange.response else None,
            exchange.outcome.kind.value,
            exchange.outcome.summary,
            json.dumps(data, ensure_ascii=False),
        )
        with self._db() as db:
            cursor = db.execute(
                "INSERT INTO exchanges (time, profile, system, operation, message_id, status, "
                "http_status, outcome_kind, outcome_summary, exchange_json) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                row,
            )
            entry_id = cursor.lastrowid
        return HistoryEntry(entry_id or 0, *row[:-1])

    def recent(self, limit: int = 200, profile: str | None = None) -> list[HistoryEntry]:
        """The newest entries first, of one profile or of all."""
        if not self.path.exists():
            return []  # nothing sent yet: looking does not create the file
        where, args = ("WHERE profile = ?", [profile]) if profile else ("", [])
        with self._db() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM exchanges {where} ORDER BY id DESC LIMIT ?",
                [*args, limit],
            ).fetchall()
        return [HistoryEntry(*row) for row in rows]

    def exchange(self, entry_id: int) -> Exchange:
        with self._db() as db:
            row = db.execute(
                "SELECT exchange_json FROM exchanges WHERE id = ?", (entry_id,)
            ).fetchone()
        if row is None:
            raise HistoryError(f"History entry {entry_id} does not exist (any more).")
        return Exchange.from_dict(json.loads(row[0]))

    def forget_profile(self, profile: str) -> int:
        """Remove a profile's entries; returns how many were removed."""
        with self._db() as db:
            return db.execute("DELETE FROM exchanges WHERE profile = ?", (profile,)).rowcount

    def clear(self) -> None:
        with self._db() as db:
            db.execute("DELETE FROM exchanges")
