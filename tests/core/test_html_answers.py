"""An HTML page where SOAP or JSON should be is called what it is, its title read safely."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.exchange import OutcomeKind, ReceivedResponse
from core.html_page import HTML_TITLE_MAX, html_title
from core.profiles import Profile
from core.systems import get_system

SO = Profile("S", "superoffice", "https://x/Cust1", options={"plugin": "p"})
B24 = Profile("B", "bitrix24", "https://x.bitrix24.com", options={"code": "c"})
CASES = [(get_system("superoffice"), SO, "NetServer", "SOAP"),
         (get_system("bitrix24"), B24, "Bitrix24", "JSON")]


def answer(status: int, body: bytes, content_type: str | None = "text/html") -> ReceivedResponse:
    headers = (("Content-Type", content_type),) if content_type else ()
    return ReceivedResponse(status, "Reason", "HTTP/1.1", headers, body)


@pytest.mark.parametrize(("system", "profile", "who", "expected"), CASES)
@pytest.mark.parametrize("status", [200, 404, 500, 502, 503, 504])
def test_html_page_outcome_names_the_page_and_status(system, profile, who, expected,
                                                     status) -> None:
    page = b"<!DOCTYPE html><html><head><title>Bad Gateway</title></head><body/></html>"
    outcome = system.read_response(profile, answer(status, page, None))  # sniffed, no header
    assert outcome.kind is OutcomeKind.TRANSPORT and outcome.code == f"HTTP {status}"
    assert outcome.summary == (f'{who} answered with an HTML page ("Bad Gateway") instead of '
                               f"{expected} (HTTP {status}): a proxy, login page or error page "
                               "is in the way.")
    assert "address" in outcome.advice.lower() or "base url" in outcome.advice.lower()


@pytest.mark.parametrize(("system", "profile", "who", "expected"), CASES)
def test_redirects_and_refused_credentials_keep_their_own_words(system, profile, who,
                                                                expected) -> None:
    page = b"<html><title>Moved</title></html>"
    moved = ReceivedResponse(302, "Found", "HTTP/1.1", (("Content-Type", "text/html"),
                                                        ("Location", "https://y/")), page)
    assert "HTML page" not in system.read_response(profile, moved).summary
    refused = system.read_response(profile, answer(401, page))
    assert refused.kind is OutcomeKind.CREDENTIALS


def test_a_soap_fault_labelled_text_html_is_still_a_fault() -> None:
    fault = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
             b"<s:Fault><faultcode>s:Client</faultcode><faultstring>Bad plugin</faultstring>"
             b"</s:Fault></s:Body></s:Envelope>")
    outcome = get_system("superoffice").read_response(SO, answer(500, fault))
    assert outcome.summary == "SuperOffice answered with a SOAP Fault (HTTP 500): Bad plugin"


def test_a_bitrix24_error_labelled_text_html_is_still_that_error() -> None:
    body = b'{"error": "ERROR_MESSAGE_NOT_FOUND", "error_description": "Message not found"}'
    outcome = get_system("bitrix24").read_response(B24, answer(400, body))
    assert outcome.code == "ERROR_MESSAGE_NOT_FOUND"


def test_title_is_taken_as_text_never_expanded_and_cut() -> None:
    laughs = (b'<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
              b"<html><title>&b;&b; &#65; &lt;x&gt;</title></html>")
    assert html_title(answer(502, laughs)) == "&b;&b; &#65; &lt;x&gt;"
    long = b"<html><title>" + b"Error " * 100_000 + b"</title>"
    title = html_title(answer(502, long))
    assert len(title) == HTML_TITLE_MAX and title.endswith("…")
    assert html_title(answer(502, b"<html><TITLE lang=en>\n  Two\r\n\tlines\x00\x1b[31m "
                                  b"</TITLE>")) == "Two lines [31m"
    assert html_title(answer(502, b"<html><titlebar>no</titlebar><title>yes</title>")) == "yes"
    assert html_title(answer(502, b"<html><body>no title</body></html>")) == ""
    assert html_title(answer(502, b"<html><title>unclosed and \xff\xfe bad")) == \
        "unclosed and \ufffd\ufffd bad"
    assert html_title(answer(200, b"\xef\xbb\xbf \n<!DocType HTML><title>BOM</title>", None)) \
        == "BOM"
    assert html_title(answer(200, b'{"result": true}', "application/json")) is None
    assert html_title(answer(200, b"<s:Envelope/>", "text/xml")) is None


def test_title_search_is_bounded_on_a_huge_hostile_page() -> None:
    hostile = b"<html>" + b"<title" * 2_000_000  # 12 MB of openings that never close
    started = time.monotonic()
    assert html_title(answer(200, hostile)) == ""
    far = b"<html>" + b" " * 100_000 + b"<title>too far</title>"
    assert html_title(answer(200, far)) == ""
    assert time.monotonic() - started < 1


@given(st.binary(max_size=3000), st.sampled_from(["text/html", "text/xml", None]),
       st.sampled_from([b"", b"<!doctype html>", b"<HTML><title>"]))
@settings(max_examples=2000, deadline=None)
def test_any_bytes_give_a_short_title_or_none(body: bytes, content_type: str | None,
                                              prefix: bytes) -> None:
    title = html_title(answer(502, prefix + body, content_type))
    assert title is None or (len(title) <= HTML_TITLE_MAX and title.isprintable())
