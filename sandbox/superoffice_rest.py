"""Simulated REST agent endpoint: POST {base}/api/v1/Agents/Messaging/SetDeliveryStatus.

The spec marks this route as not confirmed to be deployed; the sandbox serves it with the
documented shape (``Authorization: SOTicket``, ``SO-AppToken``, PascalCase JSON body) and
is strict about types, so a client that passes here sends what the agent expects.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sandbox.wire import Incoming, Reply

if TYPE_CHECKING:
    from sandbox.superoffice import SuperOfficeSandbox

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
FIELDS = ("Plugin", "ExternalMessageId", "Status", "StatusDescription")


def error(status: int, message: str, error_type: str, source: str = "SuperOffice.WebApi",
          headers: list[tuple[str, str]] | None = None) -> Reply:
    return Reply.json(status, {"Error": message, "ErrorType": error_type, "Source": source},
                      headers)


def handle_rest_set_status(so: SuperOfficeSandbox, req: Incoming) -> Reply:
    """Check method, auth, content type and body, then store the status (204)."""
    if req.method != "POST":
        return error(405, f"The requested resource does not support http method '{req.method}'.",
                     "MethodNotAllowed", headers=[("Allow", "POST")])
    authorization = (req.header("Authorization") or "").strip()
    scheme, _, ticket = authorization.partition(" ")
    if scheme.lower() != "soticket" or not so.ticket_is_valid(ticket.strip()):
        return error(401, "Authorization has been denied: send 'Authorization: SOTicket <ticket>' "
                          "with a valid ticket.", "SoSecurityException",
                     headers=[("WWW-Authenticate", "SOTicket")])
    if (req.header("SO-AppToken") or "").strip() != so.app_token:
        return error(401, "The SO-AppToken header is missing or does not hold this tenant's "
                          "application token.", "SecurityException",
                     headers=[("WWW-Authenticate", "SOTicket")])
    media_type, _ = req.media_type()
    if media_type != "application/json":
        return error(415, f"The request entity's media type '{media_type or '(none)'}' is not "
                          "supported; send application/json.", "UnsupportedMediaType")
    try:
        payload = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return error(400, f"The request body is not valid JSON: {exc}", "ArgumentException")
    if not isinstance(payload, dict):
        return error(400, "The request body must be a JSON object.", "ArgumentException")
    values = {key.lower(): value for key, value in payload.items()}
    unknown = sorted(set(values) - {f.lower() for f in FIELDS})
    if unknown:
        return error(400, f"Unknown parameter(s): {', '.join(unknown)}. Expected "
                          f"{', '.join(FIELDS)}.", "ArgumentException")
    for name in ("Plugin", "ExternalMessageId", "StatusDescription"):
        value = values.get(name.lower())
        if value is not None and not isinstance(value, str):
            return error(400, f"{name} must be a JSON string.", "ArgumentException")
    status = values.get("status")
    if isinstance(status, bool) or not isinstance(status, int):
        return error(400, "Status must be a JSON integer (xs:int).", "ArgumentException")
    if not INT32_MIN <= status <= INT32_MAX:
        return error(400, f"Status {status} is outside the 32-bit integer range.",
                     "OverflowException")

    injected = so.take_injected()
    if injected is not None:
        return error(500, injected.message, "SoServerException", "SuperOffice.Services86")

    def update() -> Reply:
        failure = so.set_status(values.get("plugin"), values.get("externalmessageid"), status,
                                values.get("statusdescription"))
        if failure is not None:
            return error(500, failure.message, failure.exception_type, failure.source)
        return Reply(204)

    return so.run_status_update(update, lambda fault: error(
        500, fault.message, "SoServerException", "SuperOffice.Services86"))
