"""What a killed or half-broken command leaves behind: a send killed mid-call leaves a
history row saying its outcome is unknown; a profile whose credentials cannot be
forgotten (keyring away) is not removed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from tests.conftest import CLI
from tests.helpers.servers import LoopbackServer, never_answering

pytestmark = pytest.mark.keyring


def test_a_send_killed_during_its_call_leaves_outcome_unknown(cli, statusdesk_home,
                                                              secret_profile) -> None:
    with LoopbackServer(never_answering) as server:
        assert cli("profile", "add", secret_profile, "--system", "bitrix24", "--url",
                   server.url, "--code", "sms").returncode == 0
        assert cli("secret", "set", secret_profile, "access-token",
                   stdin="tok-kill-9\n").returncode == 0
        env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}
        sending = subprocess.Popen([str(CLI), "send", secret_profile, "--message-id", "m-9",
                                    "--status", "delivered"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not server.requests:
            assert time.monotonic() < deadline and sending.poll() is None
            time.sleep(0.02)
        os.kill(sending.pid, signal.SIGKILL)
        sending.wait(10)
    shown = cli("history", "--json")
    assert shown.returncode == 0, shown.stderr
    (row,) = json.loads(shown.stdout)
    assert (row["message_id"], row["status"]) == ("m-9", "delivered")
    assert row["outcome_code"] == "outcome unknown"
    assert "may have reached" in row["outcome_summary"]
    assert "outcome unknown" in cli("history").stdout


def test_a_profile_stays_while_its_credentials_cannot_be_forgotten(cli, statusdesk_home,
                                                                   secret_profile) -> None:
    assert cli("profile", "add", secret_profile, "--system", "bitrix24", "--url",
               "https://acme.bitrix24.com", "--code", "sms").returncode == 0
    assert cli("secret", "set", secret_profile, "access-token", stdin="tok-old\n").returncode == 0
    no_keyring = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home),
                  "DBUS_SESSION_BUS_ADDRESS": f"unix:path={statusdesk_home}/no-such-bus"}
    refused = subprocess.run([str(CLI), "profile", "remove", secret_profile], env=no_keyring,
                             capture_output=True, text=True, timeout=60)
    assert refused.returncode == 4, refused.stdout + refused.stderr
    assert "not removed" in refused.stderr and "Traceback" not in refused.stderr
    listed = json.loads(cli("profile", "list", "--json").stdout)
    assert [p["name"] for p in listed] == [secret_profile]

    removed = cli("profile", "remove", secret_profile)
    assert removed.returncode == 0 and "access-token" in removed.stdout
