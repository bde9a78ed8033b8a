"""Bulk-mode support of the Bitrix24 portal: many messages, exact leaky bucket, fault schedules.

Everything over real HTTP on 127.0.0.1, with hand-written requests (no core.systems).
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter

import httpx
import pytest

from sandbox import Sandbox
from sandbox.server import DROPPED
from tests.sandbox.helpers import CLIENTS, b24_update, error_of, in_parallel

METHOD = "messageservice.message.status.update"


def unlimited(sb) -> None:
    sb.bitrix24.set_rate_limit(drain_per_second=1_000_000, burst=1_000_000)


# ----------------------------------------------------------------------- many messages
def test_seed_5000_messages_fast_distinct_md5_like_and_stable(sandbox):
    started = time.monotonic()
    ids = sandbox.bitrix24.seed_messages(5000)
    assert time.monotonic() - started < 1.0
    assert len(ids) == len(set(ids)) == 5000
    assert all(re.fullmatch(r"[0-9a-f]{32}", mid) for mid in ids)
    assert not set(ids) & set(sandbox.bitrix24_messages)
    assert sandbox.bitrix24.seed_messages(3, start=10) == ids[9:12]
    sandbox.reset()
    assert sandbox.bitrix24.seed_messages(5000) == ids  # same ids after a reset...
    with Sandbox() as other:
        assert other.bitrix24.seed_messages(5) == ids[:5]  # ...and in another sandbox


def test_seeded_messages_take_updates_and_are_counted(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(3)
    assert sandbox.bitrix24.update_counts()[ids[0]] == 0
    assert b24_update(sandbox, client, ids[0], "sent").status_code == 200
    assert b24_update(sandbox, client, ids[0], "delivered").status_code == 200
    assert b24_update(sandbox, client, ids[1], "failed").status_code == 200
    assert sandbox.bitrix24.updates_of(ids[0]) == 2
    assert sandbox.bitrix24.updates_of(ids[1]) == 1
    assert sandbox.bitrix24.updates_of(ids[2]) == 0
    counts, statuses = sandbox.bitrix24.update_counts(), sandbox.bitrix24.statuses()
    assert [counts[m] for m in ids] == [2, 1, 0]
    assert [statuses[m] for m in ids] == ["delivered", "failed", None]
    assert set(sandbox.bitrix24_messages) <= set(counts)  # the fixed seeds are there too
    sandbox.bitrix24.seed_messages(3)  # seeding again keeps what was set
    assert sandbox.bitrix24.updates_of(ids[0]) == 2
    with pytest.raises(KeyError):
        sandbox.bitrix24.updates_of("0" * 32)
    sandbox.reset()
    assert ids[0] not in sandbox.bitrix24.update_counts()
    assert b24_update(sandbox, client, ids[0]).json()["error"] == "ERROR_MESSAGE_NOT_FOUND"


def test_seed_for_another_provider_code(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(2, code="other_gateway")
    c = sandbox.credentials
    response = client.post(f"{sandbox.bitrix24_url}/rest/{METHOD}", json={
        "CODE": "other_gateway", "MESSAGE_ID": ids[0], "STATUS": "sent",
        "auth": c.b24_access_token})
    assert response.status_code == 200
    assert sandbox.bitrix24.updates_of(ids[0], code="other_gateway") == 1
    assert ids[0] not in sandbox.bitrix24.update_counts()
    assert b24_update(sandbox, client, ids[0]).json()["error"] == "ERROR_MESSAGE_NOT_FOUND"


@pytest.mark.parametrize("kwargs", [{"n": -1}, {"n": 1.5}, {"n": True}, {"n": 1, "start": 0},
                                    {"n": 1, "code": "has space"}])
def test_seed_refuses_bad_arguments(sandbox, kwargs):
    with pytest.raises(ValueError):
        sandbox.bitrix24.seed_messages(**kwargs)


def test_every_row_once_from_eight_clients_is_counted_exactly_once(sandbox):
    unlimited(sandbox)
    ids = sandbox.bitrix24.seed_messages(400)
    codes = in_parallel(ids, lambda c, mid: b24_update(sandbox, c, mid, "delivered").status_code)
    assert codes == [200] * len(ids)
    counts, statuses = sandbox.bitrix24.update_counts(), sandbox.bitrix24.statuses()
    assert all(counts[mid] == 1 for mid in ids)
    assert all(statuses[mid] == "delivered" for mid in ids)
    assert sandbox.bitrix24.limit_refusals == 0


def test_received_counts_attempts_while_updates_of_counts_what_was_applied(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(4)
    sandbox.bitrix24.fail_every(2, "INTERNAL_SERVER_ERROR")
    for mid in ids:
        b24_update(sandbox, client, mid)
    b24_update(sandbox, client, ids[1])  # the retry of the failed one (call 5: not failed)
    attempts = Counter(json.loads(r.body)["MESSAGE_ID"] for r in sandbox.received
                       if r.path.endswith(METHOD))
    assert [attempts[m] for m in ids] == [1, 2, 1, 1]
    assert [sandbox.bitrix24.updates_of(m) for m in ids] == [1, 1, 1, 0]


# ----------------------------------------------------------------------- leaky bucket
def test_bucket_is_exact_under_eight_concurrent_clients(sandbox):
    ids = sandbox.bitrix24.seed_messages(160)
    sandbox.bitrix24.set_rate_limit(drain_per_second=0.01, burst=37)
    codes = in_parallel(ids, lambda c, mid: error_of(b24_update(sandbox, c, mid)))
    assert codes.count(None) == 37
    assert codes.count("QUERY_LIMIT_EXCEEDED") == 123 == sandbox.bitrix24.limit_refusals
    assert sum(sandbox.bitrix24.update_counts().values()) == 37  # refused ones not applied
    sandbox.clock.advance(500)  # drains exactly 5 (plus a hair of real time)
    more = in_parallel(ids[:16], lambda c, mid: error_of(b24_update(sandbox, c, mid)))
    assert more.count(None) == 5
    assert sandbox.bitrix24.limit_refusals == 123 + 11


def test_bucket_drains_continuously_under_load(sandbox):
    sandbox.bitrix24.set_rate_limit(drain_per_second=40, burst=5)
    (mid,) = sandbox.bitrix24.seed_messages(1)
    stop = time.monotonic() + 0.6

    def hammer(client, _):
        seen = Counter()
        while time.monotonic() < stop:
            seen[error_of(b24_update(sandbox, client, mid))] += 1
        return seen

    started = time.time()
    totals = sum(in_parallel(range(CLIENTS), hammer), Counter())
    elapsed = time.time() - started
    assert totals[None] <= 5 + 40 * elapsed + 1
    assert totals[None] >= min(sum(totals.values()), 5 + 40 * elapsed * 0.5)
    assert totals["QUERY_LIMIT_EXCEEDED"] == sandbox.bitrix24.limit_refusals > 0
    assert sandbox.bitrix24.updates_of(mid) == totals[None]


def test_a_client_paced_under_the_drain_rate_gets_no_503(sandbox, client):
    sandbox.bitrix24.set_rate_limit(drain_per_second=50, burst=3)
    ids = sandbox.bitrix24.seed_messages(12)
    for mid in ids:
        assert b24_update(sandbox, client, mid).status_code == 200
        time.sleep(0.025)  # 40/s, under the 50/s drain
    assert sandbox.bitrix24.limit_refusals == 0


def test_injected_and_scheduled_503s_are_not_limit_refusals(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(2)
    sandbox.bitrix24.inject_error("QUERY_LIMIT_EXCEEDED")
    assert error_of(b24_update(sandbox, client, ids[0])) == "QUERY_LIMIT_EXCEEDED"
    sandbox.bitrix24.fail_every(1, "QUERY_LIMIT_EXCEEDED")
    assert error_of(b24_update(sandbox, client, ids[1])) == "QUERY_LIMIT_EXCEEDED"
    assert sandbox.bitrix24.limit_refusals == 0
    assert sandbox.bitrix24.faults_dealt == {"QUERY_LIMIT_EXCEEDED": 1}


@pytest.mark.parametrize("kwargs", [{"drain_per_second": -1}, {"burst": 0}, {"burst": 2.5},
                                    {"drain_per_second": True}])
def test_set_rate_limit_refuses_nonsense(sandbox, kwargs):
    with pytest.raises(ValueError):
        sandbox.bitrix24.set_rate_limit(**kwargs)


# ----------------------------------------------------------------------- fail_every
@pytest.mark.parametrize("code, status", [("QUERY_LIMIT_EXCEEDED", 503), ("OVERLOAD_LIMIT", 503),
                                          ("INTERNAL_SERVER_ERROR", 500)])
def test_fail_every_third_update_answers_the_error_without_applying(sandbox, client, code,
                                                                    status):
    ids = sandbox.bitrix24.seed_messages(9)
    sandbox.bitrix24.fail_every(3, code)
    answers = [b24_update(sandbox, client, mid) for mid in ids]
    assert [a.status_code for a in answers] == [200, 200, status] * 3
    assert all(a.json()["error"] == code for a in answers[2::3])
    assert [sandbox.bitrix24.updates_of(m) for m in ids] == [1, 1, 0] * 3
    assert sandbox.bitrix24.statuses()[ids[2]] is None
    assert sandbox.bitrix24.faults_dealt == {code: 3}
    assert sandbox.bitrix24.limit_refusals == 0


def test_fail_every_with_several_codes_takes_them_in_turn(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(6)
    sandbox.bitrix24.fail_every(2, ["overload_limit", "INTERNAL_SERVER_ERROR"])
    errors = [error_of(b24_update(sandbox, client, mid)) for mid in ids]
    assert errors == [None, "OVERLOAD_LIMIT", None, "INTERNAL_SERVER_ERROR", None,
                      "OVERLOAD_LIMIT"]


def test_only_authenticated_status_updates_tick_the_schedule(sandbox, client):
    (mid,) = sandbox.bitrix24.seed_messages(1)
    sandbox.bitrix24.fail_every(2, "OVERLOAD_LIMIT")
    c = sandbox.credentials
    assert client.post(f"{sandbox.bitrix24_url}/rest/messageservice.sender.list",
                       json={"auth": c.b24_access_token}).status_code == 200
    assert b24_update(sandbox, client, mid).status_code == 200  # call 1
    sandbox.bitrix24.inject_error("INTERNAL_SERVER_ERROR")  # one-shot, before the schedule
    assert error_of(b24_update(sandbox, client, mid)) == "INTERNAL_SERVER_ERROR"
    sandbox.bitrix24.expire_access_token()
    assert error_of(b24_update(sandbox, client, mid)) == "expired_token"
    sandbox.reset()
    (mid,) = sandbox.bitrix24.seed_messages(1)
    sandbox.bitrix24.fail_every(2, "OVERLOAD_LIMIT")
    sandbox.bitrix24.set_rate_limit(drain_per_second=0.001, burst=1)
    assert b24_update(sandbox, client, mid).status_code == 200  # call 1
    assert error_of(b24_update(sandbox, client, mid)) == "QUERY_LIMIT_EXCEEDED"  # not counted
    sandbox.bitrix24.set_rate_limit(drain_per_second=1000, burst=1000)
    assert error_of(b24_update(sandbox, client, mid)) == "OVERLOAD_LIMIT"  # call 2
    assert b24_update(sandbox, client, "0" * 32).status_code == 400  # call 3: counted, bad id
    assert error_of(b24_update(sandbox, client, mid)) == "OVERLOAD_LIMIT"  # call 4


def test_operation_time_limit_blocks_until_the_last_good_operating_reset_at(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(4)
    sandbox.bitrix24.fail_every(2, "OPERATION_TIME_LIMIT", reset_after=1.5)
    good = b24_update(sandbox, client, ids[0])
    reset_at = good.json()["time"]["operating_reset_at"]
    assert isinstance(reset_at, int)
    assert sandbox.clock.now() + 0.4 < reset_at <= sandbox.clock.now() + 2.5

    refused = b24_update(sandbox, client, ids[1])
    assert refused.status_code == 429
    assert refused.json() == {"error": "OPERATION_TIME_LIMIT",
                              "error_description": "Method is blocked due to operation time "
                                                   "limit."}  # no "time": read the last good
    again = b24_update(sandbox, client, ids[1])
    assert error_of(again) == "OPERATION_TIME_LIMIT"
    assert sandbox.bitrix24.operating_refusals == 1
    listed = client.post(f"{sandbox.bitrix24_url}/rest/messageservice.sender.list",
                         json={"auth": sandbox.credentials.b24_access_token})
    assert listed.status_code == 200  # the block is the method's, not the portal's
    assert listed.json()["time"]["operating_reset_at"] == reset_at

    sandbox.clock.advance(max(0.0, reset_at - sandbox.clock.now()) + 0.01)
    after = b24_update(sandbox, client, ids[1])
    assert after.status_code == 200  # call 3 of the schedule: the wait was enough
    assert after.json()["time"]["operating_reset_at"] >= reset_at + 1
    assert [sandbox.bitrix24.updates_of(m) for m in ids] == [1, 1, 0, 0]
    assert sandbox.bitrix24.faults_dealt == {"OPERATION_TIME_LIMIT": 1}


def test_operation_time_limit_waits_on_the_real_clock_too(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(2)
    sandbox.bitrix24.fail_every(2, "OPERATION_TIME_LIMIT", reset_after=0.2)
    reset_at = b24_update(sandbox, client, ids[0]).json()["time"]["operating_reset_at"]
    assert b24_update(sandbox, client, ids[1]).status_code == 429
    time.sleep(max(0.0, reset_at - time.time()) + 0.01)
    assert b24_update(sandbox, client, ids[1]).status_code == 200
    assert sandbox.bitrix24.operating_refusals == 0


def test_operation_time_limit_without_a_good_answer_before_does_not_block(sandbox, client):
    (mid,) = sandbox.bitrix24.seed_messages(1)
    sandbox.bitrix24.fail_every(1, "OPERATION_TIME_LIMIT")
    assert b24_update(sandbox, client, mid).status_code == 429
    sandbox.bitrix24.clear_faults("fail")
    assert b24_update(sandbox, client, mid).status_code == 200


def test_normal_operating_reset_at_is_ten_minutes_ahead(sandbox, client):
    (mid,) = sandbox.bitrix24.seed_messages(1)
    payload = b24_update(sandbox, client, mid).json()
    assert payload["time"]["operating_reset_at"] == int(payload["time"]["start"]) + 600


# ----------------------------------------------------------------------- stall_every
def test_stalled_update_is_applied_then_answered_late(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(3)
    sandbox.bitrix24.stall_every(2, 0.4)
    assert b24_update(sandbox, client, ids[0]).status_code == 200
    with pytest.raises(httpx.ReadTimeout):
        b24_update(sandbox, client, ids[1], timeout=0.1)
    assert sandbox.bitrix24.updates_of(ids[1]) == 1  # applied although the client gave up
    retry = b24_update(sandbox, client, ids[1])  # call 3: not stalled
    assert retry.status_code == 200 and retry.json()["result"] is True
    assert sandbox.bitrix24.updates_of(ids[1]) == 2  # the idempotency hazard, visible
    started = time.monotonic()
    late = b24_update(sandbox, client, ids[2])  # call 4: stalled, patient client
    assert late.status_code == 200 and time.monotonic() - started >= 0.4
    assert sandbox.bitrix24.faults_dealt == {"stall": 2}


def test_stalled_answers_do_not_hold_up_other_clients(sandbox):
    unlimited(sandbox)
    ids = sandbox.bitrix24.seed_messages(16)
    sandbox.bitrix24.stall_every(16, 2)
    started = time.monotonic()

    def send(client, mid):
        try:
            return b24_update(sandbox, client, mid, timeout=0.5).status_code
        except httpx.ReadTimeout:
            return "timeout"

    results = in_parallel(ids, send)
    assert results.count("timeout") == 1 and results.count(200) == 15
    assert time.monotonic() - started < 1.9
    counts = sandbox.bitrix24.update_counts()
    assert [counts[mid] for mid in ids] == [1] * 16  # the stalled one too


def test_stall_and_fail_together_give_a_late_error(sandbox, client):
    (mid,) = sandbox.bitrix24.seed_messages(1)
    sandbox.bitrix24.fail_every(1, "OVERLOAD_LIMIT")
    sandbox.bitrix24.stall_every(1, 0.2)
    started = time.monotonic()
    assert error_of(b24_update(sandbox, client, mid)) == "OVERLOAD_LIMIT"
    assert time.monotonic() - started >= 0.2
    assert sandbox.bitrix24.updates_of(mid) == 0


# ----------------------------------------------------------------------- drop_every
def test_dropped_update_gets_no_answer_and_is_not_applied(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(3)
    seen: list[int] = []
    sandbox.on_request = lambda request, status: seen.append(status)
    sandbox.bitrix24.drop_every(2)
    assert b24_update(sandbox, client, ids[0]).status_code == 200
    with pytest.raises(httpx.RemoteProtocolError):
        b24_update(sandbox, client, ids[1])
    assert sandbox.bitrix24.updates_of(ids[1]) == 0
    assert b24_update(sandbox, client, ids[1]).status_code == 200  # call 3, a new connection
    assert sandbox.bitrix24.updates_of(ids[1]) == 1
    deadline = time.monotonic() + 5
    while len(seen) < 3 and time.monotonic() < deadline:
        time.sleep(0.005)  # on_request runs just after the answer is written
    assert seen == [200, DROPPED, 200]
    assert len(sandbox.received) == 3
    assert sandbox.bitrix24.faults_dealt == {"drop": 1}


def test_drop_with_apply_loses_only_the_answer(sandbox, client):
    (mid,) = sandbox.bitrix24.seed_messages(1)
    sandbox.bitrix24.drop_every(1, apply=True)
    with pytest.raises(httpx.RemoteProtocolError):
        b24_update(sandbox, client, mid, "failed")
    assert sandbox.bitrix24.updates_of(mid) == 1
    assert sandbox.bitrix24.statuses()[mid] == "failed"


def test_drop_wins_over_fail_and_a_stall_delays_it(sandbox, client):
    (mid,) = sandbox.bitrix24.seed_messages(1)
    sandbox.bitrix24.fail_every(1, "INTERNAL_SERVER_ERROR")
    sandbox.bitrix24.drop_every(1)
    sandbox.bitrix24.stall_every(1, 0.2)
    started = time.monotonic()
    with pytest.raises(httpx.RemoteProtocolError):
        b24_update(sandbox, client, mid)
    assert time.monotonic() - started >= 0.2
    assert sandbox.bitrix24.faults_dealt == {"stall": 1, "drop": 1}


# ----------------------------------------------------------------------- clearing
def test_clear_faults_by_kind_and_all(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(4)
    b24 = sandbox.bitrix24
    b24.fail_every(1, "OVERLOAD_LIMIT")
    b24.stall_every(1, 5)
    b24.drop_every(1)
    b24.clear_faults("drop", "stall")
    assert error_of(b24_update(sandbox, client, ids[0])) == "OVERLOAD_LIMIT"
    b24.inject_error("PORTAL_DELETED")
    b24.clear_faults()
    assert b24.injected_error is None
    assert b24_update(sandbox, client, ids[1]).status_code == 200
    with pytest.raises(ValueError):
        b24.clear_faults("everything")
    b24.fail_every(1)
    sandbox.reset()
    assert b24.faults_dealt == {}
    assert b24.describe_faults()["fail"] is None


def test_clear_faults_lifts_an_operating_block(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(2)
    sandbox.bitrix24.fail_every(2, "OPERATION_TIME_LIMIT", reset_after=60)
    b24_update(sandbox, client, ids[0])
    assert b24_update(sandbox, client, ids[1]).status_code == 429
    assert b24_update(sandbox, client, ids[1]).status_code == 429
    sandbox.bitrix24.clear_faults("fail")
    assert b24_update(sandbox, client, ids[1]).status_code == 200


@pytest.mark.parametrize("call", [
    lambda b: b.fail_every(0), lambda b: b.fail_every(2, "NOPE"), lambda b: b.fail_every(2, []),
    lambda b: b.fail_every(2, reset_after=0), lambda b: b.stall_every(1, 0),
    lambda b: b.stall_every(1, 601), lambda b: b.drop_every(True), lambda b: b.stall_every(1.5, 1),
])
def test_schedules_refuse_nonsense(sandbox, call):
    with pytest.raises(ValueError):
        call(sandbox.bitrix24)
    assert sandbox.bitrix24.describe_faults() == {"fail": None, "stall": None, "drop": None,
                                                 "dealt": {}, "blocked_until": None}


def test_a_fail_that_meets_a_drop_keeps_its_turn_for_the_next_fail():
    """Fail every 2nd call with codes A, B in turn, drop every 4th: the drop wins on calls
    4, 8, ... and the codes still alternate on the fails that are answered."""
    from sandbox.faults import Every, FaultSchedules

    schedules: FaultSchedules[tuple[str, ...]] = FaultSchedules()
    schedules.fail, schedules.drop = Every(2, ("A", "B")), Every(4, False)
    answered = []
    for _ in range(12):
        decision = schedules.next_call()
        if decision.fail is not None:
            answered.append(decision.fail[decision.fail_index % 2])
    assert answered == ["A", "B", "A"]
