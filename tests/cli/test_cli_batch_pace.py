"""statusdesk-cli batch on a long file: how long it will take, the portal's plans, the limit
it found, and a results file written as rows finish (real script, keyring, sandbox)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import time

import pytest

from tests.cli.test_cli_batch import write_rows
from tests.conftest import CLI

pytestmark = pytest.mark.keyring


@pytest.fixture
def b24(cli, sandbox, secret_profile) -> str:
    name = f"{secret_profile}-pace"
    assert cli("profile", "add", name, "--system", "bitrix24", "--url", sandbox.bitrix24_url,
               "--code", sandbox.credentials.b24_code).returncode == 0
    assert cli("secret", "set", name, "access-token",
               stdin=sandbox.credentials.b24_access_token).returncode == 0
    return name


def started(statusdesk_home, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(CLI), "batch", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "STATUSDESK_HOME": str(statusdesk_home)})


def first_line(process: subprocess.Popen, starting: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if line.startswith(starting) or not line:
            return line
    return ""


@pytest.mark.parametrize(("plan", "said"), [
    ((), "at most 2/s, 10 at once: about 25 minutes"),
    (("--plan", "standard"), "at most 2/s, 50 at once: about 25 minutes"),
    (("--plan", "enterprise"), "at most 5/s, 250 at once: about 9 minutes"),
])
def test_the_estimated_duration_is_said_before_the_first_row(
        cli, sandbox, b24, statusdesk_home, tmp_path, plan, said) -> None:
    ids = sandbox.bitrix24.seed_messages(3000)
    process = started(statusdesk_home, b24, write_rows(tmp_path / "big.csv", ids), *plan)
    try:
        line = first_line(process, "Sending")
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert line.startswith("Sending 3,000 rows of big.csv") and said in line, line


def test_an_unknown_plan_is_refused_before_anything_is_sent(cli, b24, tmp_path) -> None:
    result = cli("batch", b24, write_rows(tmp_path / "rows.csv", ["a" * 32]), "--plan", "gold")
    assert result.returncode == 2
    assert "Bitrix24 plans are: standard, enterprise" in result.stderr


def test_the_limit_found_is_kept_and_said_once(cli, sandbox, b24, tmp_path) -> None:
    sandbox.bitrix24.set_rate_limit(drain_per_second=40, burst=5)  # 20x Bitrix24's drain
    ids = sandbox.bitrix24.seed_messages(80)
    result = cli("batch", b24, write_rows(tmp_path / "rows.csv", ids), "--rate", "40")
    assert result.returncode == 0, result.stderr
    assert sandbox.bitrix24.limit_refusals == 1
    said = [line for line in result.stderr.splitlines() if "over its limit" in line]
    assert len(said) == 1 and "keeps under it: at most 38 calls/s" in said[0], result.stderr


def test_the_results_file_is_written_as_rows_finish(
        cli, sandbox, b24, statusdesk_home, tmp_path) -> None:
    sandbox.bitrix24.set_rate_limit(drain_per_second=10_000, burst=1_000)
    ids = sandbox.bitrix24.seed_messages(100)  # 20 s at 5/s: stopped long before its end
    results = tmp_path / "results.csv"
    process = started(statusdesk_home, b24, write_rows(tmp_path / "rows.csv", ids),
                      "--rate", "5", "--burst", "1", "--results", str(results))
    lines_while_running = 0
    deadline = time.monotonic() + 6
    try:
        while time.monotonic() < deadline and process.poll() is None:
            if results.exists():
                lines_while_running = results.read_bytes().count(b"\r\n")
                if lines_while_running >= 4:  # the header and three rows
                    break
            time.sleep(0.05)
        assert process.poll() is None, "the run ended early"
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert lines_while_running >= 4, "nothing of the results file while the run went on"
    assert process.returncode == 130, err
    written = list(csv.DictReader(results.open(encoding="utf-8-sig")))
    assert len(written) == 100  # the rows never reached say so
    done = [r for r in written if r["outcome"] == "done"]
    assert len(done) >= 3 and {r["outcome"] for r in written} == {"done", "not sent"}
