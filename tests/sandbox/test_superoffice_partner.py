"""SuperOffice Online system-user sign-in (PartnerSystemUser/Authenticate) over HTTP."""

from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.hashes import SHA256

from tests.sandbox.helpers import (
    AUTHENTICATE,
    CLAIM,
    app_key,
    authenticate,
    b64url_decode,
    jwt_parts,
    set_status_with,
    sign_system_token,
    succeeded,
    system_user_request,
    verify_jwt,
)

SIX_HOURS = 6 * 3600


@pytest.fixture(scope="module")
def other_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def refusal(response) -> str:
    """The ErrorMessage of a refused sign-in, after checking the refusal's shape."""
    assert response.status_code == 200, response.text
    answer = response.json()
    assert set(answer) == {"IsSuccessful", "Token", "ErrorMessage"}
    assert answer["IsSuccessful"] is False and answer["Token"] is None
    assert isinstance(answer["ErrorMessage"], str) and answer["ErrorMessage"]
    return answer["ErrorMessage"]


def test_good_signature_gets_a_verifiable_jwt_with_a_working_ticket(sandbox, client):
    response = authenticate(sandbox, client, system_user_request(sandbox))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    answer = response.json()
    assert answer["IsSuccessful"] is True and answer["ErrorMessage"] is None

    token = answer["Token"]
    assert "=" not in token and token.count(".") == 2
    header, _, _ = jwt_parts(token)
    assert header == {"alg": "RS256", "typ": "JWT"}
    claims = verify_jwt(token, sandbox.superoffice_jwt_public_key)
    assert claims[CLAIM + "ctx"] == "Cust12345"
    assert claims[CLAIM + "netserver_url"] == sandbox.superoffice_url + "/Remote/Services86/"
    assert claims[CLAIM + "associateid"]
    assert claims["sub"] and claims["iss"] == "SuperOffice AS"
    assert claims["nbf"] == claims["iat"] and claims["exp"] == claims["iat"] + SIX_HOURS
    assert abs(claims["iat"] - sandbox.clock.now()) < 5

    ticket = claims[CLAIM + "ticket"]
    assert ticket.startswith("7T:") and ticket != sandbox.credentials.so_ticket
    assert succeeded(set_status_with(sandbox, client, ticket, "SO-1005"))
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1005")[0] == 3
    assert [kind for kind, _ in sandbox.superoffice.sign_ins] == ["system-user"]


def test_jwt_does_not_verify_with_the_application_key(sandbox, client):
    token = authenticate(sandbox, client, system_user_request(sandbox)).json()["Token"]
    signing_input, _, signature = token.rpartition(".")
    with pytest.raises(InvalidSignature):
        app_key(sandbox).public_key().verify(b64url_decode(signature), signing_input.encode(),
                                             PKCS1v15(), SHA256())


def test_each_sign_in_gets_a_new_ticket(sandbox, client):
    first, second = (jwt_parts(authenticate(sandbox, client, system_user_request(sandbox))
                               .json()["Token"])[1][CLAIM + "ticket"] for _ in range(2))
    assert first != second
    assert sandbox.superoffice.sign_in_count("system-user") == 2


def tampered(sb) -> str:
    token, stamp, signature = system_user_request(sb)["SignedSystemToken"].split(".")
    middle = len(signature) // 2
    flipped = "A" if signature[middle] != "A" else "B"
    return f"{token}.{stamp}.{signature[:middle]}{flipped}{signature[middle + 1:]}"


@pytest.mark.parametrize(("case", "expected"), [
    ("tampered", "signature"),
    ("other_key", "signature"),
    ("stale", "behind"),
    ("future", "ahead"),
    ("unknown_user", "system user token"),
    ("other_user_same_signature", "signature"),
    ("wrong_app_token", "ApplicationToken"),
    ("missing_app_token", "ApplicationToken"),
    ("wrong_tenant", "Cust99999"),
    ("saml", "ReturnTokenType"),
    ("malformed", "SignedSystemToken"),
    ("bad_base64", "cannot be read"),
    ("bad_date", "cannot be read"),
])
def test_refusals(sandbox, client, other_key, case, expected):
    c = sandbox.credentials
    now = sandbox.clock.now()
    body = {
        "tampered": lambda: system_user_request(sandbox, signed=tampered(sandbox)),
        "other_key": lambda: system_user_request(
            sandbox, signed=sign_system_token(c.so_system_user_token, other_key, now)),
        "stale": lambda: system_user_request(sandbox, when=now - 12 * 60),  # minutes floor
        "future": lambda: system_user_request(sandbox, when=now + 12 * 60),
        "unknown_user": lambda: system_user_request(
            sandbox, signed=sign_system_token("SomeoneElse", app_key(sandbox), now)),
        "other_user_same_signature": lambda: system_user_request(
            sandbox, signed="SomeoneElse." + system_user_request(sandbox)[
                "SignedSystemToken"].split(".", 1)[1]),
        "wrong_app_token": lambda: system_user_request(sandbox, ApplicationToken="nope"),
        "missing_app_token": lambda: {k: v for k, v in system_user_request(sandbox).items()
                                      if k != "ApplicationToken"},
        "wrong_tenant": lambda: system_user_request(sandbox, ContextIdentifier="Cust99999"),
        "saml": lambda: system_user_request(sandbox, ReturnTokenType="SAML"),
        "malformed": lambda: system_user_request(sandbox, signed="no-dots-here"),
        "bad_base64": lambda: system_user_request(
            sandbox, signed=f"{c.so_system_user_token}.202401011200.not*base64"),
        "bad_date": lambda: system_user_request(
            sandbox, signed=f"{c.so_system_user_token}.202413451299.AAAA"),
    }[case]()
    message = refusal(authenticate(sandbox, client, body))
    assert expected in message
    assert sandbox.superoffice.sign_ins == []


def test_timestamp_within_ten_minutes_is_accepted(sandbox, client):
    for offset in (-9 * 60, 9 * 60):
        body = system_user_request(sandbox, when=sandbox.clock.now() + offset)
        assert authenticate(sandbox, client, body).json()["IsSuccessful"] is True


def test_timestamp_is_checked_against_the_sandbox_clock(sandbox, client):
    """The sandbox clock is wall time plus what tests advanced it: sign with its time."""
    signed_now = system_user_request(sandbox)
    sandbox.clock.advance(11 * 60)
    assert "behind" in refusal(authenticate(sandbox, client, signed_now))
    fresh = system_user_request(sandbox, when=sandbox.clock.now())
    assert authenticate(sandbox, client, fresh).json()["IsSuccessful"] is True


def test_field_names_are_case_insensitive_and_extra_fields_ignored(sandbox, client):
    body = {key.lower(): value for key, value in system_user_request(sandbox).items()}
    body["Unrelated"] = 1
    assert authenticate(sandbox, client, body).json()["IsSuccessful"] is True


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\xff\xfe", b""])
def test_unreadable_body_is_400(sandbox, client, raw):
    response = authenticate(sandbox, client, raw)
    assert response.status_code == 400
    answer = response.json()
    assert answer["IsSuccessful"] is False and answer["Token"] is None
    assert answer["ErrorMessage"]


def test_non_string_field_is_400(sandbox, client):
    response = authenticate(sandbox, client, system_user_request(sandbox, ContextIdentifier=5))
    assert response.status_code == 400 and "ContextIdentifier" in response.json()["ErrorMessage"]


def test_transport_checks(sandbox, client):
    url = sandbox.superoffice_login_url + AUTHENTICATE
    as_text = client.post(url, content=b"{}", headers={"Content-Type": "text/plain"})
    assert as_text.status_code == 415
    get = client.get(url)
    assert get.status_code == 405 and get.headers["allow"] == "POST"
    assert client.post(sandbox.superoffice_login_url + "/api/Other", json={}).status_code == 404
    any_case = sandbox.superoffice_login_url + "/api/partnersystemuser/authenticate/"
    assert client.post(any_case, json=system_user_request(sandbox)).json()["IsSuccessful"]


def test_login_url_is_separate_from_the_tenant(sandbox):
    assert sandbox.superoffice_login_url == sandbox.origin + "/superoffice-online/Login"
    assert not sandbox.superoffice_login_url.startswith(sandbox.superoffice_url)
