"""The records that flow from core to the window, the command line and history.

A *status update* goes in; one *exchange* comes out: the request as sent, the response
as received, timings and the outcome in plain words. Secrets are masked in the exchange
itself (see core.redaction), so whoever draws or stores it cannot leak them.
"""

from __future__ import annotations

import base64
import enum
from dataclasses import dataclass, field
from typing import Any

from core.hints import Hint

Headers = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class StatusUpdate:
    """What the user typed: which message, which status, and an optional description."""

    message_id: str
    status: str
    description: str = ""


class OutcomeKind(enum.Enum):
    """The classes of result; each maps to one exit code of the command line."""

    DONE = "done"
    REFUSED = "refused"  # the remote system answered and said no
    BAD_INPUT = "bad_input"  # caught before anything was sent
    TRANSPORT = "transport"  # network, TLS, timeout, proxy, unreadable answer
    CREDENTIALS = "credentials"  # missing, expired or rejected credentials

    @property
    def exit_code(self) -> int:
        return _EXIT_CODES[self]


_EXIT_CODES = {
    OutcomeKind.DONE: 0,
    OutcomeKind.REFUSED: 1,
    OutcomeKind.BAD_INPUT: 2,
    OutcomeKind.TRANSPORT: 3,
    OutcomeKind.CREDENTIALS: 4,
}


CANCELLED = "cancelled"  # Outcome.code of a call cut while its request was out
CANCELLED_BEFORE_SENDING = "cancelled, not sent"  # ...and of one cut before it went out


@dataclass(frozen=True)
class Outcome:
    """The result in the user's words.

    ``summary`` is one sentence; ``code`` is the remote system's own error name (SOAP
    faultcode, Bitrix24 error code) so it can be searched for; ``advice`` says what to
    do; ``detail`` keeps the long remote text (stack traces, inner exceptions);
    ``moved_to`` is the new address a server redirected to (offered, never followed);
    ``hint`` is the next step as a value (core.hints), which each front end words its way.
    """

    kind: OutcomeKind
    summary: str
    code: str = ""
    advice: str = ""
    detail: str = ""
    moved_to: str = ""
    hint: Hint | None = None

    @property
    def ok(self) -> bool:
        return self.kind is OutcomeKind.DONE

    @property
    def cancelled(self) -> bool:
        """The user stopped the call (core.cancelling): not the remote side's failure."""
        return self.code in (CANCELLED, CANCELLED_BEFORE_SENDING)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "kind": self.kind.value,
            "summary": self.summary,
            "code": self.code,
            "advice": self.advice,
            "detail": self.detail,
            "moved_to": self.moved_to,
            "hint": self.hint.to_dict() if self.hint else None,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Outcome:
        return cls(
            kind=OutcomeKind(data["kind"]),
            summary=data["summary"],
            code=data.get("code", ""),
            advice=data.get("advice", ""),
            detail=data.get("detail", ""),
            moved_to=data.get("moved_to", ""),
            hint=Hint.from_dict(data.get("hint")),
        )


@dataclass(frozen=True)
class OutgoingRequest:
    """An HTTP request exactly as it is (or would be) put on the wire."""

    method: str
    url: str
    headers: Headers
    body: bytes

    def header(self, name: str) -> str | None:
        return _find_header(self.headers, name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "headers": [list(h) for h in self.headers],
            **_body_to_dict(self.body),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OutgoingRequest:
        return cls(
            method=data["method"],
            url=data["url"],
            headers=tuple((k, v) for k, v in data["headers"]),
            body=_body_from_dict(data),
        )


@dataclass(frozen=True)
class ReceivedResponse:
    """An HTTP response as received. ``truncated`` says the body hit the size limit;
    ``received`` is how many body bytes came over the wire (masking changes ``body``'s
    length, not this), None when not known (a response made by hand)."""

    status_code: int
    reason: str
    http_version: str
    headers: Headers
    body: bytes
    truncated: bool = False
    received: int | None = None

    def header(self, name: str) -> str | None:
        return _find_header(self.headers, name)

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300

    @property
    def status_line(self) -> str:
        return f"{self.http_version} {self.status_code} {self.reason}".strip()

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status_code,
            "reason": self.reason,
            "http_version": self.http_version,
            "headers": [list(h) for h in self.headers],
            "truncated": self.truncated,
            **({} if self.received is None else {"received": self.received}),
            **_body_to_dict(self.body),
        }

    @property
    def size(self) -> int:
        """The body's size as it came over the wire."""
        return len(self.body) if self.received is None else self.received

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReceivedResponse:
        return cls(
            status_code=data["status"],
            reason=data.get("reason", ""),
            http_version=data.get("http_version", "HTTP/1.1"),
            headers=tuple((k, v) for k, v in data["headers"]),
            body=_body_from_dict(data),
            truncated=data.get("truncated", False),
            received=data.get("received"),
        )


@dataclass(frozen=True)
class Timings:
    """When the call started (UTC, ISO 8601) and how long its parts took, in milliseconds."""

    started_at: str
    total_ms: float
    response_ms: float | None = None  # until the status line and headers arrived

    def to_dict(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at,
            "total_ms": round(self.total_ms, 3),
            "response_ms": None if self.response_ms is None else round(self.response_ms, 3),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Timings:
        return cls(data["started_at"], data["total_ms"], data.get("response_ms"))


@dataclass(frozen=True)
class Exchange:
    """One call: request as sent, response as received, timings, outcome, error.

    Built only by core.sending, which masks every secret before handing it out.
    ``response`` is None when nothing came back (network failure, dry run).
    ``error`` is the transport's own words when the call failed below HTTP.
    ``tenant`` names the customer's system in words (host and tenant id).
    """

    profile: str
    system: str
    operation: str
    request: OutgoingRequest
    response: ReceivedResponse | None
    timings: Timings | None
    outcome: Outcome
    error: str | None = None
    update: StatusUpdate | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
    tenant: str = ""

    @property
    def ok(self) -> bool:
        return self.outcome.ok

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "profile": self.profile,
            "system": self.system,
            "operation": self.operation,
            "tenant": self.tenant,
            "update": None
            if self.update is None
            else {
                "message_id": self.update.message_id,
                "status": self.update.status,
                "description": self.update.description,
            },
            "outcome": self.outcome.to_dict(),
            "request": self.request.to_dict(),
            "response": None if self.response is None else self.response.to_dict(),
            "timings": None if self.timings is None else self.timings.to_dict(),
            "elapsed": None if self.timings is None else round(self.timings.total_ms / 1000, 4),
            "error": self.error,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Exchange:
        update = data.get("update")
        return cls(
            profile=data["profile"],
            system=data["system"],
            operation=data["operation"],
            request=OutgoingRequest.from_dict(data["request"]),
            response=None
            if data.get("response") is None
            else ReceivedResponse.from_dict(data["response"]),
            timings=None if data.get("timings") is None else Timings.from_dict(data["timings"]),
            outcome=Outcome.from_dict(data["outcome"]),
            error=data.get("error"),
            update=None if update is None else StatusUpdate(**update),
            notes=tuple(data.get("notes", ())),
            tenant=data.get("tenant", ""),
        )


def _find_header(headers: Headers, name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None


def _body_to_dict(body: bytes) -> dict[str, str]:
    """Bodies are text almost always; keep them readable in JSON, byte-exact otherwise."""
    try:
        return {"body": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"body_base64": base64.b64encode(body).decode("ascii")}


def _body_from_dict(data: dict[str, Any]) -> bytes:
    if "body_base64" in data:
        return base64.b64decode(data["body_base64"])
    return data.get("body", "").encode("utf-8")
