"""Bitrix24: messageservice.message.status.update(CODE, MESSAGE_ID, STATUS).

The caller is the SMS provider's application, with its OAuth access token in ``auth``.
Inbound webhooks are refused by Bitrix24 for this method (403, application context
required): such a profile is allowed, but the user is warned before sending.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import replace
from urllib.parse import urlencode, urlsplit

from core import hints, safe_json
from core.exchange import Outcome, OutcomeKind, OutgoingRequest, ReceivedResponse, StatusUpdate
from core.pacing import PacePlan
from core.profiles import Profile
from core.systems.base import (
    Choice,
    FormField,
    InvalidInput,
    OptionSpec,
    RenewalFailed,
    SecretSpec,
    SignIn,
    host_of,
    html_page_outcome,
    http_outcome,
    require_http_url,
    require_secret,
    require_text,
)
from core.systems.bitrix24_errors import known_error

METHOD = "messageservice.message.status.update"
LIST_METHOD = "messageservice.sender.list"
STATUSES = ("queued", "sent", "delivered", "undelivered", "failed")
MAX_MESSAGE_ID = 128
DEFAULT_OAUTH_SERVER = "https://oauth.bitrix.info"
_CODE = re.compile(r"^[a-z0-9.\-_]+$", re.IGNORECASE)
_WEBHOOK = re.compile(r"^https?://[^/]+(/.*)?/rest/\d+/[^/]+/?$")
_REST_TAIL = re.compile(r"/rest(/.*)?$")

ACCESS_TOKEN = SecretSpec("access-token", "access token",
                          "The OAuth access token of the app: Sign in fills it (it lives 1 hour "
                          "and is renewed by itself); or paste one.", required=False,
                          renewed=True)
REFRESH_TOKEN = SecretSpec("refresh-token", "refresh token",
                           "Lets StatusDesk renew the access token: Sign in fills it.",
                           required=False, renewed=True)
CLIENT_SECRET = SecretSpec("client-secret", "client secret",
                           "The app's client secret, sent only to the OAuth server: needed to "
                           "sign in and to renew tokens.")
WEBHOOK_URL = SecretSpec("webhook-url", "webhook address",
                         "The whole inbound webhook address, https://portal/rest/1/xxxx/.")

WEBHOOK_WARNING = (
    "This profile uses an inbound webhook. Bitrix24 refuses webhooks for "
    "messageservice.message.status.update and will answer 403 'Application context "
    "required'. Use an OAuth application's access token instead."
)


def _no_client_id() -> InvalidInput:
    return InvalidInput(
        "client_id", "Signing in needs the app's client id (local.xxxx..., shown with the "
        "app's client secret in the portal), and this profile has none.",
        hint=hints.fill_in("client_id"))


class Bitrix24:
    key = "bitrix24"
    title = "Bitrix24"
    address_example = "https://example.bitrix24.com"
    # The portal drains 2 calls/s (burst 50): stay well inside it.
    pace: tuple[float, int] = (2.0, 10)
    # The two documented REST limits (leaky bucket: drain per second, bucket size).
    plans: tuple[PacePlan, ...] = (
        PacePlan("standard", "Standard plans: 2 calls/s, bursts of 50", 2.0, 50),
        PacePlan("enterprise", "Enterprise: 5 calls/s, bursts of 250", 5.0, 250),
    )
    limit_codes: frozenset[str] = frozenset({"QUERY_LIMIT_EXCEEDED"})
    options: tuple[OptionSpec, ...] = (
        OptionSpec("code", "Provider code", "--code",
                   "The SMS provider's CODE as registered with messageservice.sender.add.",
                   required=True, example="e.g. SMS_GATEWAY"),
        OptionSpec("auth", "Authorisation", "--auth",
                   "oauth = an application's access token (works); webhook = an inbound "
                   "webhook (Bitrix24 refuses it for this method).",
                   choices=(Choice("oauth", "OAuth application"),
                            Choice("webhook", "Inbound webhook (refused by Bitrix24)")),
                   default="oauth"),
        OptionSpec("client_id", "OAuth client id", "--client-id",
                   "The app's client_id (local.xxxx...), needed to sign in and renew tokens.",
                   for_auth=("oauth",), example="local.xxxxxxxxxxxxxx.xxxxxxxx"),
        OptionSpec("oauth_server", "OAuth server", "--oauth-server",
                   "Where tokens are issued: https://oauth.bitrix.info (default) or "
                   "https://oauth.bitrix24.tech.", default=DEFAULT_OAUTH_SERVER, advanced=True,
                   for_auth=("oauth",)),
    )

    def secret_fields(self, profile: Profile) -> tuple[SecretSpec, ...]:
        if profile.option("auth") == "webhook":
            return (WEBHOOK_URL,)
        return (CLIENT_SECRET, ACCESS_TOKEN, REFRESH_TOKEN)

    def form_fields(self, profile: Profile) -> tuple[FormField, ...]:
        return (
            FormField("message_id", "Message id", "text", max_length=MAX_MESSAGE_ID,
                      help="The message_id Bitrix24 sent the provider (often 32 hex "
                      "characters); a string, not a number."),
            FormField("status", "Status", "choice",
                      choices=tuple(Choice(s, s) for s in STATUSES)),
        )

    def normalize_base_url(self, url: str) -> str:
        url = require_http_url("url", url)
        return _REST_TAIL.sub("", url).rstrip("/")

    def validate_profile(self, profile: Profile) -> None:
        require_http_url("url", profile.base_url)
        code = profile.option("code").strip()
        if not code:
            raise InvalidInput("code", "code: the provider CODE is required.")
        if not _CODE.match(code):
            raise InvalidInput(
                "code", f"code: {code!r} is not a provider CODE (letters, digits, '.', '-', '_')."
            )
        auth = profile.option("auth", "oauth")
        if auth not in ("oauth", "webhook"):
            raise InvalidInput("auth", f"auth: {auth!r} is not one of oauth, webhook.")
        if profile.option("oauth_server"):
            require_http_url("oauth_server", profile.option("oauth_server"))

    def validate(self, update: StatusUpdate, profile: Profile) -> None:
        self.validate_profile(profile)
        require_text(update)
        message_id = update.message_id.strip()
        if not message_id:
            raise InvalidInput("message_id", "Message id is empty.")
        if len(message_id) > MAX_MESSAGE_ID:
            raise InvalidInput(
                "message_id",
                f"Message id is {len(message_id)} characters long; Bitrix24 ids have at most "
                f"{MAX_MESSAGE_ID}.",
            )
        if update.status not in STATUSES:
            hint = ""
            if update.status.strip().lower() in STATUSES:
                hint = f" Bitrix24 is case-sensitive: use {update.status.strip().lower()!r}."
            raise InvalidInput(
                "status",
                f"Status {update.status!r} is not allowed; use one of {', '.join(STATUSES)}."
                + hint,
            )

    def as_sent(self, update: StatusUpdate, profile: Profile) -> StatusUpdate:
        return replace(update, message_id=update.message_id.strip())

    def status_warning(self, update: StatusUpdate, profile: Profile) -> str:
        return ""  # validate() allows only the documented statuses

    def typed_status(self, recorded: str) -> str:
        return recorded

    def warnings(self, profile: Profile) -> tuple[str, ...]:
        return (WEBHOOK_WARNING,) if profile.option("auth") == "webhook" else ()

    def tenant(self, profile: Profile) -> str:
        return host_of(profile.base_url)

    def build_request(
        self, update: StatusUpdate, profile: Profile, secrets: dict[str, str]
    ) -> OutgoingRequest:
        self.validate(update, profile)
        params = {
            "CODE": profile.option("code").strip(),
            "MESSAGE_ID": update.message_id.strip(),
            "STATUS": update.status,
        }
        return self._call(profile, secrets, METHOD, params)

    def answer_focus(self, operation: str, response: ReceivedResponse) -> str:
        """The "error" member of an answer that has one, else its "result"."""
        data = safe_json.loads(response.body)
        if not isinstance(data, dict):
            return ""
        return next((key for key in ("error", "result") if key in data), "")

    def read_response(self, profile: Profile, response: ReceivedResponse) -> Outcome:
        outcome, data = _read(response, profile.base_url)
        if outcome is not None:
            return outcome
        if data.get("result") is True:
            return Outcome(OutcomeKind.DONE, "Bitrix24 accepted the new status.")
        return Outcome(
            OutcomeKind.REFUSED,
            f"Bitrix24 answered result={json.dumps(data.get('result'))} instead of true.",
            code="unexpected result",
            advice="Check the message in Bitrix24; a repeated status update is harmless.",
        )

    def connection_test_request(
        self, profile: Profile, secrets: dict[str, str]
    ) -> OutgoingRequest:
        self.validate_profile(profile)
        return self._call(profile, secrets, LIST_METHOD, {})

    def read_connection_test(
        self, profile: Profile, response: ReceivedResponse
    ) -> tuple[Outcome, tuple[str, ...]]:
        outcome, data = _read(response, profile.base_url)
        if outcome is not None:
            return outcome, ()
        result = data.get("result")
        codes = tuple(c for c in result if isinstance(c, str)) if isinstance(result, list) else ()
        code = profile.option("code")
        listed = ", ".join(codes) or "none"
        summary = f"Connected. Provider codes of this app: {listed}."
        if code and codes and code not in codes:
            summary += f" The profile's code {code!r} is not among them."
        return Outcome(OutcomeKind.DONE, summary), codes

    # -- OAuth: sign in through the browser, renew an expired access token -------------

    def must_sign_in(self, profile: Profile, secrets: dict[str, str]) -> bool:
        """No access token yet, but a refresh token to get one with."""
        return (profile.option("auth", "oauth") == "oauth" and not secrets.get(ACCESS_TOKEN.key)
                and self.renewal_request(profile, secrets) is not None)

    def needs_renewal(self, profile: Profile, outcome: Outcome) -> bool:
        return outcome.code == "expired_token"

    def renewal_request(self, profile: Profile, secrets: dict[str, str]) -> OutgoingRequest | None:
        """The OAuth refresh call, or None when the profile cannot renew tokens."""
        refresh, secret = secrets.get(REFRESH_TOKEN.key), secrets.get(CLIENT_SECRET.key)
        client_id = profile.option("client_id").strip()
        if profile.option("auth") == "webhook" or not (refresh and secret and client_id):
            return None
        return self._token_request(profile, {
            "grant_type": "refresh_token",
            "client_id": client_id,
            "client_secret": secret,
            "refresh_token": refresh,
        })

    def read_renewal(self, profile: Profile, response: ReceivedResponse) -> SignIn:
        """The new pair to store at once (the old refresh token is spent), and who it is."""
        try:
            data = safe_json.loads(response.body)
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if not response.is_success or "access_token" not in data:
            error = str(data.get("error") or f"HTTP {response.status_code}")
            if error == "invalid_grant":
                raise RenewalFailed(
                    "The refresh token is spent or revoked: sign in again.", hints.SIGN_IN)
            if error == "invalid_client":
                raise RenewalFailed(
                    "The OAuth server refused the client id or client secret (invalid_client): "
                    "check both against the app's settings in Bitrix24.")
            description = str(data.get("error_description") or "")
            raise RenewalFailed(f"The OAuth server refused to issue tokens ({error}"
                                f"{': ' + description if description else ''}).")
        who = f"user {data['user_id']}" if data.get("user_id") else "the app's user"
        portal = data.get("domain") or urlsplit(profile.base_url).netloc
        # The new refresh token first: the old one is spent, this one must not be lost.
        return SignIn({REFRESH_TOKEN.key: str(data.get("refresh_token") or ""),
                       ACCESS_TOKEN.key: str(data["access_token"])},
                      f"{who} on {portal}")

    def retry_after(
        self, outcome: Outcome, response: ReceivedResponse | None,
        last_good: ReceivedResponse | None,
    ) -> float | None:
        """Limits are refused before execution, so trying again is always safe.

        OPERATION_TIME_LIMIT lasts until ``time.operating_reset_at`` of the last good
        answer (the refusal itself may not say).
        """
        if outcome.code in ("QUERY_LIMIT_EXCEEDED", "OVERLOAD_LIMIT"):
            return 0.0
        if outcome.code == "OPERATION_TIME_LIMIT":
            reset = _operating_reset_at(response) or _operating_reset_at(last_good)
            return max(0.0, reset - time.time()) if reset is not None else 0.0
        return None

    def check_secret(self, profile: Profile, field: str, value: str) -> None:
        if field == WEBHOOK_URL.key and not _WEBHOOK.match(value.strip()):
            raise InvalidInput(field, "webhook-url: expected the whole inbound webhook "
                               "address, like https://portal.bitrix24.com/rest/1/abcdef123456/")

    def signs_in_with_browser(self, profile: Profile) -> bool:
        return profile.option("auth", "oauth") == "oauth"

    def authorization_url(self, profile: Profile, redirect_uri: str, state: str) -> str | None:
        """The portal's page where a person approves the app (OAuth authorization code)."""
        if not self.signs_in_with_browser(profile):
            return None
        client_id = profile.option("client_id").strip()
        if not client_id:
            raise _no_client_id()
        query = {"client_id": client_id, "state": state, "response_type": "code"}
        if redirect_uri:
            query["redirect_uri"] = redirect_uri
        return f"{self.normalize_base_url(profile.base_url)}/oauth/authorize/?{urlencode(query)}"

    def code_request(
        self, profile: Profile, secrets: dict[str, str], code: str, redirect_uri: str
    ) -> OutgoingRequest:
        client_id = profile.option("client_id").strip()
        if not client_id:
            raise _no_client_id()
        params = {
            "grant_type": "authorization_code",
            "client_id": client_id,
            "client_secret": require_secret(profile, secrets, CLIENT_SECRET),
            "code": code.strip(),
        }
        if redirect_uri:
            params["redirect_uri"] = redirect_uri
        return self._token_request(profile, params)

    def _token_request(self, profile: Profile, params: dict[str, str]) -> OutgoingRequest:
        server = profile.option("oauth_server") or DEFAULT_OAUTH_SERVER
        url = f"{server.rstrip('/')}/oauth/token/?{urlencode(params)}"
        return OutgoingRequest("GET", url, (("Accept", "application/json"),), b"")

    # -- internals ---------------------------------------------------------------------

    def _call(
        self, profile: Profile, secrets: dict[str, str], method: str, params: dict[str, str]
    ) -> OutgoingRequest:
        body: dict[str, str] = dict(params)
        if profile.option("auth") == "webhook":
            hook = require_secret(profile, secrets, WEBHOOK_URL).strip()
            self.check_secret(profile, WEBHOOK_URL.key, hook)
            url = f"{hook.rstrip('/')}/{method}"
        else:
            body["auth"] = require_secret(profile, secrets, ACCESS_TOKEN)
            url = f"{self.normalize_base_url(profile.base_url)}/rest/{method}"
        headers = (("Content-Type", "application/json"), ("Accept", "application/json"))
        return OutgoingRequest(
            "POST", url, headers, json.dumps(body, ensure_ascii=False).encode("utf-8")
        )


def _read(response: ReceivedResponse, portal: str) -> tuple[Outcome | None, dict]:
    """(failure outcome, None) or (None, the decoded JSON object of a good answer)."""
    if 300 <= response.status_code < 400:
        location = response.header("location") or ""
        moved_to = _portal_of(location, portal)
        return Outcome(
            OutcomeKind.REFUSED,
            f"The portal has moved (HTTP {response.status_code}) to "
            f"{moved_to or location or '(no Location given)'}; the call was not repeated there.",
            code=f"HTTP {response.status_code}",
            advice="Update the profile's portal address to the new one and send again.",
            moved_to=moved_to,
        ), {}
    try:
        data = safe_json.loads(response.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        page = html_page_outcome(response, "Bitrix24", "JSON", _ADDRESS_ADVICE)
        if page is not None:
            return page, {}
        if not response.is_success:
            return _http(response), {}
        return Outcome(
            OutcomeKind.TRANSPORT,
            f"The answer (HTTP {response.status_code}) is not Bitrix24 JSON.",
            code="unreadable answer",
            advice="A proxy or login page may stand in the way: check the portal address.",
        ), {}
    if "error" in data:
        code = str(data.get("error"))
        description = str(data.get("error_description") or "")
        known = known_error(code, description)
        if known is None:
            kind = OutcomeKind.CREDENTIALS if response.status_code == 401 else OutcomeKind.REFUSED
            return Outcome(kind, f"Bitrix24 refused the call: {description or code}", code=code,
                           advice="Look up this error code in Bitrix24's REST documentation."), {}
        return Outcome(known.kind, known.summary, code=code, advice=known.advice,
                       hint=known.hint, detail=f"HTTP {response.status_code}: {description}"), {}
    if not response.is_success:
        return _http(response), {}
    return None, data


def _operating_reset_at(response: ReceivedResponse | None) -> float | None:
    """``time.operating_reset_at`` (Unix time) of an answer, when it carries one."""
    if response is None:
        return None
    try:
        data = safe_json.loads(response.body)
        value = data["time"]["operating_reset_at"]
        return float(value)
    except (ValueError, KeyError, TypeError):
        return None


def _portal_of(location: str, came_from: str) -> str:
    """The portal address a redirect points at, to offer as the profile's new address.

    Empty (nothing offered) for an address that is not http(s), or that would take the
    access token from https down to plain http. User info in the address is dropped.
    """
    try:
        parts = urlsplit(location)
        port = parts.port
    except ValueError:  # "[::1", ":abc" for a port: nothing to offer
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ""
    if parts.scheme == "http" and urlsplit(came_from).scheme == "https":
        return ""
    host = parts.hostname + (f":{port}" if port else "")
    path = _REST_TAIL.sub("", parts.path).rstrip("/")
    return f"{parts.scheme}://{host}{path}"


def _http(response: ReceivedResponse) -> Outcome:
    return http_outcome(
        response,
        "Bitrix24",
        credentials_advice="Store a current access token of the app.",
        address_advice=_ADDRESS_ADVICE,
    )


_ADDRESS_ADVICE = "Check the portal address, e.g. https://example.bitrix24.com"
