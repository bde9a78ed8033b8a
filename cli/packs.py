"""``statusdesk-cli profile export FILE [NAME ...]`` and ``profile import FILE [--replace]``:
profile packs (core.profile_packs) on the command line."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.hints import command_for
from core import profile_packs as packs
from core.desk import Desk
from core.profiles import Profile, ProfileError
from core.secrets import SecretStoreError
from core.visible import json_text, visible


def add_commands(actions: argparse._SubParsersAction) -> None:
    export = actions.add_parser(
        "export", help="write profiles to a pack file to share (no credentials in it)",
        description="Write the named profiles (all without names) as one readable JSON "
        "file. Credentials are never in it: each desk stores its own.")
    export.add_argument("file", help="the pack to write, e.g. team-profiles.json")
    export.add_argument("names", nargs="*", metavar="NAME", help="profiles to export")
    export.add_argument("--json", action="store_true")
    import_ = actions.add_parser(
        "import", help="add the profiles of a pack file",
        description="Add every profile of a pack. A name that exists already is refused "
        "(nothing is imported) unless --replace. A malformed pack is refused whole.")
    import_.add_argument("file", help="the pack to read")
    import_.add_argument("--replace", action="store_true",
                         help="overwrite profiles of the same name")
    import_.add_argument("--json", action="store_true")


def export_pack(args: argparse.Namespace, desk: Desk) -> int:
    profiles = packs.chosen(desk.profiles.load(), args.names)
    path = Path(args.file)
    packs.write_pack(path, profiles)
    names = [p.name for p in profiles]
    if args.json:
        print(json_text({"ok": True, "file": str(path.absolute()), "exported": names}))
    else:
        print(visible(f"Exported {len(names)} profile{'s' * (len(names) != 1)} to {path}: "
                      f"{', '.join(names)}. Credentials are not in it."))
    return 0


def import_pack(args: argparse.Namespace, desk: Desk) -> int:
    path = Path(args.file)
    plan = packs.plan_import(desk.profiles, str(path), packs.read_pack(path),
                             replace=args.replace)
    if plan.refused:
        raise ProfileError(f"Not imported, nothing was changed: "
                           f"{packs.exist_already(plan.refused)}. Add --replace to overwrite "
                           f"{'it' if len(plan.refused) == 1 else 'them'} with the pack's.")
    packs.apply_import(desk.profiles, plan, forget=lambda name, field: _forget(desk, name,
                                                                                field))
    steps = {p.name: _steps(desk, p) for p in plan.profiles}
    if args.json:
        print(json_text({"ok": True, "file": str(path.absolute())} | packs.as_dict(plan)
                        | {"next": steps}))
        return 0
    print(visible(f"Imported from {path}: {packs.summary(plan)[len('The pack '):]}"))
    for profile in plan.profiles:
        todo = [("then " if i and step.startswith("statusdesk-cli login") else "") + step
                for i, step in enumerate(steps[profile.name])]
        print(visible(f"  {profile.name}: " + (f"next: {'; '.join(todo)}" if todo else
                                                "its credentials are stored already")))
    return 0


def _steps(desk: Desk, profile: Profile) -> list[str]:
    def stored(field: str) -> bool:
        try:
            return bool(desk.secrets.get(profile.name, field))
        except SecretStoreError:
            return False

    return [command_for(hint, profile.name)
            for hint in packs.steps_after_import(profile, stored)]


def _forget(desk: Desk, name: str, field: str) -> None:
    try:
        if desk.secrets.delete(name, field):
            print(f"Forgot the kept {field} of {name!r}: it belonged to the old address or "
                  "sign-in.", file=sys.stderr)
    except SecretStoreError:
        pass  # the next call's sign-in checks it against the new address
