"""Answers that never end: a server trickling bytes is cut off at the profile's timeout."""

from __future__ import annotations

import socket
import threading
import time

from core.exchange import OutcomeKind, OutgoingRequest
from core.profiles import Profile
from core.transport import Connection


def trickling_server(stop: threading.Event) -> int:
    """127.0.0.1: headers at once, then one body byte every 50 ms, for ever."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)

    def serve() -> None:
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except TimeoutError:
                continue
            with client:
                client.recv(65536)
                client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
                               b"Content-Length: 100000\r\n\r\n")
                try:
                    while not stop.is_set():
                        client.sendall(b"<")
                        time.sleep(0.05)
                except OSError:
                    pass
        listener.close()

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def test_a_trickling_answer_times_out_in_all_not_per_byte() -> None:
    stop = threading.Event()
    port = trickling_server(stop)
    profile = Profile("t", "bitrix24", f"http://127.0.0.1:{port}", timeout=0.5)
    try:
        with Connection(profile) as connection:
            started = time.monotonic()
            delivery = connection.perform(
                OutgoingRequest("POST", f"http://127.0.0.1:{port}/rest/x", (), b"{}"))
            took = time.monotonic() - started
    finally:
        stop.set()
    assert delivery.response is None and delivery.failure is not None
    assert delivery.failure.kind is OutcomeKind.TRANSPORT
    assert delivery.failure.code == "ReadTimeout"
    assert "still arriving after 0.5 s" in delivery.error
    assert 0.45 < took < 1.5  # each byte came well inside the per-read timeout
