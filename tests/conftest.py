"""Shared test set-up.

* Qt runs offscreen unless QT_QPA_PLATFORM is already set (tests marked ``xvfb`` get
  QT_QPA_PLATFORM=xcb in their environment, for the app they start on their own Xvfb).
* Tests marked ``keyring`` (and every test using the ``secret_store`` fixture) run only in
  the isolated throw-away keyring that ``scripts/test`` starts (it exports
  STATUSDESK_TEST_KEYRING=isolated). Anywhere else they are skipped, and keyring is pointed
  at its "fail" backend, so a plain ``pytest`` never touches the developer's own keychain.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.secrets import SecretStore

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

ISOLATED = os.environ.get("STATUSDESK_TEST_KEYRING") == "isolated"
_NOT_ISOLATED_REASON = (
    "needs the isolated test keyring: run scripts/test (it starts a throw-away, unlocked "
    "gnome-keyring in its own D-Bus session; plain pytest never touches your own keychain)"
)


def pytest_configure(config: pytest.Config) -> None:
    if ISOLATED and "statusdesk-test." not in os.environ.get("XDG_DATA_HOME", ""):
        # Only scripts/test may say "isolated": it also points XDG_DATA_HOME (where
        # gnome-keyring keeps its keyrings) at its own throw-away folder.
        raise pytest.UsageError(
            "STATUSDESK_TEST_KEYRING=isolated is set, but XDG_DATA_HOME is not scripts/test's "
            "throw-away folder: the keyring tests could reach your own keychain. Unset it and "
            "run scripts/test."
        )
    if not ISOLATED:
        # Anything that reaches for the default keyring gets keyring's "fail" backend,
        # in this process and in subprocesses, never the developer's real keychain.
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        import keyring
        from keyring.backends import fail

        keyring.set_keyring(fail.Keyring())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    no_keyring = pytest.mark.skip(reason=_NOT_ISOLATED_REASON)
    no_xvfb = pytest.mark.skip(
        reason="Xvfb is not installed: run scripts/test (or scripts/install-system-deps --test)"
    )
    have_xvfb = shutil.which("Xvfb") is not None
    for item in items:
        if "secret_store" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.keyring)
        if not ISOLATED and item.get_closest_marker("keyring"):
            item.add_marker(no_keyring)
        if not have_xvfb and item.get_closest_marker("xvfb"):
            item.add_marker(no_xvfb)


@pytest.fixture(autouse=True)
def _xvfb_qt_platform(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("xvfb"):
        monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")


@pytest.fixture
def statusdesk_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder set as STATUSDESK_HOME (where the profiles file lives)."""
    home = tmp_path / "statusdesk-home"
    home.mkdir()
    monkeypatch.setenv("STATUSDESK_HOME", str(home))
    return home


@pytest.fixture
def secret_profile() -> str:
    """A profile name no other test (or earlier run) uses, for keyring entries."""
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
def secret_store() -> Iterator[SecretStore]:
    """A SecretStore on the real (isolated) keyring; what a test stores is removed after it.

    Only in scripts/test runs; elsewhere the test is skipped. Use ``secret_profile`` (or
    another unique name) as the profile.
    """
    if not ISOLATED:
        pytest.skip(_NOT_ISOLATED_REASON)
    store = _TrackingSecretStore()
    store.check()
    yield store
    for profile, field in sorted(store.written):
        store.delete(profile, field)


class _TrackingSecretStore(SecretStore):
    def __init__(self) -> None:
        super().__init__()
        self.written: set[tuple[str, str]] = set()

    def set(self, profile: str, field: str, value: str) -> None:
        self.written.add((profile, field))
        super().set(profile, field, value)


@pytest.fixture
def sandbox():
    """Both simulated CRMs on a free 127.0.0.1 port, fresh for each test."""
    from sandbox import Sandbox

    with Sandbox() as running:
        yield running
        assert running.internal_errors == [], running.internal_errors[0]


CLI = Path(sys.executable).with_name("statusdesk-cli")


@pytest.fixture
def cli(statusdesk_home, secret_profile):
    """Runs statusdesk-cli; profile names get a unique prefix so keyring entries never clash."""
    env = {**os.environ, "STATUSDESK_HOME": str(statusdesk_home)}

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(CLI), *args], input=stdin, capture_output=True, text=True,
                              env=env, timeout=60)

    yield run
    for line in run("profile", "list", "--json").stdout.splitlines()[:1]:
        for profile in json.loads(line):
            run("profile", "remove", profile["name"])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[object]:
    """One real PostgreSQL server for the session (tests.helpers.postgres), on 127.0.0.1
    with password authentication and TLS offered; skipped where PostgreSQL is missing."""
    import tempfile

    from tests.helpers.postgres import PostgresServer, pg_bin

    programs = pg_bin()
    if programs is None:
        pytest.skip("PostgreSQL is not installed: run scripts/install-system-deps --test")
    folder = Path(tempfile.mkdtemp(prefix="statusdesk-pg."))  # not below root's 0700 tmp
    server = PostgresServer(folder, programs)
    try:
        server.init()
        server.start()
        yield server
    finally:
        try:
            server.stop()
        except Exception:  # noqa: BLE001 - stopped by the test already, or never started
            pass
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def team_database(postgres_server) -> tuple[str, str]:
    """A database of this test's own on the session's server: (its URL, the password)."""
    name = f"team_{uuid.uuid4().hex[:10]}"
    password = f"secret-{uuid.uuid4().hex}"
    postgres_server.new_database(name, f"{name}_user", password)
    return postgres_server.url(f"{name}_user", name), password
