"""Secrets never survive redaction, whatever they look like and wherever they appear."""

from __future__ import annotations

import json
import string
from urllib.parse import quote

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
from core.redaction import (
    redact_exchange,
    redact_headers,
    redact_request,
    redact_response,
    redact_text,
)
from core.sending import send_status
from core.systems import get_system
from core.transport import Connection
from tests.helpers.secrets import DictSecrets
from tests.helpers.servers import LoopbackServer, Request, http_answer

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


# -- an answer cut at the size limit (issue 15, item 9) ----------------------------------

LONG_TOKEN = "Zq7-" + "a1b2c3d4e5" * 6  # 64 characters, as Bitrix24's tokens are


def _cut(body: bytes) -> ReceivedResponse:
    return ReceivedResponse(200, "OK", "HTTP/1.1", (), body, truncated=True)


@settings(max_examples=200, deadline=None)
@given(secret=secret_text.filter(lambda s: len(s) >= 8), share=st.floats(0.0, 0.999),
       shape=st.sampled_from(["plain", "json", "url"]))
def test_the_start_of_a_secret_cut_off_at_the_size_limit_is_masked(
        secret: str, share: float, shape: str) -> None:
    form = {"plain": secret, "json": json.dumps(secret)[1:-1],
            "url": quote(secret, safe="")}[shape]
    kept = form[:max(6, int(len(form) * share))]
    assert kept != form
    masked = redact_response(_cut(b'{"echo": "' + kept.encode()), {"access-token": secret})
    assert masked.body == b'{"echo": "***access-token***'


def test_a_cut_in_the_middle_of_a_character_of_a_secret_is_masked() -> None:
    secret = "Zq7-пароль-секрет"
    body = ('{"echo": "' + secret).encode()[:-5]  # "Zq7-пароль-се" and half of "к"
    masked = redact_response(_cut(body), {"password": secret})
    assert masked.body == b'{"echo": "***password***'


def test_only_a_cut_end_is_masked_and_only_when_long_enough() -> None:
    secrets = {"access-token": LONG_TOKEN}
    whole = ReceivedResponse(200, "OK", "HTTP/1.1", (), b"see Zq7-a1b2c")
    assert redact_response(whole, secrets).body == b"see Zq7-a1b2c"  # not cut: mere text
    assert redact_response(_cut(b"see Zq7-a"), secrets).body == b"see Zq7-a"  # 5: text
    assert redact_response(_cut(b"see Zq7-a1"), secrets).body == b"see ***access-token***"
    short = {"password": "pw-12345"}  # a short secret: half of it is enough, four at least
    assert redact_response(_cut(b"is pw-"), short).body == b"is pw-"
    assert redact_response(_cut(b"is pw-1"), short).body == b"is ***password***"


def test_a_token_cut_in_its_place_is_masked_by_position() -> None:
    """Values the server makes up (a new token) are masked by where they stand; a cut can
    come before the closing quote or tag."""
    assert redact_response(_cut(b'{"x": 1, "access_token": "new-tok-12')).body == \
        b'{"x": 1, "access_token": "***access-token***'
    assert redact_response(_cut(b"<r><Ticket>7T:new-ticket-1")).body == \
        b"<r><Ticket>***ticket***"
    assert redact_response(_cut(b'{"refresh_token": "')).body == b'{"refresh_token": "'


def test_an_answer_cut_by_a_real_server_keeps_no_start_of_the_secret() -> None:
    """A careless server echoes the request, padded so that the size limit cuts the token
    30 characters in: the exchange (what the output and the history get) keeps none of it."""
    limit = 4096

    def echo_cut(conn, request: Request, stop) -> None:
        echoed = request.head + b"\r\n\r\n" + request.body
        pad = limit - 30 - echoed.index(LONG_TOKEN.encode()) - len(b'{"echo": ""}')
        body = b'{"echo": "' + b"x" * pad + b'"' + echoed.replace(b'"', b"'") + b'"}'
        conn.sendall(http_answer("400 Bad Request", body, "application/json"))

    with LoopbackServer(echo_cut) as server:
        profile = Profile("b24", "bitrix24", server.url, {"code": "sms", "auth": "oauth"})
        with Connection(profile, max_response_bytes=limit) as connection:
            exchange = send_status(profile, StatusUpdate("a" * 32, "delivered"),
                                   DictSecrets({"access-token": LONG_TOKEN}), connection)
    assert exchange.response is not None and exchange.response.truncated
    everything = _everything(exchange)
    assert LONG_TOKEN[:6] not in everything  # not in the request, nor the cut answer
    assert exchange.response.body.endswith(b"***access-token***")


def test_a_secret_holding_a_control_character_is_masked_before_it_is_escaped() -> None:
    """The words are made visible after masking: escaped first, a tab in a password would
    no longer be found by its value."""
    from core.visible import visible

    secret = "pass\tw0rd-1"

    def echo(conn, request: Request, stop) -> None:
        body = json.dumps({"error": "AUTH", "error_description": f"bad auth {secret}"})
        conn.sendall(http_answer("400 Bad Request", body.encode(), "application/json"))

    with LoopbackServer(echo) as server:
        profile = Profile("b24", "bitrix24", server.url, {"code": "sms", "auth": "oauth"})
        exchange = send_status(profile, StatusUpdate("a" * 32, "delivered"),
                               DictSecrets({"access-token": secret}))
    assert "bad auth ***access-token***" in exchange.outcome.summary
    assert visible(secret) not in _everything(exchange)


def test_the_answer_s_size_is_what_came_over_the_wire_not_the_masked_body() -> None:
    """Masking changes the body's length; "answer N bytes" and the saved exchange say how
    many bytes the server sent, kept through the history's JSON."""
    from core.rendering import outcome_text

    def echo(conn, request: Request, stop) -> None:
        body = json.dumps({"error": "AUTH", "error_description": f"bad {LONG_TOKEN}"})
        conn.sendall(http_answer("401 Unauthorized", body.encode(), "application/json"))

    with LoopbackServer(echo) as server:
        profile = Profile("b24", "bitrix24", server.url, {"code": "sms", "auth": "oauth"})
        exchange = send_status(profile, StatusUpdate("a" * 32, "delivered"),
                               DictSecrets({"access-token": LONG_TOKEN}))
    assert exchange.response is not None
    sent = len(json.dumps({"error": "AUTH", "error_description": f"bad {LONG_TOKEN}"}))
    assert len(exchange.response.body) != sent  # the token became a placeholder
    assert f"answer {sent} bytes" in outcome_text(exchange)
    again = Exchange.from_dict(json.loads(json.dumps(exchange.to_dict())))
    assert f"answer {sent} bytes" in outcome_text(again)
