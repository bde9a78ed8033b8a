"""statusdesk-cli: the command line other tools script against.

Exit codes: 0 done, 1 the remote system refused, 2 bad input or usage, 3 network or
transport failure, 4 missing or rejected credentials. Secrets are never arguments:
``secret set`` reads the value from standard input (or a hidden prompt on a terminal).
What a server wrote is printed with its control characters as visible escapes
(core.visible), JSON with JSON's escapes: a hostile server cannot drive the terminal.
"""

from __future__ import annotations

import argparse
import errno
import getpass
import io
import json
import math
import os
import sys
import textwrap
from pathlib import Path
from typing import Any, NoReturn, TextIO, cast

from cli.batch import BatchStopped, check_results, plan_pace, run_batch
from cli.batch import load as load_batch
from cli.hints import command_for, quote
from cli.history import show_history
from cli.login import login_from_terminal
from cli.packs import add_commands as add_pack_commands
from cli.packs import export_pack, import_pack
from cli.team import earlier_question, say_waiting, use_history
from core import rendering
from core.batch import BatchRun
from core.batch_file import BatchFileError
from core.batch_lock import BatchBusy
from core.confirmation import Confirmation, production_batch, production_send
from core.customer_runs import CustomersRun
from core.desk import CallResult, Desk, ProfileSaved, credential_names
from core.exchange import Exchange, OutcomeKind, StatusUpdate
from core.history import HistoryError
from core.pacing import PaceError, check_pace
from core.profiles import (
    DEFAULT_MAX_RESPONSE_MB,
    DEFAULT_TIMEOUT,
    MAX_RESPONSE_MB_RANGE,
    Profile,
    ProfileError,
    check_max_response_mb,
    check_timeout,
)
from core.proxy import credential_fields, shown_proxy
from core.secrets import KeyringUnavailable, SecretStore, SecretStoreError
from core.sending import secret_keys
from core.systems import SYSTEMS, get_system
from core.systems.base import InvalidInput, MissingSecret, OptionSpec, browser_sign_in
from core.systems.bitrix24 import STATUSES as BITRIX24_STATUSES
from core.team_config import TeamSettingError
from core.visible import json_text, visible

EXIT_USAGE = OutcomeKind.BAD_INPUT.exit_code
EXIT_CREDENTIALS = OutcomeKind.CREDENTIALS.exit_code
EXIT_STORAGE = OutcomeKind.TRANSPORT.exit_code  # the history file failed, as in a batch


EXIT_CODES = ("exit status: 0 done; 1 the remote system refused; 2 bad input or usage; "
              "3 network or transport failure (no usable answer); 4 missing or rejected "
              "credentials; 130 interrupted (Ctrl+C)")


def _credential_fields() -> str:
    """Each system's sign-in modes and the credentials ``secret set`` takes for them."""
    lines = ["credentials (FIELD), by system and --auth:"]
    for system in SYSTEMS.values():
        auth = next((o for o in system.options if o.key == "auth"), None)
        for choice in auth.choices if auth else ():
            sample = Profile("x", system.key, "https://x", options={"auth": choice.value})
            typed = [f"{s.key}{'' if s.required else ' (optional)'}"
                     for s in system.secret_fields(sample) if not s.managed]
            lines.append(f"  {system.key} --auth {choice.value}: {', '.join(typed)}")
    return "\n".join(lines)


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_USAGE) -> None:
        super().__init__(message)
        self.code = code


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse exits 2 too; keep its usage line
        self.print_usage(sys.stderr)
        raise CliError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="statusdesk-cli", description=__doc__.split("\n")[0],
                     epilog=EXIT_CODES)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    profile = commands.add_parser(
        "profile", help="add, change, list, show or remove profiles",
        description="A profile is one customer's system: its address and settings, kept in "
        "profiles.json. Its credentials are kept in the keyring (statusdesk-cli secret set).",
        epilog="actions: add NAME --system ... --url ...; set NAME --SETTING VALUE ...; "
        "set-url NAME URL; list; show NAME; remove NAME (also forgets its credentials); "
        "export FILE [NAME ...]; import FILE [--replace]. "
        "'statusdesk-cli profile add --help' lists the settings.")
    actions = profile.add_subparsers(dest="action", required=True, parser_class=_Parser)
    add = actions.add_parser("add", help="add a profile (secrets come separately)")
    add.add_argument("name")
    _settings_arguments(add, changing=False)
    add.add_argument("--replace", action="store_true", help="overwrite a profile of that name")
    add.add_argument("--json", action="store_true")
    change = actions.add_parser(
        "set", help="change some of a profile's settings and keep the others",
        description="Change the settings given, keep the others and the credentials (a "
        "ticket StatusDesk keeps from a sign-in is forgotten when the address or the "
        "sign-in changes, and said so).")
    change.add_argument("name")
    _settings_arguments(change, changing=True)
    change.add_argument("--json", action="store_true")
    set_url = actions.add_parser("set-url", help="change a profile's address (e.g. a moved portal)")
    set_url.add_argument("name")
    set_url.add_argument("url")
    set_url.add_argument("--json", action="store_true")
    add_pack_commands(actions)
    for action in ("list", "show", "remove"):
        sub = actions.add_parser(action)
        if action != "list":
            sub.add_argument("name")
        sub.add_argument("--json", action="store_true")

    secret = commands.add_parser("secret", help="store or forget credentials (keyring)")
    secret_actions = secret.add_subparsers(dest="action", required=True, parser_class=_Parser)
    set_ = secret_actions.add_parser(
        "set", help="value is read from stdin, never from argv",
        description=textwrap.fill(
            "Store one credential of a profile in the keyring. The value is read from "
            "standard input (a hidden prompt on a terminal), never from the command line."),
        epilog=_credential_fields() + "\nexample: statusdesk-cli secret set acme ticket < "
        "ticket.txt", formatter_class=argparse.RawDescriptionHelpFormatter)
    set_.add_argument("name", help="the profile")
    set_.add_argument("field", help="which credential (listed below)")
    clear = secret_actions.add_parser("clear", help="forget every credential of a profile")
    clear.add_argument("name")

    send = commands.add_parser(
        "send", help="send a delivery status",
        description="Set one message's delivery status in the profile's system and print "
        "the exchange (secrets masked).", epilog=EXIT_CODES)
    send.add_argument("name", help="the profile")
    send.add_argument("--message-id", required=True,
                      help="SuperOffice: the plugin's external message id; Bitrix24: the "
                      "message_id the portal sent the provider")
    send.add_argument("--status", required=True,
                      help="SuperOffice: a whole number or one of the profile's presets "
                      "(e.g. Delivered); Bitrix24: one of "
                      f"{', '.join(BITRIX24_STATUSES)} (lower case)")
    send.add_argument("--description", default="",
                      help="SuperOffice: free text stored with the status (Bitrix24 has none)")
    send.add_argument("--dry-run", action="store_true", help="print the request, send nothing")
    send.add_argument("--yes", action="store_true",
                      help="no confirmation (production, or a status a teammate set already)")
    send.add_argument("--json", action="store_true")

    test = commands.add_parser("test", help="harmless call that checks address and credentials")
    test.add_argument("name")
    test.add_argument("--json", action="store_true")

    login = commands.add_parser(
        "login", help="sign in with the profile's flow and keep the ticket or tokens")
    login.add_argument("name")
    login.add_argument("--no-browser", action="store_true",
                       help="Bitrix24: print the approval page's address instead of opening it")
    login.add_argument("--wait", type=_seconds, default=600.0, metavar="SECONDS",
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
    history.add_argument("--who", default="", metavar="NAME",
                         help="only this person's calls (their user name)")
    history.add_argument("--limit", type=int, default=50, metavar="N")
    formats = history.add_mutually_exclusive_group()
    formats.add_argument("--json", action="store_true")
    formats.add_argument("--csv", action="store_true")
    history_actions = history.add_subparsers(dest="history_action", parser_class=_Parser)
    use = history_actions.add_parser(
        "use", help="the team's history on PostgreSQL, or this machine's (local)",
        description="Keep the history in the team's PostgreSQL database (every desk's "
        "calls, with who and from which machine), or on this machine again (local). The "
        "password is read from standard input (a hidden prompt on a terminal) and kept in "
        "the keyring; an address that carries one is refused.",
        epilog="example: statusdesk-cli history use postgresql://alice@db.example:5432/"
        "statusdesk  (add ?sslmode=require to insist on TLS)")
    use.add_argument("address", help="postgresql://USER@HOST:PORT/DB, or local")

    batch = commands.add_parser("batch", help="send the rows of a CSV file (message_id,status,"
                                "description); '-' reads standard input; without NAME, "
                                "a profile column names each row's profile")
    batch.add_argument("name", nargs="?", metavar="NAME")
    batch.add_argument("file")
    batch.add_argument("--rate", type=float, metavar="R",
                       help="calls per second at most (Bitrix24 2, SuperOffice 5 by default)")
    batch.add_argument("--burst", type=int, metavar="N", help="calls at once at most")
    batch.add_argument("--plan", metavar="NAME",
                       help="the portal's documented limit as rate and burst: Bitrix24 "
                            "standard (2/s, 50) or enterprise (5/s, 250)")
    batch.add_argument("--resend", action="store_true",
                       help="with a team history: send also the rows a teammate set to the "
                            "same status in the last 24 hours (skipped otherwise)")
    batch.add_argument("--resume", action="store_true",
                       help="skip rows of this file already done for this profile")
    batch.add_argument("--results", metavar="OUT.csv", help="write each row's outcome as CSV")
    batch.add_argument("--yes", action="store_true", help="no confirmation for production")
    batch.add_argument("--json", action="store_true", help="one JSON line per row")

    sandbox = commands.add_parser("sandbox", help="run the built-in simulators on 127.0.0.1")
    sandbox.add_argument("--port", type=_port, default=8765,
                         help="TCP port on 127.0.0.1 (default 8765; 0 takes any free one "
                         "and prints it)")
    return parser


def _settings_arguments(parser: argparse.ArgumentParser, *, changing: bool) -> None:
    """The flags of a profile's settings, shared by ``profile add`` and ``profile set``.

    ``profile set`` gives none a default, so that what was not typed is kept."""

    def default(value: object) -> object:
        return argparse.SUPPRESS if changing else value

    if not changing:
        parser.add_argument("--system", required=True, choices=sorted(SYSTEMS))
    parser.add_argument("--url", required=not changing, default=default(None),
                        help="SuperOffice NetServer base or Bitrix24 portal")
    flags: dict[str, list[tuple[str, OptionSpec]]] = {}
    for system in SYSTEMS.values():
        for option in system.options:
            flags.setdefault(option.cli_flag, []).append((system.title, option))
    for flag, uses in flags.items():
        key = uses[0][1].key
        choices = list(dict.fromkeys(c.value for _, o in uses for c in o.choices)) or None
        helps = " ".join(f"{title}: {option.help}" for title, option in uses)
        parser.add_argument(flag, dest=key, choices=choices, help=helps, default=default(None))
    parser.add_argument("--preset", action="append", metavar="LABEL=INT", default=default([]),
                        help="SuperOffice: name a status number, e.g. Delivered=3 (repeatable"
                        + ("; replaces all the presets)" if changing else ")"))
    parser.add_argument("--ca-bundle", default=default(None),
                        help="PEM file of CAs to trust for this profile")
    parser.add_argument("--proxy", default=default(None),
                        help="proxy URL, e.g. http://proxy.example:3128")
    parser.add_argument("--timeout", type=float, default=default(DEFAULT_TIMEOUT),
                        help=f"seconds (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--max-response-mb", type=float, metavar="MB",
                        default=default(DEFAULT_MAX_RESPONSE_MB),
                        help="answers larger than this are cut off "
                        f"({MAX_RESPONSE_MB_RANGE[0]:g}-{MAX_RESPONSE_MB_RANGE[1]:g}, "
                        f"default {DEFAULT_MAX_RESPONSE_MB:g})")
    if changing:
        parser.add_argument("--production", action=argparse.BooleanOptionalAction,
                            default=default(False),
                            help="ask before every send (--no-production: do not)")
    else:
        parser.add_argument("--production", action="store_true", help="ask before every send")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port: give a number from 0 to "
                                         "65535 (0: any free one)")
    return port


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds > 0):
        raise argparse.ArgumentTypeError(f"{text!r} is not a time: give a number of seconds "
                                         "above 0, such as 600")
    return seconds


class _ReaderMayLeave:
    """A standard stream whose reader may go away early (``statusdesk-cli history | head
    -1``): the rest of the output is dropped, the command carries on (a send still
    finishes and is recorded) and its exit code stays its own; no BrokenPipeError."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        try:
            return self._stream.write(text)
        except OSError as exc:
            self._left(exc)
            return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            self._left(exc)

    def _left(self, exc: OSError) -> None:
        # EPIPE; Windows says EINVAL for a pipe whose reader has gone
        if not isinstance(exc, BrokenPipeError) and exc.errno != errno.EINVAL:
            raise exc
        try:  # what is still buffered, and the flush at exit, go nowhere from now on
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, self._stream.fileno())
            os.close(devnull)
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _guard_streams() -> tuple[TextIO, TextIO]:
    before = sys.stdout, sys.stderr
    if not isinstance(sys.stdout, _ReaderMayLeave):
        sys.stdout = cast(TextIO, _ReaderMayLeave(sys.stdout))
    if not isinstance(sys.stderr, _ReaderMayLeave):
        sys.stderr = cast(TextIO, _ReaderMayLeave(sys.stderr))
    return before


def _not_text(args: list[str]) -> str | None:
    """An argument the terminal gave as bytes that are not UTF-8 (Python keeps them as
    lone surrogates, which no file, keyring or database takes)."""
    for arg in args:
        try:
            arg.encode("utf-8")
        except UnicodeEncodeError:
            return arg
    return None


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
    streams = _guard_streams()
    try:
        return _main(sys.argv[1:] if argv is None else argv)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams


def _main(args_list: list[str]) -> int:
    wants_json = "--json" in args_list
    args = argparse.Namespace()
    try:
        odd = _not_text(args_list)
        if odd is not None:
            raise CliError(f"The argument {odd!r} is not UTF-8 text (\\udcXX marks the bytes "
                           "that are not): type it again in a terminal set to UTF-8.")
        args = build_parser().parse_args(args_list)
        return _run(args)
    except CliError as exc:
        return _fail(str(exc), exc.code, wants_json, OutcomeKind.BAD_INPUT)
    except InvalidInput as exc:
        return _fail(exc.message, EXIT_USAGE, wants_json, OutcomeKind.BAD_INPUT, exc.field,
                     command_for(exc.hint, getattr(args, "name", "")))
    except ProfileError as exc:
        return _fail(str(exc), EXIT_USAGE, wants_json, OutcomeKind.BAD_INPUT,
                     command=command_for(getattr(exc, "hint", None), getattr(args, "name", "")))
    except MissingSecret as exc:
        return _fail(str(exc), EXIT_CREDENTIALS, wants_json, OutcomeKind.CREDENTIALS,
                     exc.field, command_for(exc.hint, exc.profile))
    except SecretStoreError as exc:
        return _fail(str(exc), EXIT_CREDENTIALS, wants_json, OutcomeKind.CREDENTIALS)
    except HistoryError as exc:
        return _fail(str(exc), EXIT_STORAGE, wants_json, OutcomeKind.TRANSPORT)
    except TeamSettingError as exc:
        return _fail(str(exc), EXIT_USAGE, wants_json, OutcomeKind.BAD_INPUT)
    except EOFError:  # Ctrl+D (Ctrl+Z on Windows) where an answer was asked for
        return _fail("No answer came (the input ended): nothing was done.", EXIT_USAGE,
                     wants_json, OutcomeKind.BAD_INPUT)
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
        print(f"Warning: not kept in the history: {visible(result.history_problem)}",
              file=sys.stderr)
    say_waiting(result.team)
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
        if args.history_action == "use":
            return use_history(desk, args.address,
                               lambda: _read_secret("the database password", sys.stdin))
        if args.limit < 1:
            raise CliError("--limit must be 1 or more.")
        try:
            return show_history(desk, profile=args.profile, since=args.since,
                                failed=args.failed, limit=args.limit, as_json=args.json,
                                as_csv=args.csv, text=args.search, who=args.who)
        except ValueError as exc:
            raise CliError(str(exc)) from None
    if args.command == "batch":
        return _batch(args, desk)
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
    if args.action == "export":
        return export_pack(args, desk)
    if args.action == "import":
        return import_pack(args, desk)
    if args.action == "add":
        profile = _profile_from_args(args)
        _forgot(desk.save_profile(profile, replacing=profile.name if args.replace else None))
        _emit(args.json, profile.to_dict(), f"Profile {profile.name!r} saved in {store.path}.\n"
              + _next_steps(profile))
    elif args.action == "set":
        old = store.get(args.name)
        given = {k: v for k, v in vars(args).items()
                 if k not in ("command", "action", "name", "json")}
        if not given:
            raise CliError("Nothing to change: give the settings to change, e.g. "
                           f"statusdesk-cli profile set {quote(old.name)} --timeout 60 "
                           "(profile set --help lists them).")
        profile = _profile_from_args(argparse.Namespace(**(_settings_of(old) | given)))
        _forgot(desk.save_profile(profile, replacing=old.name))
        before, after = old.to_dict(), profile.to_dict()
        changed = [key for key in after if after[key] != before.get(key)]
        _emit(args.json, profile.to_dict(),
              f"Profile {profile.name!r} changed: {', '.join(changed)}." if changed
              else f"Profile {profile.name!r} already had these settings.")
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
        if profile.proxy:  # a file from before proxy passwords went to the keyring
            data["proxy"] = shown_proxy(profile.proxy)
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


def _settings_of(profile: Profile) -> dict[str, Any]:
    """A profile as the arguments of ``profile add`` that would make it."""
    options = {o.key: profile.option(o.key) or None for s in SYSTEMS.values() for o in s.options}
    return options | {
        "name": profile.name, "system": profile.system, "url": profile.base_url,
        "preset": [f"{label}={value}" for label, value in profile.presets.items()],
        "ca_bundle": profile.ca_bundle, "proxy": profile.proxy, "timeout": profile.timeout,
        "max_response_mb": profile.max_response_mb, "production": profile.production,
    }


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
    try:
        check_timeout(args.timeout)
    except ProfileError as exc:
        raise CliError(f"--timeout: {exc}") from None
    try:
        check_max_response_mb(args.max_response_mb)
    except ProfileError as exc:
        raise CliError(f"--max-response-mb: {exc}") from None
    profile = Profile(
        name=args.name, system=system.key, base_url=system.normalize_base_url(args.url),
        options=options, presets=presets, production=args.production,
        ca_bundle=str(Path(args.ca_bundle).absolute()) if args.ca_bundle else None,
        proxy=args.proxy, timeout=args.timeout,
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
    specs = credential_fields(get_system(profile.system), profile)
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
    try:
        if stream.isatty():
            value = getpass.getpass(f"{field} (input hidden): ").strip()
        else:
            value = stream.read().strip("\r\n")
    except EOFError:  # Ctrl+D at the hidden prompt
        raise CliError(f"Nothing was typed for {field} (the input ended): nothing was "
                       "stored.") from None
    except UnicodeDecodeError:
        value = "\udcff"  # a strict stream: the same answer as below
    if _not_text([value]) is not None:  # bytes kept as surrogates: no keyring takes them
        raise CliError(f"The {field} given is not UTF-8 text: nothing was stored.")
    return value


def _send(args: argparse.Namespace, desk: Desk, profile: Profile) -> int:
    system = get_system(profile.system)
    update = StatusUpdate(args.message_id, args.status, args.description)
    system.validate(update, profile)
    if args.dry_run:
        shown = desk.preview(profile, update)
        request = shown.request
        for note in shown.notes:
            print(f"Note: {visible(note)}", file=sys.stderr)
        if args.json:
            print(json_text({"ok": True, "dry_run": True, "outcome": None,
                             "request": request.to_dict(), "response": None, "elapsed": None}))
        else:
            print("Dry run: nothing was sent. This request would go out:\n")
            print(rendering.raw_request(request))
        return 0
    for warning in (*system.warnings(profile), system.status_warning(update, profile)):
        if warning:
            print(f"Warning: {visible(warning)}", file=sys.stderr)
    earlier = earlier_question(desk, profile, update.message_id)
    if earlier and not args.yes:
        _confirm_again(earlier)
    question = production_send(profile, update)
    if question is not None and not args.yes:
        _confirm(question)
    return _report(desk.send(profile, update), args.json)


def _confirm_again(earlier: str) -> None:
    """A teammate (or you) set this message's status in the last 24 hours: ask."""
    if not sys.stdin.isatty():
        raise CliError(f"{earlier}\nNot sent: add --yes to send it again without a "
                       "terminal to confirm on.")
    try:
        answer = input(f"{visible(earlier)}\nSend it again? [y/N] ").strip().lower()
    except EOFError:
        raise CliError("Not sent (no answer: the input ended).") from None
    if answer not in ("y", "yes"):
        raise CliError("Not sent.")


def _batch(args: argparse.Namespace, desk: Desk) -> int:
    try:
        check_pace(args.rate, args.burst)
    except PaceError as exc:
        raise CliError(f"--{exc.option}: {exc}") from None
    if args.name is None:  # a profile column names each row's profile
        from cli.batch_customers import customers_batch

        try:
            return customers_batch(args, desk, _confirm, _lock)
        except (BatchFileError, BatchStopped) as exc:
            raise CliError(str(exc)) from None
        except HistoryError as exc:
            raise CliError(f"The batch stopped: {exc}", code=3) from None
        finally:
            say_waiting(desk.team.deliver(patient=True))  # its rows, to the team history
    profile = desk.profiles.get(args.name)
    try:
        rate, burst = plan_pace(profile, args.plan, args.rate, args.burst)
        batch = desk.check_with_team(load_batch(args.file, profile, sys.stdin), profile,
                                     resend=args.resend)
        if args.results:
            check_results(args.results, args.file)
        run = desk.batch(profile, batch, rate=rate, burst=burst)
        _lock(run)  # a second run of this file is refused at once, before asking
        try:
            question = production_batch(profile, batch)
            if question is not None and not args.yes and batch.valid:
                _confirm(question)
            return run_batch(desk, profile, batch, rate=rate, burst=burst,
                             resume=args.resume, as_json=args.json, results=args.results,
                             run=run, out=sys.stdout, err=sys.stderr)  # as guarded now
        finally:
            run.lock.release()
            say_waiting(desk.team.deliver(patient=True))  # its rows, to the team history
    except (BatchFileError, BatchStopped) as exc:
        raise CliError(str(exc)) from None
    except HistoryError as exc:
        raise CliError(f"The batch stopped: {exc}", code=3) from None


def _lock(run: BatchRun | CustomersRun) -> None:
    try:
        run.lock.acquire()
    except BatchBusy as exc:
        raise CliError(f"Not started: {exc.message} Wait for that run to end (or stop it), "
                       "then carry on with --resume.") from None
    except OSError as exc:  # the lock file beside the history cannot be made
        raise CliError(f"The batch cannot start: {exc.filename or run.lock.path}: "
                       f"{exc.strerror or exc}.", code=3) from None


def _confirm(question: Confirmation) -> None:
    if not sys.stdin.isatty():
        raise CliError(f"{question.as_prompt()}\nThis is a production profile: add --yes to "
                       "send without a terminal to confirm on.")
    try:
        answer = input(f"{visible(question.as_prompt(), layout=True)} [y/N] ").strip().lower()
    except EOFError:  # Ctrl+D: no is the answer
        raise CliError("Not sent (no answer: the input ended).") from None
    if answer not in ("y", "yes"):
        raise CliError("Not sent.")


def _print_exchange(exchange: Exchange, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        print(json_text(exchange.to_dict() | (extra or {})))
        return
    stream = sys.stdout if exchange.ok else sys.stderr
    print(rendering.outcome_text(exchange), file=stream)
    command = command_for(exchange.outcome.hint, exchange.profile)
    if command:
        print(f"  next: {command}", file=stream)
    if exchange.outcome.detail:
        print("\n--- detail ---\n" + visible(exchange.outcome.detail, layout=True))
    print("\n--- request ---\n" + rendering.raw_request(exchange.request))
    if exchange.response is not None:
        print("\n--- response ---\n" + rendering.raw_response(exchange.response))
    elif exchange.error:
        print(f"\n--- no response ---\n{visible(exchange.error, layout=True)}")


def _emit(as_json: bool, data: Any, text: str) -> None:
    print(json_text(data) if as_json else visible(text, layout=True))


def _fail(message: str, code: int, as_json: bool, kind: OutcomeKind, field: str = "",
          command: str = "") -> int:
    if as_json:
        outcome = {"ok": False, "kind": kind.value, "summary": message, "field": field,
                   "command": command}
        print(json_text({"ok": False, "outcome": outcome, "request": None, "response": None,
                         "elapsed": None}))
    else:  # a sign-in's failure, say, may quote the server
        print(f"statusdesk-cli: {visible(message, layout=True)}", file=sys.stderr)
        if command:
            print(f"  next: {command}", file=sys.stderr)
    return code


def _next_steps(profile: Profile) -> str:
    """What to store (and whether to sign in) before the first send."""
    system = get_system(profile.system)
    specs = credential_fields(system, profile)
    browser = browser_sign_in(system, profile)
    needed = [s.key for s in specs if s.required and not s.managed]
    name = quote(profile.name)
    steps = [f"statusdesk-cli secret set {name} {field}" for field in needed]
    if browser is not None or any(s.managed for s in specs):
        steps.append(f"then statusdesk-cli login {name}")
    if browser is not None:
        try:
            browser.authorization_url(profile, "", "")
        except InvalidInput as exc:  # a setting sign-in needs is missing: that comes first
            steps.insert(0, command_for(exc.hint, profile.name))
    return f"Next: {'; '.join(steps)}"


def _secret_status(profile: Profile) -> dict[str, str]:
    try:
        secrets = SecretStore()
        return {name: "stored" if secrets.has(profile.name, name) else "missing"
                for name in secret_keys(profile)}
    except KeyringUnavailable:
        return {name: "unknown (no keyring)" for name in secret_keys(profile)}


if __name__ == "__main__":
    sys.exit(main())
