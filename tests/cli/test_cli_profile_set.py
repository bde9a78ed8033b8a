"""statusdesk-cli profile set, and next steps that can be followed as printed: real script,
real keyring, real sandbox over HTTP."""

from __future__ import annotations

import json
import shlex

import httpx
import pytest

from tests.cli.test_cli_sign_in import _approval_page, _login_process

pytestmark = pytest.mark.keyring


def _next_commands(output: str) -> list[list[str]]:
    """The commands of a "Next: a; b; then c" line, as argument lists without the program."""
    line = next(x for x in output.splitlines() if x.startswith("Next: "))
    commands = [part.strip().removeprefix("then ") for part in line[6:].split(";")]
    assert all(c.startswith("statusdesk-cli ") for c in commands), line
    return [shlex.split(c)[1:] for c in commands]


def test_bitrix24_oauth_without_client_id_next_steps_lead_to_a_sign_in(
        cli, sandbox, secret_profile, statusdesk_home) -> None:
    name = f"{secret_profile}-noid"
    creds = sandbox.credentials
    added = cli("profile", "add", name, "--system", "bitrix24", "--url", sandbox.bitrix24_url,
                "--code", creds.b24_code, "--oauth-server", sandbox.bitrix24_oauth_url)
    assert added.returncode == 0, added.stderr
    steps = _next_commands(added.stdout)
    assert steps[0] == ["profile", "set", name, "--client-id", "VALUE"]

    # Skipping the first step meets the same advice at sign-in, never a dead end.
    assert cli("secret", "set", name, "client-secret", stdin=creds.b24_client_secret
               ).returncode == 0
    early = cli("login", name, "--no-browser", "--wait", "1")
    assert early.returncode == 2
    assert "client id" in early.stderr
    assert f"next: statusdesk-cli profile set {name} --client-id VALUE" in early.stderr

    values = {"VALUE": creds.b24_client_id}
    for step in steps[:-1]:  # the last one is the sign-in itself
        typed = [values.get(arg, arg) for arg in step]
        stdin = creds.b24_client_secret if typed[:2] == ["secret", "set"] else None
        done = cli(*typed, stdin=stdin)
        assert done.returncode == 0, (typed, done.stderr)
    assert steps[-1] == ["login", name]
    process = _login_process(statusdesk_home, name)
    try:
        assert httpx.get(_approval_page(process), follow_redirects=True).status_code == 200
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert out.startswith("OK: Signed in as ")


def test_profile_set_changes_only_what_is_given(cli, sandbox, secret_profile) -> None:
    name = f"{secret_profile}-set"
    added = cli("profile", "add", name, "--system", "superoffice", "--url",
                sandbox.superoffice_url, "--plugin", sandbox.credentials.so_plugin,
                "--preset", "Delivered=3", "--production", "--timeout", "9")
    assert added.returncode == 0, added.stderr
    assert cli("secret", "set", name, "ticket", stdin=sandbox.credentials.so_ticket
               ).returncode == 0
    before = json.loads(cli("profile", "show", name, "--json").stdout)

    changed = cli("profile", "set", name, "--max-response-mb", "20", "--no-production")
    assert changed.returncode == 0, changed.stderr
    assert changed.stdout.strip() == f"Profile {name!r} changed: production, max_response_mb."
    after = json.loads(cli("profile", "show", name, "--json").stdout)
    assert after == before | {"max_response_mb": 20.0, "production": False}
    assert after["secrets"]["ticket"] == "stored"

    moved = cli("profile", "set", name, "--url", sandbox.superoffice_url + "/Cust2")
    assert moved.returncode == 0, moved.stderr
    assert json.loads(cli("profile", "show", name, "--json").stdout)["base_url"] \
        == sandbox.superoffice_url + "/Cust2"

    for refused in (("--code", "SMS"), ("--timeout", "0"), ()):
        result = cli("profile", "set", name, *refused)
        assert result.returncode == 2, (refused, result.stdout)
        assert "Traceback" not in result.stderr
    assert cli("profile", "set", "nobody", "--timeout", "5").returncode == 2


def test_help_names_fields_statuses_and_exit_codes(cli) -> None:
    def shown(*args: str) -> str:
        return " ".join(cli(*args, "--help").stdout.split())

    send = shown("send")
    assert "queued, sent, delivered, undelivered, failed (lower case)" in send
    assert "presets" in send and "4 missing or rejected credentials" in send
    secret = cli("secret", "set", "--help").stdout  # one line per sign-in mode
    assert "superoffice --auth system-user: app-token, system-user-token, private-key" in secret
    assert "bitrix24 --auth webhook: webhook-url" in secret
    assert "0 takes any free one" in shown("sandbox")
    assert "set NAME --SETTING VALUE" in shown("profile")
