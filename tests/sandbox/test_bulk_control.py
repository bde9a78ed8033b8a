"""The control endpoint's bulk-mode keys: seeding, the leaky bucket and fault schedules."""

from __future__ import annotations

import httpx
import pytest

from tests.sandbox.helpers import b24_update, error_of, so_rest_update, so_update, succeeded


def control(sb, client, payload):
    return client.post(sb.control_url, json=payload)


def test_seeding_through_control_returns_the_same_ids_as_python(sandbox, client):
    answer = control(sandbox, client, {"bitrix24_seed_messages": 3,
                                       "superoffice_seed_messages": {"n": 2, "start": 5}})
    assert answer.status_code == 200
    seeded = answer.json()["seeded"]
    assert seeded["bitrix24"] == sandbox.bitrix24.seed_messages(3)
    assert seeded["superoffice"] == ["SO-B-000005", "SO-B-000006"]
    assert b24_update(sandbox, client, seeded["bitrix24"][0]).status_code == 200
    assert succeeded(so_update(sandbox, client, "SO-B-000006"))
    assert "seeded" not in control(sandbox, client, {"delay": 0}).json()


def test_schedules_and_rate_limit_through_control(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(4)
    answer = control(sandbox, client, {
        "bitrix24_fail_every": {"n": 2, "code": ["OVERLOAD_LIMIT", "QUERY_LIMIT_EXCEEDED"]},
        "bitrix24_rate_limit": {"drain_per_second": 5, "burst": 250},
        "superoffice_drop_every": {"n": 1},
    })
    assert answer.status_code == 200, answer.text
    state = answer.json()["state"]
    assert state["bitrix24_rate_limit"] == {"drain_per_second": 5.0, "burst": 250}
    assert state["bitrix24_faults"]["fail"] == {
        "n": 2, "codes": ["OVERLOAD_LIMIT", "QUERY_LIMIT_EXCEEDED"], "reset_after": 1.0}
    assert state["superoffice_faults"]["drop"] == {"n": 1, "apply": False}
    assert [error_of(b24_update(sandbox, client, m)) for m in ids] == [
        None, "OVERLOAD_LIMIT", None, "QUERY_LIMIT_EXCEEDED"]
    (eid,) = sandbox.superoffice.seed_messages(1)
    with pytest.raises(httpx.RemoteProtocolError):
        so_rest_update(sandbox, client, eid)

    state = control(sandbox, client, {"superoffice_drop_every": None,
                                      "superoffice_stall_every": {"n": 3, "seconds": 0.5},
                                      "bitrix24_drop_every": {"n": 7, "apply": True}}
                    ).json()["state"]
    assert state["superoffice_faults"]["drop"] is None
    assert state["superoffice_faults"]["stall"] == {"n": 3, "seconds": 0.5}
    assert state["superoffice_faults"]["dealt"] == {"drop": 1}
    assert state["bitrix24_faults"]["drop"] == {"n": 7, "apply": True}
    assert state["bitrix24_faults"]["dealt"] == {"OVERLOAD_LIMIT": 1, "QUERY_LIMIT_EXCEEDED": 1}
    assert so_rest_update(sandbox, client, eid).status_code == 204

    state = control(sandbox, client, {"clear_faults": True}).json()["state"]
    for system in ("bitrix24_faults", "superoffice_faults"):
        assert (state[system]["fail"], state[system]["stall"], state[system]["drop"]) == (
            None, None, None)
    assert state["bitrix24_limit_refusals"] == 0
    assert state["bitrix24_operating_refusals"] == 0


def test_superoffice_fail_every_through_control(sandbox, client):
    (eid,) = sandbox.superoffice.seed_messages(1)
    assert control(sandbox, client, {"superoffice_fail_every": {
        "n": 1, "message": "Down for maintenance", "style": "succeeded_false"}}).is_success
    answer = so_update(sandbox, client, eid)
    assert answer.status_code == 200 and not succeeded(answer)
    assert sandbox.superoffice.updates_of(eid) == 0


def test_bitrix24_operation_time_limit_through_control(sandbox, client):
    ids = sandbox.bitrix24.seed_messages(2)
    assert control(sandbox, client, {"bitrix24_fail_every": {
        "n": 2, "code": "OPERATION_TIME_LIMIT", "reset_after": 2}}).is_success
    reset_at = b24_update(sandbox, client, ids[0]).json()["time"]["operating_reset_at"]
    assert sandbox.clock.now() + 1 < reset_at <= sandbox.clock.now() + 3
    assert b24_update(sandbox, client, ids[1]).status_code == 429
    state = client.get(sandbox.control_url).json()["state"]
    assert state["bitrix24_faults"]["blocked_until"] == reset_at


@pytest.mark.parametrize("payload", [
    {"bitrix24_fail_every": {"n": 0}},
    {"bitrix24_fail_every": {"n": 2, "code": "NOPE"}},
    {"bitrix24_fail_every": {"n": 2, "code": []}},
    {"bitrix24_fail_every": {"n": 2, "reset_after": 0}},
    {"bitrix24_fail_every": {"code": "OVERLOAD_LIMIT"}},
    {"bitrix24_fail_every": 3},
    {"bitrix24_stall_every": {"n": 1}},
    {"bitrix24_stall_every": {"n": 1, "seconds": 700}},
    {"bitrix24_drop_every": {"n": 1, "apply": "yes"}},
    {"bitrix24_drop_every": {"n": 1, "extra": 1}},
    {"superoffice_fail_every": {"n": 1, "style": "loud"}},
    {"superoffice_fail_every": {"n": 1, "message": ""}},
    {"bitrix24_rate_limit": {"drain_per_second": -1, "burst": 5}},
    {"bitrix24_rate_limit": {"drain_per_second": 1, "burst": 0}},
    {"bitrix24_rate_limit": {"burst": 5}},
    {"bitrix24_seed_messages": -1},
    {"bitrix24_seed_messages": 100_001},
    {"superoffice_seed_messages": {"n": 1, "start": 0}},
    {"superoffice_seed_messages": True},
    {"clear_faults": False},
    {"superoffice_stall_every": {"n": 1, "seconds": 1}, "bitrix24_drop_every": {"n": -1}},
])
def test_bad_bulk_payloads_are_refused_and_change_nothing(sandbox, client, payload):
    before = sandbox.state()
    answer = control(sandbox, client, payload)
    assert answer.status_code == 400 and answer.json()["ok"] is False
    after = sandbox.state()
    before.pop("clock"), after.pop("clock")
    assert after == before
    assert len(sandbox.bitrix24.update_counts()) == len(sandbox.bitrix24_messages) + 1
