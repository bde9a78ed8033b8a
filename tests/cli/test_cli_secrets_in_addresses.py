"""A proxy's password lives in the keyring like every other secret, and is put into the
proxy address only in memory, for the call; an address with a password in it is refused
with advice (issue 15, item 6)."""

from __future__ import annotations

import base64
import http.client
import json
import sqlite3
from urllib.parse import urlsplit

import pytest

from tests.helpers.servers import LoopbackServer, free_port, http_answer

pytestmark = pytest.mark.keyring

PASSWORD = "Pr0xy-S3cret-42"  # noqa: S105 - a test value


def forwarding_proxy(user: str, password: str):
    """An HTTP proxy that wants Basic credentials and passes the call on."""
    expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    def handle(conn, request, stop) -> None:
        headers = {}
        for line in request.head.split(b"\r\n")[1:]:
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip()] = value.strip()
        if headers.pop("Proxy-Authorization", "") != expected:
            conn.sendall(http_answer("407 Proxy Authentication Required", b"who are you?",
                                     extra='Proxy-Authenticate: Basic realm="test"\r\n'))
            return
        target = urlsplit(request.target)
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        path = target.path + (f"?{target.query}" if target.query else "")
        upstream.request(request.method, path, body=request.body, headers=headers)
        answer = upstream.getresponse()
        body = answer.read()
        kept = [(k, v) for k, v in answer.getheaders()
                if k.lower() not in ("content-length", "connection", "transfer-encoding")]
        conn.sendall(http_answer(f"{answer.status} {answer.reason}", body,
                                 answer.getheader("Content-Type", "text/plain"),
                                 "".join(f"{k}: {v}\r\n" for k, v in kept
                                         if k.lower() != "content-type")))
        upstream.close()

    return handle


def _everything_kept(home) -> str:
    """profiles.json, and every row of the history as the database holds it."""
    text = (home / "profiles.json").read_text(encoding="utf-8")
    if (home / "history.sqlite3").exists():
        db = sqlite3.connect(home / "history.sqlite3")
        text += "\n".join(repr(row) for row in db.execute("SELECT * FROM exchanges"))
        db.close()
    return text


def test_a_proxy_password_lives_in_the_keyring(cli, sandbox, statusdesk_home) -> None:
    creds = sandbox.credentials
    with LoopbackServer(forwarding_proxy("agent", PASSWORD)) as proxy:
        add = ["profile", "add", "P", "--system", "bitrix24", "--url", sandbox.bitrix24_url,
               "--code", creds.b24_code]
        refused = cli(*add, "--proxy", f"http://agent:{PASSWORD}@127.0.0.1:{proxy.port}")
        assert refused.returncode == 2, refused.stderr
        assert "Traceback" not in refused.stderr and PASSWORD not in refused.stderr
        assert "proxy password" in refused.stderr
        assert "secret set P proxy-password" in refused.stderr
        assert not (statusdesk_home / "profiles.json").exists() or \
            PASSWORD not in (statusdesk_home / "profiles.json").read_text()

        added = cli(*add, "--proxy", f"http://agent@127.0.0.1:{proxy.port}")
        assert added.returncode == 0, added.stderr
        assert "secret set P proxy-password" in added.stdout  # the next step names it
        assert cli("secret", "set", "P", "access-token",
                   stdin=creds.b24_access_token).returncode == 0
        shown = json.loads(cli("profile", "show", "P", "--json").stdout)
        assert shown["proxy"] == f"http://agent@127.0.0.1:{proxy.port}"
        assert shown["secrets"]["proxy-password"] == "missing"

        message = sandbox.bitrix24_messages[0]
        missing = cli("send", "P", "--message-id", message, "--status", "delivered")
        assert missing.returncode == 4, missing.stderr
        assert "next: statusdesk-cli secret set P proxy-password" in missing.stderr
        assert proxy.requests == []  # nothing went out without it

        stored = cli("secret", "set", "P", "proxy-password", stdin=PASSWORD + "\n")
        assert stored.returncode == 0, stored.stderr
        sent = cli("send", "P", "--message-id", message, "--status", "delivered")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert sandbox.bitrix24.status_of(creds.b24_code, message) == "delivered"
        assert len(proxy.requests) == 1  # it went through the proxy, with the password
        assert PASSWORD not in sent.stdout + sent.stderr
        assert PASSWORD not in _everything_kept(statusdesk_home)
        assert PASSWORD not in cli("history", "--csv").stdout + cli("history", "--json").stdout

        removed = json.loads(cli("profile", "remove", "P", "--json").stdout)
        assert "proxy-password" in removed["secrets_forgotten"]


def test_a_proxy_failure_never_shows_its_password(cli, statusdesk_home) -> None:
    port = free_port()  # nothing listens: the call fails at the proxy
    assert cli("profile", "add", "Q", "--system", "bitrix24", "--url", "http://127.0.0.1:9",
               "--code", "sms", "--proxy", f"http://agent@127.0.0.1:{port}").returncode == 0
    assert cli("secret", "set", "Q", "access-token", stdin="tok-q\n").returncode == 0
    assert cli("secret", "set", "Q", "proxy-password", stdin=PASSWORD).returncode == 0
    for argv in (["send", "Q", "--message-id", "m", "--status", "sent"],
                 ["send", "Q", "--message-id", "m", "--status", "sent", "--json"],
                 ["test", "Q"]):
        failed = cli(*argv)
        assert failed.returncode == 3, failed.stderr
        assert f"127.0.0.1:{port}" in failed.stdout + failed.stderr
        assert PASSWORD not in failed.stdout + failed.stderr
    assert PASSWORD not in _everything_kept(statusdesk_home)


def test_a_proxy_password_in_an_old_profiles_file_is_not_used(cli, statusdesk_home) -> None:
    """Written by StatusDesk before it kept proxy passwords in the keyring: every call
    refuses with the way out, and nothing shows the password."""
    (statusdesk_home / "profiles.json").write_text(json.dumps({"version": 1, "profiles": [{
        "name": "Old", "system": "bitrix24", "base_url": "http://127.0.0.1:9",
        "options": {"code": "sms"}, "proxy": f"http://agent:{PASSWORD}@127.0.0.1:9"}]}))
    assert cli("secret", "set", "Old", "access-token", stdin="tok-old\n").returncode == 0
    result = cli("send", "Old", "--message-id", "m", "--status", "sent")
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert PASSWORD not in result.stdout + result.stderr
    assert "secret set Old proxy-password" in result.stderr
    shown = cli("profile", "show", "Old")
    assert shown.returncode == 0 and PASSWORD not in shown.stdout


@pytest.mark.parametrize("url", ["http://admin:S3cr3t-pw@127.0.0.1:9/superoffice/Cust1",
                                 "https://admin:S3cr3t-pw@acme.bitrix24.com"])
def test_an_address_with_credentials_is_refused(cli, url) -> None:
    system = ["--system", "superoffice", "--plugin", "p"] if "superoffice" in url else \
        ["--system", "bitrix24", "--code", "sms"]
    refused = cli("profile", "add", "U", *system, "--url", url)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr, refused.stderr
    assert "S3cr3t-pw" not in refused.stderr + refused.stdout
    assert "keyring" in refused.stderr
    assert cli("profile", "add", "U", *system, "--url", url.replace("admin:S3cr3t-pw@", "")
               ).returncode == 0
    moved = cli("profile", "set-url", "U", url)
    assert moved.returncode == 2 and "S3cr3t-pw" not in moved.stderr + moved.stdout
    assert "S3cr3t-pw" not in json.dumps(json.loads(cli("profile", "list", "--json").stdout))

