"""Cancel below HTTP: end a call that blocks in another thread, at once, from any thread.

Closing an httpx client does not wake a read blocked in another thread; shutting the
socket down does: the read returns at once, and nothing more can be written. So each
client keeps hold of its connections' sockets: httpcore's public ``trace`` extension hands
over every new connection's socket (plain or TLS) and says when a request starts going
out; the SSL context's ``sslsocket_class`` hands over a TLS socket before its handshake
(which runs before httpcore sees the socket). Only a TCP connect still waiting for the
server has no socket to reach yet: it ends at its connect time-out, having sent nothing.

The same cut bounds a call in time: httpx's time-outs are per read, so a server sending one
byte a second would hold a call for ever. ``begin(limit)`` starts a watchdog that, past the
limit, marks the call as timed out and shuts its own socket only (the one it connected, or
the idle one it took from the pool); other calls on the client go on.
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
    """One call in flight: whether it was cut or ran out of time, and how far it got (its
    request had started out; it was waiting for the answer)."""

    __slots__ = ("aborted", "sending", "timed_out", "waiting", "_watchdog")

    def __init__(self) -> None:
        self.aborted = False
        self.sending = False
        self.timed_out = False
        self.waiting = False
        self._watchdog: threading.Timer | None = None


class CallsInFlight:
    """The calls running on one HTTP client and the sockets of its connections.

    Each socket is kept with the call using it: the call that connected it, or the one that
    took it idle from the pool (httpcore says which socket a new connection has, not which
    pooled one a call reuses: a call that connected none owns the only idle socket, if
    there is just one). A socket is idle (owner None) between calls.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: set[Call] = set()
        self._sockets: dict[socket.socket, Call | None] = {}
        self._closed = False
        self._current = threading.local()  # this thread's call: for TLS handshakes

    def begin(self, limit: float | None = None) -> Call | None:
        """A new call, or None once closed: nothing more may go out. ``limit``: seconds
        after which the call is cut as timed out (see ``expire``)."""
        with self._lock:
            if self._closed:
                return None
            call = Call()
            self._calls.add(call)
        self._current.call = call
        if limit is not None:
            call._watchdog = threading.Timer(limit, self.expire, (call,))
            call._watchdog.daemon = True
            call._watchdog.start()
        return call

    def end(self, call: Call) -> None:
        if call._watchdog is not None:
            call._watchdog.cancel()
        with self._lock:
            self._calls.discard(call)
            for sock, owner in self._sockets.items():
                if owner is call:
                    self._sockets[sock] = None  # back in the pool, or closed (pruned later)
        if getattr(self._current, "call", None) is call:
            self._current.call = None

    def expire(self, call: Call) -> None:
        """The call ran out of time: mark it and shut its socket, so that the read it is
        blocked in returns now. A call that got no socket of its own yet shuts the idle
        ones (it may have taken one of them; an idle one dies harmlessly, the pool replaces
        it); one still connecting is shut as soon as its socket is there (``watch``)."""
        with self._lock:
            if call not in self._calls or call.aborted:
                return
            call.timed_out = True
            mine = [s for s, owner in self._sockets.items() if owner is call] or \
                [s for s, owner in self._sockets.items() if owner is None]
            for sock in mine:
                del self._sockets[sock]
        for sock in mine:
            _shut(sock)

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
            sockets, self._sockets = list(self._sockets), {}
        for sock in sockets:
            _shut(sock)

    def watch(self, sock: socket.socket, call: Call | None = None) -> None:
        """Keep a socket within reach of ``cut`` and ``expire``, as ``call``'s (by default
        the call this thread runs); one that connects for a call already cut or out of
        time is shut at once."""
        if call is None:
            call = getattr(self._current, "call", None)
        with self._lock:
            self._sockets = {s: o for s, o in self._sockets.items() if s.fileno() != -1}
            self._sockets[sock] = call
            late = call is not None and (call.aborted or call.timed_out)
        if late:
            _shut(sock)

    def _claim(self, call: Call) -> None:
        """The call starts sending without having connected: it reuses a pooled socket."""
        if call in self._sockets.values():
            return
        idle = [s for s, owner in self._sockets.items() if owner is None and s.fileno() != -1]
        if len(idle) == 1:
            self._sockets[idle[0]] = call

    def trace(self, call: Call) -> Trace:
        """httpcore's ``trace`` extension for one call: new connections' sockets, the
        moment the request starts going out and the moment it waits for the answer (a
        CONNECT to a proxy counts for neither)."""

        def trace(event: str, info: dict[str, Any]) -> None:
            if event.endswith(("connect_tcp.complete", "start_tls.complete")):
                sock = info["return_value"].get_extra_info("socket")
                if isinstance(sock, socket.socket):
                    self.watch(sock, call)
            elif event.endswith("send_request_headers.started"):
                with self._lock:
                    self._claim(call)
                    if getattr(info.get("request"), "method", b"") != b"CONNECT":
                        call.sending = call.sending or not call.aborted
            elif (event.endswith("receive_response_headers.started")
                  and getattr(info.get("request"), "method", b"") != b"CONNECT"):
                call.waiting = True

        return trace

    def watch_tls(self, context: ssl.SSLContext) -> ssl.SSLContext:
        """The same context, its sockets watched from the start of their handshake (the
        socket class of truststore's inner context is kept: it verifies against the OS
        store after the handshake)."""
        from core.tls import openssl_context

        inner = openssl_context(context)
        inner.sslsocket_class = type("WatchedSSLSocket", (_WatchedSSLSocket,
                                                          inner.sslsocket_class),
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
