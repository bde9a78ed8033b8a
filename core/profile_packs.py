"""Profile packs: profiles shared by a team as one readable JSON file, never a secret.

A pack is ``{"format": "statusdesk-profile-pack", "version": 1, "profiles": [...]}``, each
profile as profiles.json keeps it. Reading one checks all of it first (the format, every
profile and every field, named when wrong); an import then writes profiles.json once,
atomically (core.profiles), so a pack is imported whole or not at all. Credentials stay
behind: each imported profile says which ones to store (core.hints values).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from core import hints
from core.hints import Hint
from core.profiles import (
    Profile,
    ProfileError,
    ProfileStore,
    check_max_response_mb,
    check_settings,
    check_timeout,
)

FORMAT = "statusdesk-profile-pack"
VERSION = 1
PACK_MAX_BYTES = 4 * 1024 * 1024  # a pack of thousands of profiles is still far below
_FIELDS = ("name", "system", "base_url", "options", "presets", "production", "ca_bundle",
           "proxy", "timeout", "max_response_mb")
_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "system": (str,), "base_url": (str,), "options": (dict,),
    "presets": (dict,), "production": (bool,), "ca_bundle": (str, type(None)),
    "proxy": (str, type(None)), "timeout": (int, float), "max_response_mb": (int, float)}
_REQUIRED = ("name", "system", "base_url")


class PackError(ProfileError):
    """A pack that cannot be read or imported: the message names the profile and field."""


@dataclass(frozen=True)
class ImportPlan:
    """What importing a pack would do: profiles ``added``, ``replaced`` (names that exist,
    with --replace) and ``refused`` (names that exist, without it)."""

    source: str
    profiles: tuple[Profile, ...]
    added: tuple[str, ...]
    replaced: tuple[str, ...]
    refused: tuple[str, ...]

    @property
    def can_apply(self) -> bool:
        return not self.refused and bool(self.profiles)


# -- writing ------------------------------------------------------------------------------

def chosen(profiles: Sequence[Profile], names: Iterable[str]) -> list[Profile]:
    """The profiles named (all when no names), in the order given; unknown names are
    refused together."""
    names = list(dict.fromkeys(names))
    if not names:
        return list(profiles)
    by_name = {p.name: p for p in profiles}
    unknown = [n for n in names if n not in by_name]
    if unknown:
        known = ", ".join(by_name) or "none yet"
        raise PackError(f"No profile named {', '.join(map(repr, unknown))} (profiles: "
                        f"{known}); nothing was exported.")
    return [by_name[n] for n in names]


def pack_text(profiles: Sequence[Profile]) -> str:
    """The pack as JSON text: only a profile's settings, never a credential (a proxy
    address or an option address from an old profiles.json loses any password in it)."""
    if not profiles:
        raise PackError("There are no profiles to export.")
    return json.dumps({
        "format": FORMAT, "version": VERSION,
        "exported": datetime.now(UTC).isoformat(timespec="seconds"),
        "profiles": [_shareable(p).to_dict() for p in profiles],
    }, indent=2, ensure_ascii=False) + "\n"


def write_pack(path: Path, profiles: Sequence[Profile]) -> None:
    """Write the pack at once (a temporary file renamed over ``path``)."""
    text = pack_text(profiles)
    folder = path.absolute().parent
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".pack.", suffix=".tmp")
    except OSError as exc:
        raise PackError(f"The pack cannot be written in {folder} "
                        f"({exc.strerror or exc}).") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise PackError(f"The pack cannot be written to {path} ({exc.strerror or exc}).") \
            from None


def _shareable(profile: Profile) -> Profile:
    """The settings only: what a server taught this desk (the Services version found) is
    left for each desk to learn, and addresses lose any credentials."""
    from core.systems import get_system

    declared = {o.key for o in get_system(profile.system).options}
    options = {key: _without_credentials(value) for key, value in profile.options.items()
               if key in declared}
    proxy = _without_password(profile.proxy) if profile.proxy else profile.proxy
    return profile.with_changes(options=options, proxy=proxy)


def _without_credentials(value: str) -> str:
    """An option's address without user name and password (the profile's own check
    refuses both there)."""
    try:
        parts = urlsplit(value)
        if "@" not in parts.netloc:
            return value
    except ValueError:
        return value
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _without_password(value: str) -> str:
    """A proxy address keeps its user name (the password is a credential of its own)."""
    try:
        parts = urlsplit(value)
        if parts.password is None:
            return value
    except ValueError:
        return value
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user.partition(':')[0]}@{host}"))


# -- reading ------------------------------------------------------------------------------

def read_pack(path: Path) -> tuple[Profile, ...]:
    """Every profile of the pack file, checked whole; PackError names the first problem."""
    try:
        if path.stat().st_size > PACK_MAX_BYTES:
            raise PackError(f"{path} is larger than a profile pack can be "
                            f"({PACK_MAX_BYTES // (1024 * 1024)} MB): is it the right file?")
        raw = path.read_bytes()
    except OSError as exc:
        raise PackError(f"The pack {path} cannot be read ({exc.strerror or exc}).") from None
    try:
        return parse_pack(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise PackError(f"The pack {path} is not UTF-8 text: is it a profile pack?") from None
    except PackError as exc:
        raise PackError(f"The pack {path} was not imported, nothing was changed: {exc}") \
            from None


def parse_pack(text: str) -> tuple[Profile, ...]:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise PackError(f"it is not JSON ({exc}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise PackError(f'it is not a StatusDesk profile pack (no "format": "{FORMAT}").')
    version = data.get("version")
    if version != VERSION:
        raise PackError(f"it is a pack of version {version!r}; this StatusDesk reads version "
                        f"{VERSION}. Export it again with this version, or update StatusDesk.")
    items = data.get("profiles")
    if not isinstance(items, list) or not items:
        raise PackError('it has no "profiles" list, or the list is empty.')
    profiles: list[Profile] = []
    for number, item in enumerate(items, 1):
        profile = _profile(item, number)
        if any(p.name == profile.name for p in profiles):
            raise PackError(f"profile {profile.name!r} is in it twice (the second is "
                            f"profile {number}).")
        profiles.append(profile)
    return tuple(profiles)


def _profile(item: object, number: int) -> Profile:
    from core.systems import SYSTEMS
    from core.systems.base import InvalidInput

    where = f"profile {number}"
    if not isinstance(item, dict):
        raise PackError(f"{where} is not an object.")
    if isinstance(item.get("name"), str):
        where = f"profile {item['name']!r} (number {number})"
    for key in item:
        if key not in _FIELDS:
            raise PackError(f"{where} has the field {key!r}, which a profile does not have "
                            "(a pack never holds credentials: those stay in each keyring).")
    for key, kinds in _TYPES.items():
        value = item.get(key)
        if key in _REQUIRED and value is None:
            raise PackError(f"{where} has no {key!r}.")
        if key in item and (not isinstance(value, kinds) or
                            (bool not in kinds and isinstance(value, bool))):
            raise PackError(f"{where}, field {key!r}: {_kind(value)} is not what it holds.")
    system = SYSTEMS.get(item["system"])
    if system is None:
        raise PackError(f"{where}, field 'system': {item['system']!r} is not a system "
                        f"StatusDesk knows ({', '.join(SYSTEMS)}).")
    known = {o.key for o in system.options} | {"login"}
    for key, value in (item.get("options") or {}).items():
        if key not in known:
            raise PackError(f"{where}, field 'options': {key!r} is not a setting of "
                            f"{system.title} profiles (a pack never holds credentials).")
        if not isinstance(value, str):
            raise PackError(f"{where}, option {key!r}: {_kind(value)} is not text.")
        if _without_password(value) != value:
            raise PackError(f"{where}, option {key!r}: the address holds a password; a pack "
                            "never holds one.")
    for key, check in (("timeout", check_timeout), ("max_response_mb", check_max_response_mb)):
        if key in item:
            try:
                check(float(item[key]))
            except ProfileError as exc:
                raise PackError(f"{where}, field {key!r}: {exc}") from None
    for label, value in (item.get("presets") or {}).items():
        if isinstance(value, bool) or not isinstance(value, int):
            raise PackError(f"{where}, preset {label!r}: {_kind(value)} is not a whole number.")
    try:
        profile = check_settings(Profile.from_dict(item))
        system.validate_profile(profile)
    except InvalidInput as exc:
        raise PackError(f"{where}, field {exc.field!r}: {exc.message}") from None
    except ProfileError as exc:
        raise PackError(f"{where}: {exc}") from None
    return profile


def _kind(value: object) -> str:
    return {list: "a list", dict: "an object", str: "a text", type(None): "null",
            bool: "true or false"}.get(type(value), "a number")


# -- importing ----------------------------------------------------------------------------

def plan_import(store: ProfileStore, source: str, profiles: Sequence[Profile], *,
                replace: bool) -> ImportPlan:
    existing = {p.name for p in store.load()}
    clash = tuple(p.name for p in profiles if p.name in existing)
    added = tuple(p.name for p in profiles if p.name not in existing)
    return ImportPlan(source, tuple(profiles), added, clash if replace else (),
                      () if replace else clash)


def apply_import(store: ProfileStore, plan: ImportPlan,
                 forget: Callable[[str, str], object] | None = None) -> None:
    """Write the plan's profiles in one go; refused names stop it before anything is
    written. ``forget(profile, field)`` drops a kept ticket of a replaced profile that
    now points elsewhere (see core.sending.stale_sign_in)."""
    from core.sending import stale_sign_in

    if plan.refused:
        raise PackError(f"Not imported, nothing was changed: {exist_already(plan.refused)}.")
    before = {p.name: p for p in store.load()}
    store.add_all(list(plan.profiles), replace_existing=True)
    for profile in plan.profiles:
        for field in stale_sign_in(before.get(profile.name), profile):
            if forget is not None:
                forget(profile.name, field)


def exist_already(names: Sequence[str]) -> str:
    listed = ", ".join(map(repr, names))
    if len(names) == 1:
        return f"a profile named {listed} exists already"
    return f"profiles named {listed} exist already"


def steps_after_import(profile: Profile, stored: Callable[[str], bool] | None = None
                       ) -> tuple[Hint, ...]:
    """What to do before the profile's first call: store each credential it needs (that
    is not stored yet, when ``stored`` can tell), then sign in where StatusDesk keeps a
    ticket or tokens itself."""
    from core.proxy import credential_fields
    from core.systems import get_system
    from core.systems.base import browser_sign_in

    system = get_system(profile.system)
    specs = credential_fields(system, profile)
    steps = [hints.store(s.key) for s in specs
             if s.required and not s.managed and not (stored and stored(s.key))]
    if browser_sign_in(system, profile) is not None or any(s.managed for s in specs):
        steps.append(hints.SIGN_IN)
    return tuple(steps)


def summary(plan: ImportPlan) -> str:
    """One line for a person: what the import adds and replaces."""
    parts = []
    if plan.added:
        parts.append(f"adds {', '.join(plan.added)}")
    if plan.replaced:
        parts.append(f"replaces {', '.join(plan.replaced)}")
    if plan.refused:
        parts.append(f"would replace {', '.join(plan.refused)} (not allowed)")
    return f"The pack {'; '.join(parts)}." if parts else "The pack holds no profile."


def as_dict(plan: ImportPlan) -> dict[str, Any]:
    return {"added": list(plan.added), "replaced": list(plan.replaced),
            "refused": list(plan.refused)}
