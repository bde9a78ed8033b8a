"""What the inspector shows of one exchange, prepared in a job thread.

Pretty-printing a large XML answer takes time; doing it here, next to the network call,
keeps the UI thread to setting text. No Qt in this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.exchange import Exchange, Headers, Outcome, OutgoingRequest, ReceivedResponse


@dataclass(frozen=True)
class PaneText:
    raw: str  # start line, headers and body as on the wire (secrets masked)
    pretty: str  # the body alone, indented
    body_kind: str  # "xml", "json" or "text": how to colour it
    body: bytes  # as shown: secrets masked
    size: int  # bytes shown (head and body)
    head: str = ""  # the start line and the headers
    wire_body: int | None = None  # the body's bytes on the wire (its Content-Length)
    focus_line: int = -1  # the line of ``pretty`` that says how the call went, if known
    sent: bool = True  # a request that went (or a response that came), not a preview

    @property
    def header_count(self) -> int:
        return self.head.count("\n")

    def body_size_text(self) -> str:
        """The body's size as shown; when masking changed it, the size on the wire too."""
        shown = human_size(len(self.body))
        if self.wire_body is None or self.wire_body == len(self.body):
            return f"body {shown}"
        went = "sent" if self.sent else "to send"
        return f"body {shown} masked  ·  {human_size(self.wire_body)} {went}"

    def body_size_tip(self) -> str:
        if self.wire_body is None or self.wire_body == len(self.body):
            return f"The body has {len(self.body)} bytes."
        went = "went on the wire" if self.sent else "would go on the wire"
        return (f"The body as shown has {len(self.body)} bytes: its secrets are masked as "
                f"***placeholders***. {self.wire_body} bytes {went} (its Content-Length).")


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
    waiting: bool = False  # the request has gone out; its answer is awaited

    @property
    def is_preview(self) -> bool:
        return self.exchange is None and not self.waiting


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def _request_pane(request: OutgoingRequest, *, sent: bool = True) -> PaneText:
    from core import rendering

    type_hint = rendering.content_type(request.headers)
    kind = _kind(request.body, type_hint)
    raw = rendering.raw_request(request)
    return PaneText(raw, rendering.pretty_body(request.body, type_hint), kind, request.body,
                    len(raw.encode("utf-8", errors="replace")),
                    rendering.head_text(rendering.request_line(request), request.headers),
                    _content_length(request.headers), sent=sent)


def _response_pane(response: ReceivedResponse, focus: str = "") -> PaneText:
    from core import rendering

    type_hint = rendering.content_type(response.headers)
    kind = _kind(response.body, type_hint)
    raw = rendering.raw_response(response)
    head = rendering.head_text(response.status_line, response.headers)
    pretty = rendering.pretty_body(response.body, type_hint)
    return PaneText(raw, pretty, kind, response.body, len(head) + 2 + len(response.body),
                    head, _content_length(response.headers), focus_line(pretty, kind, focus))


def _content_length(headers: Headers) -> int | None:
    for name, value in headers:
        if name.lower() == "content-length":
            try:
                return int(value.strip())
            except ValueError:
                return None
    return None


def focus_line(pretty: str, kind: str, name: str) -> int:
    """The line of a pretty body where element or member ``name`` starts, or -1."""
    if not name:
        return -1
    if kind == "xml":
        pattern = re.compile(rf"^[ \t]*<(?:[\w.-]+:)?{re.escape(name)}(?=[\s/>])", re.M)
    elif kind == "json":
        pattern = re.compile(rf'^[ \t]*"{re.escape(name)}"\s*:', re.M)
    else:
        return -1
    found = pattern.search(pretty)
    return -1 if found is None else pretty.count("\n", 0, found.start())


def _focus(exchange: Exchange) -> str:
    """The part of the answer that matters, as the exchange's system names it."""
    from core.systems import SYSTEMS
    from core.systems.base import answer_focus

    system = SYSTEMS.get(exchange.system)
    if system is None or exchange.response is None:
        return ""
    return answer_focus(system, exchange.operation, exchange.response)


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
    response_text = None if exchange.response is None else _response_pane(
        exchange.response, _focus(exchange))
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
    request_text = _request_pane(request, sent=False)
    meta = f"{request.method} {request.url}  ·  request {human_size(request_text.size)}"
    return ExchangeView("Preview", request, request_text, None, None, meta, notes)


def view_of_request_going_out(request: OutgoingRequest) -> ExchangeView:
    """A request that has just gone out, while its answer is awaited."""
    request_text = _request_pane(request)
    meta = (f"{request.method} {request.url}  ·  request {human_size(request_text.size)}"
            "  ·  waiting for the answer")
    return ExchangeView("Sending", request, request_text, None, None, meta, waiting=True)


def _local_time(iso: str) -> str:
    from datetime import datetime

    try:
        return datetime.fromisoformat(iso).astimezone().strftime("%H:%M:%S")
    except ValueError:
        return iso
