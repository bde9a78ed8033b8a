"""Text views of an exchange: raw HTTP as on the wire, and bodies pretty-printed.

Shared by the command line and the window, so both show the same thing.
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from core import safe_json, xml
from core.exchange import Exchange, Headers, OutgoingRequest, ReceivedResponse


def request_line(request: OutgoingRequest) -> str:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{request.method} {target} HTTP/1.1"


def head_text(first_line: str, headers: Headers) -> str:
    return "\n".join([first_line, *(f"{name}: {value}" for name, value in headers)])


def body_text(body: bytes) -> str:
    """The body as text; bytes that are not UTF-8 are shown as replacement characters."""
    return body.decode("utf-8", errors="replace")


def raw_request(request: OutgoingRequest) -> str:
    return head_text(request_line(request), request.headers) + "\n\n" + body_text(request.body)


def raw_response(response: ReceivedResponse) -> str:
    text = head_text(response.status_line, response.headers) + "\n\n" + body_text(response.body)
    if response.truncated:
        text += "\n[... the rest was not read: the answer exceeded the size limit]"
    return text


def content_type(headers: Headers) -> str:
    for name, value in headers:
        if name.lower() == "content-type":
            return value.lower()
    return ""


def pretty_body(body: bytes, type_hint: str = "") -> str:
    """Indented XML or JSON when the body is either; the plain text otherwise."""
    stripped = body.strip()
    if not stripped:
        return ""
    looks_json = "json" in type_hint or stripped[:1] in (b"{", b"[")
    if looks_json:
        try:
            return json.dumps(safe_json.loads(stripped), indent=2, ensure_ascii=False)
        except ValueError:
            pass
    if "xml" in type_hint or stripped[:1] == b"<":
        try:
            return xml.pretty(stripped)
        except xml.XMLError:
            pass
    return body_text(body)


def pretty_request(request: OutgoingRequest) -> str:
    return head_text(request_line(request), request.headers) + "\n\n" + pretty_body(
        request.body, content_type(request.headers)
    )


def pretty_response(response: ReceivedResponse) -> str:
    return head_text(response.status_line, response.headers) + "\n\n" + pretty_body(
        response.body, content_type(response.headers)
    )


def outcome_text(exchange: Exchange) -> str:
    outcome = exchange.outcome
    label = "OK" if outcome.ok else f"FAILED ({outcome.kind.value.replace('_', ' ')})"
    lines = [f"{label}: {outcome.summary}"]
    if outcome.code:
        lines.append(f"  error code: {outcome.code}")
    if outcome.advice:
        lines.append(f"  what to do: {outcome.advice}")
    for note in exchange.notes:
        lines.append(f"  note: {note}")
    if exchange.timings is not None:
        size = 0 if exchange.response is None else len(exchange.response.body)
        lines.append(f"  took {exchange.timings.total_ms:.0f} ms, answer {size} bytes")
    return "\n".join(lines)
