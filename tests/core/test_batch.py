"""The batch runner against the sandbox over loopback HTTP: pace, retries, history, resume.

The credentials are held in memory (the keyring is tested elsewhere); the history is a
real SQLite file; the CRMs are the sandbox's, with their real rate limit and faults.
"""

from __future__ import annotations

import threading
import time

import pytest

from core.batch import BatchRun
from core.batch_file import check_rows, read_batch
from core.exchange import OutcomeKind
from core.history import History, HistoryFilter
from core.pacing import Backoff
from core.profiles import Profile
from tests.helpers.secrets import DictSecrets

QUICK = Backoff(first=0.05, longest=0.5, attempts=5)


@pytest.fixture
def b24(sandbox) -> Profile:
    return Profile("b24", "bitrix24", sandbox.bitrix24_url, timeout=5.0,
                   options={"code": sandbox.credentials.b24_code, "auth": "oauth"})


@pytest.fixture
def secrets(sandbox) -> DictSecrets:
    return DictSecrets({"access-token": sandbox.credentials.b24_access_token})


@pytest.fixture
def history(tmp_path) -> History:
    return History(tmp_path / "history.sqlite3")


def batch_of(profile: Profile, ids: list[str], status: str = "delivered", extra: str = ""):
    text = "message_id,status\n" + "".join(f"{i},{status}\n" for i in ids) + extra
    return check_rows(read_batch(text, "rows.csv"), profile)


def test_a_thousand_rows_at_the_portals_limit_none_lost_none_twice(
        sandbox, b24, secrets, history) -> None:
    # The portal's leaky bucket, 100x faster than Bitrix24's (2/s, burst 50): the runner
    # is set to the same drain with a smaller burst, as the default is (2/s, burst 10).
    sandbox.bitrix24.set_rate_limit(drain_per_second=200, burst=50)
    ids = sandbox.bitrix24.seed_messages(1000)
    batch = batch_of(b24, ids)
    started = time.monotonic()
    summary = BatchRun(b24, secrets, batch, history, rate=200, burst=10).run()
    took = time.monotonic() - started
    assert (summary.done, summary.failed, summary.retries) == (1000, 0, 0)
    assert sandbox.bitrix24.limit_refusals == 0  # no 503 caused by us
    counts = sandbox.bitrix24.update_counts()
    assert all(counts[i] == 1 for i in ids)  # every row once
    assert history.rows_done("b24", batch.batch_id) == {row.row for row in batch.rows}
    assert took >= (1000 - 10) / 200 * 0.95  # never faster than the rate


def test_busy_answers_timeouts_and_drops_are_retried_until_done(
        sandbox, b24, secrets, history) -> None:
    sandbox.bitrix24.set_rate_limit(drain_per_second=10_000, burst=1_000)  # faults only
    ids = sandbox.bitrix24.seed_messages(60)
    sandbox.bitrix24.fail_every(7, ["QUERY_LIMIT_EXCEEDED", "OVERLOAD_LIMIT"])
    sandbox.bitrix24.stall_every(11, 0.6)  # applied, answered after our 0.3 s timeout
    sandbox.bitrix24.drop_every(13)  # connection closed, nothing applied
    profile = b24.with_changes(timeout=0.3)
    waits: list[tuple[int, str, float]] = []
    summary = BatchRun(profile, secrets, batch_of(profile, ids), history, rate=500, burst=20,
                       backoff=QUICK).run(on_wait=lambda r, why, s: waits.append((r.row, why, s)))
    assert (summary.done, summary.failed) == (60, 0)
    assert summary.retries == len(waits) >= 10
    assert {why for _, why, _ in waits} >= {"QUERY_LIMIT_EXCEEDED", "OVERLOAD_LIMIT",
                                             "ReadTimeout", "RemoteProtocolError"}
    statuses = sandbox.bitrix24.statuses()
    assert all(statuses[i] == "delivered" for i in ids)
    failed = history.search(HistoryFilter(outcome="failed", limit=1000))
    assert len(failed) == summary.retries  # every attempt is in the history


def test_operating_limit_waits_until_the_reset_time(sandbox, b24, secrets, history) -> None:
    ids = sandbox.bitrix24.seed_messages(4)
    sandbox.bitrix24.fail_every(3, "OPERATION_TIME_LIMIT", reset_after=1.0)
    waits: list[float] = []
    summary = BatchRun(b24, secrets, batch_of(b24, ids), history, rate=100,
                       backoff=QUICK).run(on_wait=lambda r, why, s: waits.append(s))
    assert summary.done == 4
    assert waits and waits[0] >= 0.5  # until operating_reset_at, not the 0.05 s backoff


def test_final_answers_are_not_retried_and_invalid_rows_never_sent(
        sandbox, b24, secrets, history) -> None:
    ids = sandbox.bitrix24.seed_messages(2)
    batch = batch_of(b24, ids, extra="f" * 32 + ",sent\n" + ids[0] + ",Delivered\n")
    assert len(batch.invalid) == 1  # "Delivered": Bitrix24 wants lower case
    summary = BatchRun(b24, secrets, batch, history, rate=100, backoff=QUICK).run()
    assert (summary.done, summary.failed, summary.retries) == (2, 1, 0)
    assert summary.failures == {"ERROR_MESSAGE_NOT_FOUND": 1}
    assert sandbox.bitrix24.updates_of(ids[0]) == 1


def test_rejected_credentials_stop_the_run(sandbox, b24, history) -> None:
    ids = sandbox.bitrix24.seed_messages(5)
    summary = BatchRun(b24, DictSecrets({"access-token": "not-a-token"}), batch_of(b24, ids),
                       history, rate=100).run()
    assert summary.stopped.startswith("Stopped at row 2:") and summary.failed == 1
    assert summary.unsent == 4
    assert sum(sandbox.bitrix24.update_counts().get(i, 0) for i in ids) == 0


def test_pause_cancel_and_resume_send_every_row_once(sandbox, b24, secrets, history) -> None:
    ids = sandbox.bitrix24.seed_messages(40)
    batch = batch_of(b24, ids)
    run = BatchRun(b24, secrets, batch, history, rate=40, burst=1)
    seen: list[int] = []

    def on_row(result) -> None:
        seen.append(result.row.row)
        if len(seen) == 10:
            run.pause()
            threading.Timer(0.3, run.cancel).start()

    first = run.run(on_row)
    assert first.cancelled and first.done == 10  # paused after 10, cancelled while paused
    again = BatchRun(b24, secrets, batch, history, rate=500, burst=10).run(resume=True)
    assert (again.skipped, again.done) == (10, 30)
    counts = sandbox.bitrix24.update_counts()
    assert [counts[i] for i in ids] == [1] * 40


def test_superoffice_batch_with_a_fault_schedule(sandbox, history) -> None:
    creds = sandbox.credentials
    profile = Profile("so", "superoffice", sandbox.superoffice_url, timeout=5.0,
                      options={"plugin": creds.so_plugin}, presets={"Delivered": 3})
    ids = sandbox.superoffice.seed_messages(12)
    sandbox.superoffice.drop_every(5)
    store = DictSecrets({"ticket": creds.so_ticket, "app-token": creds.so_app_token})
    summary = BatchRun(profile, store, batch_of(profile, ids, status="Delivered"), history,
                       rate=200, backoff=QUICK).run()
    assert (summary.done, summary.failed) == (12, 0) and summary.retries >= 2
    assert all(sandbox.superoffice.updates_of(i) == 1 for i in ids)
    kinds = {e.outcome_kind for e in history.search(HistoryFilter(limit=100))}
    assert kinds == {OutcomeKind.DONE.value, OutcomeKind.TRANSPORT.value}


def test_stop_now_cuts_the_call_in_flight_and_resume_sends_that_row(tmp_path, history):
    """Quitting during a batch: the row waiting on a silent server is cut at once (its
    timeout is 30 s), recorded as not finished, and a resumed run sends it again."""
    from tests.helpers.servers import LoopbackServer, never_answering

    with LoopbackServer(never_answering) as silent:
        profile = Profile("slow", "bitrix24", silent.url, timeout=30.0,
                          options={"code": "sms_gw", "auth": "oauth"})
        batch = batch_of(profile, ["m-1", "m-2"])
        run = BatchRun(profile, DictSecrets({"access-token": "t-1"}), batch, history,
                       rate=100, burst=10, backoff=QUICK)
        summaries = []
        worker = threading.Thread(target=lambda: summaries.append(run.run()), daemon=True)
        worker.start()
        deadline = time.monotonic() + 5
        while not silent.requests and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(silent.requests) == 1
        run.stop_now()
        worker.join(2.0)
        assert not worker.is_alive(), "the run waited for the silent server"
    summary = summaries[0]
    assert summary.cancelled and (summary.done, summary.failed, summary.unsent) == (0, 0, 2)
    [entry] = history.search(HistoryFilter(batch_id=batch.batch_id))
    assert (entry.message_id, entry.outcome_code) == ("m-1", "cancelled")
    assert history.rows_done("slow", batch.batch_id) == set()  # Resume sends m-1 again


def test_a_busy_page_instead_of_soap_is_tried_again(history):
    """SuperOffice's 503 "busy" comes back as an HTML page from its front end: the batch
    asks the system, which says try again, rather than calling the page final."""
    from tests.core.test_network_failures import SOAP_DONE
    from tests.helpers.servers import LoopbackServer, http_answer

    answers = [http_answer("503 Service Unavailable", b"<html><title>Busy</title></html>",
                           "text/html"), http_answer("200 OK", SOAP_DONE, "text/xml")]

    def handle(conn, request, stop) -> None:
        conn.sendall(answers.pop(0))

    with LoopbackServer(handle) as server:
        profile = Profile("so", "superoffice", server.url, timeout=5.0,
                          options={"plugin": "sms", "services": "86"})  # no GET /api
        store = DictSecrets({"ticket": "7T:x", "app-token": "app"})
        summary = BatchRun(profile, store, batch_of(profile, ["m-1"], status="2"), history,
                           rate=100, backoff=QUICK).run()
    assert (summary.done, summary.retries, len(server.requests)) == (1, 1, 2)
