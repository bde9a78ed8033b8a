"""Answers that never end: a server trickling bytes is cut off at the profile's timeout.

The timeout bounds the whole call, headers included: httpx's own time-outs are per read,
and a server sending one byte a second never trips them (issue 15, item 3)."""

from __future__ import annotations

import threading
import time

import pytest

from core.exchange import OutcomeKind, OutgoingRequest
from core.profiles import Profile
from core.transport import Connection, Delivery
from tests.helpers.servers import (
    LoopbackServer,
    Request,
    TricklingServer,
    http_answer,
    trickling_headers,
)

BOUND = 20.0  # seconds: far beyond any timeout below; reaching it means the call hung


def perform_within(connection: Connection, url: str, bound: float = BOUND) -> Delivery:
    """One call in a thread; fails the test (and cuts the call) when it takes ``bound``."""
    done: list[Delivery] = []
    worker = threading.Thread(target=lambda: done.append(connection.perform(
        OutgoingRequest("POST", url, (), b"{}"))), daemon=True)
    worker.start()
    worker.join(bound)
    if worker.is_alive():
        connection.abort()  # end the hang, so that the test run does not keep it
        worker.join(5)
        pytest.fail(f"the call was still waiting after {bound:g} s, with a "
                    f"{connection.profile.timeout:g} s timeout")
    return done[0]


def test_a_trickling_answer_times_out_in_all_not_per_byte() -> None:
    with TricklingServer() as server:
        profile = Profile("t", "bitrix24", server.url, timeout=0.5)
        with Connection(profile) as connection:
            started = time.monotonic()
            delivery = connection.perform(
                OutgoingRequest("POST", f"{server.url}/rest/x", (), b"{}"))
            took = time.monotonic() - started
    assert delivery.response is None and delivery.failure is not None
    assert delivery.failure.kind is OutcomeKind.TRANSPORT
    assert delivery.failure.code == "ReadTimeout"
    assert "still arriving after 0.5 s" in (delivery.error or "")
    assert "answered too slowly" in delivery.failure.summary
    assert 0.45 < took < 1.5  # each byte came well inside the per-read timeout


def test_headers_trickling_in_time_out_in_all_not_per_byte() -> None:
    with LoopbackServer(trickling_headers(0.2)) as server:
        profile = Profile("t", "bitrix24", server.url, timeout=1.0)
        with Connection(profile) as connection:
            started = time.monotonic()
            delivery = perform_within(connection, f"{server.url}/rest/x")
            took = time.monotonic() - started
    assert delivery.response is None and delivery.failure is not None
    assert delivery.failure.kind is OutcomeKind.TRANSPORT
    assert delivery.failure.code == "ReadTimeout"  # a time-out: a batch tries it again
    assert delivery.failure.summary == (
        f"127.0.0.1:{server.port} answered too slowly: its status line and headers had not "
        "all come after 1 s in total; StatusDesk stopped waiting.")
    assert "bounds the whole call" in delivery.failure.detail
    assert took < 5  # the timeout is 1 s; per read, a byte came every 0.2 s


def test_cancel_still_cuts_trickling_headers_at_once() -> None:
    with LoopbackServer(trickling_headers(0.2)) as server:
        profile = Profile("t", "bitrix24", server.url, timeout=30.0)
        with Connection(profile) as connection:
            threading.Timer(0.5, connection.abort).start()
            started = time.monotonic()
            delivery = perform_within(connection, f"{server.url}/rest/x")
            took = time.monotonic() - started
    assert delivery.failure is not None and delivery.failure.code == "cancelled"
    assert took < 5


def slow_but_fine(conn, request: Request, stop: threading.Event) -> None:
    stop.wait(0.8)
    conn.sendall(http_answer("200 OK", b'{"result": true}', "application/json"))


def test_one_calls_time_out_leaves_the_others_on_the_connection_alone() -> None:
    """Two calls at once on one connection (the window's send and a test, say): the first
    runs out of time while the second waits for its answer; only the first is cut."""
    with LoopbackServer(trickling_headers(0.2)) as hostile, \
            LoopbackServer(slow_but_fine) as fine:
        profile = Profile("t", "bitrix24", fine.url, timeout=1.0)
        with Connection(profile) as connection:
            late: list[Delivery] = []
            second = threading.Timer(0.7, lambda: late.append(
                perform_within(connection, f"{fine.url}/rest/y")))
            second.start()  # waits from 0.7 s to 1.5 s: across the first call's deadline
            slow = perform_within(connection, f"{hostile.url}/rest/x")
            second.join(BOUND)
            again = perform_within(connection, f"{fine.url}/rest/z")  # the pool still works
    assert slow.failure is not None and slow.failure.code == "ReadTimeout"
    (answered,) = late
    assert answered.failure is None and answered.response is not None, answered.error
    assert answered.response.status_code == 200
    assert again.failure is None and again.response is not None, again.error


def test_a_batch_row_against_trickling_headers_ends_and_is_tried_again(tmp_path) -> None:
    from core.batch import BatchRun
    from core.batch_file import check_rows, read_batch
    from core.history import History
    from core.pacing import Backoff
    from tests.helpers.secrets import DictSecrets

    with LoopbackServer(trickling_headers(0.2)) as server:
        profile = Profile("b24", "bitrix24", server.url, timeout=0.5,
                          options={"code": "sms", "auth": "oauth"})
        batch = check_rows(read_batch("message_id,status\n" + "a" * 32 + ",delivered\n",
                                      "rows.csv"), profile)
        run = BatchRun(profile, DictSecrets({"access-token": "tok"}), batch,
                       History(tmp_path / "history.sqlite3"),
                       backoff=Backoff(first=0.05, longest=0.1, attempts=2))
        summaries = []
        worker = threading.Thread(target=lambda: summaries.append(run.run()), daemon=True)
        worker.start()
        worker.join(BOUND)
        if worker.is_alive():
            run.stop_now()
            worker.join(5)
            pytest.fail(f"the batch was still on its row after {BOUND:g} s, with a 0.5 s timeout")
    (summary,) = summaries
    assert (summary.done, summary.failed, summary.retries) == (0, 1, 1)
    assert summary.failures == {"ReadTimeout": 1}
    assert len(server.requests) == 2
