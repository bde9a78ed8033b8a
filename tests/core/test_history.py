"""core.history: masked exchanges in SQLite, listed newest first, reopened exactly."""

from __future__ import annotations

import sqlite3
import threading

import pytest

from core.exchange import (
    Exchange,
    Outcome,
    OutcomeKind,
    OutgoingRequest,
    ReceivedResponse,
    StatusUpdate,
    Timings,
)
from core.history import (
    SCHEMA_VERSION,
    BatchMark,
    History,
    HistoryError,
    HistoryFilter,
)


def make(profile: str, message_id: str, ok: bool = True, body: bytes = b"{}") -> Exchange:
    return Exchange(
        profile=profile, system="bitrix24", operation="SetDeliveryStatus",
        request=OutgoingRequest("POST", "https://p/rest/m", (("A", "b"),), b'{"auth":"***x***"}'),
        response=ReceivedResponse(200 if ok else 400, "OK", "HTTP/1.1", (), body),
        timings=Timings("2026-03-04T05:06:07.000+00:00", 12.0, 10.0),
        outcome=Outcome(OutcomeKind.DONE if ok else OutcomeKind.REFUSED,
                        "Accepted." if ok else "Refused.", code="" if ok else "E"),
        update=StatusUpdate(message_id, "delivered"),
        notes=("a note",),
    )


def test_record_list_and_reopen(statusdesk_home):
    history = History()
    assert history.path.parent == statusdesk_home  # beside the profiles
    first = history.record(make("A", "m1"))
    second = history.record(make("B", "m2", ok=False, body=b"\xff\x00 binary"))
    entries = history.recent()
    assert [e.id for e in entries] == [second.id, first.id]
    assert entries[0] == second
    assert (second.profile, second.message_id, second.status, second.http_status,
            second.outcome_kind, second.outcome_summary) == ("B", "m2", "delivered", 400,
                                                             "refused", "Refused.")
    assert not second.ok and first.ok
    assert history.exchange(second.id) == make("B", "m2", ok=False, body=b"\xff\x00 binary")
    assert [e.profile for e in history.recent(profile="A")] == ["A"]
    assert [e.id for e in History().recent()] == [second.id, first.id]


def test_missing_entry_and_broken_file_are_explained(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    with pytest.raises(HistoryError, match="does not exist"):
        history.exchange(42)
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"this is not a database" * 100)
    with pytest.raises(HistoryError, match="broken.sqlite3.*Move it away"):
        History(broken).record(make("A", "m"))


def test_threads_can_record_at_once(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                history.record(make(f"P{n}", f"m{i}"))
        except BaseException as exc:  # noqa: BLE001 - collected for the assert
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(history.recent(limit=100)) == 40
    with sqlite3.connect(history.path) as db:
        assert db.execute("SELECT count(*) FROM exchanges").fetchone() == (40,)


def test_audit_columns_wal_and_full_sync(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    exchange = make("A", "m1")
    entry = history.record(exchange)
    assert entry.who and entry.who != "unknown"
    assert (entry.elapsed_ms, entry.http_status, entry.outcome_code) == (12, 200, "")
    assert entry.description == "" and entry.time == "2026-03-04T05:06:07.000+00:00"
    with sqlite3.connect(history.path) as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert db.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)


def test_a_version_1_file_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as db:
        db.executescript("""CREATE TABLE exchanges (id INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL, profile TEXT NOT NULL, system TEXT NOT NULL,
            operation TEXT NOT NULL, message_id TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT '', http_status INTEGER, outcome_kind TEXT NOT NULL,
            outcome_summary TEXT NOT NULL, exchange_json TEXT NOT NULL);""")
        db.execute("INSERT INTO exchanges (time, profile, system, operation, outcome_kind, "
                   "outcome_summary, exchange_json) VALUES ('2025-01-01T00:00:00.000+00:00', "
                   "'Old', 'bitrix24', 'SetDeliveryStatus', 'done', 'Accepted.', '{}')")
    history = History(path)
    history.record(make("New", "m1"))
    assert [e.profile for e in history.recent()] == ["New", "Old"]
    assert history.recent()[1].who == ""


def test_filters_by_text_profile_outcome_date_and_batch(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    history.record(make("Acme", "abc-1"))
    history.record(make("Acme", "abc-2", ok=False))
    history.record(make("Beta", "xyz_3"), BatchMark("file1", 1, final=True))
    late = make("Beta", "xyz-4")
    history.record(Exchange(**{**late.__dict__, "timings": Timings(
        "2026-05-01T00:00:00.000+00:00", 5.0, 4.0)}))

    def ids(**which) -> list[str]:
        return [e.message_id for e in history.search(HistoryFilter(**which))]

    assert ids(text="ABC") == ["abc-2", "abc-1"]  # case-insensitive, message id
    assert ids(text="refused") == ["abc-2"]  # the outcome's words
    assert ids(text="_") == ["xyz_3"]  # LIKE wildcards are taken literally
    assert ids(profile="Beta") == ["xyz-4", "xyz_3"]
    assert ids(outcome="failed") == ["abc-2"]
    assert ids(outcome="ok", profile="Acme") == ["abc-1"]
    assert ids(since="2026-04-01T00:00:00.000+00:00") == ["xyz-4"]
    assert ids(until="2026-04-01T00:00:00.000+00:00", limit=1) == ["xyz_3"]
    assert ids(batch_id="file1") == ["xyz_3"]
    assert history.profiles() == ["Acme", "Beta"]


def test_batch_rows_done_count_only_final_attempts(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    history.record(make("A", "m1", ok=False), BatchMark("f", 1, final=False))  # retried
    history.record(make("A", "m1"), BatchMark("f", 1, final=True))
    history.record(make("A", "m2", ok=False), BatchMark("f", 2, final=False))  # killed here
    history.record(make("B", "m3"), BatchMark("f", 3, final=True))  # another profile
    history.record(make("A", "m4", ok=False), BatchMark("f", 4, final=True))  # refused
    assert history.rows_done("A", "f") == {1}  # a refused row is sent again on Resume
    assert history.rows_done("A", "other") == set()


def test_only_prune_deletes_and_only_old_rows(tmp_path):
    history = History(tmp_path / "h.sqlite3")
    history.record(make("A", "old"))  # 2026-03-04
    history.record(Exchange(**{**make("A", "new").__dict__, "timings": None}))  # now
    assert not hasattr(history, "clear") and not hasattr(history, "forget_profile")
    with pytest.raises(ValueError):
        history.prune(0)
    assert history.prune(36500) == 0
    assert history.prune(1) == 1
    assert [e.message_id for e in history.recent()] == ["new"]
