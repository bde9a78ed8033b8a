"""A hostile server against `statusdesk-cli` (issue 15): one that trickles its headers
must not hold a send past the profile's timeout."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import CLI
from tests.helpers.servers import LoopbackServer, trickling_headers

pytestmark = pytest.mark.keyring

BOUND = 20  # seconds: far beyond the profile's 2 s timeout; reaching it means a hang


def _bitrix24_profile(cli, name: str, url: str, *extra: str) -> None:
    assert cli("profile", "add", name, "--system", "bitrix24", "--url", url,
               "--code", "sms", *extra).returncode == 0
    assert cli("secret", "set", name, "access-token", stdin="tok-hostile\n").returncode == 0


def _run_within(home, *args: str) -> subprocess.CompletedProcess[str]:
    run = subprocess.Popen([str(CLI), *args], env={**os.environ, "STATUSDESK_HOME": str(home)},
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = run.communicate(timeout=BOUND)
    except subprocess.TimeoutExpired:
        run.kill()
        run.communicate()
        pytest.fail(f"statusdesk-cli {args[0]} was still running after {BOUND} s")
    return subprocess.CompletedProcess(run.args, run.returncode, out, err)


def test_a_send_to_a_server_trickling_its_headers_ends_at_the_timeout(
        cli, statusdesk_home, secret_profile) -> None:
    with LoopbackServer(trickling_headers(1.0)) as server:  # the status line, 1 byte a second
        _bitrix24_profile(cli, secret_profile, server.url, "--timeout", "2")
        sent = _run_within(statusdesk_home, "send", secret_profile, "--message-id", "m-1",
                           "--status", "delivered")
    assert sent.returncode == 3, sent.stderr  # no usable answer: the network's exit code
    assert "answered too slowly" in sent.stderr and "after 2 s in total" in sent.stderr
    assert "Traceback" not in sent.stderr
