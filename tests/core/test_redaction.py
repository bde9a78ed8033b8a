"""Secrets never survive redaction, whatever they look like and wherever they appear."""

from __future__ import annotations

import json
import string

from hypothesis import given, settings
from hypothesis import strategies as st

from core.exchange import (
    Exchange,
    Outcome,
    OutcomeKind,
    OutgoingRequest,
    ReceivedResponse,
    StatusUpdate,
)
from core.profiles import Profile
from core.redaction import redact_exchange, redact_headers, redact_request, redact_text
from core.systems import get_system

SO_PROFILE = Profile("so", "superoffice", "https://sod.superoffice.com/Cust1", {"plugin": "sms"})
B24_PROFILE = Profile("b24", "bitrix24", "https://acme.bitrix24.com", {"code": "sms_gw"})
HOOK_PROFILE = Profile("hook", "bitrix24", "https://acme.bitrix24.com",
                       {"code": "sms_gw", "auth": "webhook"})

# A fixed prefix keeps generated secrets from being words the exchange contains anyway
# ("vers" in "http_version"), which would make the assertions below fail for no reason.
secret_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40
).map(lambda s: "Zq7" + s.strip()).filter(lambda s: len(s) > 3)


def _everything(exchange: Exchange) -> str:
    return json.dumps(exchange.to_dict(), ensure_ascii=False)


def _echoing_exchange(request: OutgoingRequest, secret: str) -> Exchange:
    """A response that repeats the secret in many shapes, as a careless server might."""
    body = (
        f'{{"echo": {json.dumps(secret)}, "access_token": "x", "auth": "{secret}"}}'
        f"<Ticket>{secret}</Ticket>"
    ).encode()
    response = ReceivedResponse(200, "OK", "HTTP/1.1", (("X-Echo", secret),), body)
    outcome = Outcome(OutcomeKind.REFUSED, f"refused token {secret}", detail=secret)
    return Exchange("p", "s", "op", request, response, None, outcome, error=f"failed {secret}")


@settings(max_examples=60, deadline=None)
@given(ticket=secret_text, app_token=secret_text)
def test_superoffice_secrets_never_survive(ticket: str, app_token: str) -> None:
    for transport in ("soap", "soap12", "rest"):
        profile = SO_PROFILE.with_changes(options={"plugin": "sms", "transport": transport})
        secrets = {"ticket": ticket, "app-token": app_token}
        request = get_system("superoffice").build_request(
            StatusUpdate("m-1", "3"), profile, secrets
        )
        masked = _everything(redact_exchange(_echoing_exchange(request, ticket), secrets))
        for value in secrets.values():
            assert json.dumps(value, ensure_ascii=False)[1:-1] not in masked
            assert value not in masked


@settings(max_examples=60, deadline=None)
@given(token=secret_text)
def test_bitrix24_token_never_survives(token: str) -> None:
    secrets = {"access-token": token}
    request = get_system("bitrix24").build_request(
        StatusUpdate("abc", "delivered"), B24_PROFILE, secrets
    )
    masked = _everything(redact_exchange(_echoing_exchange(request, token), secrets))
    assert json.dumps(token, ensure_ascii=False)[1:-1] not in masked
    assert "***access-token***" in masked


@given(code=st.text(alphabet=string.ascii_letters + string.digits, min_size=3, max_size=24))
def test_webhook_secret_path_masked_but_portal_kept(code: str) -> None:
    code = "Zq7" + code  # never a word the URL holds anyway ("status")
    hook = f"https://acme.bitrix24.com/rest/7/{code}/"
    request = get_system("bitrix24").build_request(
        StatusUpdate("abc", "delivered"), HOOK_PROFILE, {"webhook-url": hook}
    )
    for secrets in ({"webhook-url": hook}, {}):  # by value, and by position alone
        masked = redact_request(request, secrets)
        assert code not in masked.url
        assert masked.url.startswith("https://acme.bitrix24.com/rest/7/***webhook-secret***/")


def test_unknown_tokens_are_masked_by_position() -> None:
    text = (
        '{"access_token":"new-access-1","refresh_token":"new-refresh-2",'
        '"client_secret":"cs-3","password":"pw-4","Ticket":"7T:zz"}'
    )
    masked = redact_text(text)
    for value in ("new-access-1", "new-refresh-2", "cs-3", "pw-4", "7T:zz"):
        assert value not in masked
    url = "https://oauth.example/oauth/token/?grant_type=refresh_token&client_secret=s1&refresh_token=r2"
    masked_url = redact_text(url)
    assert "s1" not in masked_url.split("client_secret=")[1]
    assert "grant_type=refresh_token" in masked_url
    xml = b'<so:Ticket xmlns:so="http://x/y">7T:secret</so:Ticket><Password>p</Password>'
    assert b"7T:secret" not in redact_text(xml.decode()).encode()
    assert ">p<" not in redact_text(xml.decode())


def test_authorization_headers_keep_scheme_only() -> None:
    headers = redact_headers(
        (("Authorization", "SOTicket 7T:abc"), ("SO-AppToken", "tok"), ("Accept", "x/y"),
         ("Authorization", "Bearer eyJ.abc"))
    )
    assert headers == (
        ("Authorization", "SOTicket ***ticket***"),
        ("SO-AppToken", "***app-token***"),
        ("Accept", "x/y"),
        ("Authorization", "Bearer ***access-token***"),
    )


def test_renewed_values_masked_under_the_field_name() -> None:
    text = "old OLD-TOKEN new NEW-TOKEN"
    masked = redact_text(text, {"access-token": "OLD-TOKEN", "access-token#renewed": "NEW-TOKEN"})
    assert masked == "old ***access-token*** new ***access-token***"


def test_form_fields_masked_first_and_after_ampersand() -> None:
    body = "client_secret=cs-1&grant_type=refresh_token&Refresh_Token=rt-2&code=c3"
    assert redact_text(body) == (
        "client_secret=***client-secret***&grant_type=refresh_token"
        "&Refresh_Token=***refresh-token***&code=c3"
    )
    # A name that merely ends like a field is not a field.
    assert redact_text("my_password=keep&x=1") == "my_password=keep&x=1"


@settings(max_examples=300, deadline=None)
@given(
    field=st.sampled_from(["auth", "access_token", "refresh_token", "client_secret",
                           "password"]),
    value=st.text(alphabet=string.ascii_letters + string.digits + "-._~%", min_size=1,
                  max_size=30),
    before=st.lists(st.sampled_from(["a=1", "grant_type=x", "b=", "c=d%26e"]), max_size=3),
    after=st.lists(st.sampled_from(["a=1", "scope=x", "z="]), max_size=3),
)
def test_a_secret_form_field_is_masked_wherever_it_stands(
    field: str, value: str, before: list[str], after: list[str]
) -> None:
    fields = [*before, f"{field}={value}", *after]
    masked = redact_text("&".join(fields)).split("&")
    assert masked[len(before)].startswith(f"{field}=***")
    assert masked[:len(before)] == before and masked[len(before) + 1:] == after
