"""statusdesk-cli: the command line other tools script against.

Exit codes: 0 done, 1 the remote system refused, 2 bad input or usage, 3 network or
transport failure, 4 missing or rejected credentials. Secrets are never arguments:
``secret set`` reads the value from standard input (or a hidden prompt on a terminal).
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import sys
from typing import Any, NoReturn, TextIO

from cli.batch import BatchStopped, plan_pace, run_batch
from cli.batch import load as load_batch
from cli.hints import command_for, quote
from cli.history import show_history
from cli.login import login_from_terminal
from core import rendering
from core.batch_file import BatchFileError
from core.confirmation import Confirmation, production_batch, production_send
from core.desk import CallResult, Desk, ProfileSaved, credential_names
from core.exchange import Exchange, OutcomeKind, StatusUpdate
from core.history import HistoryError
from core.profiles import (
    DEFAULT_MAX_RESPONSE_MB,
    MAX_RESPONSE_MB_RANGE,
    Profile,
    ProfileError,
    check_max_response_mb,
)
from core.secrets import KeyringUnavailable, SecretStore, SecretStoreError
from core.sending import secret_keys
from core.systems import SYSTEMS, get_system
from core.systems.base import InvalidInput, MissingSecret, OptionSpec, browser_sign_in

EXIT_USAGE = OutcomeKind.BAD_INPUT.exit_code
EXIT_CREDENTIALS = OutcomeKind.CREDENTIALS.exit_code


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep its usage line
        self.print_usage(sys.stderr)
        raise CliError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="statusdesk-cli", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    profile = commands.add_parser("profile", help="add, list, show or remove profiles")
    actions = profile.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = actions.add_parser("add", help="add a profile (secrets come separately)")
    add.add_argument("name")
    add.add_argument("--system", required=True, choices=sorted(SYSTEMS))
    add.add_argument("--url", required=True, help="SuperOffice NetServer base or Bitrix24 portal")
    flags: dict[str, list[tuple[str, OptionSpec]]] = {}
    for system in SYSTEMS.values():
        for option in system.options:
            flags.setdefault(option.cli_flag, []).append((system.title, option))
    for flag, uses in flags.items():
        key = uses[0][1].key
        choices = list(dict.fromkeys(c.value for _, o in uses for c in o.choices)) or None
        helps = " ".join(f"{title}: {option.help}" for title, option in uses)
        add.add_argument(flag, dest=key, choices=choices, help=helps)
    add.add_argument("--preset", action="append", default=[], metavar="LABEL=INT",
                     help="SuperOffice: name a status number, e.g. Delivered=3 (repeatable)")
    add.add_argument("--ca-bundle", help="PEM file of CAs to trust for this profile")
    add.add_argument("--proxy", help="proxy URL, e.g. http://proxy.example:3128")
    add.add_argument("--timeout", type=float, default=30.0, help="seconds (default 30)")
    add.add_argument("--max-response-mb", type=float, default=DEFAULT_MAX_RESPONSE_MB,
                     metavar="MB", help="answers larger than this are cut off "
                     f"({MAX_RESPONSE_MB_RANGE[0]:g}-{MAX_RESPONSE_MB_RANGE[1]:g}, "
                     f"default {DEFAULT_MAX_RESPONSE_MB:g})")
    add.add_argument("--production", action="store_true", help="ask before every send")
    add.add_argument("--replace", action="store_true", help="overwrite a profile of that name")
    add.add_argument("--json", action="store_true")
    set_url = actions.add_parser("set-url", help="change a profile's address (e.g. a moved portal)")
    set_url.add_argument("name")
    set_url.add_argument("url")
    set_url.add_argument("--json", action="store_true")
    for action in ("list", "show", "remove"):
        sub = actions.add_parser(action)
        if action != "list":
            sub.add_argument("name")
        sub.add_argument("--json", action="store_true")

    secret = commands.add_parser("secret", help="store or forget credentials (keyring)")
    secret_actions = secret.add_subparsers(dest="action", required=True, parser_class=_Parser)
    set_ = secret_actions.add_parser("set", help="value is read from stdin, never from argv")
    set_.add_argument("name")
    set_.add_argument("field")
    clear = secret_actions.add_parser("clear", help="forget every credential of a profile")
    clear.add_argument("name")

    send = commands.add_parser("send", help="send a delivery status")
    send.add_argument("name")
    send.add_argument("--message-id", required=True)
    send.add_argument("--status", required=True)
    send.add_argument("--description", default="")
    send.add_argument("--dry-run", action="store_true", help="print the request, send nothing")
    send.add_argument("--yes", action="store_true", help="no confirmation for production")
    send.add_argument("--json", action="store_true")

    test = commands.add_parser("test", help="harmless call that checks address and credentials")
    test.add_argument("name")
    test.add_argument("--json", action="store_true")

    login = commands.add_parser(
        "login", help="sign in with the profile's flow and keep the ticket or tokens")
    login.add_argument("name")
    login.add_argument("--no-browser", action="store_true",
                       help="Bitrix24: print the approval page's address instead of opening it")
    login.add_argument("--wait", type=float, default=600.0, metavar="SECONDS",
                       help="Bitrix24: how long to wait for the browser (default 600)")
    login.add_argument("--json", action="store_true")

    status = commands.add_parser(
        "status", help="SuperOffice: read a status back by SuperOffice's own messaging id")
    status.add_argument("name")
    status.add_argument("--messaging-id", type=int, action="append", required=True,
                        metavar="N", help="repeatable")
    status.add_argument("--json", action="store_true")

    history = commands.add_parser("history", help="what was sent, by whom, with what outcome")
    history.add_argument("--profile", default="")
    history.add_argument("--since", default="", metavar="DATE",
                         help="YYYY-MM-DD or YYYY-MM-DDTHH:MM, your local time")
    history.add_argument("--failed", action="store_true", help="only calls that did not succeed")
    history.add_argument("--search", default="", metavar="TEXT",
                         help="text in message id, status, description or outcome")
    history.add_argument("--limit", type=int, default=50, metavar="N")
    formats = history.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true")
    formats.add_argument("--csv", action="store_true")

    batch = commands.add_parser("batch", help="send the rows of a CSV file (message_id,status,"
                                "description); '-' reads standard input")
    batch.add_argument("name")
    batch.add_argument("file")
    batch.add_argument("--rate", type=float, metavar="R",
                       help="calls per second at most (Bitrix24 2, SuperOffice 5 by default)")
    batch.add_argument("--burst", type=int, metavar="N", help="calls at once at most")
    batch.add_argument("--plan", metavar="NAME",
                       help="the portal's documented limit as rate and burst: Bitrix24 "
                            "standard (2/s, 50) or enterprise (5/s, 250)")
    batch.add_argument("--resume", action="store_true",
                       help="skip rows of this file already done for this profile")
    batch.add_argument("--results", metavar="OUT.csv", help="write each row's outcome as CSV")
    batch.add_argument("--yes", action="store_true", help="no confirmation for production")
    batch.add_argument("--json", action="store_true", help="one JSON line per row")

    sandbox = commands.add_parser("sandbox", help="run the built-in simulators on 127.0.0.1")
    sandbox.add_argument("--port", type=int, default=8765)
    return parser


def use_safe_output() -> None:
    """Printing never fails on a character, whatever the terminal. Pipes and files get
    UTF-8 (on Windows their default is the ANSI code page, cp1252, which has no "✓" and no
    Cyrillic): --json, CSV and the exchange as sent arrive whole. A terminal keeps its own
    encoding and shows "?" for what it cannot draw (Windows' console takes all of Unicode)."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):
            continue
        try:
            if stream.isatty():
                stream.reconfigure(errors="replace")
            else:
                stream.reconfigure(encoding="utf-8", errors="replace")
        except (OSError, ValueError):  # closed, or already written to in another encoding
            continue


def main(argv: list[str] | None = None) -> int:
    use_safe_output()
    args_list = sys.argv[1:] if argv is None else argv
    wants_json = "--json" in args_list
    args = argparse.Namespace()
    try:
        args = build_parser().parse_args(args_list)
        return _run(args)
    except CliError as exc:
        return _fail(str(exc), exc.code, wants_json, OutcomeKind.BAD_INPUT)
    except InvalidInput as exc:
        return _fail(exc.message, EXIT_USAGE, wants_json, OutcomeKind.BAD_INPUT, exc.field,
                     command_for(exc.hint, getattr(args, "name", "")))
    except ProfileError as exc:
        return _fail(str(exc), EXIT_USAGE, wants_json, OutcomeKind.BAD_INPUT)
    except MissingSecret as exc:
        return _fail(str(exc), EXIT_CREDENTIALS, wants_json, OutcomeKind.CREDENTIALS,
                     exc.field, command_for(exc.hint, exc.profile))
    except SecretStoreError as exc:
        return _fail(str(exc), EXIT_CREDENTIALS, wants_json, OutcomeKind.CREDENTIALS)
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    desk = Desk()
    try:
        return _command(args, desk)
    finally:
        desk.close()


def _report(result: CallResult, as_json: bool, extra: dict[str, object] | None = None) -> int:
    """Print one call's result; a history that could not be written is said, never fatal."""
    if result.history_problem:
        print(f"Warning: not kept in the history: {result.history_problem}", file=sys.stderr)
    _print_exchange(result.exchange, as_json, extra=extra)
    return result.outcome.kind.exit_code


def _command(args: argparse.Namespace, desk: Desk) -> int:
    store = desk.profiles
    if args.command == "profile":
        return _profile(args, desk)
    if args.command == "secret":
        return _secret(args, store.get(args.name))
    if args.command == "send":
        return _send(args, desk, store.get(args.name))
    if args.command == "login":
        return _report(login_from_terminal(desk, store.get(args.name),
                                           open_browser=not args.no_browser, wait=args.wait),
                       args.json)
    if args.command == "status":
        return _report(desk.read_back(store.get(args.name), args.messaging_id), args.json)
    if args.command == "history":
        if args.limit < 1:
            raise CliError("--limit must be 1 or more.")
        try:
            return show_history(profile=args.profile, since=args.since, failed=args.failed,
                                limit=args.limit, as_json=args.json, as_csv=args.csv,
                                text=args.search)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    if args.command == "batch":
        return _batch(args, desk, store.get(args.name))
    if args.command == "test":
        result = desk.test(store.get(args.name))
        return _report(result, args.json, extra={"listed": list(result.listed)})
    if args.command == "sandbox":
        from sandbox import serve_forever

        try:
            serve_forever(args.port)
        except OSError as exc:
            raise CliError(f"The sandbox cannot listen on 127.0.0.1:{args.port} ({exc.strerror}); "
                           "choose another --port, or 0 for any free one.") from None
        return 0
    raise CliError(f"unknown command {args.command}")


def _profile(args: argparse.Namespace, desk: Desk) -> int:
    store = desk.profiles
    if args.action == "add":
        profile = _profile_from_args(args)
        _forgot(desk.save_profile(profile, replacing=profile.name if args.replace else None))
        _emit(args.json, profile.to_dict(), f"Profile {profile.name!r} saved in {store.path}.\n"
              + _next_steps(profile))
    elif args.action == "set-url":
        old = store.get(args.name)
        system = get_system(old.system)
        profile = old.with_changes(base_url=system.normalize_base_url(args.url))
        system.validate_profile(profile)
        _forgot(desk.save_profile(profile, replacing=old.name))
        _emit(args.json, profile.to_dict(),
              f"Profile {profile.name!r} now points at {profile.base_url} "
              f"(was {old.base_url}).")
    elif args.action == "list":
        profiles = store.load()
        lines = ["\t".join([p.name, p.system, p.base_url, "PRODUCTION" if p.production else ""])
                 .rstrip() for p in profiles]
        _emit(args.json, [p.to_dict() for p in profiles], "\n".join(lines) or "No profiles yet.")
    elif args.action == "show":
        profile = store.get(args.name)
        data = profile.to_dict() | {"secrets": _secret_status(profile)}
        _emit(args.json, data, json.dumps(data, indent=2, ensure_ascii=False))
    elif args.action == "remove":
        removal = desk.remove_profile(args.name)
        removed = list(removal.forgotten)
        _emit(args.json, {"removed": removal.profile.name, "secrets_forgotten": removed},
              f"Profile {removal.profile.name!r} removed; forgotten credentials: "
              f"{', '.join(removed) or 'none'}.")
    return 0


def _forgot(saved: ProfileSaved) -> None:
    if saved.forgotten:
        print(f"Forgot the kept {' and '.join(saved.forgotten)}: it belonged to the old "
              "address or sign-in.", file=sys.stderr)


def _profile_from_args(args: argparse.Namespace) -> Profile:
    system = get_system(args.system)
    options: dict[str, str] = {}
    for option in system.options:  # "auth" comes first: defaults follow the sign-in mode
        value = getattr(args, option.key, None) or (
            option.default if option.applies(options) else "")
        if value:
            options[option.key] = value
    foreign = [o.cli_flag for s in SYSTEMS.values() if s is not system for o in s.options
               if getattr(args, o.key, None) and o.key not in options]
    if foreign:
        raise CliError(f"{', '.join(foreign)} does not apply to {system.title} profiles.")
    presets = {}
    for item in args.preset:
        label, sep, value = item.partition("=")
        try:
            presets[label.strip()] = int(value)
        except ValueError:
            sep = ""
        if not sep or not label.strip():
            raise CliError(f"--preset {item!r}: write it as LABEL=NUMBER, e.g. Delivered=3")
    if presets and system.key != "superoffice":
        raise CliError("--preset applies to SuperOffice profiles only.")
    if args.timeout <= 0:
        raise CliError("--timeout must be a positive number of seconds.")
    try:
        check_max_response_mb(args.max_response_mb)
    except ProfileError as exc:
        raise CliError(f"--max-response-mb: {exc}") from None
    profile = Profile(
        name=args.name, system=system.key, base_url=system.normalize_base_url(args.url),
        options=options, presets=presets, production=args.production,
        ca_bundle=args.ca_bundle, proxy=args.proxy, timeout=args.timeout,
        max_response_mb=args.max_response_mb,
    )
    system.validate_profile(profile)
    return profile


def _secret(args: argparse.Namespace, profile: Profile) -> int:
    secrets = SecretStore()
    if args.action == "clear":
        removed = secrets.clear(profile.name, credential_names(profile))
        print(f"Forgot {', '.join(removed) or 'nothing (none stored)'} for {profile.name!r}.")
        return 0
    specs = get_system(profile.system).secret_fields(profile)
    allowed = [spec.key for spec in specs if not spec.managed]
    if args.field in {spec.key for spec in specs if spec.managed}:
        raise CliError(f"StatusDesk keeps the {args.field} of this profile itself: run "
                       f"statusdesk-cli login {quote(profile.name)} to sign in.")
    if args.field not in allowed:
        raise CliError(f"{args.field!r} is not a credential of this profile; "
                       f"use one of: {', '.join(allowed)}.")
    secrets.check()
    if args.field == "private-key" and sys.stdin.isatty():
        raise CliError("A private key has several lines: pipe the key file, e.g. "
                       f"statusdesk-cli secret set {quote(profile.name)} private-key "
                       "< app-private-key.pem")
    value = _read_secret(args.field, sys.stdin)
    if not value:
        raise CliError(f"No value given for {args.field}: pipe it on standard input.")
    get_system(profile.system).check_secret(profile, args.field, value)
    secrets.set(profile.name, args.field, value)
    print(f"Stored {args.field} for {profile.name!r} in the keyring ({secrets.check()}).")
    return 0


def _read_secret(field: str, stream: TextIO) -> str:
    if stream.isatty():
        return getpass.getpass(f"{field} (input hidden): ").strip()
    return stream.read().strip("\r\n")


def _send(args: argparse.Namespace, desk: Desk, profile: Profile) -> int:
    system = get_system(profile.system)
    update = StatusUpdate(args.message_id, args.status, args.description)
    system.validate(update, profile)
    if args.dry_run:
        shown = desk.preview(profile, update)
        request = shown.request
        for note in shown.notes:
            print(f"Note: {note}", file=sys.stderr)
        if args.json:
            print(json.dumps({"ok": True, "dry_run": True, "outcome": None,
                              "request": request.to_dict(), "response": None, "elapsed": None},
                             ensure_ascii=False))
        else:
            print("Dry run: nothing was sent. This request would go out:\n")
            print(rendering.raw_request(request))
        return 0
    for warning in system.warnings(profile):
        print(f"Warning: {warning}", file=sys.stderr)
    question = production_send(profile, update)
    if question is not None and not args.yes:
        _confirm(question)
    return _report(desk.send(profile, update), args.json)


def _batch(args: argparse.Namespace, desk: Desk, profile: Profile) -> int:
    if (args.rate is not None and args.rate <= 0) or (args.burst is not None and args.burst < 1):
        raise CliError("--rate must be more than 0 and --burst at least 1.")
    try:
        rate, burst = plan_pace(profile, args.plan, args.rate, args.burst)
        batch = load_batch(args.file, profile, sys.stdin)
        question = production_batch(profile, batch)
        if question is not None and not args.yes and batch.valid:
            _confirm(question)
        return run_batch(desk, profile, batch, rate=rate, burst=burst, resume=args.resume,
                         as_json=args.json, results=args.results)
    except (BatchFileError, BatchStopped) as exc:
        raise CliError(str(exc)) from None
    except HistoryError as exc:
        raise CliError(f"The batch stopped: {exc}", code=3) from None


def _confirm(question: Confirmation) -> None:
    if not sys.stdin.isatty():
        raise CliError(f"{question.as_prompt()}\nThis is a production profile: add --yes to "
                       "send without a terminal to confirm on.")
    answer = input(f"{question.as_prompt()} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise CliError("Not sent.")


def _print_exchange(exchange: Exchange, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        print(json.dumps(exchange.to_dict() | (extra or {}), ensure_ascii=False))
        return
    stream = sys.stdout if exchange.ok else sys.stderr
    print(rendering.outcome_text(exchange), file=stream)
    command = command_for(exchange.outcome.hint, exchange.profile)
    if command:
        print(f"  next: {command}", file=stream)
    if exchange.outcome.detail:
        print("\n--- detail ---\n" + exchange.outcome.detail)
    print("\n--- request ---\n" + rendering.raw_request(exchange.request))
    if exchange.response is not None:
        print("\n--- response ---\n" + rendering.raw_response(exchange.response))
    elif exchange.error:
        print(f"\n--- no response ---\n{exchange.error}")


def _emit(as_json: bool, data: Any, text: str) -> None:
    print(json.dumps(data, ensure_ascii=False) if as_json else text)


def _fail(message: str, code: int, as_json: bool, kind: OutcomeKind, field: str = "",
          command: str = "") -> int:
    if as_json:
        outcome = {"ok": False, "kind": kind.value, "summary": message, "field": field,
                   "command": command}
        print(json.dumps({"ok": False, "outcome": outcome, "request": None, "response": None,
                          "elapsed": None}, ensure_ascii=False))
    else:
        print(f"statusdesk-cli: {message}", file=sys.stderr)
        if command:
            print(f"  next: {command}", file=sys.stderr)
    return code


def _next_steps(profile: Profile) -> str:
    """What to store (and whether to sign in) before the first send."""
    system = get_system(profile.system)
    specs = system.secret_fields(profile)
    browser = browser_sign_in(system, profile) is not None
    needed = [s.key for s in specs if s.required and not s.managed]
    name = quote(profile.name)
    steps = "; ".join(f"statusdesk-cli secret set {name} {field}" for field in needed)
    if browser or any(s.managed for s in specs):
        steps += f"; then statusdesk-cli login {name}"
    return f"Next: {steps}"


def _secret_status(profile: Profile) -> dict[str, str]:
    try:
        secrets = SecretStore()
        return {name: "stored" if secrets.has(profile.name, name) else "missing"
                for name in secret_keys(profile)}
    except KeyringUnavailable:
        return {name: "unknown (no keyring)" for name in secret_keys(profile)}


if __name__ == "__main__":
    sys.exit(main())
