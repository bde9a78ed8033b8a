"""Input a batch (or a send) must refuse before anything goes out: control characters,
a pace that is no pace, a file in two encodings, a results file that cannot be written;
and exit codes that say when not every row was applied. Real script, keyring, sandbox."""

from __future__ import annotations

import json
import os
import socket
import subprocess

import pytest

from tests.cli.test_cli import _add_superoffice
from tests.conftest import CLI

pytestmark = pytest.mark.keyring


@pytest.fixture
def so(cli, sandbox, secret_profile) -> str:
    name = f"{secret_profile}-so"
    _add_superoffice(cli, sandbox, name)
    return name


@pytest.fixture
def b24(cli, sandbox, secret_profile) -> str:
    name = f"{secret_profile}-b24"
    assert cli("profile", "add", name, "--system", "bitrix24", "--url", sandbox.bitrix24_url,
               "--code", sandbox.credentials.b24_code).returncode == 0
    assert cli("secret", "set", name, "access-token",
               stdin=sandbox.credentials.b24_access_token).returncode == 0
    sandbox.bitrix24.set_rate_limit(drain_per_second=10_000, burst=1_000)
    return name


def test_send_refuses_a_control_character_with_exit_2_and_sends_nothing(
        cli, sandbox, so, b24) -> None:
    message = sandbox.superoffice_messages[0]
    result = cli("send", so, "--message-id", message + "\x01", "--status", "3")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "The message id contains a control character (U+0001)" in result.stderr
    assert sandbox.superoffice.updates_of(message) == 0
    described = cli("send", so, "--message-id", message, "--status", "3",
                    "--description", "on\x0bhandset", "--json")
    assert described.returncode == 2
    assert "(U+000B)" in json.loads(described.stdout)["outcome"]["summary"]
    b24_id = sandbox.bitrix24_messages[0]
    refused = cli("send", b24, "--message-id", b24_id + "\x1f", "--status", "sent")
    assert refused.returncode == 2 and "(U+001F)" in refused.stderr
    assert sandbox.bitrix24.updates_of(b24_id) == 0


def test_a_batch_marks_the_row_with_a_control_character_and_sends_the_others(
        cli, sandbox, so, tmp_path) -> None:
    ids = sandbox.superoffice.seed_messages(3)
    path = tmp_path / "rows.csv"
    path.write_text(f"message_id,status,description\n{ids[0]},3,\n{ids[1]},3,on\x01handset\n"
                    f"{ids[2]},3,\nSO-\x1b[2J,3,\n", encoding="utf-8")
    result = cli("batch", so, str(path), "--rate", "100")
    assert "Traceback" not in result.stderr
    assert "Row 3 not sent" in result.stderr and "(U+0001)" in result.stderr
    assert [sandbox.superoffice.updates_of(i) for i in ids] == [1, 0, 1]
    # The id is shown, its ESC as an escape: the terminal is not cleared by it.
    assert "Row 5 not sent (SO-\\x1b[2J): The message id contains a control character " \
           "(U+001B) at position 4" in result.stderr
    assert "\x1b" not in result.stderr


@pytest.mark.parametrize("pace", [("--rate", "nan"), ("--rate", "inf"), ("--rate", "-2"),
                                  ("--rate", "0"), ("--burst", "0"), ("--burst", "-1")])
def test_a_pace_that_is_no_pace_exits_2_and_sends_nothing(cli, sandbox, b24, tmp_path,
                                                          pace) -> None:
    ids = sandbox.bitrix24.seed_messages(3)
    path = tmp_path / "rows.csv"
    path.write_text("message_id,status\n" + "".join(f"{i},sent\n" for i in ids),
                    encoding="utf-8")
    result = cli("batch", b24, str(path), *pace)
    assert result.returncode == 2, result.stderr
    assert f"{pace[0]}: The {pace[0][2:]} must be" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert [sandbox.bitrix24.updates_of(i) for i in ids] == [0, 0, 0]


def test_a_second_batch_of_the_same_file_is_refused_and_says_who_runs_it(
        cli, sandbox, b24, statusdesk_home, tmp_path) -> None:
    ids = sandbox.bitrix24.seed_messages(12)
    path = tmp_path / "outage.csv"
    path.write_text("message_id,status\n" + "".join(f"{i},sent\n" for i in ids),
                    encoding="utf-8")
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}
    first = subprocess.Popen([str(CLI), "batch", b24, str(path), "--rate", "6", "--burst", "1",
                              "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=env)
    assert first.stdout.readline().startswith('{"row"')  # it is sending
    second = cli("batch", b24, str(path), "--rate", "100")
    out, err = first.communicate(timeout=30)
    assert first.returncode == 0, err
    assert [sandbox.bitrix24.updates_of(i) for i in ids] == [1] * 12  # each row once
    assert second.returncode == 2
    assert second.stderr.startswith("statusdesk-cli: Not started: outage.csv is already "
                                    f"being sent to profile {b24!r} by process {first.pid} "
                                    "(statusdesk-cli) of user ")
    assert f"on host {socket.gethostname()}, since 20" in second.stderr
    assert "--resume" in second.stderr and "Sending" not in second.stderr


def test_a_file_in_two_encodings_is_refused_and_nothing_is_sent(cli, sandbox, so,
                                                                 tmp_path) -> None:
    ids = sandbox.superoffice.seed_messages(2)
    path = tmp_path / "merged.csv"
    path.write_bytes(f"message_id;status;description\n{ids[0]};3;café\n".encode()
                     + f"{ids[1]};3;déjà vu\n".encode("cp1252"))
    result = cli("batch", so, str(path), "--rate", "100")
    assert result.returncode == 2, result.stderr
    assert result.stderr == ("statusdesk-cli: merged.csv mixes two encodings: line 2 is "
                             "UTF-8, but line 3 is not (byte 0xE9; probably Windows-1252, "
                             "pasted from another file). Nothing was sent. Open it in the "
                             "spreadsheet and save it again as CSV UTF-8, then check the "
                             "accented letters on that line.\n")
    assert [sandbox.superoffice.updates_of(i) for i in ids] == [0, 0]


@pytest.mark.parametrize("where", ["missing-folder/out.csv", "read-only/out.csv", "."])
def test_an_unwritable_results_file_is_found_before_the_first_row(
        cli, sandbox, b24, tmp_path, where) -> None:
    ids = sandbox.bitrix24.seed_messages(3)
    path = tmp_path / "rows.csv"
    path.write_text("message_id,status\n" + "".join(f"{i},sent\n" for i in ids),
                    encoding="utf-8")
    (tmp_path / "read-only").mkdir(mode=0o500)
    if os.geteuid() == 0 and where.startswith("read-only"):
        pytest.skip("root writes into read-only folders")
    out = tmp_path / where
    result = cli("batch", b24, str(path), "--rate", "100", "--results", str(out))
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"statusdesk-cli: --results {out} cannot be written (")
    assert result.stderr.endswith("Nothing was sent.\n") and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert [sandbox.bitrix24.updates_of(i) for i in ids] == [0, 0, 0]


def test_results_over_the_batch_file_itself_are_refused(cli, sandbox, b24, tmp_path) -> None:
    ids = sandbox.bitrix24.seed_messages(1)
    path = tmp_path / "rows.csv"
    path.write_text(f"message_id,status\n{ids[0]},sent\n", encoding="utf-8")
    result = cli("batch", b24, str(path), "--results", str(path))
    assert result.returncode == 2 and "is the batch file itself" in result.stderr
    assert path.read_text(encoding="utf-8") == f"message_id,status\n{ids[0]},sent\n"
    assert sandbox.bitrix24.updates_of(ids[0]) == 0
    written = tmp_path / "fresh.csv"
    assert cli("batch", b24, str(path), "--results", str(written)).returncode == 0
    assert "message_id" in written.read_text(encoding="utf-8")


def test_a_batch_exits_0_only_when_every_row_was_applied(cli, sandbox, b24, tmp_path) -> None:
    ids = sandbox.bitrix24.seed_messages(2)
    path = tmp_path / "rows.csv"
    path.write_text(f"message_id,status\n{ids[0]},sent\n{ids[1]},Sent\n", encoding="utf-8")
    result = cli("batch", b24, str(path), "--rate", "100")
    assert result.returncode == 2, result.stderr  # the invalid row: bad input
    assert "Sending 1 row of rows.csv" in result.stderr
    assert result.stdout.splitlines() == [
        "1 done, 0 failed, 0 done earlier, 0 not sent, 1 invalid; 0 retries.",
        "Not every row was applied: 1 invalid (never sent). Exit code 2."]
    as_json = cli("batch", b24, str(path), "--rate", "100", "--json")
    summary = json.loads(as_json.stdout.splitlines()[-1])["summary"]
    assert as_json.returncode == 2 and summary["exit_code"] == 2
    assert summary["verdict"] == "Not every row was applied: 1 invalid (never sent)."
    good = tmp_path / "good.csv"
    good.write_text(f"message_id,status\n{ids[0]},delivered\n{ids[1]},delivered\n",
                    encoding="utf-8")
    sandbox.bitrix24.fail_every(2)  # the second call is busy once: tried again
    done = cli("batch", b24, str(good), "--rate", "100")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "2 done, 0 failed, 0 done earlier, 0 not sent, 0 invalid; 1 retry.\n"
