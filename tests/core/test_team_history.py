"""The team's history on a real PostgreSQL server (tests.helpers.postgres): two people on
two desks see each other's rows; a server that goes away loses no row and keeps none
twice; a second correction of the same message names the first person; the password is
in no file. Real parts: the session's PostgreSQL (each test its own database), the
sandbox over loopback HTTP, the isolated keyring, SQLite histories in two home folders.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from core.desk import Desk
from core.exchange import StatusUpdate
from core.history import HistoryFilter
from core.team_config import PASSWORD_ENTRY, TeamSettingError, check_url, load_team
from core.team_history import TeamHistoryError
from sandbox.demo import demo_profiles


def _desk(home: Path, secrets, who: str) -> Desk:
    home.mkdir(parents=True, exist_ok=True)
    return Desk(home, secrets, who=who)


@pytest.fixture
def customer(sandbox, secret_store, secret_profile):
    """The sandbox's SuperOffice as a profile (a name of this test's own) with its secrets."""
    profile, secrets = demo_profiles(sandbox)[0]
    profile = profile.with_changes(name=secret_profile)
    for field, value in secrets.items():
        secret_store.set(profile.name, field, value)
    return profile


@pytest.fixture
def two_desks(tmp_path, secret_store, team_database):
    url, password = team_database
    alice = _desk(tmp_path / "alice", secret_store, "alice")
    bob = _desk(tmp_path / "bob", secret_store, "bob")
    for desk in (alice, bob):
        desk.team.use(url, password)
    yield alice, bob
    for desk in (alice, bob):
        desk.close()


def test_two_people_see_each_others_rows_with_who_and_machine(two_desks, customer, sandbox):
    alice, bob = two_desks
    first, second = sandbox.superoffice_messages[:2]
    sent = alice.send(customer, StatusUpdate(first, "2"))
    assert sent.ok and sent.team is not None and sent.team.sent == 1
    assert sent.team.waiting == 0 and sent.team.words() == ""
    assert bob.send(customer, StatusUpdate(second, "3")).ok

    for desk in (alice, bob):
        team = desk.team.shown()
        rows = team.search(HistoryFilter())
        assert [(r.who, r.message_id) for r in rows] == [("bob", second), ("alice", first)]
        assert all(r.machine for r in rows)
        assert [r.who for r in team.search(HistoryFilter(who="alice"))] == ["alice"]
        assert team.people() == ["alice", "bob"]
        # The update as sent (the status with its preset's name, as the history keeps it).
        assert team.exchange(rows[1].id).update.message_id == first
        assert team.exchange(rows[1].id).update.status == rows[1].status
    # Each desk's own file still holds only its own rows.
    assert [r.who for r in alice.history.search(HistoryFilter())] == ["alice"]


def test_the_server_stopped_and_started_again_loses_no_row_and_keeps_none_twice(
        postgres_server, two_desks, customer, sandbox):
    alice, _bob = two_desks
    ids = sandbox.superoffice_messages
    assert alice.send(customer, StatusUpdate(ids[0], "2")).team.sent == 1
    postgres_server.stop()
    try:
        away = [alice.send(customer, StatusUpdate(ids[n], "2")) for n in (1, 2, 3)]
        assert all(result.ok for result in away)  # the call itself goes on
        assert [result.team.waiting for result in away] == [1, 2, 3]
        assert "cannot be reached" in away[0].team.problem
        assert "3 rows wait on this machine" in away[2].team.words()
    finally:
        postgres_server.start()
    delivered = alice.team.deliver(patient=True)
    assert (delivered.sent, delivered.waiting) == (3, 0)

    # A desk killed after the server's commit and before its own mark sends them again.
    with sqlite3.connect(alice.history_path) as db:
        db.execute("UPDATE exchanges SET outbox = 1")
    assert alice.team.deliver(patient=True).sent == 4
    team = alice.team.shown()
    rows = team.search(HistoryFilter())
    assert sorted(r.message_id for r in rows) == sorted(ids[:4])
    assert len({r.uuid for r in rows}) == 4
    assert {r.uuid for r in rows} == {r.uuid for r in alice.history.search(HistoryFilter())}


def test_a_desk_started_later_delivers_what_a_stopped_one_left(
        postgres_server, tmp_path, secret_store, team_database, customer, sandbox):
    url, password = team_database
    first = _desk(tmp_path / "carol", secret_store, "carol")
    first.team.use(url, password)
    postgres_server.stop()
    try:
        result = first.send(customer, StatusUpdate(sandbox.superoffice_messages[0], "2"))
        assert result.team.waiting == 1
    finally:
        first.close()
        postgres_server.start()
    again = _desk(tmp_path / "carol", secret_store, "carol")  # the next start
    assert again.history.waiting() == 1
    assert again.team.deliver(patient=True).sent == 1
    (row,) = again.team.shown().search(HistoryFilter())
    assert row.who == "carol" and row.outcome_kind == "done"


def test_a_second_correction_names_the_first_person(two_desks, customer, sandbox):
    alice, bob = two_desks
    message, other = sandbox.superoffice_messages[:2]
    assert alice.send(customer, StatusUpdate(message, "2")).ok
    # Bob's profile has another name; the tenant (the customer's system) is the same.
    bobs = customer.with_changes(name=customer.name + "-b")
    earlier = bob.earlier_corrections(bobs, [message, other])
    assert set(earlier.found) == {message} and earlier.problem == ""
    words = earlier.question(message)
    assert words.startswith("alice on ") and f"message {message}" in words
    assert "to '2 (Delivered (demo plugin))' 0 minutes ago" in words
    assert earlier.question(other) == ""


def test_a_local_history_asks_nobody(tmp_path, secret_store, customer, sandbox):
    desk = _desk(tmp_path / "solo", secret_store, "dave")
    message = sandbox.superoffice_messages[0]
    result = desk.send(customer, StatusUpdate(message, "2"))
    assert result.ok and result.team is None
    assert desk.earlier_corrections(customer, [message]).found == {}
    assert desk.history.waiting() == 0


def test_the_password_is_in_no_file(two_desks, team_database, customer, sandbox, tmp_path,
                                    secret_store):
    url, password = team_database
    alice, bob = two_desks
    alice.send(customer, StatusUpdate(sandbox.superoffice_messages[0], "2"))
    bob.send(customer, StatusUpdate(sandbox.superoffice_messages[1], "2"))
    assert secret_store.get(*PASSWORD_ENTRY) == password  # in the keyring
    assert load_team(alice.folder).url == url
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "team-history.json" for p in files)
    for path in files:
        assert password.encode() not in path.read_bytes(), path


def test_an_address_with_a_password_is_refused():
    with pytest.raises(TeamSettingError, match="carries a password"):
        check_url("postgresql://alice:hunter2@db.example:5432/team")
    with pytest.raises(TeamSettingError, match="password option"):
        check_url("postgresql://alice@db.example/team?password=hunter2")
    with pytest.raises(TeamSettingError, match="sslmode"):
        check_url("postgresql://alice@db.example/team?sslmode=sometimes")
    with pytest.raises(TeamSettingError, match="no database"):
        check_url("postgresql://alice@db.example")


def test_a_wrong_password_chooses_nothing(tmp_path, secret_store, team_database):
    url, _password = team_database
    desk = _desk(tmp_path / "eve", secret_store, "eve")
    with pytest.raises(TeamHistoryError, match="refused user") as refused:
        desk.team.use(url, "not-the-password")
    assert refused.value.credentials
    assert load_team(desk.folder) is None
    assert secret_store.get(*PASSWORD_ENTRY) is None


def test_tls_when_offered_and_sslmode_honoured(tmp_path, secret_store, team_database):
    url, password = team_database
    desk = _desk(tmp_path / "tls", secret_store, "frank")
    assert desk.team.test(url, password).tls  # libpq's default: prefer
    plain = desk.team.test(url + "?sslmode=disable", password)
    assert not plain.tls and "without TLS" in plain.words()
    with pytest.raises(TeamHistoryError, match="cannot be reached"):  # self-signed
        desk.team.test(url + "?sslmode=verify-full", password)


def test_tables_are_made_once_and_a_newer_schema_is_refused(
        postgres_server, tmp_path, secret_store, team_database):
    url, password = team_database
    desk = _desk(tmp_path / "gina", secret_store, "gina")
    desk.team.use(url, password)
    desk.team.test(url, password)  # a second desk's start: nothing made again
    database = url.rsplit("/", 1)[1]
    assert postgres_server.psql("SELECT version FROM statusdesk_schema", database) == "1"
    postgres_server.psql("INSERT INTO statusdesk_schema (version) VALUES (99)", database)
    with pytest.raises(TeamHistoryError, match="newer StatusDesk"):
        desk.team.test(url, password)


def test_a_call_delivered_while_its_outcome_was_unknown_is_completed_not_doubled(
        two_desks, customer, sandbox):
    from core.history import OUTCOME_UNKNOWN, Attempt, CallRecord

    alice, _bob = two_desks
    alice.team.mark_rows()
    message = sandbox.superoffice_messages[4]
    record = CallRecord(alice.history, Attempt(customer.name, "superoffice", "Cust12345",
                                               "SetDeliveryStatus", StatusUpdate(message, "2")))
    record.begin()  # the request is out; another thread delivers meanwhile
    assert alice.team.deliver(patient=True).sent == 1
    (pending,) = alice.team.shown().search(HistoryFilter())
    assert pending.outcome_code == OUTCOME_UNKNOWN
    done = alice.send(customer, StatusUpdate(message, "2")).exchange
    record.finish(done)
    assert alice.team.deliver(patient=True).waiting == 0
    rows = alice.team.shown().search(HistoryFilter(text=message))
    assert len(rows) == 2 and all(r.outcome_kind == "done" for r in rows)
    assert pending.uuid in {r.uuid for r in rows}


def test_rows_of_a_history_from_before_the_team_stay_local(tmp_path, secret_store,
                                                           team_database):
    path = tmp_path / "old" / "history.sqlite3"
    path.parent.mkdir()
    with sqlite3.connect(path) as db:  # a version 2 file with one row
        db.executescript("""CREATE TABLE exchanges (id INTEGER PRIMARY KEY AUTOINCREMENT,
            time TEXT NOT NULL, profile TEXT NOT NULL, system TEXT NOT NULL,
            operation TEXT NOT NULL, message_id TEXT NOT NULL DEFAULT '',
            status TEXT NOT NULL DEFAULT '', http_status INTEGER, outcome_kind TEXT NOT NULL,
            outcome_summary TEXT NOT NULL, exchange_json TEXT NOT NULL,
            who TEXT NOT NULL DEFAULT '', tenant TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '', outcome_code TEXT NOT NULL DEFAULT '',
            elapsed_ms INTEGER, batch_id TEXT NOT NULL DEFAULT '', batch_row INTEGER,
            batch_final INTEGER NOT NULL DEFAULT 0); PRAGMA user_version = 2;""")
        db.execute("INSERT INTO exchanges (time, profile, system, operation, outcome_kind, "
                   "outcome_summary, exchange_json) VALUES ('2026-01-01T00:00:00.000+00:00', "
                   "'A', 'bitrix24', 'SetDeliveryStatus', 'done', 'ok', '')")
    desk = _desk(path.parent, secret_store, "hal")
    desk.team.use(*team_database)
    assert desk.history.waiting() == 0 and desk.team.deliver(patient=True).sent == 0
    (old,) = desk.history.search(HistoryFilter())
    assert old.profile == "A" and old.uuid == ""
    assert desk.team.shown().search(HistoryFilter()) == []


def test_a_filter_finds_the_same_rows_in_the_team_history_as_in_the_file(
        two_desks, customer, sandbox):
    """One WHERE clause for both engines (core.history.filter_sql): text with LIKE's own
    characters, outcome, dates and profile pick the same rows on PostgreSQL as in SQLite."""
    alice, _bob = two_desks
    first, second = sandbox.superoffice_messages[3:5]
    assert alice.send(customer, StatusUpdate(first, "2", "50%_off")).ok
    assert not alice.send(customer, StatusUpdate("no-such-message", "2", "50x off")).ok
    assert alice.send(customer, StatusUpdate(second, "3")).ok
    today = alice.history.recent()[0].time[:10]
    filters = [HistoryFilter(text="50%_"), HistoryFilter(text="50%"),
               HistoryFilter(outcome="failed"), HistoryFilter(outcome="ok", since=today),
               HistoryFilter(profile=customer.name, until=today),
               HistoryFilter(text="so-100", outcome="done")]
    team = alice.team.shown()
    for which in filters:
        local = [(r.message_id, r.outcome_kind) for r in alice.history.search(which)]
        shared = [(r.message_id, r.outcome_kind) for r in team.search(which)]
        assert shared == local, which
    assert [r.message_id for r in team.search(filters[0])] == [first]  # % and _ as typed
    assert len(team.search(HistoryFilter(text="50"))) == 2
