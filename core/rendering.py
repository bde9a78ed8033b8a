"""Text views of an exchange: raw HTTP as on the wire, and bodies pretty-printed.

Shared by the command line and the window, so both show the same thing. What the remote
side wrote is shown with its control characters as visible escapes (core.visible): a
body keeps its tabs and line breaks, a header or an outcome's words keep nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from core import safe_json, xml
from core.exchange import Exchange, Headers, OutgoingRequest, ReceivedResponse
from core.visible import visible

# JSON bigger than this is decoded a piece at a time (see _loads_in_pieces).
PIECEWISE_JSON_BYTES = 1_000_000
_PIECEWISE_DEPTH = 2  # containers this near the top are walked in Python
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's, as the json module has it


def _skip_blanks(text: str, pos: int) -> int:
    """Where the next non-blank character is (the pattern matches everywhere, if empty)."""
    found = _WHITESPACE.match(text, pos)
    return found.end() if found else pos
_DECODER = json.JSONDecoder()


def request_line(request: OutgoingRequest) -> str:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{request.method} {target} HTTP/1.1"


def head_text(first_line: str, headers: Headers) -> str:
    return "\n".join([visible(first_line),
                      *(f"{visible(name)}: {visible(value)}" for name, value in headers)])


def body_text(body: bytes) -> str:
    """The body as text; bytes that are not UTF-8 are shown as replacement characters,
    control characters as escapes (tabs and line breaks stay)."""
    return visible(body.decode("utf-8", errors="replace"), layout=True)


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
        try:  # JSON escapes C0 itself (as \u001b); DEL, C1 and bidi controls it keeps
            return visible(json.dumps(_json_value(stripped), indent=2, ensure_ascii=False),
                           layout=True)
        except ValueError:
            pass
    if "xml" in type_hint or stripped[:1] == b"<":
        try:
            return visible(xml.pretty(stripped), layout=True)
        except xml.XMLError:
            pass
    return body_text(body)


def _json_value(data: bytes) -> Any:
    if len(data) <= PIECEWISE_JSON_BYTES:
        return safe_json.loads(data)
    try:
        return _loads_in_pieces(data.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply to read") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 ({exc.reason})") from None


def _loads_in_pieces(text: str) -> Any:
    """json.loads(text), same value and same errors (ValueError), in short steps.

    json.loads holds the interpreter lock for all of a 10 MB answer (70 ms here), so the
    window's thread, waiting for it, cannot paint meanwhile. Here the outer objects and
    arrays are walked in Python and only their members go through the C decoder, one
    at a time, so the lock changes hands between them.
    """
    value, end = _value(text, _skip_blanks(text, 0), 0)
    end = _skip_blanks(text, end)
    if end != len(text):
        raise ValueError(f"Extra data at character {end}")
    return value


def _value(text: str, pos: int, depth: int) -> tuple[Any, int]:
    if depth < _PIECEWISE_DEPTH and text.startswith("[", pos):
        return _array(text, pos + 1, depth + 1)
    if depth < _PIECEWISE_DEPTH and text.startswith("{", pos):
        return _object(text, pos + 1, depth + 1)
    return _DECODER.raw_decode(text, pos)


def _array(text: str, pos: int, depth: int) -> tuple[list[Any], int]:
    items: list[Any] = []
    pos = _skip_blanks(text, pos)
    if text.startswith("]", pos):
        return items, pos + 1
    while True:
        item, pos = _value(text, pos, depth)
        items.append(item)
        pos = _skip_blanks(text, pos)
        if text.startswith(",", pos):
            pos = _skip_blanks(text, pos + 1)
        elif text.startswith("]", pos):
            return items, pos + 1
        else:
            raise ValueError(f"Expecting ',' delimiter at character {pos}")


def _object(text: str, pos: int, depth: int) -> tuple[dict[str, Any], int]:
    members: dict[str, Any] = {}
    pos = _skip_blanks(text, pos)
    if text.startswith("}", pos):
        return members, pos + 1
    while True:
        if not text.startswith('"', pos):
            raise ValueError(f"Expecting property name at character {pos}")
        key, pos = _DECODER.raw_decode(text, pos)
        pos = _skip_blanks(text, pos)
        if not text.startswith(":", pos):
            raise ValueError(f"Expecting ':' delimiter at character {pos}")
        members[key], pos = _value(text, _skip_blanks(text, pos + 1), depth)
        pos = _skip_blanks(text, pos)
        if text.startswith(",", pos):
            pos = _skip_blanks(text, pos + 1)
        elif text.startswith("}", pos):
            return members, pos + 1
        else:
            raise ValueError(f"Expecting ',' delimiter at character {pos}")


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
    lines = [f"{label}: {visible(outcome.summary)}"]
    if outcome.code:
        lines.append(f"  error code: {visible(outcome.code)}")
    if outcome.advice:
        lines.append(f"  what to do: {visible(outcome.advice)}")
    for note in exchange.notes:
        lines.append(f"  note: {visible(note)}")
    if exchange.timings is not None:
        size = 0 if exchange.response is None else exchange.response.size
        lines.append(f"  took {exchange.timings.total_ms:.0f} ms, answer {size} bytes")
    return "\n".join(lines)
