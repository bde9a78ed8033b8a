"""SuperOffice's Services version: auto asks ``GET {base}/api`` once and uses the newest of
84-88 the server serves, remembered with the profile; a version the server lacks is
explained. Real HTTP on 127.0.0.1: the sandbox (Services86 and 88, or only 88) and a small
server of this test that serves only Services88 and validates what arrives."""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import httpx
import pytest

from core import xml
from core.desk import Desk, MemorySecrets
from core.exchange import OutcomeKind, StatusUpdate
from core.profiles import Profile
from core.sending import send_status, sign_in
from core.systems import superoffice_services as services
from sandbox.wsdl_schema import load_schema, validate_element
from tests.helpers.secrets import DictSecrets
from tests.helpers.servers import LoopbackServer, Request, http_answer

REPO = Path(__file__).resolve().parents[2]
NS86 = "http://www.superoffice.net/ws/crm/NetServer/Services86"
NS88 = "http://www.superoffice.net/ws/crm/NetServer/Services88"


@pytest.fixture(autouse=True)
def fresh_memory():
    services.forget_seen()
    yield
    services.forget_seen()


@pytest.fixture(scope="module")
def schema88(tmp_path_factory):
    """The Services86 WSDL's schema with its namespace swapped for Services88's."""
    spec = REPO.parent / "shared" / "spec" / "Services86-Messaging.wsdl"
    wsdl = spec if spec.exists() else REPO / "sandbox" / "Services86-Messaging.wsdl"
    swapped = tmp_path_factory.mktemp("wsdl") / "Services88-Messaging.wsdl"
    swapped.write_text(wsdl.read_text(encoding="utf-8").replace(NS86, NS88), encoding="utf-8")
    return load_schema(swapped)


def _errors(schema, body: bytes) -> list[str]:
    root = xml.parse(body)
    return [e for el in [*xml.child(root, "Header"), *xml.child(root, "Body")]
            for e in validate_element(schema, el)]


def _profile(url: str, **options: str) -> Profile:
    return Profile("so", "superoffice", url, {"plugin": "statusdesk-sandbox", **options},
                   {"Delivered": 3}, timeout=5.0)


def _secrets(sandbox) -> DictSecrets:
    return DictSecrets({"ticket": sandbox.credentials.so_ticket,
                        "app-token": sandbox.credentials.so_app_token})


def test_auto_against_a_server_serving_only_services88_sends_a_call_that_validates(
        schema88) -> None:
    """Not the sandbox: a server that knows nothing but Services88 and its /api."""
    api = json.dumps({"Version": "v1", "Services": "Services88",
                      "Services88": NS88}).encode()
    problems: list[str] = []

    def handle(conn: socket.socket, request: Request, stop: threading.Event) -> None:
        if request.target.endswith("/api"):
            conn.sendall(http_answer("200 OK", api, "application/json"))
            return
        if not request.target.endswith("/Remote/Services88/Messaging.svc"):
            conn.sendall(http_answer("404 Not Found"))
            return
        problems.extend(_errors(schema88, request.body))
        answer = (f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
                  f'<s:Header><Succeeded xmlns="{NS88}">true</Succeeded></s:Header><s:Body>'
                  f'<SetDeliveryStatusResponse xmlns="{NS88}"/></s:Body></s:Envelope>')
        conn.sendall(http_answer("200 OK", answer.encode(), "text/xml"))

    with LoopbackServer(handle) as server:
        profile = _profile(server.url + "/Cust1")
        store = DictSecrets({"ticket": "7T:t", "app-token": "app"})
        exchange = send_status(profile, StatusUpdate("ext-1", "Delivered"), store)
        assert exchange.outcome.kind is OutcomeKind.DONE, exchange.outcome
        again = send_status(profile, StatusUpdate("ext-2", "Delivered"), store)
        assert again.ok
        targets = [r.target for r in server.requests]
    assert targets == ["/Cust1/api", "/Cust1/Remote/Services88/Messaging.svc",
                       "/Cust1/Remote/Services88/Messaging.svc"]  # /api asked once
    assert problems == []
    assert exchange.request.header("SOAPAction") == f'"{NS88}/Messaging/SetDeliveryStatus"'
    assert any("serves Services88" in note and "uses Services88" in note
               for note in exchange.notes)


def test_the_sandbox_serving_only_88_gets_a_services88_call(sandbox, schema88) -> None:
    sandbox.superoffice.services = ("88",)
    message = sandbox.superoffice_messages[0]
    exchange = send_status(_profile(sandbox.superoffice_url), StatusUpdate(message, "Delivered"),
                           _secrets(sandbox))
    assert exchange.outcome.kind is OutcomeKind.DONE, exchange.outcome
    assert sandbox.superoffice.status_of("statusdesk-sandbox", message)[0] == 3
    get, post = sandbox.received
    assert (get.method, get.path.rsplit("/", 1)[1]) == ("GET", "api")
    assert post.path.endswith("/Remote/Services88/Messaging.svc")
    assert _errors(schema88, post.body) == []


def test_the_sandbox_serves_86_and_88_and_auto_takes_the_newest(sandbox) -> None:
    profile = _profile(sandbox.superoffice_url)
    exchange = send_status(profile, StatusUpdate(sandbox.superoffice_messages[0], "3"),
                           _secrets(sandbox))
    assert exchange.ok and exchange.request.url.endswith("/Services88/Messaging.svc")
    old = send_status(_profile(sandbox.superoffice_url, services="86"),
                      StatusUpdate(sandbox.superoffice_messages[1], "3"), _secrets(sandbox))
    assert old.ok and old.request.url.endswith("/Services86/Messaging.svc")
    # Services86 elements at Services88's address are refused, as WCF refuses another
    # contract's; a Services88 call out of the schema's order meets the schema.
    url88 = sandbox.superoffice_url + "/Remote/Services88/Messaging.svc"
    action = f'"{NS88}/Messaging/SetDeliveryStatus"'
    wrong = httpx.post(url88, content=old.request.body, timeout=5,
                       headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": action})
    assert wrong.status_code == 400 and "of Services86" in wrong.text
    swapped = old.request.body.replace(NS86.encode(), NS88.encode()).replace(
        b"<so:Plugin>statusdesk-sandbox</so:Plugin>", b"")
    unordered = httpx.post(url88, content=swapped.replace(
        b"<so:Status>", b"<so:Plugin>statusdesk-sandbox</so:Plugin><so:Status>"), timeout=5,
        headers={"Content-Type": "text/xml; charset=utf-8", "SOAPAction": action})
    assert unordered.status_code == 500 and "deserialize" in unordered.text
    assert NS88 in unordered.text and NS86 not in unordered.text

    api = httpx.get(sandbox.superoffice_url + "/api", timeout=5).json()
    assert (api["Services"], api["Services86"], api["Services88"]) == ("Services88", NS86, NS88)


def test_password_sign_in_follows_the_version_too(sandbox) -> None:
    sandbox.superoffice.services = ("88",)
    creds = sandbox.credentials
    profile = _profile(sandbox.superoffice_url, auth="password", username=creds.so_username)
    store = DictSecrets({"password": creds.so_password, "app-token": creds.so_app_token})
    exchange = sign_in(profile, store)
    assert exchange.outcome.kind is OutcomeKind.DONE, exchange.outcome
    assert [r.path.rsplit("/", 2)[1:] for r in sandbox.received] == [
        ["Cust12345", "api"], ["Services88", "SoPrincipal.svc"]]


def test_a_version_the_server_does_not_serve_is_explained(sandbox) -> None:
    for setting, lacking in (("85", "85"), ("86", "86")):
        sandbox.superoffice.services = ("86", "88") if setting == "85" else ("88",)
        exchange = send_status(_profile(sandbox.superoffice_url, services=setting),
                               StatusUpdate(sandbox.superoffice_messages[0], "3"),
                               _secrets(sandbox))
        assert exchange.outcome.kind is OutcomeKind.REFUSED
        served = "Services86, Services88" if setting == "85" else "Services88"
        assert exchange.outcome.summary == (f"NetServer does not serve Services{lacking} at "
                                            f"this address; it serves {served}.")
        assert "Service version to auto, or to one it serves" in exchange.outcome.advice


def test_a_server_that_does_not_say_gets_services86() -> None:
    def handle(conn: socket.socket, request: Request, stop: threading.Event) -> None:
        if request.target.endswith("/api"):
            conn.sendall(http_answer("404 Not Found", b"<html><title>404</title></html>",
                                     "text/html"))
            return
        conn.sendall(http_answer("200 OK", (
            f'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            f'<SetDeliveryStatusResponse xmlns="{NS86}"/></s:Body></s:Envelope>').encode(),
            "text/xml"))

    with LoopbackServer(handle) as server:
        exchange = send_status(_profile(server.url), StatusUpdate("e", "3"),
                               DictSecrets({"ticket": "7T:t"}))
    assert exchange.ok, exchange.outcome
    assert exchange.request.url.endswith("/Remote/Services86/Messaging.svc")
    assert any("did not say" in note and "Services86" in note for note in exchange.notes)


def test_the_desk_remembers_the_version_with_the_profile(sandbox, statusdesk_home) -> None:
    sandbox.superoffice.services = ("88",)
    desk = Desk(statusdesk_home, secrets=MemorySecrets())
    profile = _profile(sandbox.superoffice_url)
    desk.save_profile(profile)
    for field, value in (("ticket", sandbox.credentials.so_ticket),
                         ("app-token", sandbox.credentials.so_app_token)):
        desk.secrets.set(profile.name, field, value)
    assert desk.send(profile, StatusUpdate(sandbox.superoffice_messages[0], "3")).ok
    kept = Desk(statusdesk_home).profiles.get("so")
    assert kept.option("services_found") == "88"
    assert kept.option("services_found_for") == sandbox.superoffice_url

    services.forget_seen()  # a new start of StatusDesk: the profile knows, nothing is asked
    sandbox.received.clear()
    assert desk.send(kept, StatusUpdate(sandbox.superoffice_messages[1], "3")).ok
    assert [r.path.rsplit("/", 1)[1] for r in sandbox.received] == ["Messaging.svc"]
    moved = kept.with_changes(base_url=sandbox.superoffice_url + "/../Cust12345")
    assert services.must_ask(moved, moved.base_url)  # another address: asked again


def test_a_preview_of_an_auto_profile_says_the_server_is_asked_first(sandbox,
                                                                      statusdesk_home) -> None:
    desk = Desk(statusdesk_home, secrets=MemorySecrets())
    shown = desk.preview(_profile(sandbox.superoffice_url), StatusUpdate("e", "3"))
    assert any("asks the server which service version" in note for note in shown.notes)
    assert list(sandbox.received) == []  # a preview sends nothing, the question neither
    fixed = desk.preview(_profile(sandbox.superoffice_url, services="88"), StatusUpdate("e", "3"))
    assert fixed.notes == () and fixed.request.url.endswith("/Services88/Messaging.svc")
