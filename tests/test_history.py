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
from core.history import History, HistoryError


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
    assert history.forget_profile("A") == 1
    assert [e.id for e in History().recent()] == [second.id]


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
