"""``statusdesk-cli history use`` and the team's rows, through the real command line: two
people (two STATUSDESK_HOME folders, two OS user names) on one real PostgreSQL server
(tests.helpers.postgres), the sandbox over loopback HTTP, the isolated keyring.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

CLI = Path(sys.executable).with_name("statusdesk-cli")

pytestmark = pytest.mark.keyring


class Person:
    def __init__(self, home: Path, name: str) -> None:
        home.mkdir(parents=True)
        self.home, self.name = home, name
        self.env = {**os.environ, "STATUSDESK_HOME": str(home), "LOGNAME": name,
                    "USER": name}

    def __call__(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([str(CLI), *args], input=stdin, capture_output=True, text=True,
                              env=self.env, timeout=60)


@pytest.fixture
def team(tmp_path, sandbox, team_database):
    """Alice and Bob, each with a profile of the sandbox's SuperOffice (names of their own),
    both histories the team's."""
    url, password = team_database
    creds = sandbox.credentials
    people = [Person(tmp_path / name, name) for name in ("alice", "bob")]
    for person in people:
        person.profile = f"so-{person.name}-{uuid.uuid4().hex[:8]}"
        done = person("profile", "add", person.profile, "--system", "superoffice", "--url",
                      sandbox.superoffice_url, "--plugin", creds.so_plugin)
        assert done.returncode == 0, done.stderr
        for field, value in (("ticket", creds.so_ticket), ("app-token", creds.so_app_token)):
            assert person("secret", "set", person.profile, field, stdin=value).returncode == 0
        used = person("history", "use", url, stdin=password + "\n")
        assert used.returncode == 0, used.stderr
        assert "The history is now the team's" in used.stdout and "over TLS" in used.stdout
    yield people, url, password
    from core.secrets import SecretStore
    from core.team_config import PASSWORD_ENTRY

    keyring = SecretStore()  # what the commands stored, removed without two more starts
    for person in people:
        for field in ("ticket", "app-token"):
            keyring.delete(person.profile, field)
    keyring.delete(*PASSWORD_ENTRY)


def _send(person: Person, message: str, *extra: str) -> subprocess.CompletedProcess:
    return person("send", person.profile, "--message-id", message, "--status", "2", *extra)


def test_two_people_see_each_others_rows_and_a_second_correction_names_the_first(
        team, sandbox):
    (alice, bob), _url, password = team
    first, second = sandbox.superoffice_messages[:2]
    assert _send(alice, first).returncode == 0
    assert _send(bob, second).returncode == 0
    for person in (alice, bob):
        listed = person("history", "--json")
        assert listed.returncode == 0, listed.stderr
        rows = json.loads(listed.stdout)
        assert [(r["who"], r["message_id"]) for r in rows] == [("bob", second),
                                                               ("alice", first)]
        assert all(r["machine"] for r in rows)
        only = json.loads(person("history", "--who", "alice", "--json").stdout)
        assert [r["who"] for r in only] == ["alice"]
    text = bob("history").stdout
    assert "alice@" in text and "bob@" in text
    for path in (p for p in alice.home.parent.rglob("*") if p.is_file()):
        assert password.encode() not in path.read_bytes(), path

    # Bob sets the message Alice set: named, and refused without a terminal to ask on.
    refused = _send(bob, first)
    assert refused.returncode == 2
    assert "alice on " in refused.stderr and f"message {first}" in refused.stderr
    assert "--yes" in refused.stderr
    assert len(json.loads(bob("history", "--json").stdout)) == 2  # nothing was sent
    again = _send(bob, first, "--yes")
    assert again.returncode == 0, again.stderr
    rows = json.loads(bob("history", "--json").stdout)
    assert [(r["who"], r["message_id"]) for r in rows][0] == ("bob", first)

    # A batch's rows reach the team history when it ends.
    batch = alice.home / "outage.csv"
    batch.write_text(f"message_id,status\n{sandbox.superoffice_messages[4]},2\n",
                     encoding="utf-8")
    ran = alice("batch", alice.profile, str(batch))
    assert ran.returncode == 0, ran.stderr
    rows = json.loads(bob("history", "--json", "--who", "alice").stdout)
    assert rows[0]["message_id"] == sandbox.superoffice_messages[4] and rows[0]["batch_id"]


def test_calls_while_the_server_is_away_wait_and_are_delivered_once(
        team, sandbox, postgres_server):
    (alice, bob), _url, _password = team
    message = sandbox.superoffice_messages[3]
    postgres_server.stop()
    try:
        away = _send(alice, message)
        assert away.returncode == 0, away.stderr  # the call itself was made
        assert "1 row waits on this machine for the team history" in away.stderr
        listed = alice("history")  # this machine's rows, and it says why
        assert "cannot be reached" in listed.stderr and message in listed.stdout
    finally:
        postgres_server.start()
    seen = bob("history", "--json")  # Bob does not have it yet: it is on Alice's desk
    assert json.loads(seen.stdout) == []
    delivered = alice("history", "--json")  # Alice's next start delivers it
    assert "wait" not in delivered.stderr
    assert [r["message_id"] for r in json.loads(delivered.stdout)] == [message]
    assert [r["who"] for r in json.loads(bob("history", "--json").stdout)] == ["alice"]
    assert len(json.loads(alice("history", "--json").stdout)) == 1  # kept once


def test_history_use_refuses_a_password_in_the_address_and_goes_back_to_local(tmp_path):
    person = Person(tmp_path / "carol", "carol")
    refused = person("history", "use", "postgresql://carol:hunter2@127.0.0.1:5432/team")
    assert refused.returncode == 2 and "carries a password" in refused.stderr
    assert "hunter2" not in refused.stdout
    assert not (person.home / "team-history.json").exists()
    back = person("history", "use", "local")
    assert back.returncode == 0 and "already" in back.stdout


def test_a_wrong_password_changes_nothing(tmp_path, team_database):
    url, _password = team_database
    person = Person(tmp_path / "dan", "dan")
    wrong = person("history", "use", url, stdin="wrong-password\n")
    assert wrong.returncode == 4, wrong.stderr
    assert "refused user" in wrong.stderr and "Nothing was changed" in wrong.stderr
    assert not (person.home / "team-history.json").exists()


def test_a_batch_skips_what_a_teammate_set_already_unless_resend(team, sandbox, tmp_path):
    """Issue 17: the batch's check lists the rows a teammate set in the last 24 hours;
    those set to the same status are skipped (exit 0, nothing sent for them), one set to
    another status is sent and says so; --resend sends them all."""
    (alice, bob), _url, _password = team
    same, other, new = sandbox.superoffice_messages[2:5]
    assert _send(alice, same).returncode == 0  # both to 2
    assert _send(alice, other).returncode == 0
    rows = tmp_path / "outage.csv"
    rows.write_text(f"message_id,status\n{same},2\n{other},3\n{new},2\n", encoding="utf-8")
    before = len(sandbox.received)

    ran = bob("batch", bob.profile, str(rows), "--json")
    assert ran.returncode == 0, ran.stderr
    assert f"Row 2 skipped ({same}): alice" in ran.stderr
    assert "Skipped: it has this status already." in ran.stderr
    assert "Row 3: alice" in ran.stderr and "This row sets it to '3'." in ran.stderr
    summary = json.loads(ran.stdout.splitlines()[-1])["summary"]
    assert (summary["done"], summary["set_already"], summary["exit_code"]) == (2, 1, 0)
    sent = [request.body for request in sandbox.received[before:]]
    assert not any(same.encode() in body for body in sent)
    assert sandbox.superoffice.status_of(sandbox.credentials.so_plugin, other)[0] == 3

    again = bob("batch", bob.profile, str(rows), "--resend")
    assert again.returncode == 0, again.stderr
    assert "It is sent again, as asked." in again.stderr and "skipped (" not in again.stderr
    assert "3 done" in again.stdout
