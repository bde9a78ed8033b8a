"""What the inspector shows of one exchange, prepared in a job thread.

Pretty-printing a large XML answer takes time; doing it here, next to the network call,
keeps the UI thread to setting text. No Qt in this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.exchange import Exchange, Outcome, OutgoingRequest, ReceivedResponse


@dataclass(frozen=True)
class PaneText:
    raw: str
    pretty: str
    body_kind: str  # "xml", "json" or "text": how to colour it
    body: bytes
    size: int  # bytes on the wire (head and body)


@dataclass(frozen=True)
class ExchangeView:
    title: str  # "Sent", "Preview", "History"
    request: OutgoingRequest
    request_text: PaneText
    response_text: PaneText | None
    outcome: Outcome | None  # None for a preview: nothing was sent
    meta: str  # method, address, HTTP status, time, sizes in one line
    notes: tuple[str, ...] = ()
    error: str | None = None
    exchange: Exchange | None = None

    @property
    def is_preview(self) -> bool:
        return self.exchange is None


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _request_pane(request: OutgoingRequest) -> PaneText:
    from core import rendering

    kind = _kind(request.body, rendering.content_type(request.headers))
    raw = rendering.raw_request(request)
    return PaneText(raw, rendering.pretty_request(request), kind, request.body,
                    len(raw.encode("utf-8", errors="replace")))


def _response_pane(response: ReceivedResponse) -> PaneText:
    from core import rendering

    kind = _kind(response.body, rendering.content_type(response.headers))
    raw = rendering.raw_response(response)
    head = len(rendering.head_text(response.status_line, response.headers)) + 2
    return PaneText(raw, rendering.pretty_response(response), kind, response.body,
                    head + len(response.body))


def _kind(body: bytes, type_hint: str) -> str:
    start = body.lstrip()[:1]
    if "json" in type_hint or start in (b"{", b"["):
        return "json"
    if "xml" in type_hint or start == b"<":
        return "xml"
    return "text"


def view_of_exchange(exchange: Exchange, title: str = "Sent") -> ExchangeView:
    request = exchange.request
    request_text = _request_pane(request)
    response_text = None if exchange.response is None else _response_pane(exchange.response)
    parts = [f"{request.method} {request.url}"]
    if exchange.response is not None:
        parts.append(f"HTTP {exchange.response.status_code} {exchange.response.reason}".strip())
    elif exchange.error:
        parts.append("no answer")
    if exchange.timings is not None:
        parts.append(f"{exchange.timings.total_ms:.0f} ms")
        parts.append(f"started {_local_time(exchange.timings.started_at)}")
    parts.append(f"request {human_size(request_text.size)}")
    if response_text is not None:
        parts.append(f"response {human_size(response_text.size)}")
        if exchange.response is not None and exchange.response.truncated:
            parts.append("(cut at the size limit)")
    return ExchangeView(
        title=title,
        request=request,
        request_text=request_text,
        response_text=response_text,
        outcome=exchange.outcome,
        meta="  ·  ".join(parts),
        notes=exchange.notes,
        error=exchange.error,
        exchange=exchange,
    )


def view_of_preview(request: OutgoingRequest, notes: tuple[str, ...] = ()) -> ExchangeView:
    request_text = _request_pane(request)
    meta = f"{request.method} {request.url}  ·  request {human_size(request_text.size)}"
    return ExchangeView("Preview", request, request_text, None, None, meta, notes)


def _local_time(iso: str) -> str:
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return iso
