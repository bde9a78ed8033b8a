"""core.secrets: credentials only in a real OS keyring.

Tests marked ``keyring`` go through the real Secret Service (a throw-away gnome-keyring that
scripts/test starts); the others use small in-memory backends and run anywhere.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backends import SecretService, chainer, fail, null

from core.secrets import SERVICE, KeyringUnavailable, SecretStore, SecretStoreError, entry_name
from tests.conftest import ISOLATED

UNICODE_VALUES = [
    "pässwörd-ß",
    "ключ-доступа-Bitrix24",
    "鍵🔑 with spaces and \ttabs",
    "emoji 😀👍🏽 and RTL שלום",
    "line one\nline two",
    "x" * 4096,
]


# -- fakes ----------------------------------------------------------------------------------


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A recommended-priority backend kept in a dict. Never picked by keyring's discovery."""

    priority = 5
    viable = False  # keep keyring.get_keyring() from ever choosing it

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.items[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("No such password!") from None


class LeakyKeyring(MemoryKeyring):
    """Fails every write with an error whose text and arguments contain the secret."""

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError(
            f"could not store {password!r} ({password.encode('utf-8')!r}) for {username}"
        )


class RaisingKeyring(MemoryKeyring):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    set_password = delete_password = get_password  # type: ignore[assignment]


class LowPriorityKeyring(MemoryKeyring):
    priority = 0.5


class FileLikeKeyring(MemoryKeyring):
    """Claims a high priority but keeps its secrets in a file."""

    priority = 10
    file_path = "/tmp/keyring_pass.cfg"


class EmptyChainer(chainer.ChainerBackend):
    backends = ()  # type: ignore[assignment]
    viable = False


class NotHereKeyring(MemoryKeyring):
    @property
    def priority(self) -> float:  # type: ignore[override]
        raise RuntimeError("The Secret Service daemon is neither running nor activatable")


def full_text(exc: BaseException) -> str:
    """The messages a traceback of ``exc`` would show, for it and every chained exception.

    (Source lines are left out: they would show the test's own literals.)
    """
    parts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        parts += traceback.format_exception_only(current)
        parts += [repr(arg) for arg in current.args]
        current = current.__cause__ or current.__context__
    return "".join(parts)


# -- real Secret Service ----------------------------------------------------------------------


@pytest.mark.keyring
def test_the_isolated_run_uses_a_throwaway_secret_service() -> None:
    assert isinstance(keyring.get_keyring(), SecretService.Keyring)
    data_home = os.environ.get("XDG_DATA_HOME", "")
    assert data_home.startswith(tempfile.gettempdir()), (
        f"XDG_DATA_HOME={data_home!r}: the test keyring must live in a temporary folder"
    )
    assert not os.environ.get("PYTHON_KEYRING_BACKEND")


@pytest.mark.keyring
def test_round_trip_through_the_secret_service(
    secret_store: SecretStore, secret_profile: str
) -> None:
    assert isinstance(secret_store.backend, SecretService.Keyring)
    assert secret_store.check() == "SecretService Keyring"

    assert secret_store.get(secret_profile, "api_key") is None
    assert not secret_store.has(secret_profile, "api_key")

    secret_store.set(secret_profile, "api_key", "s3cret-value")
    assert secret_store.get(secret_profile, "api_key") == "s3cret-value"
    assert secret_store.has(secret_profile, "api_key")
    # Stored under service "StatusDesk", username "<profile>/<field>", visible to keyring.
    assert keyring.get_password(SERVICE, f"{secret_profile}/api_key") == "s3cret-value"
    # A fresh store (new connection, default backend) reads the same entry.
    assert SecretStore().get(secret_profile, "api_key") == "s3cret-value"

    secret_store.set(secret_profile, "api_key", "replaced")
    assert secret_store.get(secret_profile, "api_key") == "replaced"

    assert secret_store.delete(secret_profile, "api_key") is True
    assert secret_store.get(secret_profile, "api_key") is None
    assert secret_store.delete(secret_profile, "api_key") is False


@pytest.mark.keyring
def test_read_all_and_clear(secret_store: SecretStore, secret_profile: str) -> None:
    other = f"{secret_profile}-other"
    secret_store.set(secret_profile, "login", "admin")
    secret_store.set(secret_profile, "password", "pw")
    secret_store.set(other, "password", "other-pw")

    fields = ["login", "password", "token"]
    assert secret_store.read_all(secret_profile, fields) == {"login": "admin", "password": "pw"}

    assert secret_store.clear(secret_profile, fields) == ["login", "password"]
    assert secret_store.read_all(secret_profile, fields) == {}
    assert secret_store.clear(secret_profile, fields) == []
    # Another profile's entry with the same field name is untouched.
    assert secret_store.get(other, "password") == "other-pw"


@pytest.mark.keyring
@pytest.mark.parametrize("value", UNICODE_VALUES)
def test_unicode_values_survive_the_secret_service(
    secret_store: SecretStore, secret_profile: str, value: str
) -> None:
    profile = f"{secret_profile} Ünïcode профиль"
    secret_store.set(profile, "token", value)
    assert secret_store.get(profile, "token") == value
    assert secret_store.read_all(profile, ["token"]) == {"token": value}


@pytest.mark.keyring
def test_secret_store_fixture_cleans_up(secret_store: SecretStore, secret_profile: str) -> None:
    secret_store.set(secret_profile, "leftover", "x")
    assert (secret_profile, "leftover") in secret_store.written  # type: ignore[attr-defined]


_LOCKED_PROBE = """
import json, secretstorage
from core.secrets import SecretStore
store = SecretStore()
store.set("Acme", "api_key", "Zq7-locked-value")
collection = secretstorage.get_default_collection(secretstorage.dbus_init())
collection.lock()
try:
    store.get("Acme", "api_key")
except Exception as exc:
    print(json.dumps({"type": type(exc).__name__, "message": str(exc)}))
"""


@pytest.mark.keyring
def test_a_locked_secret_service_is_reported_plainly(tmp_path: Path) -> None:
    """A real gnome-keyring, locked, with no display for its unlock prompt.

    Runs in its own D-Bus session so the shared test keyring stays unlocked.
    """
    script = (
        'mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" && mkdir -m 700 "$XDG_RUNTIME_DIR" && '
        "echo -n locked-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null"
        ' && exec "$0" -c "$1"'
    )
    env = {k: v for k, v in os.environ.items() if k not in {"DISPLAY", "WAYLAND_DISPLAY"}}
    env |= {
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    result = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", script, sys.executable, _LOCKED_PROBE],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    raised = json.loads(result.stdout.strip().splitlines()[-1])
    assert raised["type"] == "KeyringUnavailable"
    assert "is locked" in raised["message"] and "Unlock it" in raised["message"]
    assert "'api_key' credential of profile 'Acme'" in raised["message"]
    assert "Zq7-locked-value" not in raised["message"]


@pytest.mark.skipif(ISOLATED, reason="checks plain pytest runs, outside scripts/test")
def test_plain_pytest_never_reaches_the_real_keychain() -> None:
    assert isinstance(keyring.get_keyring(), fail.Keyring)
    with pytest.raises(KeyringUnavailable):
        SecretStore().check()


# -- refusing unusable backends ---------------------------------------------------------------


def test_fail_backend_is_refused_with_a_clear_message() -> None:
    store = SecretStore(backend=fail.Keyring())
    with pytest.raises(KeyringUnavailable) as info:
        store.check()
    message = str(info.value)
    assert "No usable keyring backend" in message
    assert "keyring.backends.fail.Keyring" in message
    assert "never falls back to a file" in message
    if sys.platform.startswith("linux"):
        assert "gnome-keyring" in message and "KWallet" in message
        assert "unlock" in message
    assert info.value.backend == "keyring.backends.fail.Keyring"
    assert isinstance(info.value, RuntimeError)


def test_fail_backend_refused_for_every_operation() -> None:
    store = SecretStore(backend=fail.Keyring())
    with pytest.raises(KeyringUnavailable):
        store.get("p", "api_key")
    with pytest.raises(KeyringUnavailable) as info:
        store.set("p", "api_key", "hunter2-value")
    assert "hunter2-value" not in full_text(info.value)
    with pytest.raises(KeyringUnavailable):
        store.delete("p", "api_key")
    with pytest.raises(KeyringUnavailable):
        store.read_all("p", ["api_key"])


@pytest.mark.parametrize(
    ("backend", "why"),
    [
        (null.Keyring(), "stores nothing"),
        (EmptyChainer(), "no backends"),
        (LowPriorityKeyring(), "priority 0.5"),
        (FileLikeKeyring(), "in a file"),
        (NotHereKeyring(), "neither running nor activatable"),
    ],
    ids=["null", "empty-chainer", "low-priority", "file-backed", "not-available"],
)
def test_insecure_or_missing_backends_are_refused(
    backend: keyring.backend.KeyringBackend, why: str
) -> None:
    store = SecretStore(backend=backend)
    with pytest.raises(KeyringUnavailable) as info:
        store.check()
    assert why in str(info.value)
    assert type(backend).__qualname__ in str(info.value)
    # Nothing reaches the backend.
    with pytest.raises(KeyringUnavailable):
        store.set("p", "api_key", "value")
    assert not getattr(backend, "items", {})


def test_chainer_with_an_insecure_member_is_refused() -> None:
    class MixedChainer(chainer.ChainerBackend):
        backends = (MemoryKeyring(), LowPriorityKeyring())  # type: ignore[assignment]
        viable = False

    with pytest.raises(KeyringUnavailable, match="LowPriorityKeyring"):
        SecretStore(backend=MixedChainer()).check()


def test_chainer_of_good_backends_is_accepted() -> None:
    class GoodChainer(chainer.ChainerBackend):
        backends = (MemoryKeyring(),)  # type: ignore[assignment]
        viable = False

    assert "MemoryKeyring" in SecretStore(backend=GoodChainer()).check()


def test_forced_backend_is_named_in_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring")
    with pytest.raises(KeyringUnavailable, match="PYTHON_KEYRING_BACKEND"):
        SecretStore(backend=null.Keyring()).check()


def test_backend_is_chosen_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    memory = MemoryKeyring()

    def fake_get_keyring() -> keyring.backend.KeyringBackend:
        calls.append(1)
        return memory

    monkeypatch.setattr(keyring, "get_keyring", fake_get_keyring)
    store = SecretStore()
    assert calls == []
    store.set("p", "f", "v")
    assert store.get("p", "f") == "v"
    assert calls == [1]


def test_importing_the_module_does_not_import_keyring() -> None:
    code = "import sys, core.secrets; sys.exit('keyring' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# -- behaviour on an in-memory backend -----------------------------------------------------------


def test_entry_names() -> None:
    assert entry_name("Acme CRM", "api_key") == "Acme CRM/api_key"
    store = SecretStore(backend=MemoryKeyring())
    store.set("Acme CRM", "api_key", "v")
    assert store.backend.items == {(SERVICE, "Acme CRM/api_key"): "v"}  # type: ignore[attr-defined]


@pytest.mark.parametrize(("profile", "field"), [("", "f"), ("p", ""), ("p", "a/b")])
def test_bad_keys_are_rejected(profile: str, field: str) -> None:
    store = SecretStore(backend=MemoryKeyring())
    with pytest.raises(ValueError):
        store.get(profile, field)


def test_empty_value_is_rejected() -> None:
    store = SecretStore(backend=MemoryKeyring())
    with pytest.raises(ValueError, match="empty"):
        store.set("p", "api_key", "")
    assert not store.has("p", "api_key")


def test_locked_keyring_is_reported_as_unavailable() -> None:
    store = SecretStore(backend=RaisingKeyring(keyring.errors.KeyringLocked("Failed to unlock")))
    with pytest.raises(KeyringUnavailable) as info:
        store.get("Acme", "api_key")
    message = str(info.value)
    assert "locked" in message and "Unlock" in message
    assert "'Acme'" in message and "'api_key'" in message


def test_dbus_failure_is_reported_as_unavailable() -> None:
    error = keyring.errors.InitError("Failed to create the collection: D-Bus gone.")
    store = SecretStore(backend=RaisingKeyring(error))
    with pytest.raises(KeyringUnavailable, match="cannot be reached.*D-Bus gone"):
        store.has("Acme", "api_key")


def test_other_backend_errors_become_secret_store_errors() -> None:
    store = SecretStore(backend=RaisingKeyring(keyring.errors.KeyringError("boom")))
    with pytest.raises(SecretStoreError, match="Could not remove the 'api_key' credential"):
        store.delete("Acme", "api_key")


@given(tail=st.text())
def test_values_never_appear_in_exception_text(tail: str) -> None:
    value = "Zq7" + tail  # a prefix the surrounding message never contains
    store = SecretStore(backend=LeakyKeyring())
    with pytest.raises(SecretStoreError) as info:
        store.set("Acme", "api_key", value)
    shown = full_text(info.value)
    for form in (value, repr(value)[1:-1], repr(value.encode("utf-8"))[2:-1]):
        assert form not in shown
    assert info.value.__cause__ is None and info.value.__context__ is None


def test_values_never_appear_in_exception_text_fixed_value() -> None:
    store = SecretStore(backend=LeakyKeyring())
    with pytest.raises(SecretStoreError) as info:
        store.set("Acme", "api_key", "Zz9-very-secret-ключ")
    shown = full_text(info.value)
    assert "Zz9-very-secret" not in shown and "\\xd0\\xba" not in shown
    assert "<hidden>" in shown
    assert "Could not store the 'api_key' credential of profile 'Acme'" in shown


class FailsOnField(MemoryKeyring):
    """Stores everything except one field, like a keyring that fails half way."""

    def __init__(self, field: str) -> None:
        super().__init__()
        self.field = field

    def set_password(self, service: str, username: str, password: str) -> None:
        if username.endswith("/" + self.field):
            raise keyring.errors.PasswordSetError("the keyring refused to write")
        super().set_password(service, username, password)


def test_set_many_is_all_or_nothing() -> None:
    backend = FailsOnField("access-token")
    store = SecretStore(backend)
    with pytest.raises(SecretStoreError):
        store.set_many("P", {"refresh-token": "old-refresh", "access-token": "x" * 8})
    assert store.read_all("P", ["refresh-token", "access-token"]) == {}  # rolled back: none
    backend.field = "nothing"
    store.set_many("P", {"refresh-token": "refresh-1", "access-token": "access-1"})
    backend.field = "access-token"
    with pytest.raises(SecretStoreError, match="access-token"):
        store.set_many("P", {"refresh-token": "refresh-2", "access-token": "access-2"})
    assert store.read_all("P", ["refresh-token", "access-token"]) == {
        "refresh-token": "refresh-1", "access-token": "access-1"}  # the old pair, whole
