"""Simulated SuperOffice Online login service: system-user sign-in (PartnerSystemUser).

Stands in for ``POST https://{env}.superoffice.com/Login/api/PartnerSystemUser/Authenticate``
(/work/shared/spec/superoffice.md, "Online system user"). The application signs
``<SystemUserToken>.<yyyyMMddHHmm>`` (UTC) with its RSA private key (RSA-SHA256, PKCS#1
v1.5, base64) and sends ``{SignedSystemToken, ApplicationToken, ContextIdentifier,
ReturnTokenType: "JWT"}``; the service checks the signature with the application's public
key and answers a JWT (RS256, signed with the sandbox's "SuperOffice" key) whose claim
``http://schemes.superoffice.net/identity/ticket`` is a fresh 6-hour NetServer ticket.

Where the spec is silent the answers are guesses: a refusal is HTTP 200
``{"IsSuccessful": false, "Token": null, "ErrorMessage": "..."}``; a body that cannot be
read as that JSON object is the same shape with HTTP 400 (415 for a non-JSON content type).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256

from sandbox.superoffice import TICKET_LIFETIME
from sandbox.wire import Incoming, Reply

if TYPE_CHECKING:
    from sandbox.superoffice import SuperOfficeSandbox

AUTHENTICATE_PATH = "/api/partnersystemuser/authenticate"
FIELDS = ("SignedSystemToken", "ApplicationToken", "ContextIdentifier", "ReturnTokenType")
MAX_CLOCK_SKEW = 600  # seconds between the signed timestamp and the service's clock
TIMESTAMP = re.compile(r"^\d{12}$")

CLAIM = "http://schemes.superoffice.net/identity/"
ISSUER = "SuperOffice AS"
SYSTEM_USER_NAME = "StatusDesk Sandbox System User"
SYSTEM_USER_ASSOCIATE_ID = 9


class PartnerLogin:
    """The login service of one tenant's environment; stateless apart from ``so``'s tickets."""

    def __init__(self, so: SuperOfficeSandbox, *, system_user_token: str, tenant: str,
                 app_public_key: RSAPublicKey, signing_key: RSAPrivateKey,
                 netserver_base: str) -> None:
        self.so = so
        self.system_user_token = system_user_token
        self.tenant = tenant
        self.app_public_key = app_public_key
        self.signing_key = signing_key
        self.netserver_base = netserver_base.rstrip("/")

    def handle(self, req: Incoming) -> Reply:
        """Route a request whose path is relative to the login service's base (``/Login``)."""
        if req.path.lower().rstrip("/") != AUTHENTICATE_PATH:
            return Reply.text(404, f"Not found on the sandbox SuperOffice login service: "
                                   f"{req.path}")
        if req.method != "POST":
            return _answer(405, None, f"The requested resource does not support http method "
                                      f"'{req.method}'; use POST.", [("Allow", "POST")])
        if req.media_type()[0] != "application/json":
            return _answer(415, None, "Send the request as Content-Type: application/json.")
        try:
            values = _read_body(req.body)
        except ValueError as exc:
            return _answer(400, None, str(exc))
        refusal = self._refusal(values)
        if refusal is not None:
            return _answer(200, None, refusal)
        return _answer(200, self._jwt(self.so.issue_ticket("system-user")), None)

    def _refusal(self, values: dict[str, str | None]) -> str | None:
        """Why the sign-in is refused, or None; checks in the order the service needs them."""
        if values["ReturnTokenType"] != "JWT":
            return (f"ReturnTokenType {values['ReturnTokenType']!r} is not supported; "
                    "send \"JWT\".")
        if values["ApplicationToken"] != self.so.app_token:
            return ("The ApplicationToken is missing or unknown: send the application's "
                    "client secret.")
        if values["ContextIdentifier"] != self.tenant:
            return (f"ContextIdentifier {values['ContextIdentifier']!r} is not a tenant this "
                    f"application is installed in (expected {self.tenant!r}).")
        return self._signed_token_refusal(values["SignedSystemToken"] or "")

    def _signed_token_refusal(self, signed: str) -> str | None:
        parts = signed.rsplit(".", 2)
        if len(parts) != 3 or not all(parts) or not TIMESTAMP.match(parts[1]):
            return ("SignedSystemToken must be '<system user token>.<yyyyMMddHHmm>.<base64 "
                    "signature>' with the time in UTC.")
        token, stamp, signature_text = parts
        try:
            signature = base64.b64decode(signature_text, validate=True)
            signed_at = datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=UTC)
        except (binascii.Error, ValueError):
            return "The SignedSystemToken's signature or timestamp cannot be read."
        try:
            self.app_public_key.verify(signature, f"{token}.{stamp}".encode(), PKCS1v15(),
                                       SHA256())
        except InvalidSignature:
            return ("The SignedSystemToken's signature does not verify with the application's "
                    "public key: sign '<system user token>.<yyyyMMddHHmm>' with the "
                    "application's RSA private key (RSA-SHA256, PKCS#1 v1.5).")
        now = self.so.clock.now()
        skew = signed_at.timestamp() - now
        if abs(skew) > MAX_CLOCK_SKEW:
            server_time = datetime.fromtimestamp(now, tz=UTC).strftime("%Y-%m-%d %H:%M")
            return (f"The SignedSystemToken's timestamp {stamp} (UTC) is "
                    f"{abs(skew) / 60:.0f} minutes {'ahead of' if skew > 0 else 'behind'} the "
                    f"server's clock ({server_time} UTC); it must be within "
                    f"{MAX_CLOCK_SKEW // 60} minutes. Sign with the current UTC time.")
        if token != self.system_user_token:
            return f"Unknown system user token for tenant {self.tenant}."
        return None

    def _jwt(self, ticket: str) -> str:
        """RS256 JWT carrying the ticket and where to use it."""
        issued_at = int(self.so.clock.now())
        claims = {
            "sub": SYSTEM_USER_NAME,
            CLAIM + "ticket": ticket,
            CLAIM + "associateid": str(SYSTEM_USER_ASSOCIATE_ID),
            CLAIM + "ctx": self.tenant,
            CLAIM + "system_token": self.system_user_token,
            CLAIM + "is_administrator": "False",
            CLAIM + "netserver_url": self.netserver_base + "/Remote/Services86/",
            CLAIM + "webapi_url": self.netserver_base + "/api/",
            "iss": ISSUER,
            "iat": issued_at,
            "nbf": issued_at,
            "exp": issued_at + TICKET_LIFETIME,
        }
        signing_input = ".".join(_b64url(_compact(part))
                                 for part in ({"alg": "RS256", "typ": "JWT"}, claims))
        signature = self.signing_key.sign(signing_input.encode("ascii"), PKCS1v15(), SHA256())
        return f"{signing_input}.{_b64url(signature)}"


def _read_body(body: bytes) -> dict[str, str | None]:
    """The four fields (names matched case-insensitively, as ASP.NET binds them)."""
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValueError(f"The request body is not valid JSON: {exc}") from None
    if not isinstance(payload, dict):
        raise ValueError("The request body must be a JSON object with "
                         + ", ".join(FIELDS) + ".")
    lowered = {str(key).lower(): value for key, value in payload.items()}
    values: dict[str, str | None] = {}
    for name in FIELDS:
        value = lowered.get(name.lower())
        if value is not None and not isinstance(value, str):
            raise ValueError(f"{name} must be a JSON string.")
        values[name] = value
    return values


def _answer(status: int, token: str | None, error: str | None,
            headers: list[tuple[str, str]] | None = None) -> Reply:
    return Reply.json(status, {"IsSuccessful": token is not None, "Token": token,
                               "ErrorMessage": error}, headers)


def _compact(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")
