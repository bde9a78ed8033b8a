"""Ctrl+C during `statusdesk-cli batch` (issue 15, item 1): the first one lets the call in
flight finish and be recorded, then the summary, the --results file and exit code 130
follow; a second one cuts the call at once, and it is recorded as cut, not as unknown."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import threading
import time

import pytest

from tests.conftest import CLI
from tests.helpers.servers import LoopbackServer, Request, http_answer, never_answering

pytestmark = pytest.mark.keyring

ROWS = "message_id,status\nm-1,delivered\nm-2,delivered\nm-3,delivered\n"


def slowly_done(conn, request: Request, stop: threading.Event) -> None:
    """Bitrix24's success, 1.5 s after the request."""
    stop.wait(1.5)
    conn.sendall(http_answer("200 OK", b'{"result": true}', "application/json"))


def _start_batch(cli, home, name, server, tmp_path):
    assert cli("profile", "add", name, "--system", "bitrix24", "--url", server.url,
               "--code", "sms").returncode == 0
    assert cli("secret", "set", name, "access-token", stdin="tok-ctrl-c\n").returncode == 0
    rows = tmp_path / "rows.csv"
    rows.write_text(ROWS, encoding="utf-8")
    results = tmp_path / "results.csv"
    batch = subprocess.Popen([str(CLI), "batch", name, str(rows), "--results", str(results)],
                             env={**os.environ, "STATUSDESK_HOME": str(home)},
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not server.requests:
        assert time.monotonic() < deadline and batch.poll() is None, batch.stderr.read()
        time.sleep(0.02)
    return batch, results


def test_ctrl_c_finishes_the_call_in_flight_and_reports(cli, statusdesk_home, secret_profile,
                                                        tmp_path) -> None:
    with LoopbackServer(slowly_done) as server:
        batch, results = _start_batch(cli, statusdesk_home, secret_profile, server, tmp_path)
        batch.send_signal(signal.SIGINT)
        out, err = batch.communicate(timeout=30)
        assert len(server.requests) == 1  # nothing more went out after the Ctrl+C
    assert batch.returncode == 130, err
    assert "Traceback" not in err and "Stopping after the call in flight" in err
    assert "1 done, 0 failed" in out and "--resume" in err
    written = list(csv.DictReader(results.open(encoding="utf-8-sig")))
    assert [(r["message_id"], r["outcome"]) for r in written] == [
        ("m-1", "done"), ("m-2", "not sent"), ("m-3", "not sent")]
    (row,) = json.loads(cli("history", "--json").stdout)
    assert (row["message_id"], row["outcome_kind"]) == ("m-1", "done")


def test_a_second_ctrl_c_cuts_the_call_and_records_it_as_cut(cli, statusdesk_home,
                                                             secret_profile, tmp_path) -> None:
    with LoopbackServer(never_answering) as server:
        batch, _ = _start_batch(cli, statusdesk_home, secret_profile, server, tmp_path)
        batch.send_signal(signal.SIGINT)
        time.sleep(0.5)
        batch.send_signal(signal.SIGINT)
        out, err = batch.communicate(timeout=30)
    assert batch.returncode == 130, err
    assert "Traceback" not in err and "Stopping now" in err
    (row,) = json.loads(cli("history", "--json").stdout)
    assert row["message_id"] == "m-1" and row["outcome_code"] == "cancelled"
