"""Driving the sandbox from another process (CLI, GUI) and telling people where it is.

``POST /_sandbox/control`` takes a JSON object; every key is checked before any is
applied, so a typo changes nothing; seeded message ids come back under ``seeded``. It
insists on ``Content-Type: application/json`` and a loopback ``Host`` so a web page in a
browser cannot drive it (no simple CORS request, no DNS rebinding).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from sandbox.bitrix24 import ERRORS, known_error
from sandbox.checks import check_count, check_every, check_rate, check_seconds
from sandbox.faults import FAULT_KINDS
from sandbox.superoffice import check_style
from sandbox.superoffice_versions import check_served
from sandbox.wire import Incoming, Reply

if TYPE_CHECKING:
    from sandbox.server import Sandbox

CONTROL_KEYS = {
    "reset": "true: everything back to the initial state (applied first)",
    "delay": "seconds every following answer waits first; 0 turns it off",
    "advance_clock": "seconds to move the sandbox clock forward (token expiry, rate limit)",
    "superoffice_bad_ticket_style": '"succeeded_false" or "fault"',
    "superoffice_services": '["86", "88"] (the default), ["88"] or ["86"]: the Services '
                            "versions NetServer serves (and /api names)",
    "superoffice_inject_fault": 'true, a message, or {"message": ..., "style": ...}',
    "superoffice_revoke_tickets": "true: tickets from sign-ins are refused now (not the demo "
                                  "ticket)",
    "bitrix24_inject_error": "a documented error code for the next Bitrix24 REST call",
    "bitrix24_move_portal": "new portal URL (REST calls answer 302), or null to undo",
    "bitrix24_expire_access_token": "true: the main user's access tokens expire now",
    "bitrix24_rate_limit": '{"drain_per_second": 2, "burst": 50}: the leaky bucket',
    "bitrix24_seed_messages": 'a count, or {"n": ..., "start": 1}: add bulk messages',
    "superoffice_seed_messages": 'a count, or {"n": ..., "start": 1}: add bulk messages',
    "bitrix24_fail_every": '{"n": ..., "code": "QUERY_LIMIT_EXCEEDED" or [codes], '
                           '"reset_after": 1}: every n-th status update fails; null clears',
    "superoffice_fail_every": '{"n": ..., "message": ..., "style": "fault"}: every n-th '
                              "SetDeliveryStatus fails; null clears",
    "bitrix24_stall_every": '{"n": ..., "seconds": ...}: every n-th status update is applied '
                            "and answered late; null clears",
    "superoffice_stall_every": '{"n": ..., "seconds": ...}: the same for SetDeliveryStatus',
    "bitrix24_drop_every": '{"n": ..., "apply": false}: every n-th status update gets its '
                           "connection closed without an answer; null clears",
    "superoffice_drop_every": '{"n": ..., "apply": false}: the same for SetDeliveryStatus',
    "clear_faults": "true: both systems' schedules, injected errors and blocks are cleared",
}
MAX_SEED = 100_000


def handle_control(sandbox: Sandbox, req: Incoming) -> Reply:
    if req.method == "GET":
        return Reply.json(200, {"ok": True, "state": sandbox.state(), "keys": CONTROL_KEYS})
    if req.method != "POST":
        return _refuse(405, "Use POST with a JSON object (GET shows the state).")
    host = (req.header("Host") or "").lower()
    if host not in (f"127.0.0.1:{sandbox.port}", f"localhost:{sandbox.port}"):
        return _refuse(403, f"Host {host!r} is not this sandbox's loopback address.")
    if req.media_type()[0] != "application/json":
        return _refuse(415, "Send Content-Type: application/json.")
    try:
        payload = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return _refuse(400, f"Not JSON: {exc}")
    if not isinstance(payload, dict) or not payload:
        return _refuse(400, "Send a non-empty JSON object.")
    try:
        actions = [(key, _plan(sandbox, key, value)) for key, value in payload.items()]
    except ValueError as exc:
        return _refuse(400, str(exc))
    if payload.get("reset") is True:
        sandbox.reset()
    seeded: dict[str, object] = {}
    for key, action in actions:
        result = action()
        if key.endswith("_seed_messages"):
            seeded[key.removesuffix("_seed_messages")] = result
    answer: dict[str, object] = {"ok": True, "state": sandbox.state()}
    if seeded:
        answer["seeded"] = seeded
    return Reply.json(200, answer)


def _refuse(status: int, message: str) -> Reply:
    return Reply.json(status, {"ok": False, "error": message, "keys": CONTROL_KEYS})


def _plan(sandbox: Sandbox, key: str, value: object) -> Callable[[], object]:
    """Check one key's value now; return what applying it does."""
    if key not in CONTROL_KEYS:
        raise ValueError(f"unknown control key {key!r}")
    system_name, _, rest = key.partition("_")
    if rest in ("fail_every", "stall_every", "drop_every", "seed_messages", "rate_limit"):
        try:
            return _plan_bulk(sandbox, system_name, rest, value)
        except ValueError as exc:
            raise ValueError(f"{key}: {exc}") from None
    if key == "clear_faults":
        if value is not True:
            raise ValueError("clear_faults takes true")
        def clear_both() -> None:
            sandbox.bitrix24.clear_faults()
            sandbox.superoffice.clear_faults()

        return clear_both
    if key == "reset":
        if value is not True:
            raise ValueError("reset takes true")
        return lambda: None
    if key in ("delay", "advance_clock"):
        limit = 600 if key == "delay" else 366 * 24 * 3600
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= limit:
            raise ValueError(f"{key} takes a number of seconds between 0 and {limit}")
        seconds = float(value)
        if key == "delay":
            return lambda: sandbox.set_delay(seconds)
        return lambda: sandbox.clock.advance(seconds)
    if key == "superoffice_bad_ticket_style":
        style = check_style(value, key)
        return lambda: setattr(sandbox.superoffice, "bad_ticket_style", style)
    if key == "superoffice_inject_fault":
        return _plan_so_fault(sandbox, value)
    if key == "superoffice_services":
        served = check_served(value)
        return lambda: setattr(sandbox.superoffice, "services", served)
    if key == "bitrix24_inject_error":
        if not isinstance(value, str) or value.upper() not in {c.upper() for c in ERRORS}:
            raise ValueError(f"bitrix24_inject_error takes one of: {', '.join(ERRORS)}")
        code = value
        return lambda: sandbox.bitrix24.inject_error(code)
    if key == "bitrix24_move_portal":
        if value is not None and not (isinstance(value, str)
                                      and value.startswith(("http://", "https://"))):
            raise ValueError("bitrix24_move_portal takes an http(s) URL or null")
        url = value
        return lambda: sandbox.bitrix24.move_portal(url)
    if value is not True:  # superoffice_revoke_tickets, bitrix24_expire_access_token
        raise ValueError(f"{key} takes true")
    if key == "superoffice_revoke_tickets":
        return sandbox.superoffice.revoke_tickets
    return sandbox.bitrix24.expire_access_token


def _fields(value: object, required: tuple[str, ...],
            optional: tuple[str, ...] = ()) -> dict[str, object]:
    if not isinstance(value, dict):
        raise ValueError(f"takes an object with {', '.join(required + optional)}")
    unknown = sorted(set(value) - set(required) - set(optional))
    missing = [name for name in required if name not in value]
    if unknown or missing:
        raise ValueError(f"takes {', '.join(required)} (optional: "
                         f"{', '.join(optional) or 'none'}); unknown {unknown}, missing {missing}")
    return value


def _plan_bulk(sandbox: Sandbox, system_name: str, what: str,
               value: object) -> Callable[[], object]:
    """The bulk-mode keys: schedules, seeding and the rate limit."""
    system = sandbox.bitrix24 if system_name == "bitrix24" else sandbox.superoffice
    if what == "seed_messages":
        if isinstance(value, int) and not isinstance(value, bool):
            fields: dict[str, object] = {"n": value}
        else:
            fields = _fields(value, ("n",), ("start",))
        count = check_count(fields["n"], "n", 0, MAX_SEED)
        start = check_count(fields.get("start", 1), "start", 1, MAX_SEED)
        return lambda: system.seed_messages(count, start=start)
    if what == "rate_limit":
        fields = _fields(value, ("drain_per_second", "burst"))
        drain = check_rate(fields["drain_per_second"], "drain_per_second")
        burst = check_count(fields["burst"], "burst", 1)
        return lambda: sandbox.bitrix24.set_rate_limit(drain, burst)
    kind = what.removesuffix("_every")
    assert kind in FAULT_KINDS
    if value is None:
        return lambda: system.clear_faults(kind)
    if kind == "stall":
        fields = _fields(value, ("n", "seconds"))
        n, seconds = check_every(fields["n"]), check_seconds(fields["seconds"])
        return lambda: system.stall_every(n, seconds)
    if kind == "drop":
        fields = _fields(value, ("n",), ("apply",))
        n, apply = check_every(fields["n"]), fields.get("apply", False)
        if not isinstance(apply, bool):
            raise ValueError("apply takes true or false")
        return lambda: system.drop_every(n, apply=apply)
    if system_name == "bitrix24":
        fields = _fields(value, ("n",), ("code", "reset_after"))
        n = check_every(fields["n"])
        code = fields.get("code", "QUERY_LIMIT_EXCEEDED")
        codes = [code] if isinstance(code, str) else code
        if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
            raise ValueError("code takes an error code or a non-empty list of them")
        codes = [known_error(c) for c in codes]
        reset_after = check_seconds(fields.get("reset_after", 1.0), "reset_after")
        return lambda: sandbox.bitrix24.fail_every(n, codes, reset_after=reset_after)
    fields = _fields(value, ("n",), ("message", "style"))
    n = check_every(fields["n"])
    message = fields.get("message", "Simulated NetServer failure")
    if not isinstance(message, str) or not message:
        raise ValueError("message takes a non-empty string")
    style = check_style(fields.get("style", "fault"))
    return lambda: sandbox.superoffice.fail_every(n, message, style)


def _plan_so_fault(sandbox: Sandbox, value: object) -> Callable[[], None]:
    message, style = "Simulated NetServer failure", "fault"
    if isinstance(value, str) and value:
        message = value
    elif isinstance(value, dict):
        message = str(value.get("message", message))
        style = check_style(value.get("style", style), "superoffice_inject_fault style")
    elif value is not True:
        raise ValueError("superoffice_inject_fault takes true, a message or an object")
    return lambda: sandbox.superoffice.inject_fault(message, style)


def seeded_lines(sandbox: Sandbox) -> list[str]:
    """The message ids the sandbox knows from its start, to try a send with."""
    return ["Seeded SuperOffice external message ids: " + ", ".join(sandbox.superoffice_messages),
            "Seeded Bitrix24 MESSAGE_IDs: " + ", ".join(sandbox.bitrix24_messages)]


def index_page(sandbox: Sandbox) -> str:
    """The plain-text page at ``GET /``."""
    c = sandbox.credentials
    return "\n".join([
        banner(sandbox),
        "",
        *seeded_lines(sandbox),
        "",
        "SuperOffice application private key (PKCS#8 PEM, SANDBOX-ONLY), for system-user "
        "sign-in:",
        c.so_private_key.rstrip("\n"),
        "",
        "Other values for trying errors:",
        f"  Bitrix24 inbound webhook (gets 403, no app context): {c.b24_webhook_url}",
        f"  Bitrix24 token of a non-admin user:  {c.b24_other_user_token}",
        "",
        f"Control: POST {sandbox.control_url} with JSON, keys:",
        *(f"  {key}: {text}" for key, text in CONTROL_KEYS.items()),
        "",
    ])


def banner(sandbox: Sandbox) -> str:
    """URLs and demo credentials, said plainly to be sandbox-only."""
    c = sandbox.credentials
    return "\n".join([
        f"StatusDesk sandbox running on {sandbox.origin} (loopback only).",
        "These are SANDBOX-ONLY demo values; they work against this simulator and nowhere else.",
        "",
        "SuperOffice (NetServer, Online tenant Cust12345)",
        f"  Base URL:          {sandbox.superoffice_url}",
        f"  Ticket:            {c.so_ticket}",
        f"  Application token: {c.so_app_token}",
        f"  Username/password: {c.so_username} / {c.so_password}",
        f"  Plugin:            {c.so_plugin}",
        f"  Online login URL:  {sandbox.superoffice_login_url} (system-user sign-in)",
        f"  Tenant:            {c.so_tenant}",
        f"  System user token: {c.so_system_user_token}",
        f"  Private key:       {sandbox.origin}/_sandbox/app-private-key.pem (sandbox-only)",
        "",
        "Bitrix24",
        f"  Portal URL:        {sandbox.bitrix24_url}",
        f"  OAuth server:      {sandbox.bitrix24_oauth_url}",
        f"  Authorize (code):  {sandbox.bitrix24_authorize_url}",
        f"  Provider CODE:     {c.b24_code}",
        f"  Access token:      {c.b24_access_token}",
        f"  Refresh token:     {c.b24_refresh_token}",
        f"  Client id:         {c.b24_client_id}",
        f"  Client secret:     {c.b24_client_secret}",
    ])
