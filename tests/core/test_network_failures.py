"""Broken networks over loopback: every failure is a plain-words outcome, and none hangs.

Each case runs a real misbehaving server (or none) on 127.0.0.1 and sends a real status
update through core.sending.send_status, for both SuperOffice (SOAP) and Bitrix24 (JSON),
with in-memory credentials. The outcome must say what happened and what to check.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from cli.hints import command_for
from core.exchange import Exchange, OutcomeKind, OutgoingRequest, StatusUpdate
from core.hints import RAISE_SIZE_LIMIT
from core.profiles import BYTES_PER_MB, Profile
from core.sending import send_status
from core.transport import Connection
from tests.helpers.secrets import DictSecrets
from tests.helpers.servers import (
    LoopbackServer,
    Request,
    TricklingServer,
    answering,
    free_port,
    full_backlog,
    http_answer,
    never_answering,
    self_signed,
    server_tls,
    streaming,
)

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
NS = "http://www.superoffice.net/ws/crm/NetServer/Services86"
SOAP_DONE = (f'<s:Envelope xmlns:s="{SOAP}"><s:Header><Succeeded xmlns="{NS}">true'
             f'</Succeeded></s:Header><s:Body><SetDeliveryStatusResponse xmlns="{NS}"/>'
             "</s:Body></s:Envelope>").encode()
SOAP_FAULT = (f'<s:Envelope xmlns:s="{SOAP}"><s:Body><s:Fault><faultcode>s:Server</faultcode>'
              "<faultstring>Object reference not set to an instance of an object."
              "</faultstring></s:Fault></s:Body></s:Envelope>").encode()
JSON_DONE = b'{"result": true, "time": {"start": 1}}'
SYSTEMS = ("superoffice", "bitrix24")
FAST = 0.4  # seconds: the profile timeout of the cases that must give up


def profile_for(system: str, url: str, **changes: object) -> Profile:
    if system == "superoffice":
        profile = Profile("so", "superoffice", url, {"plugin": "sms", "services": "86"},
                          {"Delivered": 3})  # a version of its own: no GET /api first
    else:
        profile = Profile("b24", "bitrix24", url, {"code": "sms", "auth": "oauth"})
    return profile.with_changes(**{"timeout": 5.0, **changes})


def send(system: str, url: str, **changes: object) -> tuple[Exchange, float]:
    """Send one status update; (the exchange, seconds it took)."""
    profile = profile_for(system, url, **changes)
    if system == "superoffice":
        update = StatusUpdate("ext-1", "Delivered")
        secrets = DictSecrets({"ticket": "7T:test-ticket", "app-token": "test-app-token"})
    else:
        update = StatusUpdate("a" * 32, "delivered")
        secrets = DictSecrets({"access-token": "test-access-token"})
    started = time.monotonic()
    exchange = send_status(profile, update, secrets)
    return exchange, time.monotonic() - started


def good_answer(conn: socket.socket, request: Request, stop: threading.Event) -> None:
    """What each system answers to a status update that worked."""
    if "/rest/" in request.target:
        conn.sendall(http_answer("200 OK", JSON_DONE, "application/json"))
    else:
        conn.sendall(http_answer("200 OK", SOAP_DONE, "text/xml; charset=utf-8"))


@pytest.fixture
def server() -> Iterator[Callable[..., LoopbackServer]]:
    """Starts LoopbackServers for a test and stops them after it, failing on their errors."""
    running: list[LoopbackServer] = []

    def start(handler, **kwargs) -> LoopbackServer:
        started = LoopbackServer(handler, **kwargs).__enter__()
        running.append(started)
        return started

    yield start
    for each in running:
        each.__exit__()
        assert each.errors == []


def assert_transport(exchange: Exchange, code: str, *in_summary: str) -> None:
    outcome = exchange.outcome
    assert outcome.kind is OutcomeKind.TRANSPORT, outcome
    assert outcome.code == code, outcome
    for words in in_summary:
        assert words in outcome.summary, outcome
    assert outcome.advice.startswith(("Check", "The call may", "If the customer")), outcome
    assert exchange.response is None and exchange.error


# -- below HTTP ------------------------------------------------------------------------


@pytest.mark.parametrize("system", SYSTEMS)
def test_connection_refused(system: str) -> None:
    port = free_port()
    exchange, took = send(system, f"http://127.0.0.1:{port}")
    assert_transport(exchange, "ConnectError",
                     f"Could not connect to 127.0.0.1:{port}: connection refused.")
    assert "address (host and port)" in exchange.outcome.advice
    assert took < 2


def _resolves_quickly_to_nothing(name: str) -> bool:
    """Whether this machine says "unknown host" for ``name`` within a second."""
    answer: list[object] = []

    def resolve() -> None:
        try:
            answer.append(socket.getaddrinfo(name, 80))
        except OSError as exc:
            answer.append(exc)

    thread = threading.Thread(target=resolve, daemon=True)
    thread.start()
    thread.join(1.0)
    return bool(answer) and isinstance(answer[0], socket.gaierror)


@pytest.mark.parametrize("system", SYSTEMS)
def test_unknown_host_name(system: str) -> None:
    if not _resolves_quickly_to_nothing("statusdesk-probe.invalid"):
        pytest.skip("resolving a .invalid name here is slow or does not fail (DNS set-up)")
    exchange, took = send(system, "http://statusdesk-test.invalid:8080")
    assert_transport(exchange, "ConnectError", "the host name statusdesk-test.invalid is "
                     "unknown")
    assert "typing errors" in exchange.outcome.advice and "DNS" in exchange.outcome.advice
    assert took < 2


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple:
    return self_signed(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("system", SYSTEMS)
def test_self_signed_certificate_needs_the_profiles_ca_bundle(
        system: str, server, certificate) -> None:
    cert, key = certificate
    tls = server(good_answer, tls=server_tls(cert, key))
    exchange, took = send(system, tls.url)
    assert_transport(exchange, "TLS certificate",
                     f"The TLS certificate of 127.0.0.1:{tls.port} could not be verified "
                     "(self-signed certificate)")
    assert "CA bundle" in exchange.outcome.advice and "--ca-bundle" in exchange.outcome.advice
    assert tls.requests == []  # nothing was sent to a server we could not verify
    assert took < 2

    trusted, _ = send(system, tls.url, ca_bundle=str(cert))
    assert trusted.outcome.kind is OutcomeKind.DONE, trusted.outcome
    assert len(tls.requests) == 1


def _full_backlog_drops_syns() -> bool:
    """Linux drops a SYN to a full accept queue (unless told to reset it instead)."""
    abort = Path("/proc/sys/net/ipv4/tcp_abort_on_overflow")
    return sys.platform == "linux" and (not abort.exists() or abort.read_text().strip() == "0")


@pytest.mark.skipif(not _full_backlog_drops_syns(),
                    reason="needs Linux, where a full accept queue drops new connections")
@pytest.mark.parametrize("system", SYSTEMS)
def test_connect_timeout(system: str) -> None:
    listener, fillers = full_backlog()
    port = listener.getsockname()[1]
    try:
        exchange, took = send(system, f"http://127.0.0.1:{port}", timeout=FAST)
    finally:
        for each in (*fillers, listener):
            each.close()
    assert_transport(exchange, "ConnectTimeout", f"No answer from 127.0.0.1:{port} while "
                     f"connecting: timed out within {FAST:g} s.")
    assert "firewall" in exchange.outcome.advice
    assert FAST * 0.9 < took < FAST + 1


@pytest.mark.parametrize("system", SYSTEMS)
def test_read_timeout(system: str, server) -> None:
    silent = server(never_answering)
    exchange, took = send(system, silent.url, timeout=FAST)
    assert_transport(exchange, "ReadTimeout",
                     f"127.0.0.1:{silent.port} did not answer in time (within {FAST:g} s).")
    assert "may or may not have been applied" in exchange.outcome.advice
    assert len(silent.requests) == 1  # it did arrive: hence "may or may not"
    assert FAST * 0.9 < took < FAST + 1


@pytest.mark.parametrize("system", SYSTEMS)
def test_server_closes_in_the_middle_of_the_body(system: str, server) -> None:
    cut = server(answering(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                           b"Content-Length: 1000\r\n\r\n<s:Envelope"))
    exchange, took = send(system, cut.url)
    assert_transport(exchange, "RemoteProtocolError",
                     f"127.0.0.1:{cut.port} closed the connection in the middle of its answer "
                     "(received 11 bytes, expected 1000).")
    assert "send again" in exchange.outcome.advice
    assert took < 2


@pytest.mark.parametrize("system", SYSTEMS)
def test_trickling_server_is_given_up_on(system: str) -> None:
    with TricklingServer() as server:
        exchange, took = send(system, server.url, timeout=FAST)
    assert_transport(exchange, "ReadTimeout", f"127.0.0.1:{server.port} answered too slowly: "
                     f"it was still sending its answer after {FAST:g} s in total; StatusDesk "
                     "stopped waiting.")
    assert FAST * 0.9 < took < FAST + 1


# -- HTTP 500 and gateways --------------------------------------------------------------


def test_500_with_a_soap_fault_keeps_the_faults_words(server) -> None:
    failing = server(answering(http_answer("500 Internal Server Error", SOAP_FAULT, "text/xml")))
    exchange, _ = send("superoffice", failing.url)
    assert exchange.outcome.summary == ("SuperOffice answered with a SOAP Fault (HTTP 500): "
                                        "Object reference not set to an instance of an object.")
    assert exchange.outcome.code == "s:Server"


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("body", [b"", b"Internal Server Error"])
def test_500_without_a_readable_answer(system: str, body: bytes, server) -> None:
    failing = server(answering(http_answer("500 Internal Server Error", body)))
    exchange, _ = send(system, failing.url)
    who = "NetServer" if system == "superoffice" else "Bitrix24"
    outcome = exchange.outcome
    assert outcome.summary == (f"{who} failed with HTTP 500 Internal Server Error and gave no "
                               f"reason{' (the answer was empty)' if not body else ''}.")
    assert outcome.code == "HTTP 500" and "may or may not have been applied" in outcome.advice
    assert exchange.response.status_code == 500


def test_bitrix24_json_error_with_500_keeps_its_words(server) -> None:
    body = b'{"error": "INTERNAL_SERVER_ERROR", "error_description": "Internal server error"}'
    failing = server(answering(http_answer("500 Internal Server Error", body, "text/html")))
    exchange, _ = send("bitrix24", failing.url)
    assert exchange.outcome.code == "INTERNAL_SERVER_ERROR", exchange.outcome


def gateway_page(status: str) -> bytes:
    return (f"<!DOCTYPE html><html><head><title>{status}</title></head><body><h1>{status}"
            "</h1><hr>proxy</body></html>").encode()


@pytest.mark.parametrize("system", SYSTEMS)
@pytest.mark.parametrize("status", ["502 Bad Gateway", "504 Gateway Time-out"])
def test_gateway_error_from_the_profiles_proxy(system: str, status: str, server) -> None:
    proxy = server(answering(http_answer(status, gateway_page(status), "text/html")))
    target = f"127.0.0.1:{free_port()}"  # never reached: the proxy answers for it
    exchange, took = send(system, f"http://{target}", proxy=proxy.url)
    code = status.split()[0]
    assert proxy.requests[0].target.startswith(f"http://{target}/")  # it went to the proxy
    outcome = exchange.outcome
    assert outcome.kind is OutcomeKind.TRANSPORT and outcome.code == f"HTTP {code}", outcome
    assert outcome.summary.startswith(f"The proxy 127.0.0.1:{proxy.port} answered HTTP {code} "
                                      f'with an HTML page ("{status}") instead of passing on '
                                      f"{target}'s answer"), outcome
    assert f"Check the profile's proxy (127.0.0.1:{proxy.port})" in outcome.advice
    assert exchange.response.status_code == int(code)  # the page is one click away
    assert took < 2


@pytest.mark.parametrize("system", SYSTEMS)
def test_proxy_refusing_the_tunnel_to_an_https_service(system: str, server) -> None:
    proxy = server(answering(http_answer("502 Bad Gateway", gateway_page("502 Bad Gateway"),
                                         "text/html")))
    target = f"127.0.0.1:{free_port()}"
    exchange, _ = send(system, f"https://{target}", proxy=proxy.url)
    assert proxy.requests[0].line.startswith(f"CONNECT {target} ")
    assert_transport(exchange, "ProxyError", f"The proxy 127.0.0.1:{proxy.port} refused or "
                     f"failed the connection to {target} (502 Bad Gateway).")
    assert "authentication" in exchange.outcome.advice


@pytest.mark.parametrize("system", SYSTEMS)
def test_proxy_that_is_not_running(system: str) -> None:
    port = free_port()
    exchange, _ = send(system, "http://127.0.0.1:9", proxy=f"http://127.0.0.1:{port}")
    assert_transport(exchange, "ConnectError",
                     f"Could not connect to the proxy 127.0.0.1:{port}: connection refused.")
    assert "proxy is up" in exchange.outcome.advice


@pytest.mark.parametrize("system", SYSTEMS)
def test_html_page_instead_of_an_answer_without_a_proxy(system: str, server) -> None:
    login = (b"<!doctype html>\n<HTML><HEAD><TITLE>Sign in &amp; continue - Corp "
             b"Gateway</TITLE></HEAD><body><form></form></body></HTML>")
    page = server(answering(http_answer("200 OK", login, "text/html; charset=utf-8")))
    exchange, _ = send(system, page.url)
    who, expected = ("NetServer", "SOAP") if system == "superoffice" else ("Bitrix24", "JSON")
    assert exchange.outcome.summary == (
        f'{who} answered with an HTML page ("Sign in &amp; continue - Corp Gateway") instead '
        f"of {expected} (HTTP 200): a proxy, login page or error page is in the way.")
    assert "proxy" in exchange.outcome.advice and "address" in exchange.outcome.advice


# -- the size limit ---------------------------------------------------------------------


def test_a_12_mb_answer_is_cut_at_the_default_10_mb_with_bounded_memory(server) -> None:
    big = server(streaming(12 * BYTES_PER_MB))
    profile = profile_for("bitrix24", big.url)
    assert profile.max_response_mb == 10
    request = OutgoingRequest("POST", f"{big.url}/rest/x", (), b"{}")
    with Connection(profile) as connection:
        tracemalloc.start()
        try:
            delivery = connection.perform(request)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    cap = 10 * BYTES_PER_MB
    assert delivery.response.truncated and len(delivery.response.body) == cap
    assert peak < 1.5 * cap, f"peak {peak / BYTES_PER_MB:.1f} MB"
    assert delivery.failure.summary == (
        "The answer was larger than 10 MB; StatusDesk kept the first 10 MB and stopped "
        "reading. Raise the profile's size limit if this is expected.")

    exchange, took = send("bitrix24", big.url)
    assert exchange.outcome == delivery.failure and exchange.response.truncated
    assert exchange.to_dict()["response"]["truncated"] is True
    assert took < 2


@pytest.mark.parametrize("system", SYSTEMS)
def test_a_profile_with_a_1_mb_limit(system: str, server) -> None:
    big = server(streaming(12 * BYTES_PER_MB))
    exchange, _ = send(system, big.url, max_response_mb=1.0)
    assert exchange.outcome.kind is OutcomeKind.TRANSPORT
    assert exchange.outcome.code == "answer too large"
    assert exchange.outcome.summary.startswith("The answer was larger than 1 MB; StatusDesk "
                                               "kept the first 1 MB")
    assert "size limit" in exchange.outcome.advice and exchange.outcome.hint == RAISE_SIZE_LIMIT
    assert "--max-response-mb" in command_for(exchange.outcome.hint, "so")
    assert exchange.response.truncated and len(exchange.response.body) == BYTES_PER_MB

    tenth = server(streaming(BYTES_PER_MB))  # the limit as the person typed it, not 0.0999994
    exchange, _ = send(system, tenth.url, max_response_mb=0.1)
    assert exchange.outcome.summary.startswith("The answer was larger than 0.1 MB; ")

    small = server(streaming(BYTES_PER_MB))  # exactly at the limit: read whole, not cut
    exchange, _ = send(system, small.url, max_response_mb=1.0)
    assert not exchange.response.truncated and exchange.outcome.code != "answer too large"


def test_size_limit_is_saved_checked_and_defaulted(statusdesk_home) -> None:
    from cli import main as cli
    from core.profiles import ProfileError, ProfileStore

    store = ProfileStore()
    assert cli.main(["profile", "add", "big", "--system", "bitrix24", "--url",
                     "https://x.bitrix24.com", "--code", "c", "--max-response-mb", "2.5"]) == 0
    saved = json.loads(store.path.read_text())["profiles"][0]
    assert saved["max_response_mb"] == 2.5
    assert store.get("big").max_response_bytes == int(2.5 * BYTES_PER_MB)
    for wrong in ("0.05", "1001", "nan"):
        assert cli.main(["profile", "add", "x", "--system", "bitrix24", "--url",
                         "https://x.bitrix24.com", "--code", "c", "--max-response-mb",
                         wrong]) == 2
    assert [p.name for p in store.load()] == ["big"]
    with pytest.raises(ProfileError, match="between 0.1 and 1000 MB"):
        store.add(store.get("big").with_changes(name="huge", max_response_mb=5000))

    del saved["max_response_mb"]  # a file from before the setting existed
    store.path.write_text(json.dumps({"version": 1, "profiles": [saved]}))
    assert store.get("big").max_response_mb == 10.0
