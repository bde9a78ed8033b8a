"""SoPrincipal login and the REST agent route of the simulated NetServer."""

from __future__ import annotations

import json

import pytest
from lxml import etree

from tests.sandbox.helpers import (
    S86,
    SOAP11,
    envelope,
    faultcode_qname,
    header,
    login,
    parse,
    set_status_body,
    soap_headers,
    soap_post,
)

REST = "/api/v1/Agents/Messaging/SetDeliveryStatus"


def auth_response(response) -> etree._Element:
    node = parse(response).find(f"{{{SOAP11}}}Body/{{{S86}}}AuthenticateResponse")
    assert node is not None, response.text
    return node


def test_login_issues_a_ticket_that_works_for_messaging(sandbox, client):
    c = sandbox.credentials
    response = login(sandbox, client, c.so_username, c.so_password)
    assert response.status_code == 200
    result = auth_response(response)
    assert result.findtext(f"{{{S86}}}AuthenticationSucceeded") == "true"
    ticket = result.findtext(f"{{{S86}}}Credentials/{{{S86}}}Ticket")
    assert ticket.startswith("7T:") and ticket != c.so_ticket
    assert result.findtext(f"{{{S86}}}Response/{{{S86}}}AssociateId")
    assert result.findtext(f"{{{S86}}}Response/{{{S86}}}FullName")

    body = set_status_body(c.so_plugin, "SO-1003", status="2")
    answer = soap_post(client, sandbox.superoffice_url,
                       envelope(body, soap_headers(c.so_app_token, ticket)))
    assert header(parse(answer), "Succeeded").text == "true"
    assert sandbox.superoffice.status_of(c.so_plugin, "SO-1003") == (2, "Delivered to handset")


def test_wrong_password_is_authentication_succeeded_false_without_ticket(sandbox, client):
    response = login(sandbox, client, sandbox.credentials.so_username, "wrong")
    assert response.status_code == 200
    result = auth_response(response)
    assert result.findtext(f"{{{S86}}}AuthenticationSucceeded") == "false"
    assert result.find(f"{{{S86}}}Credentials/{{{S86}}}Ticket") is None


def test_login_with_wrong_application_token_reports_exception_info(sandbox, client):
    c = sandbox.credentials
    response = login(sandbox, client, c.so_username, c.so_password, app_token="nope")
    root = parse(response)
    assert header(root, "Succeeded").text == "false"
    assert "application token" in header(root, "ExceptionInfo").findtext(f"{{{S86}}}Message")
    assert auth_response(response).findtext(f"{{{S86}}}AuthenticationSucceeded") == "false"


@pytest.mark.parametrize("body", [
    "<m:AuthenticateUsernamePassword><m:Password>p</m:Password><m:UserName>u</m:UserName>"
    "</m:AuthenticateUsernamePassword>",
    "<m:AuthenticateUsernamePassword><UserName>u</UserName></m:AuthenticateUsernamePassword>",
    "<m:AuthenticateUsernamePassword><m:UserName><m:x/></m:UserName>"
    "</m:AuthenticateUsernamePassword>",
])
def test_login_body_structure_is_checked(sandbox, client, body):
    response = login(sandbox, client, "", "", body=body)
    assert response.status_code == 500
    assert faultcode_qname(response)[1] == "DeserializationFailed"


def test_login_with_messaging_action_is_action_not_supported(sandbox, client):
    c = sandbox.credentials
    response = login(sandbox, client, c.so_username, c.so_password,
                     action='"http://www.superoffice.net/ws/crm/NetServer/Services86/Messaging/GetPlugins"')
    assert faultcode_qname(response)[1] == "ActionNotSupported"


def rest(sb, client, payload, *, ticket=None, app_token=None, content_type="application/json"):
    c = sb.credentials
    headers = {"Authorization": f"SOTicket {ticket or c.so_ticket}",
               "SO-AppToken": app_token or c.so_app_token, "Accept": "application/json"}
    if content_type:
        headers["Content-Type"] = content_type
    content = payload if isinstance(payload, bytes) else None
    json_body = None if isinstance(payload, bytes) else payload
    if json_body is not None:
        content = json.dumps(json_body).encode()
    return client.post(sb.superoffice_url + REST, content=content, headers=headers)


def good_rest_body(sb, **overrides):
    body = {"Plugin": sb.credentials.so_plugin, "ExternalMessageId": "SO-1004", "Status": 5,
            "StatusDescription": "Undeliverable"}
    body.update(overrides)
    return body


def test_rest_success_is_204_and_stores(sandbox, client):
    response = rest(sandbox, client, good_rest_body(sandbox))
    assert response.status_code == 204 and response.content == b""
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1004") == (5, "Undeliverable")


def test_rest_bad_ticket_and_bad_app_token_are_401(sandbox, client):
    bad_ticket = rest(sandbox, client, good_rest_body(sandbox), ticket="7T:nope")
    assert bad_ticket.status_code == 401
    assert set(bad_ticket.json()) == {"Error", "ErrorType", "Source"}
    bad_token = rest(sandbox, client, good_rest_body(sandbox), app_token="nope")
    assert bad_token.status_code == 401 and "SO-AppToken" in bad_token.json()["Error"]
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1004") is None


@pytest.mark.parametrize("status", ["5", 5.5, True, None, 2**31, -(2**31) - 1])
def test_rest_status_must_be_a_32_bit_json_integer(sandbox, client, status):
    response = rest(sandbox, client, good_rest_body(sandbox, Status=status))
    assert response.status_code == 400
    assert "Status" in response.json()["Error"]


def test_rest_missing_status_is_400(sandbox, client):
    body = good_rest_body(sandbox)
    del body["Status"]
    assert rest(sandbox, client, body).status_code == 400


def test_rest_unknown_plugin_or_message_is_500_json(sandbox, client):
    for body in (good_rest_body(sandbox, Plugin="nope"),
                 good_rest_body(sandbox, ExternalMessageId="SO-0")):
        response = rest(sandbox, client, body)
        assert response.status_code == 500
        assert response.json()["ErrorType"] == "SoException"


def test_rest_rejects_non_json(sandbox, client):
    assert rest(sandbox, client, b"{not json").status_code == 400
    assert rest(sandbox, client, b"[1]").status_code == 400
    assert rest(sandbox, client, b"Plugin=x", content_type="text/plain").status_code == 415
    assert client.get(sandbox.superoffice_url + REST).status_code == 405


def test_rest_injected_fault(sandbox, client):
    sandbox.superoffice.inject_fault("Boom")
    response = rest(sandbox, client, good_rest_body(sandbox))
    assert response.status_code == 500 and response.json()["Error"] == "Boom"
    assert rest(sandbox, client, good_rest_body(sandbox)).status_code == 204
