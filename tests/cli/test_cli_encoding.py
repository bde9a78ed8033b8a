"""Text outside the ANSI code page through the command line.

On Windows a pipe's (or file's) encoding is the ANSI code page, cp1252 in Western Europe,
not UTF-8; PYTHONIOENCODING=cp1252 gives a Linux process the same streams. A status
description with "✓" once crashed `send` after the call had gone out, and `history --json`
after it. Machine output (--json, pipes) is UTF-8; a console shows what it can.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.cli.test_cli import _add_bitrix24, _add_superoffice
from tests.conftest import CLI

pytestmark = pytest.mark.keyring

TEXT = "✓ Доставлено, æøå"


@pytest.fixture
def cp1252_cli(cli, statusdesk_home):
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home),
           "PYTHONIOENCODING": "cp1252", "PYTHONUTF8": "0"}

    def run(*args: str) -> subprocess.CompletedProcess[bytes]:
        return subprocess.run([str(CLI), *args], capture_output=True, env=env, timeout=60)

    return run


def test_send_batch_and_history_carry_text_outside_cp1252(
        cli, cp1252_cli, sandbox, secret_profile, tmp_path) -> None:
    so, b24 = f"{secret_profile}-so", f"{secret_profile}-b24"
    _add_superoffice(cli, sandbox, so)
    _add_bitrix24(cli, sandbox, b24)
    message = sandbox.superoffice_messages[0]

    sent = cp1252_cli("send", so, "--message-id", message, "--status", "Delivered",
                      "--description", TEXT)
    assert sent.returncode == 0, sent.stderr.decode("utf-8", "replace")
    assert TEXT in sent.stdout.decode("utf-8")  # the request as sent, in UTF-8
    assert sandbox.superoffice.status_of(sandbox.credentials.so_plugin, message) == (3, TEXT)

    as_json = cp1252_cli("send", so, "--message-id", message, "--status", "3",
                         "--description", TEXT, "--json")
    assert as_json.returncode == 0
    assert json.loads(as_json.stdout.decode("utf-8"))["ok"] is True

    rows = tmp_path / "rows.csv"  # written the Windows way: UTF-8 with BOM, CRLF
    rows.write_bytes("message_id;status;description\r\n".encode("utf-8-sig")
                     + f"{sandbox.superoffice_messages[1]};Delivered;{TEXT} 2\r\n".encode())
    batch = cp1252_cli("batch", so, str(rows), "--yes", "--json")
    assert batch.returncode == 0, batch.stderr.decode("utf-8", "replace")
    assert sandbox.superoffice.status_of(sandbox.credentials.so_plugin,
                                         sandbox.superoffice_messages[1]) == (3, f"{TEXT} 2")
    b24_sent = cp1252_cli("send", b24, "--message-id", "Ø-" + sandbox.bitrix24_messages[0],
                          "--status", "delivered")
    assert "Ø-" in b24_sent.stdout.decode("utf-8") + b24_sent.stderr.decode("utf-8")

    history = cp1252_cli("history", "--json")
    assert history.returncode == 0, history.stderr.decode("utf-8", "replace")
    descriptions = history.stdout.decode("utf-8")
    assert TEXT in descriptions
    plain = cp1252_cli("history")
    assert plain.returncode == 0, plain.stderr.decode("utf-8", "replace")
