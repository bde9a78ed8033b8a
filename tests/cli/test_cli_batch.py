"""statusdesk-cli batch and history, end to end: real script, real keyring, sandbox, SQLite."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import time

import pytest

from tests.conftest import CLI

pytestmark = pytest.mark.keyring


@pytest.fixture
def b24(cli, sandbox, secret_profile) -> str:
    name = f"{secret_profile}-batch"
    assert cli("profile", "add", name, "--system", "bitrix24", "--url", sandbox.bitrix24_url,
               "--code", sandbox.credentials.b24_code).returncode == 0
    assert cli("secret", "set", name, "access-token",
               stdin=sandbox.credentials.b24_access_token).returncode == 0
    sandbox.bitrix24.set_rate_limit(drain_per_second=10_000, burst=1_000)
    return name


def write_rows(path, ids: list[str], status: str = "delivered", extra: str = "") -> str:
    path.write_text("message_id;status;description\n"
                    + "".join(f"{i};{status};row {n}\n" for n, i in enumerate(ids)) + extra,
                    encoding="utf-8")
    return str(path)


def test_batch_killed_with_sigkill_resumes_and_sends_each_row_once(
        cli, sandbox, b24, statusdesk_home, tmp_path) -> None:
    ids = sandbox.bitrix24.seed_messages(30)
    rows = write_rows(tmp_path / "outage.csv", ids)
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}
    process = subprocess.Popen([str(CLI), "batch", b24, rows, "--rate", "8", "--burst", "1",
                                "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=env)
    done_lines = []
    deadline = time.monotonic() + 30
    while len(done_lines) < 10 and time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith('{"row"'):
            done_lines.append(json.loads(line))
    # Row 10 is in the history (it is printed after it is recorded); the next call is
    # ~125 ms away at 8/s: the kill lands between two calls.
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert process.returncode == -signal.SIGKILL and len(done_lines) == 10
    sent_before = sum(sandbox.bitrix24.updates_of(i) for i in ids)
    assert sent_before == 10

    resumed = cli("batch", b24, rows, "--resume", "--rate", "200", "--json",
                  "--results", str(tmp_path / "results.csv"))
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout.splitlines()[-1])["summary"]
    assert (summary["skipped"], summary["done"], summary["failed"]) == (10, 20, 0)
    assert [sandbox.bitrix24.updates_of(i) for i in ids] == [1] * 30  # each exactly once
    results = list(csv.DictReader(io.StringIO(
        (tmp_path / "results.csv").read_text(encoding="utf-8").lstrip("\ufeff"))))
    assert len(results) == 30 and {r["outcome"] for r in results} == {"done"}

    listed = json.loads(cli("history", "--profile", b24, "--limit", "100", "--json").stdout)
    assert len(listed) == 30 and {e["message_id"] for e in listed} == set(ids)
    assert {e["batch_id"] for e in listed} == {summary["batch_id"]}


def test_invalid_rows_are_listed_and_not_sent_failures_set_the_exit_code(
        cli, sandbox, b24, tmp_path) -> None:
    ids = sandbox.bitrix24.seed_messages(3)
    rows = write_rows(tmp_path / "mixed.csv", ids,
                      extra=f"{ids[0]};Delivered;\n{'e' * 32};sent;\n;sent;\n")
    result = cli("batch", b24, rows, "--rate", "100")
    assert result.returncode == 2  # the worst: invalid rows (1 refused by Bitrix24: 1)
    assert "Row 5 not sent" in result.stderr and "case-sensitive" in result.stderr
    assert "Row 7 not sent" in result.stderr
    assert result.stdout.startswith("3 done, 1 failed")
    assert "ERROR_MESSAGE_NOT_FOUND ×1" in result.stdout
    assert result.stdout.splitlines()[-1] == ("Not every row was applied: 2 invalid (never "
                                              "sent), 1 refused by the system. Exit code 2.")
    assert [sandbox.bitrix24.updates_of(i) for i in ids] == [1, 1, 1]


def test_a_file_that_is_no_batch_exits_2(cli, b24, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("id,state\n1,sent\n")
    result = cli("batch", b24, str(bad))
    assert result.returncode == 2 and "message_id,status,description" in result.stderr
    assert cli("batch", b24, str(tmp_path / "missing.csv")).returncode == 2


def test_rows_can_come_on_standard_input(cli, sandbox, b24) -> None:
    ids = sandbox.bitrix24.seed_messages(2)
    result = cli("batch", b24, "-", "--json",
                 stdin="message_id,status\n" + "".join(f"{i},sent\n" for i in ids))
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["ok"] for line in result.stdout.splitlines()[:2]] == [True, True]


def test_history_filters_and_csv(cli, sandbox, b24) -> None:
    ok_id = sandbox.bitrix24_messages[0]
    assert cli("send", b24, "--message-id", ok_id, "--status", "sent").returncode == 0
    assert cli("send", b24, "--message-id", "d" * 32, "--status", "sent").returncode == 1
    failed = json.loads(cli("history", "--failed", "--json").stdout)
    assert [e["message_id"] for e in failed] == ["d" * 32]
    assert failed[0]["outcome_code"] == "ERROR_MESSAGE_NOT_FOUND" and failed[0]["who"]
    assert failed[0]["tenant"].startswith("127.0.0.1:")
    assert json.loads(cli("history", "--since", "2999-01-01", "--json").stdout) == []
    assert len(json.loads(cli("history", "--limit", "1", "--json").stdout)) == 1
    table = cli("history", "--profile", b24, "--csv").stdout
    rows = list(csv.DictReader(io.StringIO(table.lstrip("\ufeff"))))
    assert [r["message_id"] for r in rows] == ["d" * 32, ok_id]
    assert rows[1]["outcome"] == "done" and rows[1]["http_status"] == "200"
    text = cli("history", "--search", "NOT_FOUND").stdout
    assert "d" * 32 in text and ok_id not in text
    assert cli("history", "--since", "yesterday").returncode == 2
