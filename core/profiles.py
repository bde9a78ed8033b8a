"""Profiles: one customer system each, stored as a readable JSON file.

The file lives in the platform's config folder (platformdirs), or in ``$STATUSDESK_HOME``
when that is set. It never holds a secret: those go to the keyring (core.secrets).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import platformdirs

if TYPE_CHECKING:
    import ssl

APP_NAME = "StatusDesk"
PROFILES_FILE = "profiles.json"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RESPONSE_MB = 10.0
MAX_RESPONSE_MB_RANGE = (0.1, 1000.0)
TIMEOUT_RANGE = (0.1, 3600.0)  # seconds; the window offers 1-600
BYTES_PER_MB = 1024 * 1024  # "MB" as file managers mostly show it; a cap, not an exact figure
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")


class ProfileError(ValueError):
    """A profile that cannot be stored or found; the message names the problem."""


@dataclass(frozen=True)
class Profile:
    name: str
    system: str
    base_url: str
    options: dict[str, str] = field(default_factory=dict)
    presets: dict[str, int] = field(default_factory=dict)
    production: bool = False
    ca_bundle: str | None = None
    proxy: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    max_response_mb: float = DEFAULT_MAX_RESPONSE_MB  # answers beyond it are cut off
    # From the keyring, for the call at hand (core.proxy): never written to profiles.json,
    # never shown (the desk fills it in just before a call; see Desk.with_proxy_password).
    proxy_password: str = field(default="", repr=False)

    @property
    def max_response_bytes(self) -> int:
        return int(self.max_response_mb * BYTES_PER_MB)

    def option(self, key: str, default: str = "") -> str:
        return self.options.get(key, default)

    def with_changes(self, **changes: Any) -> Profile:
        return replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "system": self.system,
            "base_url": self.base_url,
            "options": dict(self.options),
            "presets": dict(self.presets),
            "production": self.production,
            "ca_bundle": self.ca_bundle,
            "proxy": self.proxy,
            "timeout": self.timeout,
            "max_response_mb": self.max_response_mb,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Profile:
        """A profile as profiles.json keeps it; ProfileError names what is wrong."""
        if not isinstance(data, dict):
            raise ProfileError(f"a profile must be an object, not {_kind(data)}")
        for key in ("name", "system", "base_url"):
            if not isinstance(data.get(key), str):
                raise ProfileError(f"a profile has no {key!r} text")
        name = check_profile_name(data["name"])
        try:
            return cls(
                name=name,
                system=data["system"],
                base_url=data["base_url"],
                options=_options(_mapping(data, "options")),
                presets={str(k): int(v) for k, v in _mapping(data, "presets").items()},
                production=bool(data.get("production", False)),
                ca_bundle=_text(data, "ca_bundle"),
                proxy=_text(data, "proxy"),
                timeout=check_timeout(float(data.get("timeout") or DEFAULT_TIMEOUT)),
                max_response_mb=check_max_response_mb(
                    float(data.get("max_response_mb") or DEFAULT_MAX_RESPONSE_MB)),
            )
        except (ValueError, TypeError) as exc:  # ProfileError is a ValueError too
            raise ProfileError(f"profile {name!r}: {exc}") from None


def _kind(value: object) -> str:
    return {list: "a list", dict: "an object", str: "a text", type(None): "null",
            bool: "true or false"}.get(type(value), "a number")


def _mapping(data: dict[str, Any], key: str) -> dict[str, Any]:
    value = data.get(key) or {}
    if not isinstance(value, dict):
        raise ProfileError(f"{key!r} must be an object, not {_kind(value)}")
    return value


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key) or None
    if value is not None and not isinstance(value, str):
        raise ProfileError(f"{key!r} must be a text, not {_kind(value)}")
    return value


def _options(saved: dict[str, Any]) -> dict[str, str]:
    """Options as text; ``login`` (before version 0.2) is what ``auth`` is now."""
    options = {str(k): str(v) for k, v in saved.items()}
    if "login" in options:
        options.setdefault("auth", options.pop("login"))
    return options


def check_profile_name(name: str) -> str:
    if not _NAME.match(name):
        raise ProfileError(
            f"Profile name {name!r} is not allowed: use 1-64 letters, digits, spaces, "
            "dots, dashes or underscores, starting with a letter or digit."
        )
    return name


def check_max_response_mb(value: float) -> float:
    """The size limit of a profile's answers, in MB, within what StatusDesk allows."""
    low, high = MAX_RESPONSE_MB_RANGE
    if not low <= value <= high:  # also refuses NaN
        raise ProfileError(
            f"The size limit of answers must be between {low:g} and {high:g} MB, "
            f"not {value:g}."
        )
    return value


def check_timeout(value: float) -> float:
    """A profile's timeout in seconds: a number within what StatusDesk allows (never NaN or
    infinity, which profiles.json could not even keep as JSON)."""
    low, high = TIMEOUT_RANGE
    if not low <= value <= high:  # also refuses NaN
        raise ProfileError(
            f"The timeout must be between {low:g} and {high:g} seconds, not {value:g}.")
    return value


def ca_bundle_context(path: str) -> ssl.SSLContext:
    """A TLS context trusting the OS store and the CAs of this PEM file; ProfileError says
    why not (see core.tls)."""
    from core.tls import trust_context

    return trust_context(path)


def check_settings(profile: Profile) -> Profile:
    """What every saved profile must be, whichever front end made it: a usable name,
    timeout, size limit, CA bundle, and a proxy address without a password in it."""
    from core.proxy import check_proxy

    check_profile_name(profile.name)
    check_timeout(profile.timeout)
    check_max_response_mb(profile.max_response_mb)
    if profile.ca_bundle:
        ca_bundle_context(profile.ca_bundle)
    if profile.proxy:
        check_proxy(profile.proxy)
    return profile


def private_folder(folder: Path) -> None:
    """Make the folder (and its parents) when missing, only for this user (0700)."""
    if not folder.is_dir():
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)


def config_dir() -> Path:
    """Where the profiles and settings live ($STATUSDESK_HOME when set)."""
    home = os.environ.get("STATUSDESK_HOME")
    if home:
        return Path(home)
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def data_dir() -> Path:
    """Where the history lives ($STATUSDESK_HOME when set, so tests keep one folder)."""
    home = os.environ.get("STATUSDESK_HOME")
    if home:
        return Path(home)
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


HISTORY_FILE = "history.sqlite3"  # in history_dir(); SQLite adds -wal and -shm beside it


def history_dir() -> Path:
    """The data folder. StatusDesk 0.1 kept the history beside the profiles (the same
    folder on Windows and macOS, not on Linux): a history found only there is moved over
    once, so the audit trail stays in view. If it cannot be moved, it is used where it is."""
    new, old = data_dir(), config_dir()
    if new == old or (new / HISTORY_FILE).exists() or not (old / HISTORY_FILE).exists():
        return new
    try:
        private_folder(new)
        for suffix in ("", "-wal", "-shm"):  # the WAL may hold the newest rows
            if (old / f"{HISTORY_FILE}{suffix}").exists():
                shutil.move(old / f"{HISTORY_FILE}{suffix}", new / f"{HISTORY_FILE}{suffix}")
    except OSError:
        return old
    return new


def _known_system(profile: Profile) -> Profile:
    from core.systems import SYSTEMS  # here: core.systems imports this module

    if profile.system not in SYSTEMS:
        raise ProfileError(f"profile {profile.name!r} is for the system {profile.system!r}, "
                           f"which StatusDesk does not know (it knows {', '.join(SYSTEMS)})")
    return profile


REPLACE_PATIENCE = 5.0  # seconds another program may hold profiles.json open (Windows)


def _replace(source: str, target: Path) -> None:
    """os.replace, waiting while another program has ``target`` open: on Windows a file
    open elsewhere (a second StatusDesk reading it, an editor, a virus scanner) cannot be
    replaced for that moment."""
    import time

    deadline = time.monotonic() + REPLACE_PATIENCE
    while True:
        try:
            os.replace(source, target)
            return
        except PermissionError as exc:
            if time.monotonic() > deadline:
                raise ProfileError(
                    f"{target} is held open by another program, so the change was not "
                    "saved. Close what has it open (an editor?) and try again.") from exc
            time.sleep(0.05)


class ProfileStore:
    """Reads and writes the profiles file; every write is atomic (temp file + rename)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or config_dir()
        self.path = self.folder / PROFILES_FILE

    def load(self) -> list[Profile]:
        if not self.path.exists():
            return []
        import json  # here: with no profiles file, the window starts without it

        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ProfileError(f"it holds {_kind(data)}, not an object with a list of "
                                   '"profiles"')
            if not isinstance(data.get("profiles", []), list):
                raise ProfileError(f'"profiles" is {_kind(data["profiles"])}, not a list')
            profiles = [_known_system(Profile.from_dict(item))
                        for item in data.get("profiles", [])]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ProfileError(
                f"The profiles file {self.path} cannot be read ({exc}). Fix or move it away; "
                "StatusDesk will not overwrite it."
            ) from exc
        return profiles

    def get(self, name: str) -> Profile:
        for profile in self.load():
            if profile.name == name:
                return profile
        known = ", ".join(p.name for p in self.load()) or "none yet"
        raise ProfileError(f"No profile named {name!r} (profiles: {known}).")

    def add(self, profile: Profile, *, replace_existing: bool = False) -> None:
        check_settings(profile)
        profiles = self.load()
        if not replace_existing and any(p.name == profile.name for p in profiles):
            raise ProfileError(f"A profile named {profile.name!r} exists already.")
        profiles = [p for p in profiles if p.name != profile.name] + [profile]
        self._write(profiles)

    def add_all(self, new: list[Profile], *, replace_existing: bool = False) -> None:
        """Add (or replace) several profiles with one atomic write: all of them or none."""
        for profile in new:
            check_settings(profile)
        profiles = self.load()
        names = {p.name for p in new}
        clash = [p.name for p in profiles if p.name in names]
        if clash and not replace_existing:
            raise ProfileError(f"A profile named {', '.join(map(repr, clash))} exists already.")
        kept = {p.name: p for p in profiles}
        kept.update({p.name: p for p in new})  # a replaced profile keeps its place
        self._write(list(kept.values()))

    def remove(self, name: str) -> Profile:
        profile = self.get(name)
        self._write([p for p in self.load() if p.name != name])
        return profile

    def _write(self, profiles: list[Profile]) -> None:
        import json

        private_folder(self.folder)
        text = json.dumps(
            {"version": 1, "profiles": [p.to_dict() for p in profiles]},
            indent=2,
            ensure_ascii=False,
        )
        # mkstemp makes the file 0600, and the rename keeps that: profiles.json is private
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".profiles.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text + "\n")
            _replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
