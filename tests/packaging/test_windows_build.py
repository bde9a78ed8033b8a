"""The Windows build as support staff run it, on this Linux machine under Wine.

``packaging/build.py --windows --reuse`` builds dist/StatusDesk-<version>-windows-x64.zip
once per set of sources (about 3 minutes the first time, seconds when reused). The zip is
unpacked into a temporary folder and run in a Wine prefix of its own (a copy of the build
toolchain's, which holds the stand-in DLLs Wine 8 lacks), against the Linux sandbox on
127.0.0.1: Windows' own Credential Manager backend, a walkthrough of the command line with
text outside cp1252 on cp1252 pipes, and the window drawn by Qt's `windows` platform on a
private Xvfb. Skip these with ``scripts/test -m "not windows"``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "packaging"))
import spec_support as sp  # noqa: E402
import wine  # noqa: E402

ZIP = ROOT / "dist" / f"{sp.APP_NAME}-{sp.project_version()}-windows-x64.zip"
SCREENSHOT = ROOT / "build" / "screenshot-windows.png"
TEXT = "✓ Доставлено, æøå"

pytestmark = [
    pytest.mark.windows,
    pytest.mark.skipif(not sys.platform.startswith("linux") or bool(wine.missing_tools()),
                       reason="needs Wine, mingw-w64 and Xvfb on Linux: run scripts/test "
                              "(it runs scripts/install-system-deps --wine)"),
]


@pytest.fixture(scope="session")
def windows_zip() -> Path:
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--windows",
                           "--reuse", "--no-smoke"], cwd=ROOT, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert ZIP.is_file()
    return ZIP


class WindowsApp:
    """The unpacked zip in a fresh Wine prefix, with a display for the window."""

    def __init__(self, folder: Path, prefix: Path, display: str) -> None:
        self.folder = folder
        self.prefix = prefix
        self.display = display
        self.home = folder.parent / "home"

    def env(self) -> dict[str, str]:
        env = wine.windows_env(self.prefix, self.display)
        env["STATUSDESK_HOME"] = wine.winpath(self.home)
        for name in ("PYTHONIOENCODING", "PYTHONUTF8", "PYTHON_KEYRING_BACKEND"):
            env.pop(name, None)  # a support person's machine has none of these
        return env

    def run(self, exe: str, *args: str, stdin: bytes | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
        # Pipes, not files: Wine's console programs die at start on a file redirect.
        return subprocess.run([str(wine.WINE), str(self.folder / exe), *args], input=stdin,
                              capture_output=True, env=self.env(), timeout=timeout,
                              cwd=self.folder)

    def cli(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[bytes]:
        return self.run(f"{sp.CLI_EXE_NAME}.exe", *args,
                        stdin=None if stdin is None else stdin.encode("utf-8"))


@pytest.fixture(scope="session")
def windows_app(windows_zip, tmp_path_factory):
    where = tmp_path_factory.mktemp("windows")
    with zipfile.ZipFile(windows_zip) as archive:
        archive.extractall(where)
    toolchain = wine.Toolchain()
    assert toolchain.ready, "build.py --windows makes the toolchain"
    with wine.fresh_prefix(toolchain, where) as prefix, wine.xvfb() as display:
        app = WindowsApp(where / sp.APP_NAME, prefix, display)
        app.home.mkdir()
        yield app


def text(done: subprocess.CompletedProcess[bytes]) -> str:
    return done.stdout.decode("utf-8") + done.stderr.decode("utf-8")


def subsystem(exe: bytes) -> int:
    """The PE header's Subsystem: 2 is a window program, 3 a console program."""
    pe = struct.unpack_from("<I", exe, 0x3C)[0]
    assert exe[pe:pe + 4] == b"PE\0\0"
    return struct.unpack_from("<H", exe, pe + 24 + 68)[0]


def test_zip_holds_the_two_programs_and_nothing_of_the_build_machine(windows_zip):
    assert windows_zip.stat().st_size <= 60_000_000
    with zipfile.ZipFile(windows_zip) as archive:
        names = archive.namelist()
        gui_exe = archive.read(f"{sp.APP_NAME}/{sp.EXE_NAME}.exe")
        cli_exe = archive.read(f"{sp.APP_NAME}/{sp.CLI_EXE_NAME}.exe")
    assert (subsystem(gui_exe), subsystem(cli_exe)) == (2, 3)
    lowered = [name.lower() for name in names]
    for standin in wine.STANDIN_DLLS:
        assert not [name for name in lowered if name.endswith("/" + standin)], standin
    assert all(name.startswith(f"{sp.APP_NAME}/") for name in names)
    assert not [name for name in lowered
                if "wine" in name or "statusdesk-build" in name or "toolchain-" in name]


def test_keyring_is_windows_credential_manager(windows_app):
    done = windows_app.cli("--keyring-info")
    assert done.returncode == 0, text(done)
    assert "keyring.backends.Windows.WinVaultKeyring" in text(done)


def test_command_line_walkthrough_on_cp1252_pipes(windows_app, sandbox, tmp_path):
    creds = sandbox.credentials
    cli = windows_app.cli
    so_url = sandbox.superoffice_url + "/Remote/Services86/Messaging.svc"
    added = cli("profile", "add", "acme-so", "--system", "superoffice", "--url", so_url,
                "--plugin", creds.so_plugin, "--preset", "Delivered=3")
    assert added.returncode == 0, text(added)
    for field, value in (("ticket", creds.so_ticket), ("app-token", creds.so_app_token)):
        stored = cli("secret", "set", "acme-so", field, stdin=value + "\r\n")
        assert stored.returncode == 0, text(stored)
    added = cli("profile", "add", "acme-b24", "--system", "bitrix24",
                "--url", sandbox.bitrix24_url, "--code", creds.b24_code)
    assert added.returncode == 0, text(added)
    stored = cli("secret", "set", "acme-b24", "access-token", stdin=creds.b24_access_token)
    assert stored.returncode == 0, text(stored)

    message = sandbox.superoffice_messages[0]
    sent = cli("send", "acme-so", "--message-id", message, "--status", "Delivered",
               "--description", TEXT)
    assert sent.returncode == 0, text(sent)
    assert text(sent).startswith("OK: ") and TEXT in text(sent)
    assert creds.so_ticket not in text(sent)
    assert sandbox.superoffice.status_of(creds.so_plugin, message) == (3, TEXT)

    sent = cli("send", "acme-b24", "--message-id", sandbox.bitrix24_messages[0],
               "--status", "delivered", "--json")
    assert sent.returncode == 0, text(sent)
    assert json.loads(sent.stdout.decode("utf-8"))["ok"] is True

    refused = cli("send", "acme-b24", "--message-id", "Ø-no-such", "--status", "delivered")
    assert refused.returncode == 1, text(refused)
    assert "Ø-no-such" in text(refused)
    assert cli("send", "acme-so", "--message-id", "x", "--status", "").returncode == 2

    tested = cli("test", "acme-so")
    assert tested.returncode == 0, text(tested)

    rows = tmp_path / "rows.csv"  # saved by Excel on Windows: UTF-8 with BOM, CRLF
    rows.write_bytes("message_id;status;description\r\n".encode("utf-8-sig")
                     + f"{sandbox.superoffice_messages[1]};Delivered;{TEXT} 2\r\n".encode()
                     + f"{sandbox.superoffice_messages[2]};Delivered;\r\n".encode())
    batch = cli("batch", "acme-so", wine.winpath(rows), "--yes")
    assert batch.returncode == 0, text(batch)
    assert sandbox.superoffice.status_of(creds.so_plugin, sandbox.superoffice_messages[1]) \
        == (3, f"{TEXT} 2")

    history = cli("history", "--json")
    assert history.returncode == 0, text(history)
    assert TEXT in history.stdout.decode("utf-8")
    shown = cli("history")
    assert shown.returncode == 0, text(shown)

    secrets = [creds.so_ticket, creds.so_app_token, creds.b24_access_token]
    for path in windows_app.home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, path
                assert secret.encode("utf-16-le") not in data, path


def test_window_screenshot(windows_app):
    from PySide6.QtGui import QImage

    target = windows_app.home.parent / "window.png"
    # Pipes (a windowed .exe whose output goes to a file hangs under Wine), but no waiting
    # for their end: Wine's desktop process, started by the first window, inherits them.
    window = subprocess.Popen([str(wine.WINE), str(windows_app.folder / f"{sp.EXE_NAME}.exe"),
                               "--screenshot", wine.winpath(target)], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              env=windows_app.env(), cwd=windows_app.folder)
    try:
        status = window.wait(180)
    finally:
        window.kill()
    assert window.stdout is not None
    os.set_blocking(window.stdout.fileno(), False)
    output = (window.stdout.read() or b"").decode("utf-8", "replace")
    window.stdout.close()
    assert status == 0, output
    image = QImage(str(target))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 500
    colours = {image.pixelColor(x, y).name()
               for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # a painted window, not an empty frame
    SCREENSHOT.parent.mkdir(exist_ok=True)
    shutil.copyfile(target, SCREENSHOT)  # copy to resources/ when the window changed


def test_build_is_reused_when_nothing_changed(windows_zip):
    done = subprocess.run([sys.executable, str(ROOT / "packaging" / "build.py"), "--windows",
                           "--reuse", "--no-smoke"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:]
    assert re.search(r"reusing .*statusdesk\.exe", done.stdout), done.stdout[-3000:]

