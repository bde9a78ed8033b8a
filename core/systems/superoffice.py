"""SuperOffice NetServer: Messaging.SetDeliveryStatus(plugin, externalMessageId, status, text).

Three transports, chosen per profile: "soap" (SOAP 1.1 as the WSDL says; the default),
"soap12" (the documentation's SOAP 1.2 example, for those who must reproduce it) and
"rest" (``/api/v1/Agents/Messaging/SetDeliveryStatus``, not confirmed to be deployed).
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

from core.exchange import Outcome, OutcomeKind, OutgoingRequest, ReceivedResponse, StatusUpdate
from core.profiles import Profile
from core.systems import superoffice_soap as soap
from core.systems.base import (
    Choice,
    FormField,
    InvalidInput,
    OptionSpec,
    RenewalFailed,
    SecretSpec,
    http_outcome,
    require_http_url,
    require_secret,
)

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
REST_PATH = "/api/v1/Agents/Messaging/SetDeliveryStatus"
REST_PLUGINS_PATH = "/api/v1/Agents/Messaging/GetPlugins"
OPERATION = "SetDeliveryStatus"

TICKET = SecretSpec(
    "ticket", "ticket", "A NetServer ticket (7T:...), valid for 6 hours after sign-in."
)
CACHED_TICKET = SecretSpec(
    "ticket", "ticket", "The ticket of the last sign-in; StatusDesk keeps it up to date.",
    required=False,
)
PASSWORD = SecretSpec(
    "password", "password", "The onsite NetServer password of the profile's username."
)
APP_TOKEN = SecretSpec(
    "app-token",
    "application token",
    "The Online app's client secret; required Online, ignored by onsite installations.",
    required=False,
)

_SERVICE_TAIL = re.compile(r"/(Remote/Services\d+/.*|api/v\d+/.*)$", re.IGNORECASE)


def resolve_status(profile: Profile, text: str) -> int:
    """A preset label (case-insensitive) or a 32-bit integer typed by the user."""
    text = text.strip()
    for label, value in profile.presets.items():
        if label.lower() == text.lower():
            return value
    try:
        value = int(text)
    except ValueError:
        presets = ", ".join(profile.presets) or "none defined in this profile"
        raise InvalidInput(
            "status",
            f"Status {text!r} is neither a whole number nor a preset of this profile "
            f"(presets: {presets}).",
        ) from None
    if not INT32_MIN <= value <= INT32_MAX:
        raise InvalidInput(
            "status", f"Status {value} is out of range: SuperOffice takes {INT32_MIN}..{INT32_MAX}."
        )
    return value


class SuperOffice:
    key = "superoffice"
    title = "SuperOffice"
    options = (
        OptionSpec(
            "plugin",
            "Plugin",
            "--plugin",
            "Name of the messaging plugin in SuperOffice (GetPlugins lists them).",
            required=True,
        ),
        OptionSpec(
            "transport",
            "Transport",
            "--transport",
            "soap = SOAP 1.1 as the WSDL says (use this); soap12 = the documentation's "
            "SOAP 1.2 example; rest = the REST agent endpoint.",
            choices=(
                Choice("soap", "SOAP 1.1 (WSDL)"),
                Choice("soap12", "SOAP 1.2 as documented"),
                Choice("rest", "REST agent"),
            ),
            default="soap",
            advanced=True,
        ),
        OptionSpec(
            "login",
            "Sign-in",
            "--login",
            "ticket = paste a ticket (7T:...); password = StatusDesk signs in to an onsite "
            "NetServer with username and password (SoPrincipal) and keeps the ticket.",
            choices=(Choice("ticket", "Paste a ticket"),
                     Choice("password", "Username and password")),
            default="ticket",
        ),
        OptionSpec(
            "username",
            "Username",
            "--username",
            "For password sign-in: the NetServer user name (the password goes to the keyring).",
        ),
    )

    def secret_fields(self, profile: Profile) -> tuple[SecretSpec, ...]:
        if profile.option("login") == "password":
            return (PASSWORD, APP_TOKEN, CACHED_TICKET)
        return (TICKET, APP_TOKEN)

    def form_fields(self, profile: Profile) -> tuple[FormField, ...]:
        presets = tuple(
            Choice(str(value), f"{label} ({value})") for label, value in profile.presets.items()
        )
        return (
            FormField("message_id", "External message id", "text",
                      help="The id the plugin knows the message by."),
            FormField("status", "Status", "int_or_preset", choices=presets,
                      help="A whole number; its meaning is set by the plugin. Name the "
                      "numbers you use as presets in the profile."),
            FormField("description", "Status description", "text", required=False,
                      help="Free text stored with the status."),
        )

    def normalize_base_url(self, url: str) -> str:
        url = require_http_url("url", url)
        return _SERVICE_TAIL.sub("", url).rstrip("/")

    def validate_profile(self, profile: Profile) -> None:
        require_http_url("url", profile.base_url)
        if not profile.option("plugin").strip():
            raise InvalidInput("plugin", "plugin: the SuperOffice plugin name is required.")
        transport = profile.option("transport", "soap")
        if transport not in ("soap", "soap12", "rest"):
            raise InvalidInput(
                "transport", f"transport: {transport!r} is not one of soap, soap12, rest."
            )
        login = profile.option("login", "ticket")
        if login not in ("ticket", "password"):
            raise InvalidInput("login", f"login: {login!r} is not one of ticket, password.")
        if login == "password" and not profile.option("username").strip():
            raise InvalidInput("username", "username: password sign-in needs a username.")
        for label, value in profile.presets.items():
            if not label.strip():
                raise InvalidInput("presets", "presets: a preset needs a name.")
            if not INT32_MIN <= value <= INT32_MAX:
                raise InvalidInput("presets", f"presets: {label}={value} is not a 32-bit int.")

    def validate(self, update: StatusUpdate, profile: Profile) -> None:
        self.validate_profile(profile)
        if not update.message_id.strip():
            raise InvalidInput("message_id", "External message id is empty.")
        resolve_status(profile, update.status)

    def warnings(self, profile: Profile) -> tuple[str, ...]:
        if profile.option("transport") == "soap12":
            return ("This profile sends SOAP 1.2 as the documentation shows it; NetServer's "
                    "BasicHttpBinding normally answers that with HTTP 415.",)
        return ()

    def tenant(self, profile: Profile) -> str:
        parts = urlsplit(profile.base_url)
        tenant = parts.path.strip("/").split("/")[-1] if parts.path.strip("/") else ""
        return f"{parts.netloc}/{tenant}" if tenant else parts.netloc

    def build_request(
        self, update: StatusUpdate, profile: Profile, secrets: dict[str, str]
    ) -> OutgoingRequest:
        self.validate(update, profile)
        status = resolve_status(profile, update.status)
        values = [
            ("Plugin", "string", profile.option("plugin").strip()),
            ("ExternalMessageId", "string", update.message_id.strip()),
            ("Status", "int", str(status)),
            ("StatusDescription", "string", update.description),
        ]
        return self._request(profile, secrets, OPERATION, values)

    def read_response(self, profile: Profile, response: ReceivedResponse) -> Outcome:
        if profile.option("transport") == "rest":
            return _read_rest(response)
        return soap.read_soap_response(response, OPERATION)

    def connection_test_request(
        self, profile: Profile, secrets: dict[str, str]
    ) -> OutgoingRequest:
        self.validate_profile(profile)
        return self._request(profile, secrets, "GetPlugins", [])

    def read_connection_test(
        self, profile: Profile, response: ReceivedResponse
    ) -> tuple[Outcome, tuple[str, ...]]:
        if profile.option("transport") == "rest":
            outcome = _read_rest(response)
            names = _rest_plugin_names(response) if outcome.ok else ()
        else:
            outcome = soap.read_soap_response(response, "GetPlugins")
            names = soap.plugin_names(response) if outcome.ok else ()
        if outcome.ok:
            listed = ", ".join(names) or "none"
            outcome = Outcome(OutcomeKind.DONE, f"Connected. Plugins on this tenant: {listed}.")
        return outcome, names

    # -- password sign-in: a ticket from SoPrincipal, fetched again when refused ---------

    def must_sign_in(self, profile: Profile, secrets: dict[str, str]) -> bool:
        return profile.option("login") == "password" and not secrets.get(TICKET.key)

    def needs_renewal(self, profile: Profile, outcome: Outcome) -> bool:
        return profile.option("login") == "password" and outcome.kind is OutcomeKind.CREDENTIALS

    def renewal_request(self, profile: Profile, secrets: dict[str, str]) -> OutgoingRequest | None:
        if profile.option("login") != "password":
            return None
        password = require_secret(profile, secrets, PASSWORD)
        body = soap.sign_in_envelope(
            profile.option("username").strip(), password, secrets.get(APP_TOKEN.key) or None
        )
        headers = (("Content-Type", "text/xml; charset=utf-8"),
                   ("SOAPAction", f'"{soap.SIGN_IN_ACTION}"'))
        url = self.normalize_base_url(profile.base_url) + soap.SIGN_IN_PATH
        return OutgoingRequest("POST", url, headers, body)

    def read_renewal(self, response: ReceivedResponse) -> dict[str, str]:
        try:
            return {TICKET.key: soap.read_sign_in(response)}
        except ValueError as exc:
            raise RenewalFailed(
                f"Signing in to NetServer failed: {exc}. Check the username and password "
                "(statusdesk-cli secret set PROFILE password)."
            ) from None

    # -- internals --------------------------------------------------------------------

    def _request(
        self,
        profile: Profile,
        secrets: dict[str, str],
        operation: str,
        values: list[tuple[str, str, str]],
    ) -> OutgoingRequest:
        base = self.normalize_base_url(profile.base_url)
        ticket = require_secret(profile, secrets, TICKET)
        app_token = secrets.get(APP_TOKEN.key) or None
        transport = profile.option("transport", "soap")
        if transport == "rest":
            return _rest_request(base, operation, values, ticket, app_token)
        url = base + soap.SERVICE_PATH
        action = soap.soap_action(operation)
        if transport == "soap12":
            body = soap.envelope_12_as_documented(operation, values, ticket, app_token)
            content_type = f'application/soap+xml; charset=utf-8; action="{action}"'
            headers = (("Content-Type", content_type),)
        else:
            params = [(name, value) for name, _type, value in values]
            body = soap.envelope_11(operation, params, ticket, app_token)
            headers = (("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", f'"{action}"'))
        return OutgoingRequest("POST", url, headers, body)


def _rest_request(
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
    path = REST_PATH if operation == OPERATION else REST_PLUGINS_PATH
    return OutgoingRequest(
        "POST", base + path, tuple(headers), json.dumps(body, ensure_ascii=False).encode("utf-8")
    )


def _read_rest(response: ReceivedResponse) -> Outcome:
    if response.is_success:
        return Outcome(OutcomeKind.DONE, "SuperOffice accepted the call (REST).")
    try:
        data = json.loads(response.body.decode("utf-8")) if response.body else {}
    except (UnicodeDecodeError, ValueError):
        data = {}
    if not isinstance(data, dict):
        data = {}
    message = str(data.get("Error") or data.get("Message") or data.get("error") or "")
    error_type = str(data.get("ErrorType") or data.get("ExceptionType") or "")
    if not message:
        return http_outcome(
            response,
            "NetServer's REST API",
            credentials_advice="Store a fresh ticket and check the application token.",
            address_advice="This NetServer may not expose the REST agents: use transport "
            "'soap' (the WSDL way).",
        )
    kind = OutcomeKind.CREDENTIALS if response.status_code in (401, 403) else OutcomeKind.REFUSED
    return Outcome(
        kind,
        f"SuperOffice refused the call (HTTP {response.status_code}): {message}",
        code=error_type or f"HTTP {response.status_code}",
        advice="Store a fresh ticket and check the application token."
        if kind is OutcomeKind.CREDENTIALS
        else "Check the plugin name and the external message id.",
        detail=json.dumps(data, indent=2, ensure_ascii=False),
    )


def _rest_plugin_names(response: ReceivedResponse) -> tuple[str, ...]:
    try:
        data = json.loads(response.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return ()
    if not isinstance(data, list):
        return ()
    names = (item.get("Name") for item in data if isinstance(item, dict))
    return tuple(str(name) for name in names if name)
