"""The statusdesk-cli contract, end to end: real script, real keyring, real sandbox over HTTP."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from tests.conftest import CLI

pytestmark = pytest.mark.keyring


def _add_superoffice(cli, sandbox, name, *extra):
    result = cli("profile", "add", name, "--system", "superoffice",
                 "--url", sandbox.superoffice_url + "/Remote/Services86/Messaging.svc",
                 "--plugin", sandbox.credentials.so_plugin, "--preset", "Delivered=3", *extra)
    assert result.returncode == 0, result.stderr
    creds = sandbox.credentials
    for field, value in (("ticket", creds.so_ticket), ("app-token", creds.so_app_token)):
        stored = cli("secret", "set", name, field, stdin=value + "\n")
        assert stored.returncode == 0, stored.stderr
        assert value not in stored.stdout + stored.stderr


def _add_bitrix24(cli, sandbox, name, *extra, token=None):
    result = cli("profile", "add", name, "--system", "bitrix24", "--url", sandbox.bitrix24_url,
                 "--code", sandbox.credentials.b24_code, *extra)
    assert result.returncode == 0, result.stderr
    if token is not False:
        value = token or sandbox.credentials.b24_access_token
        assert cli("secret", "set", name, "access-token", stdin=value).returncode == 0


def test_superoffice_walkthrough(cli, sandbox, secret_profile) -> None:
    name = f"{secret_profile}-so"
    _add_superoffice(cli, sandbox, name)
    shown = json.loads(cli("profile", "show", name, "--json").stdout)
    assert shown["base_url"] == sandbox.superoffice_url  # pasted service URL trimmed
    assert shown["secrets"] == {"ticket": "stored", "app-token": "stored"}

    message = sandbox.superoffice_messages[0]
    sent = cli("send", name, "--message-id", message, "--status", "Delivered",
               "--description", "handset")
    assert sent.returncode == 0, sent.stderr
    assert sent.stdout.startswith("OK: ")
    assert "POST /superoffice/" in sent.stdout and "HTTP/1.1 200 OK" in sent.stdout
    assert "***ticket***" in sent.stdout
    assert sandbox.credentials.so_ticket not in sent.stdout + sent.stderr
    assert sandbox.superoffice.status_of(sandbox.credentials.so_plugin, message) == (3, "handset")

    as_json = json.loads(cli("send", name, "--message-id", message, "--status", "4",
                             "--json").stdout)
    assert set(as_json) >= {"ok", "outcome", "request", "response", "elapsed"}
    assert as_json["ok"] is True and as_json["response"]["status"] == 200
    # 4 is no preset's number: said before it goes (it still goes: SuperOffice takes any).
    assert _warning_when_sending_4(cli, name, message) == (
        "Warning: Status 4 is not one of this profile's named statuses (Delivered = 3). "
        "It goes out as the number 4.")


def _warning_when_sending_4(cli, name: str, message: str) -> str:
    sent = cli("send", name, "--message-id", message, "--status", "4", "--json")
    assert sent.returncode == 0, sent.stderr
    return sent.stderr.strip()


def test_exit_codes_per_error_class(cli, sandbox, secret_profile) -> None:
    so, b24 = f"{secret_profile}-so", f"{secret_profile}-b24"
    _add_superoffice(cli, sandbox, so)
    _add_bitrix24(cli, sandbox, b24)
    message = sandbox.bitrix24_messages[0]
    cases = {
        "done": (cli("send", b24, "--message-id", message, "--status", "delivered"), 0),
        "refused": (cli("send", b24, "--message-id", "f" * 32, "--status", "sent"), 1),
        "bad input": (cli("send", b24, "--message-id", message, "--status", "Delivered"), 2),
        "usage": (cli("send", b24, "--status", "sent"), 2),
        "unknown profile": (cli("send", "nobody", "--message-id", "1", "--status", "sent"), 2),
        "credentials rejected": (cli("send", so, "--message-id", "x", "--status", "1"), None),
    }
    for label, (result, expected) in cases.items():
        if expected is not None:
            assert result.returncode == expected, (label, result.stdout, result.stderr)
    assert "case-sensitive" in cases["bad input"][0].stderr

    assert cli("secret", "set", so, "ticket", stdin="7T:expired").returncode == 0
    rejected = cli("send", so, "--message-id", sandbox.superoffice_messages[0], "--status", "1")
    assert rejected.returncode == 4, rejected.stderr
    assert f"next: statusdesk-cli secret set {so} ticket" in rejected.stderr
    assert cli("secret", "clear", so).returncode == 0
    missing = cli("send", so, "--message-id", "x", "--status", "1")
    assert missing.returncode == 4
    assert "store it in the keyring" in missing.stderr
    assert f"next: statusdesk-cli secret set {so} ticket" in missing.stderr

    offline = f"{secret_profile}-off"
    assert cli("profile", "add", offline, "--system", "bitrix24", "--url",
               "http://127.0.0.1:9", "--code", "x").returncode == 0
    assert cli("secret", "set", offline, "access-token", stdin="tok-123").returncode == 0
    down = cli("send", offline, "--message-id", "m", "--status", "sent", "--json")
    assert down.returncode == 3
    assert json.loads(down.stdout)["outcome"]["kind"] == "transport"


def test_dry_run_sends_nothing_and_production_asks(cli, sandbox, secret_profile) -> None:
    name = f"{secret_profile}-prod"
    _add_bitrix24(cli, sandbox, name, "--production")
    before = len(sandbox.received)
    dry = cli("send", name, "--message-id", sandbox.bitrix24_messages[0], "--status", "sent",
              "--dry-run")
    assert dry.returncode == 0
    assert "nothing was sent" in dry.stdout and '"auth": "***access-token***"' in dry.stdout
    refused = cli("send", name, "--message-id", sandbox.bitrix24_messages[0], "--status", "sent")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert "127.0.0.1" in refused.stderr  # names the tenant
    assert len(sandbox.received) == before
    confirmed = cli("send", name, "--message-id", sandbox.bitrix24_messages[0], "--status",
                    "sent", "--yes")
    assert confirmed.returncode == 0, confirmed.stderr
    assert len(sandbox.received) == before + 1


def test_webhook_profile_is_warned(cli, sandbox, secret_profile) -> None:
    name = f"{secret_profile}-hook"
    _add_bitrix24(cli, sandbox, name, "--auth", "webhook", token=False)
    assert cli("secret", "set", name, "access-token", stdin="x").returncode == 2
    assert cli("secret", "set", name, "webhook-url",
               stdin=sandbox.credentials.b24_webhook_url).returncode == 0
    sent = cli("send", name, "--message-id", sandbox.bitrix24_messages[0], "--status", "sent")
    assert sent.returncode == 4
    assert sent.stderr.startswith("Warning: ") and "403" in sent.stderr
    secret_part = sandbox.credentials.b24_webhook_url.rstrip("/").rsplit("/", 1)[1]
    assert secret_part not in sent.stdout + sent.stderr


def test_profiles_and_secrets_management(cli, sandbox, secret_profile, statusdesk_home) -> None:
    name = f"{secret_profile}-mgmt"
    _add_superoffice(cli, sandbox, name, "--transport", "rest", "--timeout", "5")
    listed = json.loads(cli("profile", "list", "--json").stdout)
    assert [p["name"] for p in listed] == [name]
    assert sandbox.credentials.so_ticket not in (statusdesk_home / "profiles.json").read_text()
    assert cli("secret", "set", name, "ticket", "7T:on-argv").returncode == 2  # never argv
    assert cli("profile", "add", name, "--system", "superoffice", "--url", "x",
               "--plugin", "p").returncode == 2
    assert cli("profile", "add", "z", "--system", "superoffice", "--url", "https://x/y",
               "--plugin", "p", "--code", "c").returncode == 2  # --code is Bitrix24's
    removed = json.loads(cli("profile", "remove", name, "--json").stdout)
    assert sorted(removed["secrets_forgotten"]) == ["app-token", "ticket"]
    assert json.loads(cli("profile", "list", "--json").stdout) == []


def test_sandbox_command_prints_urls_and_serves(tmp_path) -> None:
    process = subprocess.Popen([str(CLI), "sandbox", "--port", "0"], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        while len(lines) < 40:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        text = "".join(lines)
        # The ids to try a send with are printed, not only served at GET /.
        assert "Seeded SuperOffice external message ids: SO-1001, " in text, text
        assert re.search(r"Seeded Bitrix24 MESSAGE_IDs: [0-9a-f]{32}, ", text), text
        assert re.search(r"http://127\.0\.0\.1:\d+/superoffice/", text), text
        url = re.search(r"(http://127\.0\.0\.1:\d+)/bitrix24", text).group(1)
        import httpx

        assert httpx.get(url + "/", timeout=5).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
