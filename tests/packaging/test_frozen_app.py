"""The packaged app (PyInstaller, Linux one-file) as support staff run it.

Built once per set of sources by ``packaging/build.py --reuse`` into dist/ (about 30 s on
this machine; later runs with unchanged sources and packages reuse it), then run under
scripts/test's private D-Bus session with its throw-away gnome-keyring: ``--smoke``
passes and names the Secret Service backend, and the frozen command line stores a secret
(read from stdin) in that keyring and uses it to send statuses to the sandbox.

The build extra (PyInstaller) is installed into the test environment when missing.
Skip these with ``scripts/test -m "not packaging"``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from core.secrets import SecretStore
from sandbox.credentials import SO_APP_TOKEN, SO_MESSAGES, SO_PLUGIN, SO_TICKET

ROOT = Path(__file__).resolve().parents[2]
BUILD_SCRIPT = ROOT / "packaging" / "build.py"
EXECUTABLE = ROOT / "dist" / "statusdesk"
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"

pytestmark = [
    pytest.mark.packaging,
    pytest.mark.keyring,  # needs scripts/test's isolated keyring, skipped elsewhere
    pytest.mark.skipif(not sys.platform.startswith("linux"),
                       reason="the one-file build is tested on Linux; build.py smoke-runs "
                              "the Windows and macOS builds"),
]


@pytest.fixture(scope="session")
def frozen_app() -> Path:
    """dist/statusdesk built from the current sources (or reused if already built)."""
    assert importlib.util.find_spec("PyInstaller"), "scripts/test installs the build extra"
    cmd = [sys.executable, str(BUILD_SCRIPT), "--reuse", "--no-smoke"]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert EXECUTABLE.is_file()
    info = json.loads((ROOT / "dist" / "build-info-linux.json").read_text())
    assert info["bytes"] < 60_000_000, info["largest"][:10]
    return EXECUTABLE


@pytest.fixture
def frozen_cli(frozen_app, statusdesk_home):
    """Runs the frozen command line (``statusdesk --cli``); forgets its profiles after."""
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(frozen_app), "--cli", *args], input=stdin,
                              capture_output=True, text=True, env=env, timeout=120)

    yield run
    listed = run("profile", "list", "--json")
    for profile in json.loads(listed.stdout or "[]"):
        run("profile", "remove", profile["name"])


def test_smoke_opens_the_window_and_names_the_keyring(frozen_app, statusdesk_home):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([str(frozen_app), "--smoke"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"keyring backend: {SECRET_SERVICE}" in done.stdout, done.stdout + done.stderr
    assert not list(statusdesk_home.iterdir())  # looking writes nothing

    info = subprocess.run([str(frozen_app), "--keyring-info"], capture_output=True, text=True,
                          timeout=120)
    assert info.returncode == 0 and SECRET_SERVICE in info.stdout, info.stdout + info.stderr


def test_without_a_keyring_it_says_so(frozen_app, statusdesk_home):
    env = {key: value for key, value in os.environ.items()
           if key != "DBUS_SESSION_BUS_ADDRESS"}
    env["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=/nonexistent/statusdesk-no-bus"
    info = subprocess.run([str(frozen_app), "--keyring-info"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert info.returncode == 4, info.stdout + info.stderr
    assert "keyring backend: none usable" in info.stdout
    assert "never falls back to a file" in info.stdout

    stored = subprocess.run([str(frozen_app), "--cli", "profile", "list"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert stored.returncode == 0, stored.stderr  # the CLI still works without secrets


def test_cli_round_trip_through_the_frozen_keyring(frozen_cli, sandbox, secret_profile):
    name = f"{secret_profile}-frozen-b24"
    added = frozen_cli("profile", "add", name, "--system", "bitrix24",
                       "--url", sandbox.bitrix24_url, "--code", sandbox.credentials.b24_code)
    assert added.returncode == 0, added.stderr
    token = sandbox.credentials.b24_access_token
    stored = frozen_cli("secret", "set", name, "access-token", stdin=token + "\n")
    assert stored.returncode == 0, stored.stderr
    assert "SecretService" in stored.stdout
    assert token not in stored.stdout + stored.stderr
    # The frozen app wrote to the same Secret Service this process sees.
    assert SecretStore().get(name, "access-token") == token

    message = sandbox.bitrix24_messages[0]
    sent = frozen_cli("send", name, "--message-id", message, "--status", "delivered", "--json")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert json.loads(sent.stdout)["ok"] is True
    assert token not in sent.stdout
    assert sandbox.bitrix24.status_of(sandbox.credentials.b24_code, message) == "delivered"

    cleared = frozen_cli("secret", "clear", name)
    assert cleared.returncode == 0, cleared.stderr
    assert SecretStore().get(name, "access-token") is None


def test_frozen_sandbox_serves_the_wsdl_and_checks_soap(frozen_app, frozen_cli, secret_profile,
                                                        statusdesk_home):
    """The bundled WSDL is found: the frozen sandbox validates a frozen SuperOffice send."""
    server = subprocess.Popen([str(frozen_app), "--cli", "sandbox", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env={**os.environ, "STATUSDESK_HOME": str(statusdesk_home)})
    try:
        first = server.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", first)
        assert found, first
        base = f"{found.group(0)}/superoffice/Cust12345"

        wsdl = httpx.get(f"{base}/Remote/Services86/Messaging.svc?wsdl", timeout=30)
        assert wsdl.status_code == 200 and b"wsdl:definitions" in wsdl.content

        name = f"{secret_profile}-frozen-so"
        added = frozen_cli("profile", "add", name, "--system", "superoffice", "--url", base,
                           "--plugin", SO_PLUGIN, "--preset", "Delivered=3")
        assert added.returncode == 0, added.stderr
        for field, value in (("ticket", SO_TICKET), ("app-token", SO_APP_TOKEN)):
            stored = frozen_cli("secret", "set", name, field, stdin=value)
            assert stored.returncode == 0, stored.stderr
        sent = frozen_cli("send", name, "--message-id", SO_MESSAGES[0], "--status", "Delivered",
                          "--description", "Delivered to handset")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert frozen_cli("secret", "clear", name).returncode == 0
    finally:
        server.terminate()
        server.wait(30)
        server.stdout.close()
        server.stderr.close()
