"""SuperOffice's REST agents (``/api/v1/Agents/Messaging/...``), the "rest" transport:
the request, and its answer read, HTTP errors and the HTTP 200s that carry an error alike.
"""

from __future__ import annotations

import json

from core import hints, safe_json
from core.exchange import Outcome, OutcomeKind, OutgoingRequest, ReceivedResponse
from core.systems.base import http_outcome

REST_PATH = "/api/v1/Agents/Messaging/SetDeliveryStatus"
REST_PLUGINS_PATH = "/api/v1/Agents/Messaging/GetPlugins"


def request(
    base: str,
    operation: str,
    values: list[tuple[str, str, str]],
    ticket: str,
    app_token: str | None,
) -> OutgoingRequest:
    body = {name: int(value) if kind == "int" else value for name, kind, value in values}
    headers = [
        ("Content-Type", "application/json; charset=utf-8"),
        ("Accept", "application/json"),
        ("Authorization", f"SOTicket {ticket}"),
    ]
    if app_token:
        headers.append(("SO-AppToken", app_token))
    path = REST_PATH if operation == "SetDeliveryStatus" else REST_PLUGINS_PATH
    return OutgoingRequest(
        "POST", base + path, tuple(headers), json.dumps(body, ensure_ascii=False).encode("utf-8")
    )


def read_answer(response: ReceivedResponse, operation: str) -> Outcome:
    """An HTTP error, or a 200 that says it failed: the agent API answers some failures
    with HTTP 200 and an error object (``{"Error": ..., "ErrorType": ...}``), or ``null``
    where GetPlugins' list should be. ``"Error": null`` beside a result is no error."""
    try:
        data = safe_json.loads(response.body) if response.body.strip() else {}
    except ValueError:
        data = {}
    if response.is_success:
        if operation == "GetPlugins" and data is None:
            return Outcome(
                OutcomeKind.REFUSED,
                "SuperOffice answered HTTP 200 with null instead of the list of plugins: the "
                "call failed without saying why.", code="null answer",
                advice="Check the ticket, the application token and that the Messaging agent "
                "is open to this app; the NetServer log says more.")
        message, error_type = _rest_error(data, failed=False)
        if not message:
            return Outcome(OutcomeKind.DONE, "SuperOffice accepted the call (REST).")
        return _rest_refusal(response, data, message, error_type, in_a_200=True)
    message, error_type = _rest_error(data, failed=True)
    if not message:
        return http_outcome(
            response,
            "NetServer's REST API",
            credentials_advice="Store a fresh ticket and check the application token.",
            address_advice="This NetServer may not expose the REST agents: use transport "
            "'soap' (the WSDL way).",
        )
    return _rest_refusal(response, data, message, error_type, in_a_200=False)


def _rest_error(data: object, *, failed: bool) -> tuple[str, str]:
    """(message, error type) of an agent answer's error, ("", "") when it holds none.
    ``failed``: the HTTP status already says so, so a bare ``Message`` is the reason too."""
    if not isinstance(data, dict):
        return "", ""
    error = data.get("Error", data.get("error"))
    error_type = str(data.get("ErrorType") or data.get("ExceptionType") or "")
    if isinstance(error, dict):  # an error object: {"Message": ..., "ErrorType": ...}
        message = str(error.get("Message") or error.get("Error") or error.get("FriendlyText")
                      or "an error without a message")
        return message, str(error.get("ErrorType") or error.get("ExceptionType") or error_type)
    if error:
        return str(error), error_type
    if error_type or failed:  # an exception's shape: {"Message": ..., "ExceptionType": ...}
        return str(data.get("Message") or error_type), error_type
    if data.get("Succeeded") is False:
        return str(data.get("Message") or "Succeeded=false"), error_type
    return "", ""


def _rest_refusal(response: ReceivedResponse, data: object, message: str, error_type: str,
                  *, in_a_200: bool) -> Outcome:
    credentials = response.status_code in (401, 403) or any(
        word in f"{message} {error_type}".lower()
        for word in ("ticket", "authenticat", "credential", "security", "unauthori"))
    kind = OutcomeKind.CREDENTIALS if credentials else OutcomeKind.REFUSED
    how = ("answered HTTP 200 but with an error, so it was not applied"
           if in_a_200 else f"refused the call (HTTP {response.status_code})")
    return Outcome(
        kind,
        f"SuperOffice {how}: {message}",
        code=error_type or f"HTTP {response.status_code}",
        advice="Store a fresh ticket and check the application token."
        if kind is OutcomeKind.CREDENTIALS
        else "Check the plugin name and the external message id.",
        hint=hints.store("ticket") if kind is OutcomeKind.CREDENTIALS else None,
        detail=json.dumps(data, indent=2, ensure_ascii=False),
    )


def plugin_names(response: ReceivedResponse) -> tuple[str, ...]:
    try:
        data = safe_json.loads(response.body)
    except ValueError:
        return ()
    if not isinstance(data, list):
        return ()
    names = (item.get("Name") for item in data if isinstance(item, dict))
    return tuple(str(name) for name in names if name)
