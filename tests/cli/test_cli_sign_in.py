"""statusdesk-cli login / status / profile set-url, end to end: real script, real keyring,
the sandbox over loopback HTTP. Secrets only ever travel on stdin."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.cli.test_cli import _add_superoffice
from tests.conftest import CLI

pytestmark = pytest.mark.keyring


def _store(cli, name: str, values: dict[str, str]) -> None:
    for field, value in values.items():
        stored = cli("secret", "set", name, field, stdin=value)
        assert stored.returncode == 0, stored.stderr


def test_system_user_login_then_send(cli, sandbox, secret_profile) -> None:
    name, creds = f"{secret_profile}-su", sandbox.credentials
    added = cli("profile", "add", name, "--system", "superoffice", "--url",
                sandbox.superoffice_url, "--plugin", creds.so_plugin, "--auth", "system-user",
                "--environment", "sod", "--login-url", sandbox.superoffice_login_url)
    assert added.returncode == 0, added.stderr
    assert "app-token" in added.stdout  # says which secret to store first
    _store(cli, name, {"app-token": creds.so_app_token,
                       "system-user-token": creds.so_system_user_token,
                       "private-key": creds.so_private_key})
    refused = cli("secret", "set", name, "ticket", stdin="7T:pasted")
    assert refused.returncode == 2 and "login" in refused.stderr

    login = cli("login", name)
    assert login.returncode == 0, login.stderr
    assert login.stdout.startswith("OK: Signed in as ")
    assert "PartnerSystemUser/Authenticate" in login.stdout
    for secret in (creds.so_system_user_token, creds.so_app_token):
        assert secret not in login.stdout + login.stderr
    shown = json.loads(cli("profile", "show", name, "--json").stdout)["secrets"]
    assert shown["ticket"] == "stored" and shown["private-key"] == "stored"

    sent = cli("send", name, "--message-id", sandbox.superoffice_messages[0], "--status", "3")
    assert sent.returncode == 0, sent.stderr
    assert sum(1 for s in sandbox.superoffice.sign_ins if s[0] == "system-user") == 1

    removed = json.loads(cli("profile", "remove", name, "--json").stdout)
    assert set(removed["secrets_forgotten"]) == {"app-token", "system-user-token",
                                                 "private-key", "ticket", "ticket-expires"}


def test_password_login_wrong_password_exit_4(cli, sandbox, secret_profile) -> None:
    name, creds = f"{secret_profile}-pw", sandbox.credentials
    assert cli("profile", "add", name, "--system", "superoffice", "--url",
               sandbox.superoffice_url, "--plugin", creds.so_plugin, "--auth", "password",
               "--username", creds.so_username).returncode == 0
    _store(cli, name, {"password": "not-the-password", "app-token": creds.so_app_token})
    login = cli("login", name)
    assert login.returncode == 4
    assert "wrong username or password" in login.stderr
    _store(cli, name, {"password": creds.so_password})
    assert cli("login", name).returncode == 0


def test_status_reads_back_by_messaging_id(cli, sandbox, secret_profile) -> None:
    name = f"{secret_profile}-read"
    _add_superoffice(cli, sandbox, name)
    external = sandbox.superoffice_messages[1]
    assert cli("send", name, "--message-id", external, "--status", "Delivered").returncode == 0
    messaging_id = sandbox.superoffice.messaging_id(sandbox.credentials.so_plugin, external)
    read = cli("status", name, "--messaging-id", str(messaging_id), "--json")
    assert read.returncode == 0, read.stderr
    assert f"message {messaging_id}: status 3 (Delivered)" in json.loads(read.stdout)[
        "outcome"]["summary"]
    assert cli("status", name, "--messaging-id", "999999").returncode == 1


def _bitrix24_oauth(cli, sandbox, name: str) -> None:
    creds = sandbox.credentials
    added = cli("profile", "add", name, "--system", "bitrix24", "--url", sandbox.bitrix24_url,
                "--code", creds.b24_code, "--auth", "oauth", "--client-id", creds.b24_client_id,
                "--oauth-server", sandbox.bitrix24_oauth_url)
    assert added.returncode == 0, added.stderr
    _store(cli, name, {"client-secret": creds.b24_client_secret})


def _login_process(statusdesk_home: Path, name: str) -> subprocess.Popen[str]:
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}
    return subprocess.Popen([str(CLI), "login", name, "--no-browser", "--wait", "30"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)


def _approval_page(process: subprocess.Popen[str]) -> str:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        line = process.stderr.readline().strip()
        if "/oauth/authorize/?" in line:
            return line
    raise AssertionError("login printed no approval address")


def test_bitrix24_login_through_the_browser(cli, sandbox, secret_profile,
                                            statusdesk_home) -> None:
    name = f"{secret_profile}-oauth"
    _bitrix24_oauth(cli, sandbox, name)
    process = _login_process(statusdesk_home, name)
    try:
        page = _approval_page(process)
        # The browser: open the page, follow the portal's redirect to the loopback address.
        assert httpx.get(page, follow_redirects=True).status_code == 200
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert out.startswith("OK: Signed in as user 1 on ")
    sent = cli("send", name, "--message-id", sandbox.bitrix24_messages[0], "--status", "sent")
    assert sent.returncode == 0, sent.stderr


def test_bitrix24_login_with_a_pasted_address(cli, sandbox, secret_profile,
                                              statusdesk_home) -> None:
    name = f"{secret_profile}-paste"
    _bitrix24_oauth(cli, sandbox, name)
    process = _login_process(statusdesk_home, name)
    try:
        page = _approval_page(process)
        landed = httpx.get(page).headers["location"]  # where the browser would end up
        out, err = process.communicate(input="not a code\n" + landed + "\n", timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "does not look like" in err
    assert "Signed in as" in out


def test_moved_portal_then_set_url(cli, sandbox, secret_profile) -> None:
    name, creds = f"{secret_profile}-moved", sandbox.credentials
    assert cli("profile", "add", name, "--system", "bitrix24", "--url", sandbox.bitrix24_url,
               "--code", creds.b24_code).returncode == 0
    _store(cli, name, {"access-token": creds.b24_access_token})
    new_portal = sandbox.origin + "/bitrix24-moved"
    sandbox.bitrix24.move_portal(new_portal)
    moved = cli("send", name, "--message-id", sandbox.bitrix24_messages[0], "--status", "sent",
                "--json")
    assert moved.returncode == 1
    assert json.loads(moved.stdout)["outcome"]["moved_to"] == new_portal
    assert cli("profile", "set-url", name, new_portal).returncode == 0
    again = cli("send", name, "--message-id", sandbox.bitrix24_messages[0], "--status", "sent")
    assert again.returncode == 0, again.stderr


def test_a_kept_ticket_does_not_follow_the_profile_elsewhere(cli, sandbox, secret_profile) -> None:
    name, creds = f"{secret_profile}-stale", sandbox.credentials
    assert cli("profile", "add", name, "--system", "superoffice", "--url",
               sandbox.superoffice_url, "--plugin", creds.so_plugin, "--auth", "password",
               "--username", creds.so_username).returncode == 0
    _store(cli, name, {"password": creds.so_password, "app-token": creds.so_app_token})
    assert cli("login", name).returncode == 0
    moved = cli("profile", "set-url", name, sandbox.origin + "/superoffice/Cust99999")
    assert moved.returncode == 0 and "Forgot the kept ticket" in moved.stderr
    shown = json.loads(cli("profile", "show", name, "--json").stdout)["secrets"]
    assert shown["ticket"] == "missing" and shown["password"] == "stored"
