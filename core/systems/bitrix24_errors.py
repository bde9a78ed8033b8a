"""Every error Bitrix24 documents for messageservice.message.status.update, in plain words.

Keyed by the ``error`` code of the JSON answer; ACCESS_DENIED has two meanings told apart
by its description (webhook without application context, or a caller who is neither the
message's author nor an admin).
"""

from __future__ import annotations

from dataclasses import dataclass

from core import hints
from core.exchange import OutcomeKind
from core.hints import Hint

REFUSED, CREDENTIALS = OutcomeKind.REFUSED, OutcomeKind.CREDENTIALS


@dataclass(frozen=True)
class KnownError:
    kind: OutcomeKind
    summary: str
    advice: str
    retry_safe: bool = False
    hint: Hint | None = None


APP_CONTEXT_REQUIRED = KnownError(
    CREDENTIALS,
    "Bitrix24 refused the webhook: this method only accepts an application's OAuth token, "
    "never an inbound webhook (HTTP 403, 'Application context required').",
    "Switch the profile to OAuth (--auth oauth) and store the access token of the app that "
    "registered the SMS provider.",
    hint=hints.store("access-token"),
)

NOT_AUTHOR = KnownError(
    CREDENTIALS,
    "Bitrix24 refused: the token's user is neither the message's author nor a portal admin.",
    "Use the token of the app/user that sent the message, or of a portal administrator.",
)

KNOWN_ERRORS: dict[str, KnownError] = {
    "ERROR_SENDER_VALIDATION_FAILURE": KnownError(
        REFUSED,
        "Bitrix24 does not accept the provider code (CODE is empty or malformed).",
        "Check the profile's provider code: letters, digits, dot, dash and underscore only. "
        "'Test connection' lists the codes this app registered.",
    ),
    "ERROR_MESSAGE_NOT_FOUND": KnownError(
        REFUSED,
        "Bitrix24 has no message with this id for this provider.",
        "Check the message id (the message_id string Bitrix24 sent the provider, often 32 hex "
        "characters) and that the profile's provider code is the one that sent it.",
    ),
    "ERROR_MESSAGE_STATUS_INCORRECT": KnownError(
        REFUSED,
        "Bitrix24 does not accept this status.",
        "Use one of: queued, sent, delivered, undelivered, failed (lower-case).",
    ),
    "NO_AUTH_FOUND": KnownError(
        CREDENTIALS,
        "Bitrix24 found no access token in the call (HTTP 401).",
        "Store the app's access token.",
        hint=hints.store("access-token"),
    ),
    "expired_token": KnownError(
        CREDENTIALS,
        "The access token has expired (they live one hour).",
        "Store a fresh access token, or store refresh-token, client-id and client-secret so "
        "StatusDesk renews it by itself.",
    ),
    "invalid_token": KnownError(
        CREDENTIALS,
        "Bitrix24 does not know this access token (HTTP 401).",
        "Store a current access token of the app.",
        hint=hints.store("access-token"),
    ),
    "insufficient_scope": KnownError(
        CREDENTIALS,
        "The app's token lacks the 'messageservice' permission.",
        "Give the app the messageservice scope in Bitrix24, reinstall it, and store its new token.",
    ),
    "INVALID_CREDENTIALS": KnownError(
        CREDENTIALS,
        "Bitrix24 refused the credentials: the token's user has no access (HTTP 403).",
        "Check that the app's user is still active and allowed on this portal.",
    ),
    "user_access_error": KnownError(
        CREDENTIALS,
        "Bitrix24 refused: the token's user may not use this portal's REST API (HTTP 403).",
        "Ask the portal admin to grant the app's user access (e.g. not an extranet user).",
    ),
    "QUERY_LIMIT_EXCEEDED": KnownError(
        REFUSED,
        "Bitrix24's request limit was hit (2 per second, bursts of 50); the call was not run.",
        "Wait a few seconds and send again; it is always safe to retry.",
        retry_safe=True,
    ),
    "OVERLOAD_LIMIT": KnownError(
        REFUSED,
        "The portal is overloaded and refused the call before running it.",
        "Wait a minute and send again; it is safe to retry.",
        retry_safe=True,
    ),
    "OPERATION_TIME_LIMIT": KnownError(
        REFUSED,
        "This method used up its operating time on the portal for the current 10 minutes.",
        "Wait until the limit resets (see time.operating_reset_at of an earlier answer), "
        "then send again.",
        retry_safe=True,
    ),
    "ERROR_METHOD_NOT_FOUND": KnownError(
        REFUSED,
        "The portal does not know messageservice.message.status.update (HTTP 404).",
        "Check the portal address; the messageservice module may be missing on this portal.",
    ),
    "INVALID_REQUEST": KnownError(
        REFUSED,
        "Bitrix24 rejected the request as invalid (it demands HTTPS).",
        "Use the https:// address of the portal in the profile.",
    ),
    "INTERNAL_SERVER_ERROR": KnownError(
        REFUSED,
        "Bitrix24 had an internal error (HTTP 500).",
        "Try again in a minute (a repeated status update is harmless); if it persists, "
        "contact Bitrix24 support with the raw exchange.",
        retry_safe=True,
    ),
    "PORTAL_DELETED": KnownError(
        REFUSED,
        "This Bitrix24 portal has been deleted.",
        "Check the portal address with the customer; the profile may be out of date.",
    ),
}


def known_error(code: str, description: str) -> KnownError | None:
    if code == "ACCESS_DENIED":
        return APP_CONTEXT_REQUIRED if "context" in description.lower() else NOT_AUTHOR
    return KNOWN_ERRORS.get(code) or KNOWN_ERRORS.get(code.upper())
