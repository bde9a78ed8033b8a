"""Ticket lifetime, revocation and the sign-in record, for both ways of signing in."""

from __future__ import annotations

import pytest

from tests.sandbox.helpers import (
    S86,
    fault,
    header,
    login,
    parse,
    password_ticket,
    set_status_with,
    succeeded,
    system_user_ticket,
)

SIX_HOURS = 6 * 3600
REST = "/api/v1/Agents/Messaging/SetDeliveryStatus"
SIGN_IN = {"password": password_ticket, "system-user": system_user_ticket}


def refused_as_bad_ticket(response) -> bool:
    """The default bad-ticket answer: HTTP 200, Succeeded false, SoSecurityException."""
    root = parse(response)
    info = header(root, "ExceptionInfo")
    return (response.status_code == 200 and header(root, "Succeeded").text == "false"
            and info.findtext(f"{{{S86}}}ExceptionType") == "SoSecurityException")


@pytest.mark.parametrize("kind", SIGN_IN)
def test_ticket_lives_six_hours_on_the_sandbox_clock(sandbox, client, kind):
    ticket = SIGN_IN[kind](sandbox, client)
    sandbox.clock.advance(SIX_HOURS - 5)
    assert succeeded(set_status_with(sandbox, client, ticket))
    sandbox.clock.advance(6)
    assert refused_as_bad_ticket(set_status_with(sandbox, client, ticket))
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1002") is not None


def test_expired_ticket_follows_bad_ticket_style_fault(sandbox, client):
    ticket = system_user_ticket(sandbox, client)
    sandbox.superoffice.bad_ticket_style = "fault"
    sandbox.clock.advance(SIX_HOURS + 1)
    response = set_status_with(sandbox, client, ticket)
    assert response.status_code == 500
    assert fault(response)[0].endswith("Client")


def test_expired_ticket_is_refused_on_rest_too(sandbox, client):
    c = sandbox.credentials
    ticket = password_ticket(sandbox, client)
    sandbox.clock.advance(SIX_HOURS + 1)
    response = client.post(sandbox.superoffice_url + REST, json={
        "Plugin": c.so_plugin, "ExternalMessageId": "SO-1001", "Status": 1,
        "StatusDescription": ""}, headers={"Authorization": f"SOTicket {ticket}",
                                           "SO-AppToken": c.so_app_token})
    assert response.status_code == 401


def test_fixed_demo_ticket_never_expires_nor_is_revoked(sandbox, client):
    sandbox.clock.advance(400 * 24 * 3600)
    sandbox.superoffice.revoke_tickets()
    assert succeeded(set_status_with(sandbox, client, sandbox.credentials.so_ticket))


def test_revoke_tickets_refuses_every_issued_ticket_now(sandbox, client):
    tickets = [password_ticket(sandbox, client), system_user_ticket(sandbox, client)]
    assert all(succeeded(set_status_with(sandbox, client, t)) for t in tickets)
    sandbox.superoffice.revoke_tickets()
    assert all(refused_as_bad_ticket(set_status_with(sandbox, client, t)) for t in tickets)
    fresh = system_user_ticket(sandbox, client)
    assert succeeded(set_status_with(sandbox, client, fresh))


def test_sign_ins_are_recorded_by_kind_with_sandbox_time(sandbox, client):
    c = sandbox.credentials
    password_ticket(sandbox, client)
    sandbox.clock.advance(60)
    system_user_ticket(sandbox, client)
    login(sandbox, client, c.so_username, "wrong")  # refused: not a sign-in
    kinds = [kind for kind, _ in sandbox.superoffice.sign_ins]
    assert kinds == ["password", "system-user"]
    first, second = (when for _, when in sandbox.superoffice.sign_ins)
    assert 59 < second - first < 65
    assert abs(second - sandbox.clock.now()) < 5
    assert sandbox.superoffice.sign_in_count() == 2
    assert sandbox.superoffice.sign_in_count("password") == 1
    sandbox.reset()
    assert sandbox.superoffice.sign_ins == [] and sandbox.superoffice.sign_in_count() == 0


def test_control_endpoint_revokes_and_reports_sign_ins(sandbox, client):
    ticket = system_user_ticket(sandbox, client)
    password_ticket(sandbox, client)
    state = client.get(sandbox.control_url).json()["state"]
    assert state["superoffice_sign_ins"] == {"password": 1, "system-user": 1}
    response = client.post(sandbox.control_url, json={"superoffice_revoke_tickets": True})
    assert response.status_code == 200 and response.json()["ok"] is True
    assert refused_as_bad_ticket(set_status_with(sandbox, client, ticket))
    bad = client.post(sandbox.control_url, json={"superoffice_revoke_tickets": "yes"})
    assert bad.status_code == 400


def test_unknown_sign_in_kind_is_a_programming_error(sandbox):
    with pytest.raises(ValueError):
        sandbox.superoffice.issue_ticket("oauth")
