"""Bulk-mode support of the SuperOffice tenant: many messages and fault schedules.

Everything over real HTTP on 127.0.0.1 (SOAP 1.1 and the REST agent route), with
hand-written requests (no core.systems).
"""

from __future__ import annotations

import time

import httpx
import pytest

from tests.sandbox.helpers import (
    S86,
    assert_valid_response,
    envelope,
    fault,
    header,
    in_parallel,
    parse,
    set_status_body,
    so_rest_update,
    so_update,
    soap_headers,
    soap_post,
    succeeded,
)


def get_plugins(sb, client):
    c = sb.credentials
    return soap_post(client, sb.superoffice_url,
                     envelope("<m:GetPlugins/>", soap_headers(c.so_app_token, c.so_ticket)),
                     "GetPlugins")


# ----------------------------------------------------------------------- many messages
def test_seed_5000_messages_fast_with_readable_ids(sandbox):
    started = time.monotonic()
    ids = sandbox.superoffice.seed_messages(5000)
    assert time.monotonic() - started < 1.0
    assert ids[0] == "SO-B-000001" and ids[-1] == "SO-B-005000"
    assert len(set(ids)) == 5000
    assert sandbox.superoffice.seed_messages(2, start=7) == ["SO-B-000007", "SO-B-000008"]
    assert sandbox.superoffice.messaging_id(sandbox.credentials.so_plugin, ids[0]) == 100001


def test_seeded_messages_take_soap_and_rest_updates_and_are_counted(sandbox, client):
    so = sandbox.superoffice
    ids = so.seed_messages(3)
    assert succeeded(so_update(sandbox, client, ids[0], "2"))
    assert so_rest_update(sandbox, client, ids[0], 7).status_code == 204
    assert so_rest_update(sandbox, client, ids[1], -1).status_code == 204
    assert [so.updates_of(m) for m in ids] == [2, 1, 0]
    statuses = so.statuses()
    assert [statuses[m] for m in ids] == [(7, "bulk"), (-1, "bulk"), None]
    assert so.update_counts()[ids[2]] == 0 and "SO-1001" in so.update_counts()
    so.seed_messages(3)
    assert so.updates_of(ids[0]) == 2
    with pytest.raises(KeyError):
        so.updates_of("SO-B-999999")
    sandbox.reset()
    assert ids[0] not in so.update_counts()


def test_bulk_messages_read_back_with_get_delivery_status(sandbox, client):
    ids = sandbox.superoffice.seed_messages(2)
    so_update(sandbox, client, ids[1], "5")
    c = sandbox.credentials
    body = ("<m:GetDeliveryStatus><m:MessagingIds><a:int>100002</a:int></m:MessagingIds>"
            "</m:GetDeliveryStatus>")
    response = soap_post(client, sandbox.superoffice_url,
                         envelope(body, soap_headers(c.so_app_token, c.so_ticket)),
                         "GetDeliveryStatus")
    root = assert_valid_response(response)
    assert root.findtext(f".//{{{S86}}}MessageDeliveryStatus/{{{S86}}}Status") == "5"


def test_seed_for_another_installed_plugin_only(sandbox):
    ids = sandbox.superoffice.seed_messages(1, plugin="sms-demo-gateway")
    assert sandbox.superoffice.updates_of(ids[0], plugin="sms-demo-gateway") == 0
    with pytest.raises(ValueError):
        sandbox.superoffice.seed_messages(1, plugin="not-installed")
    with pytest.raises(ValueError):
        sandbox.superoffice.seed_messages(-1)


def test_every_row_once_from_eight_clients_is_counted_exactly_once(sandbox):
    ids = sandbox.superoffice.seed_messages(400)

    def send(c, external_id):
        if int(external_id[-1]) % 2:
            return so_rest_update(sandbox, c, external_id).status_code == 204
        return succeeded(so_update(sandbox, c, external_id))

    assert all(in_parallel(ids, send))
    counts = sandbox.superoffice.update_counts()
    assert [counts[m] for m in ids] == [1] * len(ids)


# ----------------------------------------------------------------------- fail_every
def test_fail_every_second_update_is_a_server_fault_not_applied(sandbox, client):
    ids = sandbox.superoffice.seed_messages(4)
    sandbox.superoffice.fail_every(2, "NetServer is busy")
    answers = [so_update(sandbox, client, m) for m in ids]
    assert [a.status_code for a in answers] == [200, 500, 200, 500]
    code, text = fault(answers[1])
    assert code == "s:Server" and text == "NetServer is busy"
    assert [sandbox.superoffice.updates_of(m) for m in ids] == [1, 0, 1, 0]
    assert sandbox.superoffice.faults_dealt == {"fail": 2}


def test_fail_every_succeeded_false_style_and_rest(sandbox, client):
    ids = sandbox.superoffice.seed_messages(2)
    sandbox.superoffice.fail_every(1, "Busy", style="succeeded_false")
    soap = so_update(sandbox, client, ids[0])
    assert soap.status_code == 200 and not succeeded(soap)
    info = header(parse(soap), "ExceptionInfo")
    assert info.findtext(f"{{{S86}}}Message") == "Busy"
    rest = so_rest_update(sandbox, client, ids[1])
    assert rest.status_code == 500 and rest.json()["Error"] == "Busy"
    assert sandbox.superoffice.update_counts()[ids[1]] == 0


def test_soap_and_rest_share_one_count_other_calls_do_not_tick(sandbox, client):
    ids = sandbox.superoffice.seed_messages(3)
    so = sandbox.superoffice
    so.fail_every(3)
    assert get_plugins(sandbox, client).status_code == 200
    c = sandbox.credentials
    bad_ticket = soap_post(client, sandbox.superoffice_url, envelope(
        set_status_body(c.so_plugin, ids[0]), soap_headers(c.so_app_token, "7T:nope")))
    assert not succeeded(bad_ticket)
    so.inject_fault("one-shot")
    assert so_update(sandbox, client, ids[0]).status_code == 500  # one-shot, not counted
    assert succeeded(so_update(sandbox, client, ids[0]))  # 1
    assert so_rest_update(sandbox, client, ids[1]).status_code == 204  # 2
    assert so_rest_update(sandbox, client, ids[2]).status_code == 500  # 3
    assert so.faults_dealt == {"fail": 1}


# ----------------------------------------------------------------------- stall and drop
def test_stalled_soap_update_is_applied_then_answered_late(sandbox, client):
    ids = sandbox.superoffice.seed_messages(2)
    sandbox.superoffice.stall_every(1, 0.4)
    with pytest.raises(httpx.ReadTimeout):
        so_update(sandbox, client, ids[0], timeout=0.1)
    assert sandbox.superoffice.updates_of(ids[0]) == 1
    started = time.monotonic()
    assert so_rest_update(sandbox, client, ids[1]).status_code == 204
    assert time.monotonic() - started >= 0.4
    assert sandbox.superoffice.faults_dealt == {"stall": 2}


@pytest.mark.parametrize("apply", [False, True])
def test_dropped_update_gets_no_answer(sandbox, client, apply):
    ids = sandbox.superoffice.seed_messages(2)
    sandbox.superoffice.drop_every(1, apply=apply)
    with pytest.raises(httpx.RemoteProtocolError):
        so_update(sandbox, client, ids[0])
    with pytest.raises(httpx.RemoteProtocolError):
        so_rest_update(sandbox, client, ids[1])
    assert [sandbox.superoffice.updates_of(m) for m in ids] == [int(apply)] * 2
    sandbox.superoffice.clear_faults("drop")
    assert succeeded(so_update(sandbox, client, ids[0]))


def test_clear_faults_and_reset_clear_schedules(sandbox, client):
    (eid,) = sandbox.superoffice.seed_messages(1)
    so = sandbox.superoffice
    so.fail_every(1)
    so.stall_every(1, 5)
    so.inject_fault()
    so.clear_faults()
    assert so.take_injected() is None
    assert succeeded(so_update(sandbox, client, eid))
    so.drop_every(1)
    sandbox.reset()
    assert so.describe_faults() == {"fail": None, "stall": None, "drop": None, "dealt": {}}
    with pytest.raises(ValueError):
        so.fail_every(1, style="loud")
    with pytest.raises(ValueError):
        so.clear_faults("nope")
