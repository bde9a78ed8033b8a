"""A server on 127.0.0.1 that answers one byte at a time, for ever, and notices when the
client hangs up: for the tests of Cancel (core.transport.Connection.abort)."""

from __future__ import annotations

import select
import socket
import threading

from tests.helpers_servers import LOOPBACK, read_request

HEAD = (b"HTTP/1.1 200 OK\r\nContent-Type: text/xml; charset=utf-8\r\n"
        b"Content-Length: 10000000\r\n\r\n")


class TricklingServer:
    """Reads a request, sends the status line and headers at once, then one body byte every
    ``interval`` seconds until the client hangs up (counted in ``hung_up``) or the test ends.
    """

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.stop = threading.Event()
        self.requests: list[str] = []  # request lines, one per connection
        self.bytes_sent = 0
        self.hung_up = 0  # connections the client closed while the answer was trickling
        self._lock = threading.Lock()
        self._listener = socket.create_server((LOOPBACK, 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def __enter__(self) -> TricklingServer:
        self._start(self._accept)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in list(self._threads):
            thread.join(2)
        self._listener.close()

    def _start(self, target, *args) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            self._start(self._serve, conn)

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            request = read_request(conn)
            if request is None:
                return
            with self._lock:
                self.requests.append(request.line)
            hung_up = False
            try:
                conn.sendall(HEAD)
                while not self.stop.is_set():
                    readable, _, _ = select.select([conn], [], [], self.interval)
                    if readable and conn.recv(1) == b"":
                        hung_up = True
                        break
                    conn.sendall(b"<")
                    with self._lock:
                        self.bytes_sent += 1
            except OSError:  # reset by the client: it hung up too
                hung_up = True
            if hung_up:
                with self._lock:
                    self.hung_up += 1
