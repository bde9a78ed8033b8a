"""Sign-in parts that need no server: signing, key formats, pasted codes, login answers."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from core.browser_sign_in import code_from_text
from core.exchange import ReceivedResponse
from core.systems.base import InvalidInput
from core.systems.superoffice_online import (
    SignInRefused,
    load_private_key,
    read_authenticate,
    signed_system_token,
)


def test_signed_system_token_verifies_with_the_public_key() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption()).decode()
    when = datetime(2026, 11, 23, 9, 7, 30, tzinfo=UTC)
    token, stamp, signature = signed_system_token("SYSTEM-USER-TOKEN", pem, when).split(".")
    assert (token, stamp) == ("SYSTEM-USER-TOKEN", "202611230907")
    key.public_key().verify(base64.b64decode(signature), b"SYSTEM-USER-TOKEN.202611230907",
                            padding.PKCS1v15(), hashes.SHA256())


def test_private_key_in_the_portals_xml_form_is_read() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = key.private_numbers()

    def b64(value: int) -> str:
        return base64.b64encode(value.to_bytes((value.bit_length() + 7) // 8, "big")).decode()

    xml = (f"<RSAKeyValue><Modulus>{b64(numbers.public_numbers.n)}</Modulus>"
           f"<Exponent>{b64(numbers.public_numbers.e)}</Exponent><P>{b64(numbers.p)}</P>"
           f"<Q>{b64(numbers.q)}</Q><DP>{b64(numbers.dmp1)}</DP><DQ>{b64(numbers.dmq1)}</DQ>"
           f"<InverseQ>{b64(numbers.iqmp)}</InverseQ><D>{b64(numbers.d)}</D></RSAKeyValue>")
    assert load_private_key(xml).private_numbers() == numbers


@pytest.mark.parametrize(("pasted", "code"), [
    ("abc123", "abc123"),
    ("  abc123 \n", "abc123"),
    ("https://app.example/handler/?code=abc123&state=S&domain=x.bitrix24.com", "abc123"),
    ("?code=abc123&state=S", "abc123"),
])
def test_pasted_code_or_address(pasted: str, code: str) -> None:
    assert code_from_text(pasted, "S") == code


@pytest.mark.parametrize(("pasted", "problem"), [
    ("", "Paste the address"),
    ("https://app.example/handler/?domain=x", "no code="),
    ("https://app.example/?code=abc&state=OLD", "older sign-in"),
    ("https://app.example/?error=access_denied&error_description=No", "did not sign you in"),
    ("two words", "does not look like"),
])
def test_pasted_text_that_is_no_code(pasted: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        code_from_text(pasted, "S")


@given(st.text(max_size=300))
@settings(max_examples=300)
def test_any_pasted_text_gives_a_code_or_a_message(text: str) -> None:
    try:
        code = code_from_text(text, "S")
    except InvalidInput as exc:
        assert exc.field == "code" and exc.message
    else:
        assert code and code == code.strip()


@given(st.binary(max_size=400) | st.builds(
    lambda token: json.dumps({"IsSuccessful": True, "Token": token}).encode(),
    st.text(max_size=200)))
@settings(max_examples=300)
def test_any_login_answer_gives_a_ticket_or_a_reason(body: bytes) -> None:
    response = ReceivedResponse(200, "OK", "HTTP/1.1", (), body)
    try:
        ticket, _expires, who = read_authenticate(response, datetime.now(UTC))
    except SignInRefused as exc:
        assert str(exc)
    else:
        assert ticket and who


def _answer(claims: dict) -> ReceivedResponse:
    def part(value: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    token = f"{part({'alg': 'RS256'})}.{part(claims)}.c2ln"
    body = json.dumps({"IsSuccessful": True, "Token": token, "ErrorMessage": None}).encode()
    return ReceivedResponse(200, "OK", "HTTP/1.1", (), body)


@pytest.mark.parametrize(("exp", "hours"), [
    (None, 6.0),  # no exp: the ticket's 6 hours
    (5 * 60, 6.0),  # a token that lives minutes says nothing about the ticket
    (3 * 3600, 3.0),  # a token that says the ticket ends sooner, hours ahead: believed
    (48 * 3600, 6.0),  # never longer than a ticket lives
    (True, 6.0), (1e20, 6.0), (float("nan"), 6.0),  # nonsense is ignored, not raised
])
def test_ticket_expiry_from_the_login_answer(exp, hours) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    claims = {"http://schemes.superoffice.net/identity/ticket": "7T:abc", "sub": "Sys"}
    if exp is not None:
        claims["exp"] = now.timestamp() + exp if isinstance(exp, int) and exp is not True \
            else exp
    ticket, expires, who = read_authenticate(_answer(claims), now)
    assert ticket == "7T:abc" and who == "Sys"
    assert (expires - now).total_seconds() / 3600 == pytest.approx(hours)


def test_an_old_profile_with_login_is_read_as_auth() -> None:
    from core.profiles import Profile

    old = Profile.from_dict({"name": "A", "system": "superoffice", "base_url": "https://x/y",
                             "options": {"plugin": "p", "login": "password", "username": "u"}})
    assert old.option("auth") == "password" and "login" not in old.options


def test_a_moved_portal_is_offered_only_without_a_downgrade() -> None:
    from core.profiles import Profile
    from core.systems import get_system

    profile = Profile("B", "bitrix24", "https://old.bitrix24.com", options={"code": "c"})

    def moved(location: str) -> str:
        response = ReceivedResponse(302, "Found", "HTTP/1.1", (("Location", location),), b"")
        return get_system("bitrix24").read_response(profile, response).moved_to

    assert moved("https://new.bitrix24.com/rest/messageservice.message.status.update") == \
        "https://new.bitrix24.com"
    assert moved("https://user:pw@new.bitrix24.com:8443/rest/x") == "https://new.bitrix24.com:8443"
    assert moved("http://new.bitrix24.com/rest/x") == ""  # the token would go unencrypted
    assert moved("javascript:alert(1)") == ""
