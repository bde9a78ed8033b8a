"""core.export: curl commands that a real shell reads back exactly, and HAR 1.2 files."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from core.exchange import (
    Exchange,
    Outcome,
    OutcomeKind,
    OutgoingRequest,
    ReceivedResponse,
    StatusUpdate,
    Timings,
)
from core.export import curl_command, har, har_text

SOAP = OutgoingRequest(
    "POST",
    "https://crm.example.com/Cust1/Remote/Services86/Messaging.svc",
    (("Host", "crm.example.com"), ("Content-Type", "text/xml; charset=utf-8"),
     ("SOAPAction", '"http://x/SetDeliveryStatus"'), ("Content-Length", "77"),
     ("Connection", "keep-alive")),
    "<Ticket>***ticket***</Ticket><Text>it's \"quoted\" $HOME `x` \\ ünï</Text>\n".encode(),
)


def shell_words(command: str) -> tuple[list[bytes], bytes]:
    """The arguments bash passes to curl for this command line, and what it pipes in."""
    script = ('curl() { for a in "$@"; do printf "%s\\0" "$a"; done; printf "STDIN"; cat; }\n'
              + command)
    out = subprocess.run(["bash", "-c", script], input=b"", capture_output=True,
                         check=True).stdout
    args, _, stdin = out.rpartition(b"STDIN")
    return args.split(b"\0")[:-1], stdin


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_curl_command_survives_the_shell_byte_for_byte():
    words, stdin = shell_words(curl_command(SOAP))
    assert stdin == b""
    assert words[0] == SOAP.url.encode()
    assert b"-H" in words and b'SOAPAction: "http://x/SetDeliveryStatus"' in words
    assert words[words.index(b"--data-raw") + 1] == SOAP.body
    # curl works these out itself; copied, they would be wrong once a secret is filled in.
    assert not any(w.lower().startswith((b"host:", b"content-length:", b"connection:"))
                   for w in words)
    assert b"-X" not in words  # POST is implied by the body


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_curl_command_with_a_binary_body_and_other_methods():
    binary = OutgoingRequest("PUT", "http://h/x?a=1&b=2", (), b"\x00\xff'\\\n\x7f%s ok")
    words, stdin = shell_words(curl_command(binary))
    assert words[:2] == [b"-X", b"PUT"]
    assert words[words.index(b"--data-binary") + 1] == b"@-"
    assert stdin == binary.body
    get = OutgoingRequest("GET", "http://h/y", (("Accept", "application/json"),), b"")
    assert shell_words(curl_command(get)) == (
        [b"http://h/y", b"-H", b"Accept: application/json"], b"")


def exchange(response: ReceivedResponse | None, error: str | None = None) -> Exchange:
    return Exchange(
        profile="Acme", system="superoffice", operation="SetDeliveryStatus", request=SOAP,
        response=response,
        timings=Timings("2026-01-02T03:04:05.678+00:00", 120.5, 80.25),
        outcome=Outcome(OutcomeKind.DONE if response else OutcomeKind.TRANSPORT,
                        "It worked." if response else "No answer."),
        error=error, update=StatusUpdate("SO-1", "2"),
    )


def test_har_has_what_devtools_need():
    answer = ReceivedResponse(200, "OK", "HTTP/1.1",
                              (("Content-Type", "text/xml; charset=utf-8"),), b"<ok/>")
    data = json.loads(har_text(exchange(answer)))
    log = data["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "StatusDesk"
    entry = log["entries"][0]
    for key in ("startedDateTime", "time", "request", "response", "cache", "timings"):
        assert key in entry
    request, response = entry["request"], entry["response"]
    assert request["method"] == "POST" and request["url"] == SOAP.url
    assert {"name": "SOAPAction", "value": '"http://x/SetDeliveryStatus"'} in request["headers"]
    assert request["postData"]["text"] == SOAP.body.decode()
    assert request["postData"]["mimeType"] == "text/xml; charset=utf-8"
    assert request["bodySize"] == len(SOAP.body) and request["headersSize"] > 0
    for key in ("cookies", "queryString", "httpVersion"):
        assert key in request
    assert response["status"] == 200 and response["statusText"] == "OK"
    assert response["content"] == {"size": 5, "mimeType": "text/xml; charset=utf-8",
                                   "text": "<ok/>"}
    assert entry["time"] == 120.5
    assert entry["timings"]["wait"] == 80.25 and entry["timings"]["receive"] == 40.25
    assert all(entry["timings"][k] >= 0 for k in ("send", "wait", "receive"))


def test_har_of_a_failed_call_and_a_binary_answer():
    failed = har(exchange(None, "ConnectError: refused"))["log"]["entries"][0]
    assert failed["response"]["status"] == 0
    assert "refused" in failed["response"]["_error"]
    assert "No answer." in failed["comment"]
    binary = ReceivedResponse(200, "OK", "HTTP/1.1", (), b"\xff\xfe\x00")
    content = har(exchange(binary))["log"]["entries"][0]["response"]["content"]
    assert content["encoding"] == "base64" and content["text"] == "//4A"
    assert len(har([exchange(binary), exchange(None)])["log"]["entries"]) == 2
