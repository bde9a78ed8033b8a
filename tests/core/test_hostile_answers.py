"""Answers built to hurt: arbitrary bytes, deep nesting, entity tricks, HTML pages.

Every reader of a server's answer must return an outcome (or its own clear error), never
raise something unexpected, and never expand entities or reach the network.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import xml
from core.exchange import Outcome, ReceivedResponse
from core.profiles import Profile
from core.systems import get_system
from core.systems import superoffice_soap as soap

SO = Profile("S", "superoffice", "https://x/Cust1", options={"plugin": "p"})
B24 = Profile("B", "bitrix24", "https://x.bitrix24.com", options={"code": "c"})
STATUSES = st.sampled_from([200, 201, 302, 400, 401, 403, 404, 415, 429, 500, 502, 503, 504])
EXAMPLES = settings(max_examples=2000, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def answer(status: int, body: bytes, content_type: str = "text/xml") -> ReceivedResponse:
    return ReceivedResponse(status, "Reason", "HTTP/1.1", (("Content-Type", content_type),),
                            body)


def soapish() -> st.SearchStrategy[bytes]:
    """Bytes that are often nearly a SOAP answer, so the parser gets past the first byte."""
    fragments = st.sampled_from([
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">', b"</s:Envelope>",
        b"<s:Header>", b"</s:Header>", b"<s:Body>", b"</s:Body>",
        b'<Succeeded xmlns="http://www.superoffice.net/ws/crm/NetServer/Services86">',
        b"</Succeeded>", b"true", b"false", b"<s:Fault>", b"</s:Fault>", b"<faultcode>",
        b"</faultcode>", b"<ExceptionInfo>", b"<Message>", b"</Message>", b"\xff\xfe",
        b"<SetDeliveryStatusResponse/>", b"&amp;", b"&bogus;", b"<!DOCTYPE x>", b"\x00"])
    return st.lists(fragments | st.binary(max_size=20), max_size=30).map(b"".join)


@given(STATUSES, st.binary(max_size=2000) | soapish())
@EXAMPLES
def test_any_superoffice_answer_gives_an_outcome(status: int, body: bytes) -> None:
    for operation in ("SetDeliveryStatus", "GetPlugins", "GetDeliveryStatus"):
        assert isinstance(soap.read_soap_response(answer(status, body), operation), Outcome)
    assert isinstance(soap.plugin_names(answer(status, body)), tuple)
    assert isinstance(soap.delivery_statuses(answer(status, body)), tuple)
    try:
        soap.read_sign_in(answer(status, body))
    except ValueError:
        pass


def jsonish() -> st.SearchStrategy[bytes]:
    leaves = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
    values = st.recursive(leaves, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["result", "error", "error_description", "time", "x"]), inner,
        max_size=4), max_leaves=20)
    import json

    return values.map(lambda v: json.dumps(v).encode())


@given(STATUSES, st.binary(max_size=2000) | jsonish())
@EXAMPLES
def test_any_bitrix24_answer_gives_an_outcome(status: int, body: bytes) -> None:
    system = get_system("bitrix24")
    response = answer(status, body, "application/json")
    assert isinstance(system.read_response(B24, response), Outcome)
    outcome, listed = system.read_connection_test(B24, response)
    assert isinstance(outcome, Outcome) and isinstance(listed, tuple)


def test_deeply_nested_json_is_an_outcome_not_a_recursion_error() -> None:
    deep = b"[" * 200_000 + b"]" * 200_000
    nested_error = b'{"error": ' * 50_000 + b"1" + b"}" * 50_000
    system = get_system("bitrix24")
    for body in (deep, nested_error):
        outcome = system.read_response(B24, answer(200, body, "application/json"))
        assert not outcome.ok and outcome.summary


def test_deeply_nested_xml_is_refused_quickly() -> None:
    deep = b"<a>" * 100_000 + b"</a>" * 100_000
    started = time.monotonic()
    outcome = soap.read_soap_response(answer(200, deep), "SetDeliveryStatus")
    assert not outcome.ok and time.monotonic() - started < 2


def test_billion_laughs_and_quadratic_blowup_are_not_expanded() -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
              + b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1
                                                         else b"&lol;") * 10)
                         for i in range(1, 10))
              + b"]><lolz>&lol9;</lolz>")
    quadratic = (b'<?xml version="1.0"?><!DOCTYPE q [<!ENTITY a "' + b"x" * 50_000
                 + b'">]><q>' + b"&a;" * 50_000 + b"</q>")
    for body in (laughs, quadratic):
        started = time.monotonic()
        try:
            root = xml.parse(body)
        except xml.XMLError:
            pass
        else:
            assert len("".join(root.itertext())) < 1000  # entities left unexpanded
        assert time.monotonic() - started < 1
        outcome = soap.read_soap_response(answer(200, body), "SetDeliveryStatus")
        assert not outcome.ok


def test_external_entities_and_dtds_are_never_fetched(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    for body in (
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]><x>&e;</x>',
        '<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd"><x>&e;</x>',
        f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY % p SYSTEM "file://{secret}"> %p;]><x/>',
    ):
        try:
            root = xml.parse(body.encode())
        except xml.XMLError:
            continue
        assert "TOP-SECRET" not in "".join(root.itertext())


def test_an_html_error_page_is_called_what_it_is() -> None:
    page = (b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>"
            b"<body>nginx</body></html>")
    for system, profile in ((get_system("superoffice"), SO), (get_system("bitrix24"), B24)):
        outcome = system.read_response(profile, answer(502, page, "text/html"))
        assert not outcome.ok
        assert "502" in outcome.summary


def test_huge_attributes_and_texts_give_an_outcome() -> None:
    """5 MB inside one attribute, one text and one JSON string, and 50,000 attributes."""
    huge = b"x" * (5 * 1024 * 1024)
    many = b" ".join(b'a%d="1"' % n for n in range(50_000))
    envelope = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
                b'<SetDeliveryStatusResponse xmlns="urn:x" huge="' + huge + b'" ' + many
                + b"><Text>" + huge + b"</Text></SetDeliveryStatusResponse></s:Body>"
                b"</s:Envelope>")
    assert isinstance(soap.read_soap_response(answer(200, envelope), "SetDeliveryStatus"),
                      Outcome)
    big_json = b'{"result": "' + huge + b'", "' + huge + b'": 1}'
    assert isinstance(get_system("bitrix24").read_response(
        B24, answer(200, big_json, "application/json")), Outcome)


@given(st.binary(max_size=2000) | soapish() | jsonish(),
       st.sampled_from(["", "text/xml", "application/json", "text/html"]))
@EXAMPLES
def test_the_inspector_shows_any_body(body: bytes, content_type: str) -> None:
    """Pretty and raw views of any answer are text, whatever the bytes (never an error)."""
    from core.rendering import pretty_body

    assert isinstance(pretty_body(body, content_type), str)


@given(st.sampled_from(["https://b.bitrix24.com:abc/rest/", "https://[::1/", "http://[x]/",
                        "//", "https://user:pw@b.bitrix24.com:99999/rest/"])
       | st.text(max_size=60))
@settings(max_examples=500, deadline=None)
def test_any_redirect_address_gives_an_outcome(location: str) -> None:
    """A 302's Location, however broken, is an outcome (the portal moved), never a crash."""
    response = ReceivedResponse(302, "Found", "HTTP/1.1",
                                (("Location", location.replace("\n", "")),), b"")
    assert isinstance(get_system("bitrix24").read_response(B24, response), Outcome)
