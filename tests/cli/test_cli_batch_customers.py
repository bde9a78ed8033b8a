"""`statusdesk-cli batch FILE.csv` for a file with a profile column: each row to its
profile, side by side; invalid and unknown-profile rows listed; the summary and the
--results file per customer; Ctrl+C stops every customer. Real script, keyring, sandbox."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import time

import pytest

from tests.cli.test_cli_interrupt import slowly_done
from tests.conftest import CLI
from tests.helpers.servers import LoopbackServer

pytestmark = pytest.mark.keyring


@pytest.fixture
def customers(cli, sandbox, secret_profile) -> tuple[str, str]:
    creds = sandbox.credentials
    so, b24 = f"{secret_profile}-acme", f"{secret_profile}-beta"
    assert cli("profile", "add", so, "--system", "superoffice", "--url", sandbox.superoffice_url,
               "--plugin", creds.so_plugin, "--preset", "Delivered=3").returncode == 0
    assert cli("secret", "set", so, "ticket", stdin=creds.so_ticket).returncode == 0
    assert cli("secret", "set", so, "app-token", stdin=creds.so_app_token).returncode == 0
    assert cli("profile", "add", b24, "--system", "bitrix24", "--url", sandbox.bitrix24_url,
               "--code", creds.b24_code).returncode == 0
    assert cli("secret", "set", b24, "access-token",
               stdin=creds.b24_access_token).returncode == 0
    sandbox.bitrix24.set_rate_limit(drain_per_second=10_000, burst=1_000)
    return so, b24


def test_each_row_goes_to_its_profile_and_the_summary_is_per_customer(
        cli, sandbox, customers, tmp_path) -> None:
    so, b24 = customers
    so_ids, b24_ids = sandbox.superoffice.seed_messages(4), sandbox.bitrix24.seed_messages(4)
    lines = ["message_id;status;profile"]
    lines += [f"{i};Delivered;{so}" for i in so_ids] + [f"{i};delivered;{b24}" for i in b24_ids]
    lines.append("m-9;delivered;Nobody")
    path = tmp_path / "outage.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = tmp_path / "results.csv"

    done = cli("batch", str(path), "--rate", "50", "--results", str(results))
    assert done.returncode == 2, done.stderr  # the unknown profile's row: bad input
    assert "Traceback" not in done.stderr
    assert "Row 10 not sent (m-9): No profile is named 'Nobody'" in done.stderr
    assert "to 2 customers side by side" in done.stderr
    assert "8 done, 0 failed, 0 done earlier, 0 not sent, 1 invalid" in done.stdout
    assert f"  {so}: 4 done, 0 failed" in done.stdout
    assert f"  {b24}: 4 done, 0 failed" in done.stdout
    assert all(sandbox.superoffice.updates_of(i) == 1 for i in so_ids)
    assert all(sandbox.bitrix24.updates_of(i) == 1 for i in b24_ids)
    written = list(csv.DictReader(results.open(encoding="utf-8-sig")))
    assert len(written) == 9
    assert {(r["profile"], r["outcome"]) for r in written} == {
        (so, "done"), (b24, "done"), ("Nobody", "not sent")}

    again = cli("batch", str(path), "--resume", "--json")
    summary = json.loads(again.stdout.splitlines()[-1])["summary"]
    assert (summary["skipped"], summary["done"]) == (8, 0)
    assert summary["customers"][so]["skipped"] == 4
    assert json.loads(again.stdout.splitlines()[0])["profile"] in (so, b24)


def test_a_profile_column_and_a_profile_name_do_not_mix(cli, customers, tmp_path) -> None:
    so, _ = customers
    with_column = tmp_path / "with.csv"
    with_column.write_text(f"profile,message_id,status\n{so},SO-1001,Delivered\n",
                           encoding="utf-8")
    mixed = cli("batch", so, str(with_column))
    assert mixed.returncode == 2 and "has a profile column" in mixed.stderr
    without = tmp_path / "without.csv"
    without.write_text("message_id,status\nSO-1001,Delivered\n", encoding="utf-8")
    alone = cli("batch", str(without))
    assert alone.returncode == 2 and "has no profile column" in alone.stderr
    assert "Traceback" not in mixed.stderr + alone.stderr


def test_ctrl_c_stops_every_customer_after_its_call_in_flight(
        cli, statusdesk_home, secret_profile, tmp_path) -> None:
    with LoopbackServer(slowly_done) as one, LoopbackServer(slowly_done) as two:
        lines = ["profile,message_id,status"]
        for n, server in enumerate((one, two)):
            name = f"{secret_profile}-{n}"
            assert cli("profile", "add", name, "--system", "bitrix24", "--url", server.url,
                       "--code", "sms").returncode == 0
            assert cli("secret", "set", name, "access-token", stdin="tok\n").returncode == 0
            lines += [f"{name},m-{n}-{row},delivered" for row in range(3)]
        rows = tmp_path / "rows.csv"
        rows.write_text("\n".join(lines) + "\n", encoding="utf-8")
        batch = subprocess.Popen([str(CLI), "batch", str(rows)],
                                 env={**os.environ, "STATUSDESK_HOME": str(statusdesk_home)},
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 30
        while not (one.requests and two.requests):  # both customers' first calls are out
            assert time.monotonic() < deadline and batch.poll() is None, batch.stderr.read()
            time.sleep(0.02)
        batch.send_signal(signal.SIGINT)
        out, err = batch.communicate(timeout=30)
        assert (len(one.requests), len(two.requests)) == (1, 1)  # nothing more went out
    assert batch.returncode == 130, err
    assert "Traceback" not in err and "2 done, 0 failed" in out and "--resume" in err
