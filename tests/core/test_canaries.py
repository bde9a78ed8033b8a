"""No secret leaks: a whole session with every credential flow, then a search for the values.

Every kind of secret is planted (the sandbox's working credentials, plus canary values that
fail: a wrong password, a bogus ticket, a webhook address), every flow is run through the
real CLI (sign-ins, renewals, refusals, sends, read-backs), each exchange goes into the
history and out as HAR and curl, and then the config folder, the history file, everything
the processes printed, the exports and the processes' arguments are searched for every
secret value, including the ones the servers issued along the way. Zero hits allowed.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from core.exchange import Exchange
from core.export import curl_command, har_text
from core.history import HISTORY_FILE, History
from core.secrets import SecretStore
from tests.conftest import CLI

pytestmark = pytest.mark.keyring

CANARY_PASSWORD = "canary-password-6f1d0b3e"
CANARY_TICKET = "7T:canary-ticket-0b9e77aa41"
CANARY_HOOK_CODE = "canaryhook5e2a91c7"


class _Session:
    """Runs the CLI, keeping everything it printed and every argument it was given."""

    def __init__(self, home: Path) -> None:
        self.env = {**os.environ, "STATUSDESK_HOME": str(home)}
        self.printed: list[str] = []
        self.argv: list[str] = []
        self.exchanges: list[Exchange] = []

    def run(self, *args: str, stdin: str | None = None, ok: bool | None = True) -> str:
        self.argv.extend(args)
        done = subprocess.run([str(CLI), *args], input=stdin, capture_output=True, text=True,
                              env=self.env, timeout=60)
        self.printed += [done.stdout, done.stderr]
        if ok is not None:
            assert (done.returncode == 0) is ok, (args, done.stdout, done.stderr)
        if "--json" in args and done.stdout.startswith("{") and '"request": {' in done.stdout:
            self.exchanges.append(Exchange.from_dict(json.loads(done.stdout)))
        return done.stdout

    def store(self, name: str, field: str, value: str) -> None:
        self.run("secret", "set", name, field, stdin=value)


def test_no_secret_leaves_the_keyring(sandbox, statusdesk_home, secret_profile) -> None:
    creds, session = sandbox.credentials, _Session(statusdesk_home)
    so, b24 = sandbox.superoffice_url, sandbox.bitrix24_url
    names = {kind: f"{secret_profile}-{kind}" for kind in
             ("ticket", "password", "system", "oauth", "hook")}
    # SuperOffice, pasted ticket: a bogus one refused, then a good one.
    session.run("profile", "add", names["ticket"], "--system", "superoffice", "--url", so,
                "--plugin", creds.so_plugin)
    session.store(names["ticket"], "ticket", CANARY_TICKET)
    session.store(names["ticket"], "app-token", creds.so_app_token)
    _send(session, names["ticket"], sandbox.superoffice_messages[0], "3", ok=False)
    session.store(names["ticket"], "ticket", creds.so_ticket)
    _send(session, names["ticket"], sandbox.superoffice_messages[0], "3")
    session.run("status", names["ticket"], "--messaging-id", str(
        sandbox.superoffice.messaging_id(creds.so_plugin, sandbox.superoffice_messages[0])),
        "--json")
    # SuperOffice onsite password: a wrong one, the right one, a revoked ticket renewed.
    session.run("profile", "add", names["password"], "--system", "superoffice", "--url", so,
                "--plugin", creds.so_plugin, "--auth", "password", "--username",
                creds.so_username)
    session.store(names["password"], "password", CANARY_PASSWORD)
    session.store(names["password"], "app-token", creds.so_app_token)
    session.run("login", names["password"], "--json", ok=False)
    session.store(names["password"], "password", creds.so_password)
    session.run("login", names["password"], "--json")
    sandbox.superoffice.revoke_tickets()
    _send(session, names["password"], sandbox.superoffice_messages[1], "4")
    # SuperOffice Online system user.
    session.run("profile", "add", names["system"], "--system", "superoffice", "--url", so,
                "--plugin", creds.so_plugin, "--auth", "system-user", "--login-url",
                sandbox.superoffice_login_url)
    for field, value in (("app-token", creds.so_app_token),
                         ("system-user-token", creds.so_system_user_token),
                         ("private-key", creds.so_private_key)):
        session.store(names["system"], field, value)
    _send(session, names["system"], sandbox.superoffice_messages[2], "5")
    # Bitrix24 OAuth: browser sign-in, expired token renewed, moved portal.
    session.run("profile", "add", names["oauth"], "--system", "bitrix24", "--url", b24,
                "--code", creds.b24_code, "--client-id", creds.b24_client_id,
                "--oauth-server", sandbox.bitrix24_oauth_url)
    session.store(names["oauth"], "client-secret", creds.b24_client_secret)
    _browser_login(session, names["oauth"])
    sandbox.bitrix24.expire_access_token()
    _send(session, names["oauth"], sandbox.bitrix24_messages[0], "delivered")
    session.run("test", names["oauth"], "--json")
    # Bitrix24 webhook: refused, with the webhook's secret path in the address.
    session.run("profile", "add", names["hook"], "--system", "bitrix24", "--url", b24,
                "--code", creds.b24_code, "--auth", "webhook")
    session.store(names["hook"], "webhook-url", f"{b24}/rest/1/{CANARY_HOOK_CODE}/")
    _send(session, names["hook"], sandbox.bitrix24_messages[0], "sent", ok=False)

    # Exports: the history as CSV and JSON, a batch with its results file.
    session.run("history", "--csv")
    session.run("history", "--json", "--limit", "100")
    rows = statusdesk_home / "rows.csv"
    rows.write_text("message_id,status\n" + "".join(
        f"{m},delivered\n" for m in sandbox.bitrix24_messages[:2]), encoding="utf-8")
    results = statusdesk_home / "results.csv"
    session.run("batch", names["oauth"], str(rows), "--results", str(results), "--yes",
                "--json")
    assert results.read_text(encoding="utf-8-sig").count("done") == 2

    secrets = _every_secret(names, sandbox)
    history = History(statusdesk_home / HISTORY_FILE)
    for exchange in session.exchanges:
        history.record(exchange)
    places = {
        "printed by the CLI": "\n".join(session.printed),
        "arguments": "\n".join(session.argv),
        "HAR export": har_text(session.exchanges),
        "curl": "\n".join(curl_command(e.request) for e in session.exchanges),
    }
    places |= {f"file {p.name}": p.read_bytes().decode("utf-8", "replace")
               for p in statusdesk_home.rglob("*") if p.is_file()}
    assert len(session.exchanges) >= 9 and any("history" in p for p in places)
    leaks = [(secret[:12] + "...", where) for secret in secrets
             for where, text in places.items() if secret in text]
    assert leaks == []
    for name in names.values():
        session.run("profile", "remove", name)


def _send(session: _Session, name: str, message: str, status: str, ok: bool = True) -> None:
    session.run("send", name, "--message-id", message, "--status", status, "--json", ok=ok)


def _browser_login(session: _Session, name: str) -> None:
    process = subprocess.Popen([str(CLI), "login", name, "--no-browser", "--wait", "30",
                                "--json"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=session.env)
    try:
        page, deadline = "", time.monotonic() + 20
        while "/oauth/authorize/?" not in page:
            assert time.monotonic() < deadline and process.poll() is None, "no approval page"
            page = process.stderr.readline().strip() or page
        httpx.get(page, follow_redirects=True)  # the browser approving
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    session.printed += [out, err]
    assert process.returncode == 0, err
    session.exchanges.append(Exchange.from_dict(json.loads(out)))


def _every_secret(names: dict[str, str], sandbox) -> list[str]:
    """Every value planted, held or issued by a server during the session."""
    creds, oauth, store = sandbox.credentials, sandbox.bitrix24.oauth, SecretStore()
    issued = [*sandbox.superoffice.issued_tickets, *oauth.access, *oauth.refresh,
              *oauth.codes_issued]
    fields = ("ticket", "app-token", "password", "system-user-token", "access-token",
              "refresh-token", "client-secret", "webhook-url")
    held = [value for name in names.values() for field in fields
            if (value := store.get(name, field))]
    planted = [CANARY_PASSWORD, CANARY_TICKET, CANARY_HOOK_CODE, creds.so_ticket,
               creds.so_app_token, creds.so_password, creds.so_system_user_token,
               creds.b24_access_token, creds.b24_refresh_token, creds.b24_client_secret]
    key_lines = [line for line in creds.so_private_key.splitlines() if "-----" not in line]
    secrets = set(held + planted + key_lines + issued) - {""}
    assert len(issued) >= 8 and len(secrets) >= 25
    return sorted(secrets)
