"""The sandbox: one loopback HTTP server simulating SuperOffice and Bitrix24 at once.

It is the independent referee for our client code, so its behaviour comes from the specs
in /work/shared/spec, never from our clients. It binds to 127.0.0.1 only.
"""

from __future__ import annotations

import socket
import socketserver
import sys
import threading
import time
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TextIO
from urllib.parse import urlencode

from sandbox.bitrix24 import Bitrix24Sandbox
from sandbox.bitrix24_authorize import app_handler_page
from sandbox.control import banner, handle_control, index_page, seeded_lines
from sandbox.credentials import (
    B24_MESSAGES,
    B24_SETUP,
    SO_APP_TOKEN,
    SO_MESSAGES,
    SO_PASSWORD,
    SO_PLUGIN,
    SO_SYSTEM_USER_TOKEN,
    SO_TENANT,
    SO_TICKET,
    SO_USERNAME,
    SandboxCredentials,
    make_credentials,
)
from sandbox.keys import (
    APP_PRIVATE_KEY_PEM,
    SUPEROFFICE_PRIVATE_KEY_PEM,
    SUPEROFFICE_PUBLIC_KEY_PEM,
    private_key,
    public_key,
)
from sandbox.soap import MAX_BODY_BYTES
from sandbox.superoffice import SIGN_IN_KINDS, SuperOfficeSandbox
from sandbox.superoffice_partner import PartnerLogin
from sandbox.wire import Incoming, ReceivedLog, ReceivedRequest, Reply, SandboxClock

HOST = "127.0.0.1"
SO_PREFIX = f"/superoffice/{SO_TENANT}"
SO_LOGIN_PREFIX = "/superoffice-online/Login"
B24_PREFIX = "/bitrix24"
B24_OAUTH_PREFIX = "/bitrix24-oauth"
B24_APP_PREFIX = "/bitrix24-app"
CONTROL_PATH = "/_sandbox/control"
KEY_PATH = "/_sandbox/app-private-key.pem"  # the SANDBOX-ONLY app key, for demos
DRAIN_LIMIT = 16 * 1024 * 1024
DROPPED = 0  # the status on_request sees for a connection closed without an answer


class Sandbox:
    """Simulated SuperOffice (NetServer + Online login) and Bitrix24 (portal + OAuth server).

    The socket is bound at construction (so ``port`` and the URLs are known at once);
    ``start`` serves in a daemon thread. Usable as a context manager.
    """

    def __init__(self, port: int = 0) -> None:
        self._server = _SandboxHTTPServer((HOST, port), _Handler)
        self._server.sandbox = self
        self.port: int = self._server.server_address[1]
        self.origin = f"http://{HOST}:{self.port}"
        self.clock = SandboxClock()
        self.received = ReceivedLog()
        self.internal_errors: list[str] = []
        # Called after each answer with its status, or DROPPED (0) when the connection was
        # closed without one.
        self.on_request: Callable[[ReceivedRequest, int], None] | None = None
        self._delay = 0.0
        self._delay_lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.credentials: SandboxCredentials = make_credentials(self.bitrix24_url)
        self.superoffice = SuperOfficeSandbox(
            self.clock, ticket=SO_TICKET, app_token=SO_APP_TOKEN, username=SO_USERNAME,
            password=SO_PASSWORD, plugin=SO_PLUGIN, external_ids=SO_MESSAGES)
        self.superoffice_partner = PartnerLogin(
            self.superoffice, system_user_token=SO_SYSTEM_USER_TOKEN, tenant=SO_TENANT,
            app_public_key=public_key(APP_PRIVATE_KEY_PEM),
            signing_key=private_key(SUPEROFFICE_PRIVATE_KEY_PEM),
            netserver_base=self.superoffice_url)
        self.superoffice.netserver_base = self.superoffice_url
        self.bitrix24 = Bitrix24Sandbox(self.clock, B24_SETUP, origin=self.origin,
                                        portal_prefix=B24_PREFIX, oauth_prefix=B24_OAUTH_PREFIX,
                                        app_prefix=B24_APP_PREFIX)

    # ----------------------------------------------------------------- addresses
    @property
    def superoffice_url(self) -> str:
        """NetServer base: append /Remote/Services86/Messaging.svc or /api/v1/..."""
        return self.origin + SO_PREFIX

    @property
    def superoffice_login_url(self) -> str:
        """Online login service, standing for https://{env}.superoffice.com/Login.

        System users sign in at ``{base}/api/PartnerSystemUser/Authenticate``.
        """
        return self.origin + SO_LOGIN_PREFIX

    @property
    def superoffice_jwt_public_key(self) -> str:
        """PEM public key that verifies the JWTs the login service signs (RS256)."""
        return SUPEROFFICE_PUBLIC_KEY_PEM

    @property
    def bitrix24_url(self) -> str:
        """The portal as first configured (move_portal does not change this)."""
        return self.origin + B24_PREFIX

    @property
    def bitrix24_oauth_url(self) -> str:
        """OAuth server base; refresh at ``{base}/oauth/token/``."""
        return self.origin + B24_OAUTH_PREFIX

    @property
    def bitrix24_authorize_url(self) -> str:
        """Where a browser starts the authorization-code flow (add state, redirect_uri)."""
        return (f"{self.bitrix24_url}/oauth/authorize/?"
                + urlencode({"client_id": B24_SETUP.client_id}))

    @property
    def control_url(self) -> str:
        return self.origin + CONTROL_PATH

    @property
    def superoffice_messages(self) -> tuple[str, ...]:
        return SO_MESSAGES

    @property
    def bitrix24_messages(self) -> tuple[str, ...]:
        return B24_MESSAGES

    # ----------------------------------------------------------------- lifecycle
    def start(self) -> Sandbox:
        if self._stopping.is_set():
            raise RuntimeError("a stopped Sandbox cannot be started again; make a new one")
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever,
                                            kwargs={"poll_interval": 0.05},
                                            name=f"statusdesk-sandbox-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close the socket and any open connections; idempotent."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._thread is not None:
            stopper = threading.Thread(target=self._server.shutdown, daemon=True)
            stopper.start()
            # A connection wakes the serving loop now instead of at its next poll.
            while stopper.is_alive():
                try:
                    socket.create_connection((HOST, self.port), timeout=0.2).close()
                except OSError:
                    break
                stopper.join(timeout=0.005)
            stopper.join(timeout=5)
            self._thread.join(timeout=5)
        self._server.server_close()
        self._server.close_connections()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ----------------------------------------------------------------- controls
    def set_delay(self, seconds: float) -> None:
        """Every following answer waits this long first (0 turns it off)."""
        if seconds < 0:
            raise ValueError("delay must be >= 0")
        with self._delay_lock:
            self._delay = float(seconds)

    @property
    def delay(self) -> float:
        with self._delay_lock:
            return self._delay

    def reset(self) -> None:
        """Back to the initial state: data, tokens, clock, delay, received requests.

        ``internal_errors`` is kept: a simulator bug must not be reset away.
        """
        self.set_delay(0)
        self.clock.reset()
        self.superoffice.reset()
        self.bitrix24.reset()
        self.received.clear()

    def state(self) -> dict[str, object]:
        """What the control endpoint reports."""
        return {
            "delay": self.delay,
            "superoffice_bad_ticket_style": self.superoffice.bad_ticket_style,
            "superoffice_services": list(self.superoffice.services),
            "superoffice_sign_ins": {kind: self.superoffice.sign_in_count(kind)
                                     for kind in SIGN_IN_KINDS},
            "bitrix24_injected_error": self.bitrix24.injected_error,
            "bitrix24_moved_to": self.bitrix24.moved_to,
            "bitrix24_codes_issued": len(self.bitrix24.oauth.codes_issued),
            "bitrix24_rate_limit": {"drain_per_second": self.bitrix24.drain_per_second,
                                    "burst": self.bitrix24.burst},
            "bitrix24_limit_refusals": self.bitrix24.limit_refusals,
            "bitrix24_operating_refusals": self.bitrix24.operating_refusals,
            "bitrix24_faults": self.bitrix24.describe_faults(),
            "superoffice_faults": self.superoffice.describe_faults(),
            "clock": self.clock.now(),
        }

    # ----------------------------------------------------------------- dispatch
    def _dispatch(self, req: Incoming) -> Reply:
        if req.path == CONTROL_PATH:
            return handle_control(self, req)
        if req.path == "/" and req.method in ("GET", "HEAD"):
            return Reply.text(200, index_page(self))
        if req.path == KEY_PATH and req.method in ("GET", "HEAD"):
            return Reply.text(200, self.credentials.so_private_key)
        delay = self.delay
        if delay > 0 and self._stopping.wait(delay):
            return Reply.text(503, "The sandbox is stopping.")
        try:
            if req.path.startswith(SO_PREFIX + "/"):
                return self.superoffice.handle(_relative(req, SO_PREFIX))
            if req.path.startswith(SO_LOGIN_PREFIX + "/"):
                return self.superoffice_partner.handle(_relative(req, SO_LOGIN_PREFIX))
            if req.path.startswith(B24_OAUTH_PREFIX + "/"):
                return self.bitrix24.oauth.handle(_relative(req, B24_OAUTH_PREFIX))
            if req.path.startswith(B24_APP_PREFIX + "/"):
                return app_handler_page(_relative(req, B24_APP_PREFIX))
            reply = self.bitrix24.handle_portal(req)
        except Exception:  # noqa: BLE001 - a sandbox bug must show, not kill the thread
            detail = traceback.format_exc()
            self.internal_errors.append(detail)
            return Reply.text(500, "StatusDesk sandbox internal error (a bug in the "
                                   "simulator, not a CRM answer):\n" + detail)
        if reply is None:
            return Reply.text(404, f"Nothing at {req.path} on the StatusDesk sandbox. "
                                   f"See {self.origin}/ for the addresses it serves.")
        return reply


def _relative(req: Incoming, prefix: str) -> Incoming:
    return Incoming(req.method, req.path[len(prefix):], req.query, req.headers, req.body,
                    req.client_ip)


class _SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    sandbox: Sandbox

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup we neither need nor want.
        socketserver.TCPServer.server_bind(self)
        host, self.server_port = self.server_address[:2]
        self.server_name = host if isinstance(host, str) else bytes(host).decode("ascii")

    def track(self, connection: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(connection)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "StatusDeskSandbox/1.0"
    sys_version = ""
    timeout = 60
    server: _SandboxHTTPServer
    # BaseHTTPRequestHandler's own header buffer (send_header fills it, flush_headers writes
    # it); typeshed leaves this private attribute out. _write appends the body to it.
    _headers_buffer: list[bytes]

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in one write, and without Nagle's delay, so loopback
        # calls take microseconds rather than a delayed-ACK round (about 40 ms).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - base signature
        pass  # requests are reported through Sandbox.received and on_request

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        path, _, query = self.path.partition("?")
        headers = list(self.headers.items())
        body = b""
        reply: Reply | None = None
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            reply = Reply.text(411, "Length Required: send a Content-Length.")
        else:
            try:
                length = int(self.headers.get("Content-Length") or 0)
            except ValueError:
                length = -1
            if length < 0:
                reply = Reply.text(400, "Bad Request: invalid Content-Length.")
            elif length > MAX_BODY_BYTES:
                reply = Reply.text(413, f"Request Entity Too Large: the limit is "
                                        f"{MAX_BODY_BYTES} bytes.")
                self._discard(length)
            else:
                body = self.rfile.read(length)
        received = ReceivedRequest(self.command, path, query, headers, body, time.time())
        if path != CONTROL_PATH:
            sandbox.received.append(received)
        if reply is None:
            reply = sandbox._dispatch(Incoming(self.command, path, query, headers, body,
                                               self.client_address[0]))
        else:
            self.close_connection = True
        if reply.delay > 0 and sandbox._stopping.wait(reply.delay):
            reply = Reply(0, drop=True)  # stopping: no late answer, just close
        if reply.drop:
            self.close_connection = True  # closed without a byte of answer
        else:
            try:
                self._write(reply)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (e.g. timed out)
        if sandbox.on_request is not None:
            sandbox.on_request(received, DROPPED if reply.drop else reply.status)

    def _discard(self, length: int) -> None:
        """Read a refused body (up to a bound) so the client gets to see the 413."""
        remaining = min(length, DRAIN_LIMIT)
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(reply.body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(reply.body)
        self.flush_headers()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _serve


def serve_forever(port: int = 0, out: TextIO = sys.stdout, *,
                  stop_event: threading.Event | None = None) -> None:
    """Run the sandbox in the foreground, print where it is, stop on Ctrl+C.

    ``stop_event`` lets a caller (or a test) end it without a signal.
    """
    with Sandbox(port) as sandbox:
        def log(request: ReceivedRequest, status: int) -> None:
            stamp = time.strftime("%H:%M:%S", time.localtime(request.time))
            shown = "dropped (no answer)" if status == DROPPED else status
            print(f"{stamp} {request.method} {request.path} -> {shown}", file=out, flush=True)

        sandbox.on_request = log
        print("\n".join([banner(sandbox), "", *seeded_lines(sandbox), "",
                         "Press Ctrl+C to stop."]), file=out, flush=True)
        waiter = stop_event or threading.Event()
        try:
            while not waiter.wait(0.2):
                pass
        except KeyboardInterrupt:
            pass
        print("StatusDesk sandbox stopped.", file=out, flush=True)
