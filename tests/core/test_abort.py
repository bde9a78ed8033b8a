"""Cancel over loopback: Connection.abort (and close, from another thread) ends a blocked
call at once, says plainly what that means, and leaves the connection usable.

Each profile's timeout is 30 s (connect: 15 s), so a call that ends within a couple of
seconds of the abort was ended by the abort, not by a time-out.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from core.cancelling import CANCELLED_BEFORE_SENDING
from core.exchange import OutcomeKind, OutgoingRequest
from core.profiles import Profile
from core.transport import Connection, Delivery
from tests.core.test_network_failures import _full_backlog_drops_syns
from tests.helpers.servers import (
    LoopbackServer,
    Request,
    TricklingServer,
    full_backlog,
    http_answer,
    never_answering,
    read_request,
)

TIMEOUT = 30.0
PROMPTLY = 2.0  # seconds: generous for an abort, far below the time-outs


def profile_for(url: str) -> Profile:
    return Profile("slow", "bitrix24", url, {"code": "sms"}, timeout=TIMEOUT)


def call(url: str) -> OutgoingRequest:
    return OutgoingRequest("POST", f"{url}/rest/messageservice.message.status.update",
                           (("Content-Type", "application/json"),), b'{"x": 1}')


class InFlight:
    """One perform running in its own thread, as the window's job runs it."""

    def __init__(self, connection: Connection, request: OutgoingRequest) -> None:
        self.delivery: Delivery | None = None
        self.ended_at: float | None = None

        def run() -> None:
            self.delivery = connection.perform(request)
            self.ended_at = time.monotonic()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def end_within(self, seconds: float) -> Delivery:
        self.thread.join(seconds)
        assert not self.thread.is_alive(), f"the call still runs {seconds} s after the abort"
        assert self.delivery is not None
        return self.delivery


def abort_after(seconds: float, cut) -> float:
    time.sleep(seconds)
    cut()
    return time.monotonic()


def assert_cancelled(delivery: Delivery, target: str, *, sent: bool) -> None:
    failure = delivery.failure
    assert failure is not None and failure.kind is OutcomeKind.TRANSPORT, failure
    assert delivery.response is None
    if sent:
        assert failure.code == "cancelled", failure
        assert failure.summary == ("Cancelled: StatusDesk stopped waiting for the answer "
                                   f"from {target}.")
        assert f"may already have reached {target}" in failure.advice
    else:
        assert failure.code == CANCELLED_BEFORE_SENDING, failure
        assert failure.summary == (f"Cancelled before the request was sent: nothing "
                                   f"reached {target}.")
    assert delivery.error and delivery.error.startswith("Cancelled")


def good_answer(conn: socket.socket, request: Request, stop: threading.Event) -> None:
    conn.sendall(http_answer("200 OK", b'{"result": true}', "application/json"))


@pytest.fixture
def silent() -> Iterator[LoopbackServer]:
    """Accepts, reads the request, never answers."""
    with LoopbackServer(never_answering) as server:
        yield server
    assert server.errors == []


@pytest.fixture
def good() -> Iterator[LoopbackServer]:
    with LoopbackServer(good_answer) as server:
        yield server
    assert server.errors == []


def test_abort_ends_a_call_waiting_for_its_answer_and_the_connection_works_after(
        silent, good) -> None:
    connection = Connection(profile_for(silent.url))
    try:
        waiting = InFlight(connection, call(silent.url))
        cut_at = abort_after(0.2, connection.abort)
        delivery = waiting.end_within(PROMPTLY)
        assert waiting.ended_at is not None and waiting.ended_at - cut_at < PROMPTLY
        assert_cancelled(delivery, f"127.0.0.1:{silent.port}", sent=True)
        assert len(silent.requests) == 1  # it did arrive: hence "may already have reached"

        after = connection.perform(call(good.url))
        assert after.failure is None and after.response is not None
        assert after.response.status_code == 200 and len(good.requests) == 1
    finally:
        connection.close()


def test_abort_ends_a_trickling_answer_and_the_server_sees_the_hang_up() -> None:
    with TricklingServer() as server:
        connection = Connection(profile_for(server.url))
        try:
            trickling = InFlight(connection, call(server.url))
            deadline = time.monotonic() + 5
            while server.bytes_sent < 4 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert server.bytes_sent >= 4, "the answer never started trickling"
            connection.abort()
            delivery = trickling.end_within(PROMPTLY)
            assert_cancelled(delivery, f"127.0.0.1:{server.port}", sent=True)
            assert "body bytes" not in (delivery.error or "")  # cut mid-body: an exception
            deadline = time.monotonic() + PROMPTLY
            while server.hung_up < 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert server.hung_up == 1
        finally:
            connection.close()


def test_abort_reaches_a_kept_alive_connection_too() -> None:
    """The second call reuses the first one's connection (no new connect to watch)."""
    served: list[int] = []

    def once_then_silent(conn: socket.socket, request: Request, stop: threading.Event) -> None:
        served.append(1)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 2\r\n\r\n{}")  # keep-alive: the connection stays
        read_request(conn)
        stop.wait(10)

    with LoopbackServer(once_then_silent) as server:
        connection = Connection(profile_for(server.url))
        try:
            first = connection.perform(call(server.url))
            assert first.failure is None and first.response is not None
            second = InFlight(connection, call(server.url))
            abort_after(0.2, connection.abort)
            assert_cancelled(second.end_within(PROMPTLY), f"127.0.0.1:{server.port}",
                             sent=True)
            assert served == [1]  # one connection for both calls

            third = connection.perform(call(server.url))  # a fresh connection
            assert third.failure is None and third.response is not None
            assert served == [1, 1]
        finally:
            connection.close()
    assert server.errors == []


def test_abort_ends_a_tls_handshake_that_hangs_and_nothing_was_sent(silent) -> None:
    """The server accepts but never answers the TLS hello: before, this waited for the
    connect time-out (15 s). The request never went out, and the outcome says so."""
    url = silent.url.replace("http://", "https://")
    connection = Connection(profile_for(url))
    try:
        handshake = InFlight(connection, call(url))
        abort_after(0.2, connection.abort)
        assert_cancelled(handshake.end_within(PROMPTLY), f"127.0.0.1:{silent.port}",
                         sent=False)
        assert silent.requests == []
    finally:
        connection.close()


def test_close_from_another_thread_cuts_the_call_and_nothing_more_goes_out(
        silent, good) -> None:
    """What the window's Cancel does: close the connection the job uses. A later call of
    the same job (a repeat after signing in, say) must not go out."""
    connection = Connection(profile_for(silent.url))
    waiting = InFlight(connection, call(silent.url))
    abort_after(0.2, connection.close)
    assert_cancelled(waiting.end_within(PROMPTLY), f"127.0.0.1:{silent.port}", sent=True)

    late = connection.perform(call(good.url))
    assert_cancelled(late, f"127.0.0.1:{good.port}", sent=False)
    assert good.requests == []


def test_abort_with_nothing_in_flight_changes_nothing(good) -> None:
    with Connection(profile_for(good.url)) as connection:
        connection.abort()
        delivery = connection.perform(call(good.url))
        assert delivery.failure is None and delivery.response is not None


@pytest.mark.skipif(not _full_backlog_drops_syns(),
                    reason="needs Linux, where a full accept queue drops new connections")
def test_a_connect_still_waiting_ends_at_its_time_out_and_says_nothing_was_sent() -> None:
    """The one phase abort cannot cut: a TCP connect has no socket to reach yet. It ends at
    the (short, here) connect time-out, and is still told as cancelled, not as a failure."""
    listener, fillers = full_backlog()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    try:
        with Connection(profile_for(url).with_changes(timeout=0.5)) as connection:
            connecting = InFlight(connection, call(url))
            abort_after(0.1, connection.abort)
            delivery = connecting.end_within(PROMPTLY)
    finally:
        for each in (*fillers, listener):
            each.close()
    assert_cancelled(delivery, url.removeprefix("http://"), sent=False)
