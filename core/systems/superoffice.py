"""SuperOffice NetServer: Messaging.SetDeliveryStatus(plugin, externalMessageId, status, text).

Three transports, chosen per profile: "soap" (SOAP 1.1 as the WSDL says; the default),
"soap12" (the documentation's SOAP 1.2 example, for those who must reproduce it) and
"rest" (``/api/v1/Agents/Messaging/SetDeliveryStatus``, not confirmed to be deployed).
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from urllib.parse import urlsplit

from core import hints
from core.exchange import Outcome, OutcomeKind, OutgoingRequest, ReceivedResponse, StatusUpdate
from core.pacing import PacePlan
from core.profiles import Profile
from core.systems import superoffice_online as online
from core.systems import superoffice_rest as rest
from core.systems import superoffice_services as services
from core.systems import superoffice_soap as soap
from core.systems.base import (
    Choice,
    FormField,
    InvalidInput,
    OptionSpec,
    RenewalFailed,
    SecretSpec,
    SignIn,
    check_plain_text,
    host_of,
    require_http_url,
    require_secret,
    require_text,
)

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
OPERATION = "SetDeliveryStatus"

TICKET = SecretSpec(
    "ticket", "ticket", "A NetServer ticket (7T:...), valid for 6 hours after sign-in."
)
CACHED_TICKET = SecretSpec(
    "ticket", "ticket", "The ticket of the last sign-in; StatusDesk keeps it up to date.",
    required=False, managed=True, renewed=True,
)
TICKET_EXPIRES = SecretSpec(
    "ticket-expires", "ticket expiry", "When the cached ticket expires (UTC); kept with it.",
    required=False, managed=True, expiry_of="ticket", renewed=True,
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
ONLINE_APP_TOKEN = SecretSpec(
    "app-token", "application token", "The Online app's client secret (ApplicationToken)."
)
SYSTEM_USER_TOKEN = SecretSpec(
    "system-user-token", "system user token",
    "The tenant's system user token for this app (from the app's consent, SuperOffice Online).",
)
PRIVATE_KEY = SecretSpec(
    "private-key", "private key",
    "The app's RSA private key: PEM text, or the <RSAKeyValue> XML from the developer portal.",
    from_file=True,
)
AUTH_MODES = ("ticket", "password", "system-user")
_TENANT = re.compile(r"^Cust\d+$", re.IGNORECASE)

_SERVICE_TAIL = re.compile(r"/(Remote/Services\d+/.*|api/v\d+/.*)$", re.IGNORECASE)


_AS_RECORDED = re.compile(r"^(-?\d+)\s*\(.*\)$")  # "3 (Delivered)", as the history shows it


def resolve_status(profile: Profile, text: str) -> int:
    """A preset label (case-insensitive), a 32-bit integer typed by the user, or a number
    with its label as the history records it ("3 (Delivered)")."""
    text = text.strip()
    for label, value in profile.presets.items():
        if label.lower() == text.lower():
            return value
    recorded = _AS_RECORDED.match(text)
    try:
        value = int(recorded.group(1) if recorded else text)
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
    address_example = "https://sod.superoffice.com/Cust12345 or https://crm.example.com/SuperOffice"
    # NetServer publishes no limit: a gentle default the user may change.
    pace: tuple[float, int] = (5.0, 5)
    plans: tuple[PacePlan, ...] = ()
    limit_codes: frozenset[str] = frozenset()  # a 503 says "busy", not which limit
    options: tuple[OptionSpec, ...] = (
        OptionSpec(
            "plugin",
            "Plugin",
            "--plugin",
            "Name of the messaging plugin in SuperOffice (GetPlugins lists them).",
            required=True,
            example="the plugin's name; Test connection lists them",
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
            services.OPTION,
            "Service version",
            "--services",
            "auto = ask NetServer once (GET {base}/api) and use the newest of Services84-88 "
            "it serves (Services86 when it does not say); or name one: 84, 85, 86, 87, 88.",
            choices=(Choice(services.AUTO, "auto (ask the server once)"),
                     *(Choice(v, f"Services{v}") for v in reversed(services.VERSIONS))),
            default=services.AUTO,
            advanced=True,
        ),
        OptionSpec(
            "auth",
            "Sign-in",
            "--auth",
            "ticket = paste a ticket (7T:...); password = onsite username and password "
            "(SoPrincipal); system-user = Online system user signed with the app's RSA key. "
            "StatusDesk keeps the ticket in the keyring and renews it.",
            choices=(Choice("ticket", "Paste a ticket"),
                     Choice("password", "Username and password (onsite)"),
                     Choice("system-user", "System user (Online)")),
            default="ticket",
        ),
        OptionSpec(
            "username",
            "Username",
            "--username",
            "For password sign-in: the NetServer user name (the password goes to the keyring).",
            for_auth=("password",),
            required=True,
            example="e.g. jane.doe",
        ),
        OptionSpec(
            "tenant",
            "Tenant",
            "--tenant",
            "For system-user sign-in: the customer id, CustNNNNN (default: from the address).",
            for_auth=("system-user",),
            example="Cust12345 (from the address when empty)",
        ),
        OptionSpec(
            "environment",
            "Online environment",
            "--environment",
            "For system-user sign-in: sod (development), stage or online (production).",
            choices=(Choice("online", "online (production)"), Choice("stage", "stage"),
                     Choice("sod", "sod (development)")),
            default="online",
            for_auth=("system-user",),
        ),
        OptionSpec(
            "login_url",
            "Login server",
            "--login-url",
            "For system-user sign-in: the login server, when not the environment's "
            "https://{env}.superoffice.com/Login.",
            advanced=True,
            for_auth=("system-user",),
            example="https://sod.superoffice.com/login",
        ),
    )

    def secret_fields(self, profile: Profile) -> tuple[SecretSpec, ...]:
        auth = profile.option("auth", "ticket")
        if auth == "password":
            return (PASSWORD, APP_TOKEN, CACHED_TICKET)
        if auth == "system-user":
            return (ONLINE_APP_TOKEN, SYSTEM_USER_TOKEN, PRIVATE_KEY, CACHED_TICKET,
                    TICKET_EXPIRES)
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
        setting = services.chosen(profile)
        if setting not in (services.AUTO, *services.VERSIONS):
            raise InvalidInput(services.OPTION, f"services: {setting!r} is not one of auto, "
                               f"{', '.join(services.VERSIONS)}.")
        auth = profile.option("auth", "ticket")
        if auth not in AUTH_MODES:
            raise InvalidInput("auth", f"auth: {auth!r} is not one of {', '.join(AUTH_MODES)}.")
        if auth == "password" and not profile.option("username").strip():
            raise InvalidInput("username", "username: password sign-in needs a username.")
        if auth == "system-user":
            self._check_online(profile)
        for label, value in profile.presets.items():
            if not label.strip():
                raise InvalidInput("presets", "presets: a preset needs a name.")
            if not INT32_MIN <= value <= INT32_MAX:
                raise InvalidInput("presets", f"presets: {label}={value} is not a 32-bit int.")

    def validate(self, update: StatusUpdate, profile: Profile) -> None:
        self.validate_profile(profile)
        require_text(update)
        if not update.message_id.strip():
            raise InvalidInput("message_id", "External message id is empty.")
        resolve_status(profile, update.status)

    def as_sent(self, update: StatusUpdate, profile: Profile) -> StatusUpdate:
        """The number that goes out, with the preset's name when one has it: the same
        "3 (Delivered)" whether the user picked the preset or typed 3."""
        value = resolve_status(profile, update.status)
        label = next((name for name, number in profile.presets.items() if number == value), "")
        return replace(update, message_id=update.message_id.strip(),
                       status=f"{value} ({label})" if label else str(value))

    def status_warning(self, update: StatusUpdate, profile: Profile) -> str:
        """A number none of the profile's presets names: often a typo for one of them."""
        value = resolve_status(profile, update.status)
        if not profile.presets or value in profile.presets.values():
            return ""
        named = ", ".join(f"{label} = {number}" for label, number in profile.presets.items())
        return (f"Status {value} is not one of this profile's named statuses ({named}). "
                f"It goes out as the number {value}.")

    def typed_status(self, recorded: str) -> str:
        number = _AS_RECORDED.match(recorded.strip())
        return number.group(1) if number else recorded

    def warnings(self, profile: Profile) -> tuple[str, ...]:
        if profile.option("transport") == "soap12":
            return ("This profile sends SOAP 1.2 as the documentation shows it; NetServer's "
                    "BasicHttpBinding normally answers that with HTTP 415.",)
        return ()

    def _check_online(self, profile: Profile) -> None:
        if not _TENANT.match(self.customer_id(profile)):
            raise InvalidInput("tenant", "tenant: system-user sign-in needs the customer id "
                               "(CustNNNNN); give it with --tenant or in the address.")
        environment = profile.option("environment", "online")
        if environment not in online.ENVIRONMENTS:
            raise InvalidInput("environment", f"environment: {environment!r} is not one of "
                               f"{', '.join(online.ENVIRONMENTS)}.")
        if profile.option("login_url"):
            require_http_url("login_url", profile.option("login_url"))

    def customer_id(self, profile: Profile) -> str:
        """The tenant (CustNNNNN): the profile's, or the last part of the NetServer address."""
        given = profile.option("tenant").strip()
        if given:
            return given
        last = urlsplit(profile.base_url).path.strip("/").split("/")[-1]
        return last if _TENANT.match(last) else ""

    def login_url(self, profile: Profile) -> str:
        return (profile.option("login_url").strip()
                or online.ENVIRONMENTS[profile.option("environment", "online")]).rstrip("/")

    def tenant(self, profile: Profile) -> str:
        parts = urlsplit(profile.base_url)
        tenant = parts.path.strip("/").split("/")[-1] if parts.path.strip("/") else ""
        host = host_of(profile.base_url)
        return f"{host}/{tenant}" if tenant else host

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
            return rest.read_answer(response, OPERATION)
        return soap.read_soap_response(response, OPERATION)

    def answer_focus(self, operation: str, response: ReceivedResponse) -> str:
        """SOAP answers only: the REST transport's JSON says it in its first lines."""
        if not response.body.lstrip().startswith(b"<"):
            return ""
        return soap.focus_element(response)

    # -- the Services version: asked of the server once (core.systems.superoffice_services)

    def _version(self, profile: Profile) -> str:
        return services.version_of(profile, self.normalize_base_url(profile.base_url))

    def _soap(self, profile: Profile) -> bool:
        return profile.option("transport", "soap") != "rest" or profile.option(
            "auth", "ticket") == "password"

    def question(self, profile: Profile) -> OutgoingRequest | None:
        base = self.normalize_base_url(profile.base_url)
        if not self._soap(profile) or not services.must_ask(profile, base):
            return None
        return services.api_request(base)

    def learn(self, profile: Profile, response: ReceivedResponse | None
              ) -> tuple[Profile, str]:
        return services.learn(profile, self.normalize_base_url(profile.base_url), response)

    def question_after(self, profile: Profile, outcome: Outcome) -> OutgoingRequest | None:
        if not self._soap(profile) or not (
                outcome.code == "HTTP 404" or "actionnotsupported" in outcome.code.lower()):
            return None
        return services.api_request(self.normalize_base_url(profile.base_url))

    def explain(self, profile: Profile, outcome: Outcome, response: ReceivedResponse | None
                ) -> tuple[Outcome, Profile | None]:
        version = self._version(profile)
        explained = services.unserved(profile, version, outcome, response)
        if explained is outcome or services.chosen(profile) != services.AUTO:
            return explained, None
        services.forget_seen()  # auto: what was remembered is out of date; ask again
        options = {k: v for k, v in profile.options.items()
                   if k not in (services.FOUND, services.FOUND_FOR)}
        return explained, profile.with_changes(options=options)

    def connection_test_request(
        self, profile: Profile, secrets: dict[str, str]
    ) -> OutgoingRequest:
        self.validate_profile(profile)
        return self._request(profile, secrets, "GetPlugins", [])

    def read_connection_test(
        self, profile: Profile, response: ReceivedResponse
    ) -> tuple[Outcome, tuple[str, ...]]:
        if profile.option("transport") == "rest":
            outcome = rest.read_answer(response, "GetPlugins")
            names = rest.plugin_names(response) if outcome.ok else ()
        else:
            outcome = soap.read_soap_response(response, "GetPlugins")
            names = soap.plugin_names(
                response, services.namespace(self._version(profile))) if outcome.ok else ()
        if outcome.ok:
            listed = ", ".join(names) or "none"
            outcome = Outcome(OutcomeKind.DONE, f"Connected. Plugins on this tenant: {listed}.")
        return outcome, names

    # -- reading a status back by SuperOffice's own messaging id -----------------------

    def delivery_status_request(
        self, profile: Profile, secrets: dict[str, str], messaging_ids: list[int]
    ) -> OutgoingRequest:
        """GetDeliveryStatus, always over SOAP 1.1 (the WSDL way), whatever the transport."""
        self.validate_profile(profile)
        for messaging_id in messaging_ids:
            if not 0 < messaging_id <= INT32_MAX:
                raise InvalidInput("messaging_id", f"Messaging id {messaging_id} is not a "
                                   "SuperOffice messaging id (a positive whole number).")
        version = self._version(profile)
        ns = services.namespace(version)
        body = soap.delivery_status_envelope(
            messaging_ids, require_secret(profile, secrets, TICKET),
            secrets.get(APP_TOKEN.key) or None, ns)
        action = soap.soap_action("GetDeliveryStatus", ns)
        headers = (("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", f'"{action}"'))
        return OutgoingRequest(
            "POST", self.normalize_base_url(profile.base_url) + services.messaging_path(version),
            headers, body)

    def read_delivery_status(
        self, profile: Profile, response: ReceivedResponse, messaging_ids: list[int]
    ) -> tuple[Outcome, tuple[soap.DeliveryStatus, ...]]:
        outcome = soap.read_soap_response(response, "GetDeliveryStatus")
        if not outcome.ok:
            return outcome, ()
        found = soap.delivery_statuses(response, services.namespace(self._version(profile)))
        missing = sorted(set(messaging_ids) - {item.messaging_id for item in found})
        names = {value: label for label, value in profile.presets.items()}
        lines = [f"message {item.messaging_id}: status {item.status}"
                 + (f" ({names[item.status]})" if item.status in names else "")
                 + (f", {item.description!r}" if item.description else "") for item in found]
        if not found:
            return Outcome(OutcomeKind.REFUSED,
                           f"SuperOffice knows no message with messaging id "
                           f"{', '.join(map(str, missing))}.", code="not found",
                           advice="Messaging ids are SuperOffice's own numbers, not the "
                           "plugin's external ids."), ()
        summary = "SuperOffice has " + "; ".join(lines) + "."
        if missing:
            summary += f" Unknown messaging ids: {', '.join(map(str, missing))}."
        return Outcome(OutcomeKind.DONE, summary), found

    # -- sign-in: a ticket from SoPrincipal or PartnerSystemUser, kept and renewed ----------

    def must_sign_in(self, profile: Profile, secrets: dict[str, str]) -> bool:
        auth = profile.option("auth", "ticket")
        if auth == "ticket":
            return False
        if not secrets.get(TICKET.key):
            return True
        if auth == "system-user":  # renew shortly before the 6 hours are up, not sooner
            expires = _parse_time(secrets.get(TICKET_EXPIRES.key, ""))
            return expires is None or expires - online.RENEW_BEFORE <= datetime.now(UTC)
        return False

    def needs_renewal(self, profile: Profile, outcome: Outcome) -> bool:
        return (profile.option("auth", "ticket") != "ticket"
                and outcome.kind is OutcomeKind.CREDENTIALS)

    def renewal_request(self, profile: Profile, secrets: dict[str, str]) -> OutgoingRequest | None:
        auth = profile.option("auth", "ticket")
        if auth == "password":
            password = require_secret(profile, secrets, PASSWORD)
            version = self._version(profile)
            ns = services.namespace(version)
            body = soap.sign_in_envelope(
                profile.option("username").strip(), password, secrets.get(APP_TOKEN.key) or None,
                ns)
            headers = (("Content-Type", "text/xml; charset=utf-8"),
                       ("SOAPAction", f'"{soap.sign_in_action(ns)}"'))
            url = self.normalize_base_url(profile.base_url) + services.principal_path(version)
            return OutgoingRequest("POST", url, headers, body)
        if auth == "system-user":
            self._check_online(profile)
            app_token = require_secret(profile, secrets, ONLINE_APP_TOKEN)
            user_token = require_secret(profile, secrets, SYSTEM_USER_TOKEN).strip()
            key = require_secret(profile, secrets, PRIVATE_KEY)
            try:
                signed = online.signed_system_token(user_token, key, datetime.now(UTC))
            except online.KeyProblem as exc:
                raise InvalidInput(PRIVATE_KEY.key, f"{exc} Store the app's private key "
                                   "(PEM or <RSAKeyValue> XML) for this profile again.") from None
            return online.authenticate_request(self.login_url(profile), signed, app_token,
                                               self.customer_id(profile))
        return None

    def read_renewal(self, profile: Profile, response: ReceivedResponse) -> SignIn:
        if profile.option("auth") == "system-user":
            try:
                ticket, expires, who = online.read_authenticate(response, datetime.now(UTC))
            except online.SignInRefused as exc:
                raise RenewalFailed(
                    f"SuperOffice refused the system user sign-in: {exc}. Check the system "
                    f"user token, the private key, the application token and the tenant "
                    f"{self.customer_id(profile)}."
                ) from None
            return SignIn({TICKET.key: ticket,
                           TICKET_EXPIRES.key: expires.isoformat(timespec="seconds")}, who)
        try:
            ticket, who = soap.read_sign_in(response, services.namespace(self._version(profile)))
        except soap.WrongPassword:
            raise RenewalFailed(
                f"NetServer refused the sign-in: wrong username or password. Check the "
                f"username {profile.option('username')!r} and the stored password.",
                hints.store("password"),
            ) from None
        except ValueError as exc:
            raise RenewalFailed(f"Signing in to NetServer failed: {str(exc).rstrip('.')}."
                                ) from None
        return SignIn({TICKET.key: ticket}, who)

    def retry_after(
        self, outcome: Outcome, response: ReceivedResponse | None,
        last_good: ReceivedResponse | None,
    ) -> float | None:
        """Only "busy, try later" answers (HTTP 503) are worth another attempt."""
        if response is not None and response.status_code == 503:
            return 0.0
        return None

    def check_secret(self, profile: Profile, field: str, value: str) -> None:
        if field in (TICKET.key, APP_TOKEN.key, SYSTEM_USER_TOKEN.key):  # HTTP headers, too
            label = {spec.key: spec.label for spec in self.secret_fields(profile)}.get(
                field, field)
            check_plain_text(field, label, value)
        if field == PRIVATE_KEY.key:
            try:
                online.load_private_key(value)
            except online.KeyProblem as exc:
                raise InvalidInput(field, str(exc)) from None

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
            return rest.request(base, operation, values, ticket, app_token)
        version = self._version(profile)
        ns = services.namespace(version)
        url = base + services.messaging_path(version)
        action = soap.soap_action(operation, ns)
        if transport == "soap12":
            body = soap.envelope_12_as_documented(operation, values, ticket, app_token, ns)
            content_type = f'application/soap+xml; charset=utf-8; action="{action}"'
            headers: tuple[tuple[str, str], ...] = (("Content-Type", content_type),)
        else:
            params = [(name, value) for name, _type, value in values]
            body = soap.envelope_11(operation, params, ticket, app_token, ns)
            headers = (("Content-Type", "text/xml; charset=utf-8"), ("SOAPAction", f'"{action}"'))
        return OutgoingRequest("POST", url, headers, body)


def _parse_time(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)
