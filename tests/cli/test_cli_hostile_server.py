"""A hostile server against `statusdesk-cli` (issue 15): one that trickles its headers
must not hold a send past the profile's timeout; a secret echoed where the size limit cuts
the answer is masked all the same; escape sequences it sends never reach the terminal raw."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from core.profiles import BYTES_PER_MB
from tests.conftest import CLI
from tests.helpers.servers import (
    HOSTILE,
    RAW_CONTROL,
    LoopbackServer,
    Request,
    hostile,
    http_answer,
    trickling_headers,
)

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


def _assert_shown_escaped(label: str, *outputs: str) -> None:
    for output in outputs:
        found = RAW_CONTROL.search(output)
        assert found is None, (label, found.group(), output[max(0, found.start() - 80):
                                                             found.end() + 80])


def test_escape_sequences_from_the_server_are_shown_escaped_in_every_output(
        cli, statusdesk_home, secret_profile, tmp_path) -> None:
    b24, so = f"{secret_profile}-b24", f"{secret_profile}-so"
    with LoopbackServer(hostile) as server:
        _bitrix24_profile(cli, b24, server.url)
        assert cli("profile", "add", so, "--system", "superoffice", "--url",
                   f"{server.url}/superoffice/Cust1", "--plugin", "sms", "--auth", "password",
                   "--username", "u").returncode == 0
        assert cli("secret", "set", so, "password", stdin="pw-hostile\n").returncode == 0
        rows = tmp_path / "rows.csv"
        rows.write_text("message_id,status\nm-1,delivered\nplain-text,delivered\n",
                        encoding="utf-8")
        runs = {
            "send": cli("send", b24, "--message-id", "m-1", "--status", "delivered"),
            "send plain text": cli("send", b24, "--message-id", "plain-text", "--status",
                                   "delivered"),
            "send --json": cli("send", b24, "--message-id", "m-1", "--status", "delivered",
                               "--json"),
            "test": cli("test", b24),
            "test --json": cli("test", b24, "--json"),
            "login": cli("login", so),
            "batch": cli("batch", b24, str(rows)),
            "batch --json": cli("batch", b24, str(rows), "--json"),
        }
        runs |= {"history": cli("history"), "history --json": cli("history", "--json"),
                 "history --csv": cli("history", "--csv")}
    for label, run in runs.items():
        assert run.returncode in (0, 1, 3, 4), (label, run.stderr)
        assert "Traceback" not in run.stderr, (label, run.stderr)
        _assert_shown_escaped(label, run.stdout, run.stderr)
    # Shown, not dropped: a person can see what the server tried.
    assert "\\x1b[2J\\x1b[HOK: Status updated" in runs["send"].stderr
    assert "\\x1b[2J" in runs["send plain text"].stdout
    assert "\\x9b2J" in runs["send"].stdout  # the header
    assert "\\u202e" in runs["login"].stderr
    assert "\\x1b[2J" in runs["history"].stdout
    for label in ("send --json", "test --json", "history --json"):
        json.loads(runs[label].stdout)  # still JSON, and the same values
    said = json.loads(runs["send --json"].stdout)
    assert HOSTILE in json.dumps(said, ensure_ascii=False) or \
        "\\x1b[2J" in said["outcome"]["summary"]
    for line in runs["batch --json"].stdout.splitlines():
        json.loads(line)
