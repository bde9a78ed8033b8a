"""Cancel below HTTP: end a call that blocks in another thread, at once, from any thread.

Closing an httpx client does not wake a read blocked in another thread; shutting the
socket down does: the read returns at once, and nothing more can be written. So each
client keeps hold of its connections' sockets: httpcore's public ``trace`` extension hands
over every new connection's socket (plain or TLS) and says when a request starts going
out; the SSL context's ``sslsocket_class`` hands over a TLS socket before its handshake
(which runs before httpcore sees the socket). Only a TCP connect still waiting for the
server has no socket to reach yet: it ends at its connect time-out, having sent nothing.
"""

from __future__ import annotations

import socket
import ssl
import threading
from collections.abc import Callable
from typing import Any

# The outcome codes live with Outcome (Outcome.cancelled); named here too, where they arise.
from core.exchange import CANCELLED as CANCELLED
from core.exchange import CANCELLED_BEFORE_SENDING as CANCELLED_BEFORE_SENDING
from core.exchange import Outcome, OutcomeKind

Trace = Callable[[str, dict[str, Any]], None]


class Call:
    """One call in flight: whether it was cut, and whether its request had started out."""

    __slots__ = ("aborted", "sending")

    def __init__(self) -> None:
        self.aborted = False
        self.sending = False


class CallsInFlight:
    """The calls running on one HTTP client and the sockets of its connections."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: set[Call] = set()
        self._sockets: set[socket.socket] = set()
        self._closed = False

    def begin(self) -> Call | None:
        """A new call, or None once closed: nothing more may go out."""
        with self._lock:
            if self._closed:
                return None
            call = Call()
            self._calls.add(call)
            return call

    def end(self, call: Call) -> None:
        with self._lock:
            self._calls.discard(call)

    def went_out(self, call: Call) -> bool:
        with self._lock:
            return call.sending

    def cut(self, *, closing: bool = False) -> None:
        """Mark every call in flight as cut and shut down every socket (idle ones die too:
        the pool replaces them). ``closing``: no call may begin any more."""
        with self._lock:
            self._closed = self._closed or closing
            for call in self._calls:
                call.aborted = True
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _shut(sock)

    def watch(self, sock: socket.socket, call: Call | None = None) -> None:
        """Keep a socket within reach of ``cut``; one that connects for a call already cut
        is shut at once."""
        with self._lock:
            self._sockets = {s for s in self._sockets if s.fileno() != -1}
            self._sockets.add(sock)
            late = call is not None and call.aborted
        if late:
            _shut(sock)

    def trace(self, call: Call) -> Trace:
        """httpcore's ``trace`` extension for one call: new connections' sockets, and the
        moment the request starts going out (a CONNECT to a proxy does not count)."""

        def trace(event: str, info: dict[str, Any]) -> None:
            if event.endswith(("connect_tcp.complete", "start_tls.complete")):
                sock = info["return_value"].get_extra_info("socket")
                if isinstance(sock, socket.socket):
                    self.watch(sock, call)
            elif (event.endswith("send_request_headers.started")
                  and getattr(info.get("request"), "method", b"") != b"CONNECT"):
                with self._lock:
                    call.sending = call.sending or not call.aborted

        return trace

    def watch_tls(self, context: ssl.SSLContext) -> ssl.SSLContext:
        """The same context, its sockets watched from the start of their handshake."""
        context.sslsocket_class = type("WatchedSSLSocket", (_WatchedSSLSocket,),
                                       {"watch": staticmethod(self.watch)})
        return context


class _WatchedSSLSocket(ssl.SSLSocket):
    watch: Callable[[socket.socket], None]

    def do_handshake(self, block: bool = False) -> None:
        self.watch(self)
        super().do_handshake(block)


def _shut(sock: socket.socket) -> None:
    """Wake whatever blocks on this socket. The plain socket's shutdown: SSLSocket's own
    would drop its TLS state under the feet of the thread still reading."""
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # closed meanwhile, or never connected: nothing to wake


def cancelled(target: str, *, sent: bool) -> Outcome:
    """Plain words for a call to ``target`` (host:port) that was cut; ``sent``: its
    request had started out."""
    if not sent:
        return Outcome(
            OutcomeKind.TRANSPORT,
            f"Cancelled before the request was sent: nothing reached {target}.",
            code=CANCELLED_BEFORE_SENDING,
            advice="Send again when ready.",
            detail="StatusDesk stopped while it was still connecting.",
        )
    return Outcome(
        OutcomeKind.TRANSPORT,
        f"Cancelled: StatusDesk stopped waiting for the answer from {target}.",
        code=CANCELLED,
        advice=f"The request may already have reached {target} and been applied. A "
               "repeated status update is harmless: send again to be sure, or check the "
               "message in the customer's system.",
        detail="StatusDesk cut the connection when the call was cancelled.",
    )


class CancelToken:
    """The user's "stop": a front end trips it (Cancel, Esc, Ctrl+C) from any thread;
    core cuts what the call registered (its connection) and the call ends "cancelled"
    (or "cancelled, not sent"), with the same meaning in the window and the CLI."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tripped = False
        self._cuts: list[Callable[[], None]] = []

    @property
    def cancelled(self) -> bool:
        return self._tripped

    def cancel(self) -> None:
        with self._lock:
            self._tripped = True
            cuts, self._cuts = self._cuts, []
        for cut in cuts:
            cut()

    def on_cancel(self, cut: Callable[[], None]) -> None:
        """Run ``cut`` when the token is tripped: at once if it already is."""
        with self._lock:
            if not self._tripped:
                self._cuts.append(cut)
                return
        cut()
