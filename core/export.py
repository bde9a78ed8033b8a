"""Exchanges in formats other tools read: a curl command line and a HAR 1.2 file.

Both work from the masked records core.sending hands out, so a secret can only appear as
its placeholder (``***ticket***``): the user pastes the real value in where it is needed.
"""

from __future__ import annotations

import base64
import json
import shlex
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from core import __version__
from core.exchange import Exchange, Headers, OutgoingRequest, ReceivedResponse
from core.rendering import content_type, request_line

# curl sets these from the URL and the body; copying them would make the command wrong
# once a placeholder is replaced by a secret of another length.
_CURL_SKIPS = {"host", "content-length", "connection", "accept-encoding"}


def curl_command(request: OutgoingRequest) -> str:
    """A POSIX-shell curl command that repeats the request (secrets stay placeholders).

    A body that is not UTF-8 text is piped in by printf, since a shell argument cannot
    hold every byte (NUL).
    """
    parts = ["curl"]
    if not (request.method == "GET" and not request.body) and not (
        request.method == "POST" and request.body
    ):
        parts.append(f"-X {shlex.quote(request.method)}")
    parts.append(shlex.quote(request.url))
    for name, value in request.headers:
        if name.lower() in _CURL_SKIPS:
            continue
        parts.append(f"-H {shlex.quote(f'{name}: {value}')}")
    pipe = ""
    if request.body:
        try:
            parts.append(f"--data-raw {shlex.quote(request.body.decode('utf-8'))}")
        except UnicodeDecodeError:
            pipe = f"printf '{_printf_escape(request.body)}' | "
            parts.append("--data-binary @-")
    return pipe + " \\\n  ".join(parts)


def _printf_escape(data: bytes) -> str:
    """A printf format (inside single quotes) that prints exactly these bytes."""
    out = []
    for byte in data:
        char = chr(byte)
        if 0x20 <= byte < 0x7F and char not in "\\%'":
            out.append(char)
        else:
            out.append(f"\\{byte:03o}")
    return "".join(out)


def har(exchanges: Exchange | list[Exchange]) -> dict[str, Any]:
    """A HAR 1.2 document (as a dict) with one entry per exchange."""
    items = [exchanges] if isinstance(exchanges, Exchange) else list(exchanges)
    return {
        "log": {
            "version": "1.2",
            "creator": {"name": "StatusDesk", "version": __version__},
            "pages": [],
            "entries": [_entry(exchange) for exchange in items],
        }
    }


def har_text(exchanges: Exchange | list[Exchange]) -> str:
    return json.dumps(har(exchanges), indent=2, ensure_ascii=False) + "\n"


def _entry(exchange: Exchange) -> dict[str, Any]:
    timings = exchange.timings
    total = timings.total_ms if timings else 0.0
    wait = timings.response_ms if timings and timings.response_ms is not None else total
    started = timings.started_at if timings else datetime.now(UTC).isoformat(
        timespec="milliseconds")
    comment = exchange.outcome.summary
    if exchange.error:
        comment += f" ({exchange.error})"
    return {
        "startedDateTime": started,
        "time": round(total, 3),
        "request": _request(exchange.request),
        "response": _response(exchange.response, exchange.error),
        "cache": {},
        "timings": {
            "blocked": -1,
            "dns": -1,
            "connect": -1,
            "ssl": -1,
            "send": 0,
            "wait": round(max(wait, 0.0), 3),
            "receive": round(max(total - wait, 0.0), 3),
        },
        "comment": f"{exchange.system} {exchange.operation}, profile {exchange.profile}: "
        + comment,
    }


def _headers(headers: Headers) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in headers]


def _head_size(first_line: str, headers: Headers) -> int:
    lines = [first_line, *(f"{name}: {value}" for name, value in headers)]
    return len(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", errors="replace"))


def _request(request: OutgoingRequest) -> dict[str, Any]:
    query = urlsplit(request.url).query
    data: dict[str, Any] = {
        "method": request.method,
        "url": request.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _headers(request.headers),
        "queryString": [
            {"name": name, "value": value}
            for name, value in parse_qsl(query, keep_blank_values=True)
        ],
        "headersSize": _head_size(request_line(request), request.headers),
        "bodySize": len(request.body),
    }
    if request.body:
        data["postData"] = {
            "mimeType": request.header("content-type") or "application/octet-stream",
            "params": [],
            "text": request.body.decode("utf-8", errors="replace"),
        }
    return data


def _response(response: ReceivedResponse | None, error: str | None) -> dict[str, Any]:
    if response is None:  # how browsers record a request that got no answer
        return {
            "status": 0,
            "statusText": "",
            "httpVersion": "",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "x-unknown"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
            "_error": error or "no response",
        }
    content: dict[str, Any] = {
        "size": len(response.body),
        "mimeType": content_type(response.headers) or "x-unknown",
    }
    try:
        content["text"] = response.body.decode("utf-8")
    except UnicodeDecodeError:
        content["text"] = base64.b64encode(response.body).decode("ascii")
        content["encoding"] = "base64"
    if response.truncated:
        content["comment"] = "truncated: the answer exceeded StatusDesk's size limit"
    return {
        "status": response.status_code,
        "statusText": response.reason,
        "httpVersion": response.http_version,
        "cookies": [],
        "headers": _headers(response.headers),
        "content": content,
        "redirectURL": response.header("location") or "",
        "headersSize": _head_size(response.status_line, response.headers),
        "bodySize": response.size,
    }
