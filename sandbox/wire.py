"""Plain values passed between the sandbox's HTTP server and its two simulated systems.

Kept free of http.server so the system modules can be exercised without sockets and the
server stays a thin router.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload
from urllib.parse import parse_qsl


@dataclass(frozen=True)
class ReceivedRequest:
    """One request exactly as it arrived, for tests that check what a client sent."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    time: float

    def header(self, name: str) -> str | None:
        """First value of a header, looked up case-insensitively."""
        return _first_header(self.headers, name)


class ReceivedLog(Sequence[ReceivedRequest]):
    """Append-only, thread-safe record of requests; indexing and iteration see a snapshot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[ReceivedRequest] = []

    def append(self, item: ReceivedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._items)

    @overload
    def __getitem__(self, index: int) -> ReceivedRequest: ...

    @overload
    def __getitem__(self, index: slice) -> list[ReceivedRequest]: ...

    def __getitem__(self, index: int | slice) -> ReceivedRequest | list[ReceivedRequest]:
        with self._lock:
            return self._items[index]

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[ReceivedRequest]:
        return iter(self.snapshot())

    def __repr__(self) -> str:
        return f"ReceivedLog({self.snapshot()!r})"


@dataclass(frozen=True)
class Incoming:
    """A request handed to a simulated system: ``path`` is relative to that system's base."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    client_ip: str

    def header(self, name: str) -> str | None:
        return _first_header(self.headers, name)

    def query_params(self) -> dict[str, str]:
        """Query parameters; a repeated name keeps its last value, as PHP does."""
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def media_type(self) -> tuple[str, dict[str, str]]:
        """Content-Type split into a lower-cased media type and lower-cased parameter names."""
        raw = self.header("Content-Type") or ""
        parts = [p.strip() for p in raw.split(";")]
        params: dict[str, str] = {}
        for part in parts[1:]:
            if "=" in part:
                key, value = part.split("=", 1)
                params[key.strip().lower()] = value.strip().strip('"')
        return parts[0].lower(), params


@dataclass
class Reply:
    """What the server writes back: status, headers (Content-Length is added later), body.

    ``delay``: seconds the server waits before writing it (a stalled answer); ``drop``:
    the connection is closed instead, without any answer.
    """

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay: float = 0.0
    drop: bool = False

    @classmethod
    def json(cls, status: int, payload: object,
             headers: list[tuple[str, str]] | None = None) -> Reply:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        content_type = ("Content-Type", "application/json; charset=utf-8")
        return cls(status, body, [content_type, *(headers or [])])

    @classmethod
    def text(cls, status: int, text: str, headers: list[tuple[str, str]] | None = None) -> Reply:
        body = text.encode("utf-8")
        return cls(status, body, [("Content-Type", "text/plain; charset=utf-8"), *(headers or [])])

    @classmethod
    def html(cls, status: int, page: str, headers: list[tuple[str, str]] | None = None) -> Reply:
        """A page for a browser; ``page`` must already be escaped."""
        body = page.encode("utf-8")
        return cls(status, body, [("Content-Type", "text/html; charset=utf-8"), *(headers or [])])

    @classmethod
    def xml(cls, status: int, body: bytes) -> Reply:
        return cls(status, body, [("Content-Type", "text/xml; charset=utf-8")])


class SandboxClock:
    """Wall-clock time plus an offset tests can move forward instead of sleeping."""

    def __init__(self, source: Callable[[], float] = time.time) -> None:
        self._source = source
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._source() + self._offset

    def advance(self, seconds: float) -> None:
        """Jump ahead, e.g. past an access token's hour or a rate-limit drain."""
        if seconds < 0:
            raise ValueError("the sandbox clock only moves forward")
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        with self._lock:
            self._offset = 0.0


def _first_header(headers: list[tuple[str, str]], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers:
        if key.lower() == wanted:
            return value
    return None
