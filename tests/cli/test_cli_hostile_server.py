"""A hostile server against `statusdesk-cli` (issue 15): one that trickles its headers
must not hold a send past the profile's timeout; a secret echoed where the size limit cuts
the answer is masked all the same."""

from __future__ import annotations

import os
import subprocess

import pytest

from core.profiles import BYTES_PER_MB
from tests.conftest import CLI
from tests.helpers.servers import LoopbackServer, Request, http_answer, trickling_headers

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


TOKEN = "Zq7-" + "f00dfeed42" * 6  # 64 characters, as Bitrix24's access tokens are


def test_a_secret_cut_by_the_size_limit_is_masked_in_the_output_and_the_history(
        cli, statusdesk_home, secret_profile) -> None:
    limit = int(0.1 * BYTES_PER_MB)

    def echo_cut(conn, request: Request, stop) -> None:  # the token's 30 first characters
        echoed = (request.head + b"\r\n\r\n" + request.body).replace(b'"', b"'")
        pad = limit - 30 - echoed.index(TOKEN.encode()) - len(b'{"echo": ""}')
        body = b'{"echo": "' + b"x" * pad + echoed + b'"}'
        conn.sendall(http_answer("400 Bad Request", body, "application/json"))

    with LoopbackServer(echo_cut) as server:
        assert cli("profile", "add", secret_profile, "--system", "bitrix24", "--url",
                   server.url, "--code", "sms", "--max-response-mb", "0.1").returncode == 0
        assert cli("secret", "set", secret_profile, "access-token", stdin=TOKEN).returncode == 0
        shown = cli("send", secret_profile, "--message-id", "m-1", "--status", "delivered")
        as_json = cli("send", secret_profile, "--message-id", "m-2", "--status", "delivered",
                      "--json")
    assert shown.returncode == 3 and as_json.returncode == 3, shown.stderr
    assert "The answer was larger than" in shown.stderr
    for output in (shown.stdout, shown.stderr, as_json.stdout):
        assert TOKEN[:6] not in output
    assert "***access-token***\n[... the rest was not read" in shown.stdout
    listed = cli("history", "--json")
    assert listed.returncode == 0 and TOKEN[:6] not in listed.stdout
    stored = b"".join(path.read_bytes() for path in statusdesk_home.iterdir() if path.is_file())
    assert b"sqlite" in stored.lower()  # the history file is there...
    assert TOKEN[:6].encode() not in stored  # ...and holds no start of the token
