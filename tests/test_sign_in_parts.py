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
