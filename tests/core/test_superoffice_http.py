"""SuperOffice over real HTTP on 127.0.0.1, against the sandbox's NetServer simulator."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import xml
from core.exchange import OutcomeKind, OutgoingRequest, StatusUpdate
from core.profiles import Profile
from core.sending import check_connection, preview, send_status
from core.transport import Connection
from sandbox.wsdl_schema import load_schema, validate_element
from tests.helpers.secrets import DictSecrets

REPO = Path(__file__).resolve().parents[2]
SPEC_WSDL = REPO.parent / "shared" / "spec" / "Services86-Messaging.wsdl"
BUNDLED_WSDL = REPO / "sandbox" / "Services86-Messaging.wsdl"


@pytest.fixture(scope="module")
def spec_schema():
    path = SPEC_WSDL if SPEC_WSDL.exists() else BUNDLED_WSDL
    return load_schema(path)


@pytest.fixture
def profile(sandbox) -> Profile:
    return Profile("so-sandbox", "superoffice", sandbox.superoffice_url,
                   {"plugin": sandbox.credentials.so_plugin, "services": "86"},  # the spec's
                   {"Delivered": 3})  # (auto: tests/core/test_superoffice_services.py)


@pytest.fixture
def secrets(sandbox) -> DictSecrets:
    creds = sandbox.credentials
    return DictSecrets({"ticket": creds.so_ticket, "app-token": creds.so_app_token})


def _schema_errors(schema, body: bytes) -> list[str]:
    root = xml.parse(body)
    header, body_element = xml.child(root, "Header"), xml.child(root, "Body")
    errors = []
    for element in [*header, *body_element]:
        errors += validate_element(schema, element)
    return errors


def test_bundled_wsdl_is_the_spec_one() -> None:
    if SPEC_WSDL.exists():
        assert BUNDLED_WSDL.read_bytes() == SPEC_WSDL.read_bytes()


def test_set_delivery_status_soap11(sandbox, profile, secrets, spec_schema) -> None:
    message = sandbox.superoffice_messages[0]
    exchange = send_status(profile, StatusUpdate(message, "Delivered", "Delivered to handset"),
                           secrets)
    assert exchange.outcome.kind is OutcomeKind.DONE, exchange.outcome
    assert sandbox.superoffice.status_of(profile.option("plugin"), message) == (
        3, "Delivered to handset")

    arrived = sandbox.received[-1]
    headers = {k.lower(): v for k, v in arrived.headers}
    assert arrived.path.endswith("/Remote/Services86/Messaging.svc")
    assert headers["content-type"] == "text/xml; charset=utf-8"
    assert headers["soapaction"] == (
        '"http://www.superoffice.net/ws/crm/NetServer/Services86/Messaging/SetDeliveryStatus"')
    assert _schema_errors(spec_schema, arrived.body) == []
    root = xml.parse(arrived.body)
    assert root.tag == "{http://schemas.xmlsoap.org/soap/envelope/}Envelope"
    call = xml.child(xml.child(root, "Body"), "SetDeliveryStatus")
    assert [xml.local(c.tag) for c in call] == [
        "Plugin", "ExternalMessageId", "Status", "StatusDescription"]
    assert {c.tag.split("}")[0] for c in call} == {
        "{http://www.superoffice.net/ws/crm/NetServer/Services86"}

    # The record holds the request as sent, masked; its body differs only by the masks.
    recorded = json.dumps(exchange.to_dict())
    assert sandbox.credentials.so_ticket not in recorded
    assert sandbox.credentials.so_app_token not in recorded
    assert "***ticket***" in exchange.request.body.decode()
    assert exchange.response.status_code == 200
    assert exchange.timings.total_ms > 0


@pytest.mark.parametrize("style", ["succeeded_false", "fault"])
def test_bad_ticket_either_way_is_a_credentials_outcome(sandbox, profile, style) -> None:
    sandbox.superoffice.bad_ticket_style = style
    bad = DictSecrets({"ticket": "7T:not-a-real-ticket", "app-token":
                       sandbox.credentials.so_app_token})
    exchange = send_status(profile, StatusUpdate(sandbox.superoffice_messages[0], "3"), bad)
    assert exchange.outcome.kind is OutcomeKind.CREDENTIALS, exchange.outcome
    assert "ticket" in exchange.outcome.advice.lower()
    assert "7T:not-a-real-ticket" not in json.dumps(exchange.to_dict())


def test_wrong_application_token(sandbox, profile) -> None:
    bad = DictSecrets({"ticket": sandbox.credentials.so_ticket, "app-token": "wrong-token"})
    exchange = send_status(profile, StatusUpdate(sandbox.superoffice_messages[0], "3"), bad)
    assert exchange.outcome.kind is OutcomeKind.CREDENTIALS, exchange.outcome


def test_an_unstored_application_token_is_named_as_the_thing_to_store(sandbox, profile) -> None:
    """Issue 16, item 4: the token is optional (onsite needs none), so the ticket alone
    goes out; when the credentials are refused, the advice is to store the missing one."""
    from core import hints

    only_ticket = DictSecrets({"ticket": sandbox.credentials.so_ticket})
    exchange = send_status(profile, StatusUpdate(sandbox.superoffice_messages[0], "3"),
                           only_ticket)
    assert exchange.outcome.kind is OutcomeKind.CREDENTIALS, exchange.outcome
    assert exchange.outcome.advice.startswith(
        "No application token is stored for this profile (the Online app's client secret; "
        "required Online, ignored by onsite installations): store it, then try again.")
    assert exchange.outcome.hint == hints.store("app-token")

    wrong = DictSecrets({"ticket": sandbox.credentials.so_ticket, "app-token": "wrong"})
    stored = send_status(profile, StatusUpdate(sandbox.superoffice_messages[0], "3"), wrong)
    assert "No application token" not in stored.outcome.advice  # stored: the usual advice


@pytest.mark.parametrize("which", ["plugin", "message"])
def test_unknown_plugin_or_message_is_refused_in_plain_words(
    sandbox, profile, secrets, which
) -> None:
    if which == "plugin":
        profile = profile.with_changes(options={"plugin": "no-such-plugin"})
    message = "NOPE-404" if which == "message" else sandbox.superoffice_messages[0]
    exchange = send_status(profile, StatusUpdate(message, "3"), secrets)
    assert exchange.outcome.kind is OutcomeKind.REFUSED
    assert exchange.outcome.summary.startswith("SuperOffice refused the call: ")
    assert len(exchange.outcome.summary) > len("SuperOffice refused the call: ") + 5
    assert exchange.outcome.detail  # ExceptionType / Message kept for the detailed view


def test_soap12_as_documented_gets_415_explained(sandbox, profile, secrets) -> None:
    profile = profile.with_changes(options={"plugin": profile.option("plugin"),
                                            "transport": "soap12"})
    exchange = send_status(profile, StatusUpdate(sandbox.superoffice_messages[0], "3"), secrets)
    assert exchange.response.status_code == 415
    assert exchange.outcome.kind is OutcomeKind.REFUSED
    assert "'soap'" in exchange.outcome.advice
    assert exchange.request.header("Content-Type").startswith("application/soap+xml")
    assert b"http://www.w3.org/2003/05/soap-envelope" in exchange.request.body
    assert any("415" in note for note in exchange.notes)


def test_rest_transport(sandbox, profile, secrets) -> None:
    profile = profile.with_changes(options={"plugin": profile.option("plugin"),
                                            "transport": "rest"})
    message = sandbox.superoffice_messages[1]
    exchange = send_status(profile, StatusUpdate(message, "-7", "odd"), secrets)
    assert exchange.outcome.kind is OutcomeKind.DONE, exchange.outcome
    assert sandbox.superoffice.status_of(profile.option("plugin"), message) == (-7, "odd")
    assert exchange.request.header("Authorization") == "SOTicket ***ticket***"
    assert json.loads(exchange.request.body)["Status"] == -7

    bad = DictSecrets({"ticket": "7T:wrong", "app-token": "x"})
    refused = send_status(profile, StatusUpdate(message, "1"), bad)
    assert refused.outcome.kind is OutcomeKind.CREDENTIALS


def test_connection_test_lists_plugins(sandbox, profile, secrets) -> None:
    exchange, plugins = check_connection(profile, secrets)
    assert exchange.ok, exchange.outcome
    assert profile.option("plugin") in plugins
    assert profile.option("plugin") in exchange.outcome.summary


def test_preview_is_what_send_puts_on_the_wire(sandbox, profile, secrets) -> None:
    update = StatusUpdate(sandbox.superoffice_messages[2], "Delivered", "x")
    shown = preview(profile, update, secrets.values)
    exchange = send_status(profile, update, secrets)
    assert shown.url == exchange.request.url
    assert shown.body == exchange.request.body
    assert dict(shown.headers) == dict(exchange.request.headers)


def test_preview_without_credentials_shows_placeholders(profile) -> None:
    shown = preview(profile, StatusUpdate("m", "3"), {})
    assert b"***ticket***" in shown.body


def test_network_failures_are_transport_outcomes(sandbox, profile, secrets) -> None:
    closed = profile.with_changes(base_url="http://127.0.0.1:9/Cust1")
    exchange = send_status(closed, StatusUpdate("m", "3"), secrets)
    assert exchange.outcome.kind is OutcomeKind.TRANSPORT
    assert "connect" in exchange.outcome.summary.lower()
    assert exchange.response is None and exchange.error

    sandbox.set_delay(1.0)
    slow = profile.with_changes(timeout=0.3)
    exchange = send_status(slow, StatusUpdate(sandbox.superoffice_messages[0], "3"), secrets)
    assert exchange.outcome.kind is OutcomeKind.TRANSPORT
    assert "in time" in exchange.outcome.summary


def test_answers_are_read_with_a_size_limit(sandbox, profile) -> None:
    with Connection(profile, max_response_bytes=64) as connection:
        home_page = f"http://127.0.0.1:{sandbox.port}/"
        delivery = connection.perform(OutgoingRequest("GET", home_page, (), b""))
    assert delivery.response.truncated
    assert len(delivery.response.body) == 64


@pytest.fixture
def onsite(sandbox, profile) -> Profile:
    return profile.with_changes(options={**profile.options, "auth": "password",
                                         "username": sandbox.credentials.so_username})


def test_password_sign_in_gets_and_keeps_a_ticket(sandbox, onsite) -> None:
    creds = sandbox.credentials
    store = DictSecrets({"password": creds.so_password, "app-token": creds.so_app_token})
    exchange = send_status(onsite, StatusUpdate(sandbox.superoffice_messages[0], "3"), store)
    assert exchange.ok, (exchange.outcome, exchange.notes)
    assert store.values["ticket"].startswith("7T:")
    assert any("signed in" in note for note in exchange.notes)
    assert [r.path.rsplit("/", 1)[1] for r in sandbox.received] == [
        "SoPrincipal.svc", "Messaging.svc"]
    recorded = json.dumps(exchange.to_dict())
    assert creds.so_password not in recorded and store.values["ticket"] not in recorded

    # The kept ticket is used next time: no second sign-in.
    assert send_status(onsite, StatusUpdate(sandbox.superoffice_messages[1], "3"), store).ok
    assert [r.path.rsplit("/", 1)[1] for r in sandbox.received][-1] == "Messaging.svc"
    assert len(sandbox.received) == 3


def test_refused_ticket_signs_in_again_once(sandbox, onsite) -> None:
    creds = sandbox.credentials
    store = DictSecrets({"password": creds.so_password, "app-token": creds.so_app_token,
                         "ticket": "7T:stale"})
    exchange = send_status(onsite, StatusUpdate(sandbox.superoffice_messages[0], "3"), store)
    assert exchange.ok, (exchange.outcome, exchange.notes)
    assert store.values["ticket"] != "7T:stale"
    assert any("renewed them" in note and "ticket" in note for note in exchange.notes)
    assert len(sandbox.received) == 3  # refused call, sign-in, repeated call


def test_wrong_password_shows_the_sign_in_exchange(sandbox, onsite) -> None:
    store = DictSecrets({"password": "wrong-password-1",
                         "app-token": sandbox.credentials.so_app_token})
    exchange = send_status(onsite, StatusUpdate(sandbox.superoffice_messages[0], "3"), store)
    assert exchange.outcome.kind is OutcomeKind.CREDENTIALS
    assert "wrong username or password" in exchange.outcome.summary
    assert exchange.request.url.endswith("/SoPrincipal.svc")
    assert b"<so:Password>***password***</so:Password>" in exchange.request.body
    assert "wrong-password-1" not in json.dumps(exchange.to_dict())
    assert "ticket" not in store.values
    assert len(sandbox.received) == 1


def test_missing_password_is_refused_before_sending(sandbox, onsite) -> None:
    from core.systems.base import MissingSecret

    with pytest.raises(MissingSecret, match="No password is stored for profile 'so-sandbox'") \
            as missing:
        send_status(onsite, StatusUpdate(sandbox.superoffice_messages[0], "3"), DictSecrets({}))
    assert missing.value.hint.field == "password"
    assert list(sandbox.received) == []
