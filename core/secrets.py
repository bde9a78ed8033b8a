"""Credentials (API keys, passwords, tokens) live only in the operating system's keyring.

StatusDesk never writes a credential to a file, its profiles file included. Every entry is
stored through the ``keyring`` library under

* service ``"StatusDesk"`` (:data:`SERVICE`), and
* username ``"<profile>/<field>"`` (:func:`entry_name`), e.g. ``"Acme CRM/api_key"``.

So the entries can be found, checked or removed by hand with the platform's own tool
(Seahorse "Passwords and Keys", KWalletManager, ``secret-tool search service StatusDesk``,
macOS Keychain Access, Windows Credential Manager).

Only a real, secure keyring is accepted: the Secret Service (GNOME Keyring, KWallet,
KeePassXC) or KWallet on Linux, the Keychain on macOS, the Credential Manager on Windows.
:meth:`SecretStore.check` refuses keyring's "fail" and "null" backends, an empty chainer,
and any plaintext or file backend (``keyrings.alt`` and the like, or anything keyring itself
ranks below "recommended", i.e. priority < 1). There is no fallback to a file.

A secret value is never put in an exception message or a log line.

``keyring`` is imported, and its backend chosen, lazily on first use: backend discovery
can take a noticeable moment (it may talk to D-Bus), so importing this module is cheap.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import keyring.backend

__all__ = [
    "SERVICE",
    "Secrets",
    "KeyringUnavailable",
    "SecretStore",
    "SecretStoreError",
    "entry_name",
]

SERVICE = "StatusDesk"

log = logging.getLogger(__name__)

# Backends that keep secrets in a file, whatever priority they claim.
_FILE_BACKEND_MODULES = ("keyrings.alt", "keyrings.cryptfile", "keyring.backends.file")


class Secrets(Protocol):
    """What StatusDesk needs of a secret store: :class:`SecretStore`, or a stand-in
    (core.desk's in-memory one for --screenshot, the tests' dictionary)."""

    def check(self) -> str: ...

    def get(self, profile: str, field: str) -> str | None: ...

    def set(self, profile: str, field: str, value: str) -> None: ...

    def set_many(self, profile: str, values: Mapping[str, str]) -> None: ...

    def delete(self, profile: str, field: str) -> bool: ...

    def read_all(self, profile: str, fields: Iterable[str]) -> dict[str, str]: ...


class SecretStoreError(RuntimeError):
    """A keyring operation failed. The message says what failed and what to do about it."""


class KeyringUnavailable(SecretStoreError):
    """No usable (secure, reachable, unlocked) keyring backend exists.

    ``backend`` is the fully qualified name of the backend that was found (or "" if none
    could even be loaded). It is a ``RuntimeError`` like its base class.
    """

    def __init__(self, message: str, backend: str = "") -> None:
        super().__init__(message)
        self.backend = backend


def entry_name(profile: str, field: str) -> str:
    """The keyring username of one credential: ``f"{profile}/{field}"``."""
    _check_key(profile, field)
    return f"{profile}/{field}"


class SecretStore:
    """Reads and writes one profile's credentials in the OS keyring.

    ``backend`` defaults to ``keyring.get_keyring()``, resolved on first use. Every operation
    first makes sure the backend is acceptable (see :meth:`check`), so nothing is ever read
    from or written to an insecure backend.
    """

    def __init__(self, backend: keyring.backend.KeyringBackend | None = None) -> None:
        self._backend = backend
        self._checked_name: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        shown = _qualname(self._backend) if self._backend is not None else "default, not chosen yet"
        return f"<SecretStore backend={shown}>"

    # -- backend --------------------------------------------------------------------------

    @property
    def backend(self) -> keyring.backend.KeyringBackend:
        """The keyring backend in use (chosen on first access; not checked here)."""
        with self._lock:
            if self._backend is None:
                self._backend = _default_backend()
            return self._backend

    def check(self) -> str:
        """Make sure the backend can safely hold credentials; return its name for display.

        Raises :class:`KeyringUnavailable` for keyring's fail/null backends, a chainer with
        no backends, any plaintext/file backend, or a backend that reports itself unusable
        (e.g. no Secret Service on the D-Bus session bus). A successful check is remembered
        for this store; a failed one is retried on the next call.
        """
        if self._checked_name is not None:
            return self._checked_name
        backend = self.backend
        name = _validate_backend(backend)
        self._checked_name = name
        log.debug("Using keyring backend %s", _qualname(backend))
        return name

    # -- operations -----------------------------------------------------------------------

    def get(self, profile: str, field: str) -> str | None:
        """The stored value, or None if there is none."""
        username = entry_name(profile, field)
        backend = self._ready()
        try:
            return backend.get_password(SERVICE, username)
        except Exception as exc:  # every backend failure gets a clear message
            error, cause = self._wrap(exc, "read", profile, field)
        raise error from cause

    def set(self, profile: str, field: str, value: str) -> None:
        """Store ``value`` (replacing any previous one). An empty value is a ValueError."""
        username = entry_name(profile, field)
        if not isinstance(value, str):
            raise TypeError(
                f"The {field!r} credential of profile {profile!r} must be text, "
                f"not {type(value).__name__}."
            )
        if value == "":
            raise ValueError(
                f"The {field!r} credential of profile {profile!r} is empty. "
                "Enter a value, or remove the credential instead."
            )
        backend = self._ready()
        try:
            backend.set_password(SERVICE, username, value)
        except Exception as exc:
            error, cause = self._wrap(exc, "store", profile, field, secret=value)
        else:
            log.info("Stored the %r credential of profile %r in the keyring", field, profile)
            return
        raise error from cause

    def set_many(self, profile: str, values: Mapping[str, str]) -> None:
        """Store values that belong together (a token pair, a ticket and its expiry).

        All of them are stored, or none: if one write fails, the ones already written are
        put back as they were, so the keyring never holds half of a new pair.
        """
        before = {field: self.get(profile, field) for field in values}
        written: list[str] = []
        try:
            for field, value in values.items():
                self.set(profile, field, value)
                written.append(field)
        except SecretStoreError:
            for field in written:
                old = before[field]
                with contextlib.suppress(SecretStoreError):
                    if old is None:
                        self.delete(profile, field)
                    else:
                        self.set(profile, field, old)
            raise

    def delete(self, profile: str, field: str) -> bool:
        """Remove the credential. True if something was removed, False if there was none."""
        username = entry_name(profile, field)
        backend = self._ready()
        import keyring.errors

        try:
            backend.delete_password(SERVICE, username)
        except keyring.errors.PasswordDeleteError as exc:
            # Backends signal "no such entry" this way; anything else must not pass silently.
            if self.get(profile, field) is None:
                return False
            error, cause = self._wrap(exc, "remove", profile, field)
        except Exception as exc:
            error, cause = self._wrap(exc, "remove", profile, field)
        else:
            log.info("Removed the %r credential of profile %r from the keyring", field, profile)
            return True
        raise error from cause

    def has(self, profile: str, field: str) -> bool:
        """True if a value is stored."""
        return self.get(profile, field) is not None

    def read_all(self, profile: str, fields: Iterable[str]) -> dict[str, str]:
        """``{field: value}`` for the fields that have a stored value (others are left out)."""
        found: dict[str, str] = {}
        for field in fields:
            value = self.get(profile, field)
            if value is not None:
                found[field] = value
        return found

    def clear(self, profile: str, fields: Iterable[str]) -> list[str]:
        """Remove the given fields of a profile; return the ones that were actually removed."""
        return [field for field in fields if self.delete(profile, field)]

    # -- internals ------------------------------------------------------------------------

    def _ready(self) -> keyring.backend.KeyringBackend:
        self.check()
        return self.backend

    def _wrap(
        self,
        exc: Exception,
        action: str,
        profile: str,
        field: str,
        secret: str | None = None,
    ) -> tuple[SecretStoreError, BaseException | None]:
        """A SecretStoreError for a failed backend call, and the cause safe to chain to it.

        If the backend's own message contains the secret, it is masked and the original
        exception is not chained (its text and arguments could show the secret).
        """
        backend = self.backend
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        cause: BaseException | None = exc
        if secret is not None:
            masked = _mask(detail, secret)
            if masked != detail or _mentions(exc, secret):
                detail, cause = masked, None
        what = f"{action} the {field!r} credential of profile {profile!r}"
        if _is_locked(exc):
            return KeyringUnavailable(
                f"Could not {what}: the keyring ({backend.name}) is locked and was not "
                f"unlocked ({detail}). {_unlock_hint()}",
                backend=_qualname(backend),
            ), cause
        if _is_unreachable(exc):
            return KeyringUnavailable(
                f"Could not {what}: the keyring ({backend.name}) cannot be reached "
                f"({detail}). {_install_hint()}",
                backend=_qualname(backend),
            ), cause
        return SecretStoreError(
            f"Could not {what} in the keyring ({backend.name}): {detail}. "
            "Check that the keyring is running and unlocked, then try again; if it keeps "
            "failing, remove and re-enter this credential."
        ), cause


# -- helpers ------------------------------------------------------------------------------


def _check_key(profile: str, field: str) -> None:
    if not isinstance(profile, str) or not profile:
        raise ValueError("A credential needs a non-empty profile name.")
    if not isinstance(field, str) or not field:
        raise ValueError(f"A credential of profile {profile!r} needs a non-empty field name.")
    if "/" in field:
        raise ValueError(
            f"Field name {field!r} (profile {profile!r}) must not contain '/': it separates "
            "profile and field in the keyring entry name."
        )


def _qualname(backend: object) -> str:
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


def _display_name(backend: object) -> str:
    try:
        return str(backend.name)  # type: ignore[attr-defined]
    except Exception:
        return type(backend).__name__


def _default_backend() -> keyring.backend.KeyringBackend:
    try:
        import keyring

        return keyring.get_keyring()
    except Exception as exc:  # a broken keyring config must be explained
        forced = os.environ.get("PYTHON_KEYRING_BACKEND")
        where = (
            f"the environment variable PYTHON_KEYRING_BACKEND={forced!r}"
            if forced
            else "the keyring configuration (keyringrc.cfg)"
        )
        raise KeyringUnavailable(
            f"No usable keyring backend: the configured one could not be loaded "
            f"({type(exc).__name__}: {exc}). It is set by {where}; fix or remove that "
            "setting. StatusDesk keeps credentials only in the system keyring and never "
            f"falls back to a file. {_install_hint()}"
        ) from exc


def _validate_backend(backend: keyring.backend.KeyringBackend) -> str:
    """Return the display name of an acceptable backend, or raise KeyringUnavailable."""
    from keyring.backends import chainer, fail, null

    qualname = _qualname(backend)
    name = _display_name(backend)

    def refuse(why: str) -> KeyringUnavailable:
        return KeyringUnavailable(
            f"No usable keyring backend: found {qualname} ({why}). StatusDesk keeps "
            "credentials only in the system keyring and never falls back to a file. "
            f"{_forced_hint()}{_install_hint()}",
            backend=qualname,
        )

    if isinstance(backend, fail.Keyring):
        raise refuse("keyring's placeholder used when no keyring service was found")
    if isinstance(backend, null.Keyring):
        raise refuse("it stores nothing")
    if isinstance(backend, chainer.ChainerBackend):
        chained = list(backend.backends)
        if not chained:
            raise refuse("a chain with no backends in it")
        for member in chained:
            _validate_backend(member)
        return f"{name} ({', '.join(_display_name(member) for member in chained)})"
    if _is_file_backend(backend):
        raise refuse("it keeps secrets in a file")
    try:
        priority = float(backend.priority)
    except Exception as exc:  # backends say "not usable here" by raising
        raise refuse(f"not usable here: {exc}") from exc
    if priority < 1:
        raise refuse(f"priority {priority:g}: keyring itself does not recommend it")
    return name


def _is_file_backend(backend: object) -> bool:
    for cls in type(backend).__mro__:
        module = getattr(cls, "__module__", "") or ""
        if module.startswith(_FILE_BACKEND_MODULES):
            return True
        if cls.__name__ in {"FileBacked", "PlaintextKeyring", "EncryptedKeyring"}:
            return True
        if "file_path" in vars(cls):
            return True
    return False


def _is_locked(exc: BaseException) -> bool:
    import keyring.errors

    return isinstance(exc, keyring.errors.KeyringLocked) or "Locked" in type(exc).__name__


def _is_unreachable(exc: BaseException) -> bool:
    import keyring.errors

    return (
        isinstance(exc, keyring.errors.InitError | keyring.errors.NoKeyringError | OSError)
        or "NotAvailable" in type(exc).__name__
    )


def _mask(text: str, secret: str) -> str:
    forms = {secret, repr(secret)[1:-1], repr(secret.encode("utf-8"))[2:-1]}
    for form in sorted(forms, key=len, reverse=True):
        if form:
            text = text.replace(form, "<hidden>")
    return text


def _mentions(exc: BaseException, secret: str) -> bool:
    try:
        return any(secret in repr(arg) or secret in str(arg) for arg in exc.args)
    except Exception:
        return True


def _forced_hint() -> str:
    forced = os.environ.get("PYTHON_KEYRING_BACKEND")
    if forced:
        return (
            f"The environment variable PYTHON_KEYRING_BACKEND={forced!r} selects this "
            "backend: unset it. "
        )
    try:
        from keyring.core import _config_path

        path = _config_path()
        if path.exists():
            return f"Check {path}: a keyring config file there may select this backend. "
    except Exception:  # only a hint
        pass
    return ""


def _install_hint() -> str:
    if sys.platform == "darwin":
        return (
            "On macOS the login Keychain is used: open Keychain Access and make sure the "
            "login keychain exists and is unlocked."
        )
    if sys.platform == "win32":
        return "On Windows the Credential Manager is used: make sure it is available."
    hint = (
        "On Linux install and unlock a Secret Service keyring: GNOME Keyring "
        "(Debian/Ubuntu: sudo apt-get install gnome-keyring) or KWallet, running in your "
        "desktop session (it needs the D-Bus session bus), then start StatusDesk again."
    )
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        hint += (
            " No D-Bus session bus was found (DBUS_SESSION_BUS_ADDRESS is not set): start "
            "StatusDesk from a desktop session, or wrap it in dbus-run-session with "
            "gnome-keyring-daemon --unlock."
        )
    return hint


def _unlock_hint() -> str:
    if sys.platform == "darwin":
        return "Unlock the login keychain in Keychain Access and try again."
    if sys.platform == "win32":
        return "Sign in to Windows again and retry."
    return (
        "Unlock it (log in to the desktop session, or open 'Passwords and Keys' / Seahorse "
        "or KWalletManager and unlock the default keyring) and try again. Without a display "
        "the unlock prompt cannot appear: unlock it with gnome-keyring-daemon --unlock."
    )
