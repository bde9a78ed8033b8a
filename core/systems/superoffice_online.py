"""SuperOffice Online system-user sign-in (PartnerSystemUser), server to server.

The app signs ``<SystemUserToken>.<yyyyMMddHHmm>`` (UTC) with its RSA private key
(RSA-SHA256, base64) and posts it with its application token and the tenant to
``{login}/api/PartnerSystemUser/Authenticate``. The answer's JWT carries the ticket in the
claim ``http://schemes.superoffice.net/identity/ticket``; a ticket lives 6 hours.

The JWT is read, not verified: it comes straight back over the TLS connection we opened to
the login server, and the ticket in it is only ever sent back to SuperOffice.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from core import safe_json, xml
from core.exchange import OutgoingRequest, ReceivedResponse

if TYPE_CHECKING:  # cryptography is imported when a key is used: ~10 MB most runs never need
    from cryptography.hazmat.primitives.asymmetric import rsa

ENVIRONMENTS = {
    "sod": "https://sod.superoffice.com/Login",
    "stage": "https://qaonline.superoffice.com/Login",
    "online": "https://online.superoffice.com/Login",
}
AUTHENTICATE_PATH = "/api/PartnerSystemUser/Authenticate"
CLAIM = "http://schemes.superoffice.net/identity/"
TICKET_CLAIM = CLAIM + "ticket"
TICKET_LIFETIME = timedelta(hours=6)
RENEW_BEFORE = timedelta(minutes=10)  # sign in again this long before the ticket expires
_WHO_CLAIMS = (CLAIM + "system_user", CLAIM + "name", "sub",
               "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
               CLAIM + "associateid")


class KeyProblem(ValueError):
    """The stored private key cannot sign: the message says what is wrong with it."""


class SignInRefused(ValueError):
    """The login server gave no ticket: the message says why, in its words."""


def signed_system_token(system_user_token: str, private_key: str, now: datetime) -> str:
    """``token.yyyyMMddHHmm.signature``: what PartnerSystemUser/Authenticate expects."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    data = f"{system_user_token}.{now.astimezone(UTC):%Y%m%d%H%M}"
    signature = load_private_key(private_key).sign(
        data.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())
    return f"{data}.{base64.b64encode(signature).decode('ascii')}"


def load_private_key(text: str) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM (PKCS#1 or PKCS#8) or the portal's <RSAKeyValue> XML."""
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    text = text.strip().lstrip("\ufeff").strip()
    key: object
    try:
        if text.startswith("<"):
            key = _from_xml(text)
        else:
            key = serialization.load_pem_private_key(text.encode("utf-8"), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        reason = "it is encrypted with a passphrase" if "password" in str(exc).lower() \
            else "it is not an unencrypted PEM or <RSAKeyValue> private key"
        raise KeyProblem(f"The stored private key cannot be read: {reason}.") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise KeyProblem("The stored private key is not an RSA key.")
    return key


def authenticate_request(
    login_url: str, signed_token: str, app_token: str, tenant: str
) -> OutgoingRequest:
    body = {
        "SignedSystemToken": signed_token,
        "ApplicationToken": app_token,
        "ContextIdentifier": tenant,
        "ReturnTokenType": "JWT",
    }
    headers = (("Content-Type", "application/json; charset=utf-8"),
               ("Accept", "application/json"))
    return OutgoingRequest("POST", login_url.rstrip("/") + AUTHENTICATE_PATH, headers,
                           json.dumps(body).encode("utf-8"))


def read_authenticate(response: ReceivedResponse, now: datetime) -> tuple[str, datetime, str]:
    """(ticket, when it expires, who) from the login server's answer; raises SignInRefused."""
    try:
        data = safe_json.loads(response.body)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SignInRefused(f"the login server answered HTTP {response.status_code} "
                            "without the expected JSON")
    if not data.get("IsSuccessful") or not data.get("Token"):
        reason = data.get("ErrorMessage") or f"HTTP {response.status_code}, no reason given"
        raise SignInRefused(str(reason))
    claims = _jwt_claims(str(data["Token"]))
    ticket = claims.get(TICKET_CLAIM)
    if not isinstance(ticket, str) or not ticket:
        raise SignInRefused("the answer's token holds no ticket claim")
    expires = now + TICKET_LIFETIME  # the ticket's life, whatever the JWT's own may be
    token_end = _timestamp(claims.get("exp"))
    if token_end is not None and now + timedelta(hours=1) < token_end < expires:
        expires = token_end  # only a token that says it ends sooner, but not within the hour
    who = next((str(claims[c]) for c in _WHO_CLAIMS if claims.get(c)), "the system user")
    tenant = claims.get(CLAIM + "ctx")
    return ticket, expires, f"{who} of {tenant}" if tenant else who


def _timestamp(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _jwt_claims(token: str) -> dict:
    parts = token.split(".")
    if len(parts) != 3:
        raise SignInRefused("the answer's token is not a JWT")
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        claims = safe_json.loads(payload)
    except (binascii.Error, ValueError):
        raise SignInRefused("the answer's token cannot be read") from None
    if not isinstance(claims, dict):
        raise SignInRefused("the answer's token holds no claims")
    return claims


def _from_xml(text: str) -> rsa.RSAPrivateKey:
    """The .NET <RSAKeyValue> form the SuperOffice developer portal hands out."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    try:
        root = xml.parse(text.encode("utf-8"))
    except xml.XMLError:
        raise ValueError("not XML") from None
    names = ("Modulus", "Exponent", "P", "Q", "DP", "DQ", "InverseQ", "D")
    values = {}
    for name in names:
        found = xml.text_of(root, name)
        if not found:
            raise ValueError(f"<RSAKeyValue> has no {name}")
        values[name] = int.from_bytes(base64.b64decode(found), "big")
    public = rsa.RSAPublicNumbers(values["Exponent"], values["Modulus"])
    return rsa.RSAPrivateNumbers(
        p=values["P"], q=values["Q"], d=values["D"], dmp1=values["DP"], dmq1=values["DQ"],
        iqmp=values["InverseQ"], public_numbers=public,
    ).private_key()
