"""Whatever is wrong (the profiles file, the history, an option, the terminal, a pipe), the
command line says what and what to do in one line and exits with its documented code:
never a Python traceback (issue 15, item 4)."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import keyring
import pytest

from core.secrets import entry_name
from tests.conftest import CLI

pytestmark = pytest.mark.keyring

B24 = {"name": "A", "system": "bitrix24", "base_url": "https://acme.bitrix24.com",
       "options": {"code": "sms"}}


def _profiles(*profiles: object, raw: str | None = None) -> str:
    return raw if raw is not None else json.dumps({"version": 1, "profiles": list(profiles)})


def _run(args: list[str | bytes], env: dict[str, str], stdin: str = "", **kw: object
         ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], input=stdin, capture_output=True, text=True,
                          env=env, timeout=60, **kw)  # type: ignore[call-overload]


def assert_told(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    """The documented exit code, no traceback, one line (plus a "next:" step) naming it."""
    said = result.stderr
    assert "Traceback" not in said, said
    assert result.returncode == code, (result.returncode, result.stdout, said)
    lines = [line for line in said.splitlines()
             if line.strip() and not line.lstrip().startswith(("next:", "usage:"))]
    assert len(lines) == 1, said
    for word in words:
        assert word in lines[0], said


# (what, profiles.json or None, argv, exit code, words the message holds)
PROFILE_FILE_CASES = [
    ("a list", _profiles(raw="[]"), ["profile", "list"], 2, ("profiles file",)),
    ("null", _profiles(raw="null"), ["profile", "list"], 2, ("profiles file",)),
    ("a string", _profiles(raw='"profiles"'), ["profile", "list"], 2, ("profiles file",)),
    ("profiles as an object", _profiles(raw='{"profiles": {"A": 1}}'), ["profile", "list"], 2,
     ("profiles file",)),
    ("a profile that is a number", _profiles(7), ["profile", "list"], 2, ("profiles file",)),
    ("presets as a list", _profiles({**B24, "presets": [1, 2]}), ["profile", "list"], 2,
     ("presets",)),
    ("options as a list", _profiles({**B24, "options": ["code"]}), ["profile", "list"], 2,
     ("options",)),
    ("an unknown system", _profiles({**B24, "system": "salesforce"}),
     ["send", "A", "--message-id", "m", "--status", "sent"], 2, ("salesforce",)),
    ("an empty name", _profiles({**B24, "name": ""}), ["profile", "list"], 2, ("name",)),
    ("no name", _profiles({k: v for k, v in B24.items() if k != "name"}), ["profile", "list"],
     2, ("name",)),
    ("timeout NaN", _profiles(raw=json.dumps({"profiles": [{**B24, "timeout": float("nan")}]})),
     ["profile", "list"], 2, ("timeout",)),
    ("a CA bundle that is gone", _profiles({**B24, "ca_bundle": "/nonexistent/ca.pem"}),
     ["send", "A", "--message-id", "m", "--status", "sent"], 2, ("/nonexistent/ca.pem",)),
]


@pytest.mark.parametrize(("what", "text", "argv", "code", "words"), PROFILE_FILE_CASES,
                         ids=[case[0] for case in PROFILE_FILE_CASES])
def test_a_profiles_file_of_the_wrong_shape(what, text, argv, code, words, statusdesk_home,
                                            secret_profile) -> None:
    (statusdesk_home / "profiles.json").write_text(text, encoding="utf-8")
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}
    keyring.set_password("StatusDesk", entry_name("A", "access-token"), "tok-shape")
    try:
        assert_told(_run(argv, env), code, *words)
    finally:
        keyring.delete_password("StatusDesk", entry_name("A", "access-token"))


def _option_cases(tmp: Path) -> list[tuple[str, list[str | bytes], int, tuple[str, ...]]]:
    not_pem = tmp / "not-a-ca.pem"
    not_pem.write_text("hello, I am no certificate\n")
    add = ["profile", "add", "P", "--system", "bitrix24", "--url", "https://acme.bitrix24.com",
           "--code", "sms"]
    return [
        ("CA bundle missing", [*add, "--ca-bundle", str(tmp / "missing.pem")], 2,
         ("missing.pem",)),
        ("CA bundle not PEM", [*add, "--ca-bundle", str(not_pem)], 2, ("not-a-ca.pem", "PEM")),
        ("CA bundle a folder", [*add, "--ca-bundle", str(tmp)], 2, ("CA bundle",)),
        ("timeout nan", [*add, "--timeout", "nan"], 2, ("timeout", "nan")),
        ("timeout inf", [*add, "--timeout", "inf"], 2, ("timeout", "inf")),
        ("timeout 0", [*add, "--timeout", "0"], 2, ("timeout",)),
        ("sandbox port 99999", ["sandbox", "--port", "99999"], 2, ("--port", "65535")),
        ("login wait nan", ["login", "any", "--wait", "nan"], 2, ("--wait", "seconds above 0")),
        ("sandbox port -1", ["sandbox", "--port", "-1"], 2, ("--port",)),
        ("non-UTF-8 profile name", ["profile", "show", b"caf\xe9"], 2, ("UTF-8",)),
        ("non-UTF-8 search", ["history", "--search", b"\xff\xfe"], 2, ("UTF-8",)),
        ("non-UTF-8 message id", ["send", "H", "--message-id", b"m\xff", "--status", "sent"],
         2, ("UTF-8",)),
    ]


def test_options_that_cannot_work(cli, statusdesk_home, tmp_path) -> None:
    assert cli("profile", "add", "H", "--system", "bitrix24", "--url", "http://127.0.0.1:9",
               "--code", "sms").returncode == 0
    assert cli("secret", "set", "H", "access-token", stdin="tok-h\n").returncode == 0
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}
    assert cli("send", "H", "--message-id", "m", "--status", "sent").returncode == 3
    for what, argv, code, words in _option_cases(tmp_path):
        result = _run(argv, env)
        try:
            assert_told(result, code, *words)
        except AssertionError as exc:
            raise AssertionError(f"{what}: {exc}") from None
    assert [p["name"] for p in json.loads(cli("profile", "list", "--json").stdout)] == ["H"]
    huge = cli("history", "--limit", "99999999999999999999")  # more than there are: all
    assert huge.returncode == 0 and "Traceback" not in huge.stderr, huge.stderr
    assert "H  m -> sent" in huge.stdout


# -- the history file ---------------------------------------------------------------------

def _history_with_a_row(cli) -> None:
    assert cli("profile", "add", "H", "--system", "bitrix24", "--url", "http://127.0.0.1:9",
               "--code", "sms").returncode == 0
    assert cli("secret", "set", "H", "access-token", stdin="tok-h\n").returncode == 0
    assert cli("send", "H", "--message-id", "m", "--status", "sent").returncode == 3


def test_a_corrupt_history(cli, statusdesk_home) -> None:
    (statusdesk_home / "history.sqlite3").write_bytes(b"this is not a database\n" * 100)
    assert_told(cli("history"), 3, "history.sqlite3", "Move it away")
    shown = cli("history", "--json")
    assert shown.returncode == 3 and "Traceback" not in shown.stderr
    assert json.loads(shown.stdout)["ok"] is False


def test_a_locked_history(cli, statusdesk_home) -> None:
    _history_with_a_row(cli)
    holder = sqlite3.connect(statusdesk_home / "history.sqlite3")
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("INSERT INTO exchanges (time, profile, system, operation, outcome_kind, "
                   "outcome_summary, exchange_json) VALUES ('', '', '', '', '', '', '')")
    try:
        assert_told(cli("history"), 3, "history.sqlite3", "locked")
    finally:
        holder.rollback()
        holder.close()


@contextmanager
def _own_disk(tmp_path: Path, size: str = "1m") -> Iterator[Path]:
    """A small tmpfs of its own (root only), unmounted afterwards."""
    if os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root (mount)")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)],
                      capture_output=True).returncode != 0:
        pytest.skip("mount -t tmpfs is not allowed here")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


def _move_home(home: Path, disk: Path) -> dict[str, str]:
    for name in ("history.sqlite3", "profiles.json"):
        (disk / name).write_bytes((home / name).read_bytes())
    return {**os.environ, "STATUSDESK_HOME": str(disk)}


@contextmanager
def _read_only(home: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The home folder's files, read-only: by file mode, or (root writes any file) on a
    tmpfs mounted read-only."""
    if os.geteuid() != 0:
        for path in home.iterdir():
            path.chmod(0o444)
        home.chmod(0o555)
        try:
            yield {**os.environ, "STATUSDESK_HOME": str(home)}
        finally:
            home.chmod(0o755)
        return
    with _own_disk(tmp_path) as disk:
        env = _move_home(home, disk)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        yield env


def test_a_read_only_history(cli, statusdesk_home, tmp_path) -> None:
    _history_with_a_row(cli)
    with _read_only(statusdesk_home, tmp_path) as env:
        listed = _run(["history"], env)
        assert "Traceback" not in listed.stderr, listed.stderr
        if listed.returncode != 0:  # SQLite may not open a WAL file it cannot write
            assert_told(listed, 3, "history.sqlite3")
        sent = _run(["send", "H", "--message-id", "m2", "--status", "sent"], env)
        assert "Traceback" not in sent.stderr, sent.stderr
        assert sent.returncode == 3  # the call's own outcome; the history problem is a warning
        assert "not kept in the history" in sent.stderr


def test_a_history_on_a_full_disk(cli, statusdesk_home, tmp_path) -> None:
    _history_with_a_row(cli)
    with _own_disk(tmp_path, "256k") as disk:
        env = _move_home(statusdesk_home, disk)
        filler = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(filler, b"\0" * 4096)
        except OSError:
            pass
        finally:
            os.close(filler)
        listed = _run(["history"], env)
        assert "Traceback" not in listed.stderr, listed.stderr
        if listed.returncode != 0:
            assert_told(listed, 3, "history.sqlite3")
        sent = _run(["send", "H", "--message-id", "m2", "--status", "sent"], env)
        assert "Traceback" not in sent.stderr, sent.stderr
        assert sent.returncode == 3  # the call's own outcome; the history problem is a warning
        assert "not kept in the history" in sent.stderr


# -- pipes and terminals ------------------------------------------------------------------

def _closed_pipe() -> int:
    """The write end of a pipe whose reader is gone, as after ``| head -1`` has exited."""
    read, write = os.pipe()
    os.close(read)
    return write


def test_output_into_a_closed_pipe(cli, sandbox, statusdesk_home) -> None:
    assert cli("profile", "add", "B", "--system", "bitrix24", "--url", sandbox.bitrix24_url,
               "--code", sandbox.credentials.b24_code).returncode == 0
    assert cli("secret", "set", "B", "access-token",
               stdin=sandbox.credentials.b24_access_token).returncode == 0
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}
    message = sandbox.bitrix24_messages[0]
    for argv, code in ((["send", "B", "--message-id", message, "--status", "delivered"], 0),
                       (["send", "B", "--message-id", message, "--status", "failed",
                         "--json"], 0),
                       (["history"], 0), (["history", "--csv"], 0), (["profile", "list"], 0),
                       (["send", "B", "--message-id", "f" * 32, "--status", "sent"], 1)):
        pipe = _closed_pipe()
        try:
            done = subprocess.run([str(CLI), *argv], stdout=pipe, stderr=subprocess.PIPE,
                                  text=True, env=env, timeout=60)
        finally:
            os.close(pipe)
        assert "Traceback" not in done.stderr and "Exception ignored" not in done.stderr, \
            (argv, done.stderr)
        assert done.returncode == code, (argv, done.returncode, done.stderr)
    assert sandbox.bitrix24.status_of(sandbox.credentials.b24_code, message) == "failed"
    kept = json.loads(cli("history", "--json").stdout)
    assert [row["status"] for row in kept] == ["sent", "failed", "delivered"]


def _in_a_terminal(argv: list[str], env: dict[str, str], answer: bytes,
                   prompt: bytes) -> tuple[int, str]:
    """Run the CLI on a pseudo-terminal, type ``answer`` once ``prompt`` shows; returns the
    exit code and everything it wrote."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: the terminal is its controlling terminal, as in a shell
        os.execve(str(CLI), [str(CLI), *argv], env)
    seen = b""
    deadline = time.monotonic() + 30
    answered = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(fd, 4096)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not chunk:
                    break
                seen += chunk
            if not answered and prompt in seen:
                os.write(fd, answer)
                answered = True
        else:
            os.kill(pid, signal.SIGKILL)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return os.waitstatus_to_exitcode(status), seen.decode("utf-8", "replace")


def test_ctrl_d_at_a_prompt(cli, statusdesk_home) -> None:
    assert cli("profile", "add", "T", "--system", "bitrix24", "--url", "http://127.0.0.1:9",
               "--code", "sms", "--production").returncode == 0
    assert cli("secret", "set", "T", "access-token", stdin="tok-t\n").returncode == 0
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}
    code, said = _in_a_terminal(["secret", "set", "T", "access-token"], env, b"\x04",
                                b"(input hidden)")
    assert "Traceback" not in said and code == 2, (code, said)
    assert "Nothing" in said and "stored" in said
    code, said = _in_a_terminal(["send", "T", "--message-id", "m", "--status", "sent"], env,
                                b"\x04", b"[y/N]")
    assert "Traceback" not in said and code == 2, (code, said)
    assert "Not sent" in said
    assert cli("history", "--json").stdout.strip() in ("", "[]")


# -- credentials that cannot go into a header ---------------------------------------------

def test_a_non_ascii_ticket_or_app_token(cli, sandbox, statusdesk_home) -> None:
    creds = sandbox.credentials
    assert cli("profile", "add", "R", "--system", "superoffice", "--url",
               sandbox.superoffice_url, "--plugin", creds.so_plugin, "--transport",
               "rest").returncode == 0
    for field, value in (("ticket", "7T:tické"), ("app-token", "токен-приложения")):
        assert_told(cli("secret", "set", "R", field, stdin=value), 2, field)
    # Stored by another program (or an older StatusDesk): refused before sending, with advice.
    assert cli("secret", "set", "R", "app-token", stdin=creds.so_app_token).returncode == 0
    keyring.set_password("StatusDesk", entry_name("R", "ticket"), "7T:tické")
    before = len(sandbox.received)
    message = sandbox.superoffice_messages[0]
    for argv in (["send", "R", "--message-id", message, "--status", "3"],
                 ["send", "R", "--message-id", message, "--status", "3", "--dry-run"],
                 ["test", "R"]):
        result = cli(*argv)
        assert_told(result, 4, "ticket")
        assert "next: statusdesk-cli secret set R ticket" in result.stderr
        assert "tické" not in result.stderr + result.stdout
    assert len(sandbox.received) == before


def test_a_secret_on_standard_input_that_is_not_utf8(cli, statusdesk_home) -> None:
    assert cli("profile", "add", "S", "--system", "bitrix24", "--url", "http://127.0.0.1:9",
               "--code", "sms").returncode == 0
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}
    done = subprocess.run([str(CLI), "secret", "set", "S", "access-token"], input=b"tok-\xff\n",
                          capture_output=True, env=env, timeout=60)
    told = subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(),
                                       done.stderr.decode("utf-8", "replace"))
    assert_told(told, 2, "UTF-8", "nothing was stored")
    assert json.loads(cli("profile", "show", "S", "--json").stdout)["secrets"] == {
        "client-secret": "missing", "access-token": "missing", "refresh-token": "missing"}
