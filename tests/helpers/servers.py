"""Misbehaving servers on 127.0.0.1, for the network-failure tests.

Each is a real listening socket in a thread, speaking raw bytes so a test can make it do
what a real server, proxy or broken network does: answer nonsense, stop mid-body, never
answer, or never accept at all. They only ever bind to 127.0.0.1.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
import select
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

LOOPBACK = "127.0.0.1"


@dataclass
class Request:
    """What arrived: the request line, the header block and the body (by Content-Length)."""

    line: str
    head: bytes
    body: bytes

    @property
    def method(self) -> str:
        return self.line.split(" ", 1)[0]

    @property
    def target(self) -> str:
        parts = self.line.split(" ")
        return parts[1] if len(parts) > 1 else ""


Handler = Callable[[socket.socket, Request, threading.Event], None]


def read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return Request(head.split(b"\r\n", 1)[0].decode("latin-1"), head, body)


def http_answer(status: str, body: bytes = b"", content_type: str = "text/plain",
                extra: str = "") -> bytes:
    """A whole HTTP/1.1 answer that closes the connection afterwards."""
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n{extra}Connection: close\r\n\r\n").encode() + body


@dataclass
class LoopbackServer:
    """Calls ``handler(conn, request, stop)`` for every connection, each in its own thread.

    ``tls``: a server-side SSLContext; the handshake happens in the connection's thread,
    and a client that refuses the certificate just ends that connection.
    """

    handler: Handler
    tls: ssl.SSLContext | None = None
    requests: list[Request] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stop = threading.Event()
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []
        self._accepting = threading.Thread(target=self._accept, daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://{LOOPBACK}:{self.port}"

    def __enter__(self) -> LoopbackServer:
        self._accepting.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self._accepting.join(2)
        for thread in self._threads:
            thread.join(2)
        self._listener.close()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            thread = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        try:
            if self.tls is not None:
                conn = self.tls.wrap_socket(conn, server_side=True)
            request = read_request(conn)
            if request is None:
                return
            self.requests.append(request)
            self.handler(conn, request, self.stop)
        except (ssl.SSLError, ConnectionError, TimeoutError):
            pass  # the client gave up or refused us: that is the point of several tests
        except Exception as exc:  # noqa: BLE001 - reported to the test, never swallowed
            self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            conn.close()


def answering(answer: bytes) -> Handler:
    """A handler that sends these bytes and closes."""

    def handle(conn: socket.socket, request: Request, stop: threading.Event) -> None:
        conn.sendall(answer)

    return handle


def never_answering(conn: socket.socket, request: Request, stop: threading.Event) -> None:
    """Reads the request, then says nothing until the test ends."""
    stop.wait(10)


@dataclass
class TricklingServer(LoopbackServer):
    """Sends the status line and headers at once, then one body byte every ``interval``
    seconds, for ever: until the client hangs up (counted in ``hung_up``) or the test
    ends. For the time-out and Cancel tests."""

    handler: Handler | None = None  # type: ignore[assignment]  # always _trickle
    interval: float = 0.05
    bytes_sent: int = 0
    hung_up: int = 0

    def __post_init__(self) -> None:
        self.handler = self._trickle
        self._counting = threading.Lock()
        super().__post_init__()

    def _trickle(self, conn: socket.socket, request: Request, stop: threading.Event) -> None:
        try:
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
                         b"Content-Length: 10000000\r\n\r\n")
            while not stop.is_set():
                readable, _, _ = select.select([conn], [], [], self.interval)
                if readable and conn.recv(1) == b"":
                    break  # the client closed its end
                conn.sendall(b"<")
                with self._counting:
                    self.bytes_sent += 1
            else:
                return  # the test ended first
        except OSError:
            pass  # reset by the client: it hung up too
        with self._counting:
            self.hung_up += 1


def trickling_headers(interval: float = 0.2) -> Handler:
    """A handler that sends its status line, then header lines, one byte every ``interval``
    seconds, for ever (until the client hangs up or the test ends): every read gets a byte
    well inside a per-read time-out, and the headers never end."""

    def handle(conn: socket.socket, request: Request, stop: threading.Event) -> None:
        pending = b"HTTP/1.1 200 OK\r\n"
        while not stop.wait(interval):
            if not pending:
                pending = b"X-Slow: 1\r\n"
            conn.sendall(pending[:1])
            pending = pending[1:]

    return handle


# What a hostile server puts in its words: clear the screen, home the cursor, a fake "OK",
# a bell, a carriage return to overwrite the line, C1's CSI (one character) and a
# right-to-left override.
HOSTILE = "\x1b[2J\x1b[HOK: Status updated\x07\rDone\x9b31m\u202edetaolp"
SOAP_FAULT = ('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
              "<s:Fault><faultcode>s:Client</faultcode><faultstring>Bad\x9b2J\u202e password"
              "</faultstring></s:Fault></s:Body></s:Envelope>")
# Characters a terminal acts on: C0 but tab and newline, a carriage return not before a
# newline, DEL, C1, and the bidirectional overrides and isolates.
RAW_CONTROL = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]"
                         "|\r(?!\n)")


def hostile(conn: socket.socket, request: Request, stop: threading.Event) -> None:
    """Bitrix24 or SuperOffice, as asked, answering with escape sequences everywhere it can:
    JSON error words (escaped in the JSON, raw once read), provider codes, a plain-text
    body, a SOAP fault, a header and the reason phrase (C1 bytes: obs-text, which HTTP
    allows there)."""
    head = b"X-Hostile: \x9b2J\x9d0;pwned\x07\r\n"
    if b"/superoffice/" in request.head.split(b"\r\n", 1)[0]:
        body, kind, status = SOAP_FAULT.encode(), "text/xml", "500 Internal \x9bError"
    elif b"sender.list" in request.head.split(b"\r\n", 1)[0]:
        body = json.dumps({"result": ["sms", HOSTILE]}, ensure_ascii=False).encode()
        kind, status = "application/json", "200 OK"
    elif b"plain-text" in request.body:
        body, kind, status = HOSTILE.encode(), "text/plain", "502 Bad \x9bGateway"
    else:
        body = json.dumps({"error": "ERR\x1b[31m", "error_description": HOSTILE},
                          ensure_ascii=False).encode()
        kind, status = "application/json", "400 Bad \x9bRequest"
    conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n".encode("latin-1")
                 + head + b"\r\n" + body)


def streaming(size: int, chunk: int = 256 * 1024) -> Handler:
    """A 200 answer of ``size`` bytes, sent as fast as the client reads (never in memory)."""
    block = b"x" * chunk

    def handle(conn: socket.socket, request: Request, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     + f"Content-Length: {size}\r\nConnection: close\r\n\r\n".encode())
        left = size
        while left > 0 and not stop.is_set():
            piece = block if left >= chunk else block[:left]
            conn.sendall(piece)
            left -= len(piece)

    return handle


def full_backlog() -> tuple[socket.socket, list[socket.socket]]:
    """A listening port whose accept queue is full and never drained (Linux drops further
    SYNs then, so a new connection attempt hangs until its own time-out)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind((LOOPBACK, 0))
    listener.listen(0)
    fillers = []
    for _ in range(2):  # a backlog of 0 still queues one; the second fills it for sure
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex(listener.getsockname())
        fillers.append(filler)
    return listener, fillers


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """(certificate, key) PEM files for 127.0.0.1 and localhost, valid for one day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "StatusDesk test server")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "server.pem", folder / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def server_tls(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context
