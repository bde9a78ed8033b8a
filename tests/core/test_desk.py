"""The desk, the use cases both front ends share: each call is in the history once, written
before its request leaves ("outcome unknown") and completed with its outcome; Cancel is a
token with one meaning; a profile's credentials go with it, or the profile stays.

Real parts: loopback HTTP servers and the sandbox, a real SQLite history in a temporary
folder, the in-memory secret store the window's --screenshot uses.
"""

from __future__ import annotations

import threading
import time

import pytest

from core.batch_file import check_rows, read_batch
from core.cancelling import CANCELLED, CancelToken
from core.desk import Desk, MemorySecrets
from core.exchange import OutcomeKind, StatusUpdate
from core.history import OUTCOME_UNKNOWN, Attempt, BatchMark, HistoryError
from core.profiles import Profile
from core.systems.base import InvalidInput
from tests.helpers.servers import LoopbackServer, never_answering

PROMPTLY = 5.0


def bitrix24(url: str, name: str = "Portal") -> Profile:
    return Profile(name, "bitrix24", url, {"code": "sms"}, timeout=30.0)


@pytest.fixture
def desk(tmp_path) -> Desk:
    desk = Desk(tmp_path, MemorySecrets())
    yield desk
    desk.close()


def _wait_for(condition, seconds: float = PROMPTLY) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


def test_the_row_says_outcome_unknown_while_the_call_is_out_then_its_outcome(desk) -> None:
    desk.secrets.set("Portal", "access-token", "tok-5d1e")
    cancel = CancelToken()
    with LoopbackServer(never_answering) as server:
        profile = bitrix24(server.url)
        results = []
        sending = threading.Thread(target=lambda: results.append(
            desk.send(profile, StatusUpdate("m-1", "delivered"), cancel)))
        sending.start()
        _wait_for(lambda: server.requests)
        (pending,) = desk.history.recent()
        assert pending.outcome_code == OUTCOME_UNKNOWN
        assert pending.message_id == "m-1" and pending.status == "delivered"
        assert "may have reached" in pending.outcome_summary
        with pytest.raises(HistoryError, match="no traffic to show"):
            desk.history.exchange(pending.id)

        cancel.cancel()
        sending.join(PROMPTLY)
        assert not sending.is_alive()
    (result,) = results
    assert result.outcome.code == CANCELLED and "may already have reached" in \
        result.outcome.advice
    (finished,) = desk.history.recent()  # the same row, completed: one row per call
    assert finished.id == pending.id == result.entry.id
    assert finished.outcome_code == CANCELLED
    assert "tok-5d1e" not in desk.history.exchange(finished.id).request.body.decode()


def test_a_call_cancelled_before_it_starts_sends_nothing(desk) -> None:
    desk.secrets.set("Portal", "access-token", "tok")
    cancel = CancelToken()
    cancel.cancel()
    with LoopbackServer(never_answering) as server:
        result = desk.send(bitrix24(server.url), StatusUpdate("m-2", "delivered"), cancel)
        assert server.requests == []
    assert result.outcome.code == "cancelled, not sent"
    assert [e.outcome_code for e in desk.history.recent()] == ["cancelled, not sent"]


def test_a_cancelled_call_names_the_customers_system(desk, sandbox) -> None:
    creds = sandbox.credentials
    profile = Profile("SO", "superoffice", sandbox.superoffice_url,
                      {"plugin": creds.so_plugin, "transport": "soap"})
    desk.secrets.set_many("SO", {"ticket": creds.so_ticket, "app-token": creds.so_app_token})
    cancel = CancelToken()
    cancel.cancel()
    result = desk.send(profile, StatusUpdate(sandbox.superoffice_messages[0], "3"), cancel)
    tenant = sandbox.superoffice_url.split("//", 1)[1]  # 127.0.0.1:PORT/superoffice/Cust12345
    assert result.outcome.summary.endswith(f"nothing reached {tenant.split('/')[0]}/Cust12345.")
    assert desk.history.recent()[0].outcome_summary == result.outcome.summary


def test_bad_input_is_refused_before_anything_is_recorded(desk, sandbox) -> None:
    with pytest.raises(InvalidInput):
        desk.send(bitrix24(sandbox.bitrix24_url), StatusUpdate("", "delivered"))
    assert desk.history.recent() == []


def test_send_read_back_and_test_each_leave_one_finished_row(desk, sandbox) -> None:
    creds = sandbox.credentials
    profile = Profile("SO", "superoffice", sandbox.superoffice_url,
                      {"plugin": creds.so_plugin, "transport": "soap"})
    desk.secrets.set_many("SO", {"ticket": creds.so_ticket, "app-token": creds.so_app_token})
    sent = desk.send(profile, StatusUpdate(sandbox.superoffice_messages[0], "3", "ok"))
    tested = desk.test(profile)
    assert sent.ok and tested.ok and tested.listed
    rows = desk.history.recent()
    assert [r.operation for r in rows] == ["connection test", "SetDeliveryStatus"]
    assert all(r.outcome_kind == "done" and r.http_status == 200 for r in rows)
    assert sent.entry is not None and sent.entry.id == rows[1].id


def test_removing_a_profile_forgets_what_its_system_declares(desk, sandbox) -> None:
    profile = Profile("SO", "superoffice", sandbox.superoffice_url, {"plugin": "p"})
    desk.profiles.add(profile)
    desk.secrets.set_many("SO", {"ticket": "t", "app-token": "a", "password": "pw"})
    removed = desk.remove_profile("SO")
    assert set(removed.forgotten) == {"ticket", "app-token", "password"}
    assert desk.profiles.load() == []
    assert desk.secrets.get("SO", "password") is None


def test_a_new_address_forgets_the_kept_ticket(desk, sandbox) -> None:
    profile = Profile("SO", "superoffice", sandbox.superoffice_url,
                      {"plugin": "p", "auth": "password", "username": "sam"})
    desk.profiles.add(profile)
    desk.secrets.set_many("SO", {"ticket": "old-customer", "password": "pw"})
    moved = desk.save_profile(profile.with_changes(base_url="https://other.example.com"),
                              replacing="SO")
    assert moved.forgotten == ("ticket",)
    assert desk.secrets.get("SO", "ticket") is None and desk.secrets.get("SO", "password")
    kept = desk.save_profile(moved.profile.with_changes(timeout=20.0), replacing="SO")
    assert kept.forgotten == ()


def test_resume_sends_a_row_whose_outcome_is_unknown_again_and_says_so(desk, sandbox) -> None:
    creds = sandbox.credentials
    profile = Profile("SO", "superoffice", sandbox.superoffice_url,
                      {"plugin": creds.so_plugin, "transport": "soap"})
    desk.secrets.set_many("SO", {"ticket": creds.so_ticket, "app-token": creds.so_app_token})
    ids = sandbox.superoffice_messages[:2]
    batch = check_rows(read_batch(f"message_id,status\n{ids[0]},3\n{ids[1]},3\n".encode(),
                                  "two.csv"), profile)
    # As a run killed during row 3's call leaves it: begun, never finished.
    desk.history.begin(Attempt("SO", "superoffice", "t", "SetDeliveryStatus",
                               StatusUpdate(ids[1], "3")), BatchMark(batch.batch_id, 3, False))
    assert desk.history.rows_unknown("SO", batch.batch_id) == {3}
    again = desk.batch(profile, batch).run(resume=True)
    assert again.possibly_applied == [3] and again.resent == [3] and again.done == 2
    assert again.resent_note.startswith("Sent again: row 3. ")

    assert desk.history.rows_unknown("SO", batch.batch_id) == set()
    assert OutcomeKind.DONE.value == desk.history.recent(limit=1)[0].outcome_kind


def test_the_history_keeps_the_status_and_id_as_sent_whichever_way_they_were_typed(
        desk, sandbox) -> None:
    """A preset's name, its number, or the history's own "3 (Delivered)" all go out as 3
    and are recorded alike; the message id without the spaces around it; a single send and
    a batch row the same."""
    creds = sandbox.credentials
    profile = Profile("SO", "superoffice", sandbox.superoffice_url,
                      {"plugin": creds.so_plugin, "transport": "soap"},
                      presets={"Delivered": 3, "Failed": 4})
    desk.secrets.set_many("SO", {"ticket": creds.so_ticket, "app-token": creds.so_app_token})
    first, second, third = sandbox.superoffice_messages[:3]
    for typed in (StatusUpdate(f" {first} ", "delivered"), StatusUpdate(second, "3"),
                  StatusUpdate(third, "3 (Delivered)"), StatusUpdate(first, "7")):
        assert desk.send(profile, typed).ok
    batch = check_rows(read_batch(f"message_id,status\n {second} ,Failed\n".encode(),
                                  "one.csv"), profile)
    assert desk.batch(profile, batch).run().done == 1
    rows = desk.history.recent()[::-1]
    assert [(r.message_id, r.status) for r in rows] == [
        (first, "3 (Delivered)"), (second, "3 (Delivered)"), (third, "3 (Delivered)"),
        (first, "7"), (second, "4 (Failed)")]
    assert b"<so:Status>3</so:Status>" in desk.history.exchange(rows[2].id).request.body


def test_bitrix24_keeps_its_status_word_and_the_trimmed_id(desk, sandbox) -> None:
    profile = bitrix24(sandbox.bitrix24_url)
    desk.secrets.set("Portal", "access-token", sandbox.credentials.b24_access_token)
    desk.send(profile, StatusUpdate(f"  {sandbox.bitrix24_messages[0]}  ", "delivered"))
    (row,) = desk.history.recent()
    assert (row.message_id, row.status) == (sandbox.bitrix24_messages[0], "delivered")
