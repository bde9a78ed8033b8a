"""Bitrix24 messageservice REST methods, checked in the order the spec's tables give."""

from __future__ import annotations

import pytest

from sandbox.bitrix24 import OTHER_USER_MESSAGE_ID

METHOD = "messageservice.message.status.update"
MID = "65575980fa531ac284c2ee68f81ebebd"


def call(sb, client, params: dict | None = None, *, method: str = METHOD, token: str | None = "",
         base: str | None = None):
    """POST JSON like the docs: upper-case params, ``auth`` in the body."""
    body = dict(params if params is not None else {})
    if token is not None:
        body["auth"] = token or sb.credentials.b24_access_token
    return client.post(f"{base or sb.bitrix24_url}/rest/{method}", json=body,
                       headers={"Accept": "application/json"})


def good(sb, **overrides):
    params = {"CODE": sb.credentials.b24_code, "MESSAGE_ID": MID, "STATUS": "delivered"}
    params.update(overrides)
    return params


def assert_error(response, status: int, code: str, description: str | None = None):
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["error"] == code
    if description is not None:
        assert payload["error_description"] == description
    return payload


def test_status_update_success_has_result_and_time(sandbox, client):
    response = call(sandbox, client, good(sandbox))
    assert response.status_code == 200
    payload = response.json()
    assert payload["result"] is True
    assert set(payload["time"]) == {"start", "finish", "duration", "processing", "date_start",
                                    "date_finish", "operating_reset_at", "operating"}
    assert sandbox.bitrix24.status_of("statusdesk_sandbox", MID) == "delivered"


def test_same_status_again_is_still_true(sandbox, client):
    assert call(sandbox, client, good(sandbox)).json()["result"] is True
    assert call(sandbox, client, good(sandbox)).json()["result"] is True


@pytest.mark.parametrize("status", ["queued", "sent", "delivered", "undelivered", "failed"])
def test_every_documented_status_is_accepted(sandbox, client, status):
    assert call(sandbox, client, good(sandbox, STATUS=status)).status_code == 200
    assert sandbox.bitrix24.status_of("statusdesk_sandbox", MID) == status


def test_json_suffix_form_body_query_string_bearer_and_lower_case_names(sandbox, client):
    c = sandbox.credentials
    url = f"{sandbox.bitrix24_url}/rest/{METHOD}"
    assert client.post(url + ".json", json={**good(sandbox), "auth": c.b24_access_token}
                       ).status_code == 200
    form = {"code": c.b24_code, "message_id": MID, "status": "sent", "auth": c.b24_access_token}
    assert client.post(url, data=form).status_code == 200
    assert sandbox.bitrix24.status_of(c.b24_code, MID) == "sent"
    assert client.post(url, params={**good(sandbox, STATUS="queued"),
                                    "auth": c.b24_access_token}).status_code == 200
    assert sandbox.bitrix24.status_of(c.b24_code, MID) == "queued"
    bearer = client.post(url, json=good(sandbox, STATUS="failed"),
                         headers={"Authorization": f"Bearer {c.b24_access_token}"})
    assert bearer.status_code == 200
    assert sandbox.bitrix24.status_of(c.b24_code, MID) == "failed"


def test_no_auth_invalid_and_expired_token(sandbox, client):
    assert_error(call(sandbox, client, good(sandbox), token=None), 401, "NO_AUTH_FOUND")
    assert_error(call(sandbox, client, good(sandbox), token="nope"), 401, "invalid_token")
    sandbox.bitrix24.expire_access_token()
    assert_error(call(sandbox, client, good(sandbox)), 401, "expired_token")
    assert sandbox.bitrix24.status_of("statusdesk_sandbox", MID) is None


def test_unknown_method_is_404_after_auth(sandbox, client):
    assert_error(call(sandbox, client, good(sandbox), method="messageservice.message.nope"),
                 404, "ERROR_METHOD_NOT_FOUND")
    assert_error(call(sandbox, client, good(sandbox), method="nope", token=None),
                 401, "NO_AUTH_FOUND")


def test_webhook_gets_403_application_context_required(sandbox, client):
    url = sandbox.credentials.b24_webhook_url + METHOD
    assert url.startswith(sandbox.bitrix24_url + "/rest/1/")
    response = client.post(url, json=good(sandbox))
    assert_error(response, 403, "ACCESS_DENIED", "Access denied! Application context required")
    sender_list = client.post(sandbox.credentials.b24_webhook_url + "messageservice.sender.list")
    assert_error(sender_list, 403, "ACCESS_DENIED", "Access denied! Application context required")
    unknown = client.post(sandbox.credentials.b24_webhook_url + "nope.method")
    assert_error(unknown, 404, "ERROR_METHOD_NOT_FOUND")


def test_unknown_webhook_is_invalid_credentials(sandbox, client):
    response = client.post(f"{sandbox.bitrix24_url}/rest/1/wrongcode/{METHOD}", json=good(sandbox))
    assert_error(response, 403, "INVALID_CREDENTIALS")


@pytest.mark.parametrize("code, description", [
    ("", "Empty sender code!"),
    (None, "Empty sender code!"),
    ("has space", "Wrong sender code!"),
    ("ünïcode", "Wrong sender code!"),
])
def test_sender_code_validation(sandbox, client, code, description):
    params = good(sandbox, CODE=code)
    if code is None:
        del params["CODE"]
    assert_error(call(sandbox, client, params), 400, "ERROR_SENDER_VALIDATION_FAILURE",
                 description)


def test_code_pattern_is_case_insensitive_but_lookup_finds_no_message(sandbox, client):
    response = call(sandbox, client, good(sandbox, CODE="StatusDesk_Sandbox"))
    assert_error(response, 400, "ERROR_MESSAGE_NOT_FOUND", "Message not found!")


@pytest.mark.parametrize("message_id", ["", "0" * 32, None, 12345])
def test_message_not_found(sandbox, client, message_id):
    params = good(sandbox, MESSAGE_ID=message_id)
    if message_id is None:
        del params["MESSAGE_ID"]
    assert_error(call(sandbox, client, params), 400, "ERROR_MESSAGE_NOT_FOUND")


def test_message_of_another_provider_is_not_found(sandbox, client):
    assert_error(call(sandbox, client, good(sandbox, CODE="other_provider")), 400,
                 "ERROR_MESSAGE_NOT_FOUND")


@pytest.mark.parametrize("status", ["Delivered", "DELIVERED", "read", "", None, 3])
def test_status_must_be_one_of_five_lower_case(sandbox, client, status):
    params = good(sandbox, STATUS=status)
    if status is None:
        del params["STATUS"]
    assert_error(call(sandbox, client, params), 400, "ERROR_MESSAGE_STATUS_INCORRECT",
                 "Message status incorrect!")


def test_checks_come_in_the_documented_order(sandbox, client):
    everything_wrong = {"CODE": "", "MESSAGE_ID": "", "STATUS": "Delivered"}
    assert_error(call(sandbox, client, everything_wrong), 400, "ERROR_SENDER_VALIDATION_FAILURE")
    assert_error(call(sandbox, client, good(sandbox, MESSAGE_ID="x", STATUS="x")), 400,
                 "ERROR_MESSAGE_NOT_FOUND")
    other = sandbox.credentials.b24_other_user_token
    assert_error(call(sandbox, client, good(sandbox, STATUS="x"), token=other), 400,
                 "ERROR_MESSAGE_STATUS_INCORRECT")


def test_non_admin_non_author_is_access_denied(sandbox, client):
    other = sandbox.credentials.b24_other_user_token
    assert_error(call(sandbox, client, good(sandbox), token=other), 403, "ACCESS_DENIED",
                 "Access denied!")
    assert sandbox.bitrix24.status_of("statusdesk_sandbox", MID) is None
    own = call(sandbox, client, good(sandbox, MESSAGE_ID=OTHER_USER_MESSAGE_ID), token=other)
    assert own.status_code == 200


def test_sender_list(sandbox, client):
    response = call(sandbox, client, {}, method="messageservice.sender.list")
    assert response.status_code == 200
    assert response.json()["result"] == ["statusdesk_sandbox"]
    assert "time" in response.json()
    other = call(sandbox, client, {}, method="messageservice.sender.list",
                 token=sandbox.credentials.b24_other_user_token)
    assert_error(other, 403, "ACCESS_DENIED")


@pytest.mark.parametrize("code, status", [
    ("QUERY_LIMIT_EXCEEDED", 503), ("OVERLOAD_LIMIT", 503), ("OPERATION_TIME_LIMIT", 429),
    ("INVALID_REQUEST", 400), ("INTERNAL_SERVER_ERROR", 500), ("PORTAL_DELETED", 500),
    ("INVALID_CREDENTIALS", 403), ("user_access_error", 403), ("insufficient_scope", 401),
    ("expired_token", 401), ("invalid_token", 401), ("NO_AUTH_FOUND", 401),
    ("ERROR_METHOD_NOT_FOUND", 404),
])
def test_injected_error_answers_next_call_only(sandbox, client, code, status):
    sandbox.bitrix24.inject_error(code)
    payload = assert_error(call(sandbox, client, good(sandbox)), status, code)
    assert payload["error_description"]
    assert sandbox.bitrix24.status_of("statusdesk_sandbox", MID) is None
    assert call(sandbox, client, good(sandbox)).status_code == 200


def test_invalid_request_says_https_required(sandbox, client):
    sandbox.bitrix24.inject_error("INVALID_REQUEST")
    assert_error(call(sandbox, client, good(sandbox)), 400, "INVALID_REQUEST", "Https required.")


def test_inject_unknown_error_is_refused(sandbox):
    with pytest.raises(ValueError):
        sandbox.bitrix24.inject_error("NOT_A_BITRIX_ERROR")


def test_rate_limit_burst_then_drain(sandbox, client):
    statuses = [call(sandbox, client, good(sandbox)).status_code for _ in range(60)]
    assert 503 in statuses
    assert statuses[:40] == [200] * 40
    refused = call(sandbox, client, good(sandbox))
    assert_error(refused, 503, "QUERY_LIMIT_EXCEEDED")
    sandbox.bitrix24.clock.advance(30)
    assert call(sandbox, client, good(sandbox)).status_code == 200


def test_rate_limit_comes_before_auth(sandbox, client):
    sandbox.bitrix24.set_rate_limit(drain_per_second=0.001, burst=2)
    assert call(sandbox, client, good(sandbox), token=None).status_code == 401
    assert call(sandbox, client, good(sandbox), token=None).status_code == 401
    assert_error(call(sandbox, client, good(sandbox), token=None), 503, "QUERY_LIMIT_EXCEEDED")


def test_moved_portal_answers_302_and_serves_the_new_address(sandbox, client):
    new_url = sandbox.origin + "/bitrix24-moved"
    sandbox.bitrix24.move_portal(new_url)
    response = call(sandbox, client, good(sandbox))
    assert response.status_code == 302
    assert response.headers["location"] == f"{new_url}/rest/{METHOD}"
    assert sandbox.bitrix24.status_of("statusdesk_sandbox", MID) is None
    resent = call(sandbox, client, good(sandbox), base=new_url)
    assert resent.status_code == 200
    assert sandbox.bitrix24.status_of("statusdesk_sandbox", MID) == "delivered"
    sandbox.reset()
    assert call(sandbox, client, good(sandbox)).status_code == 200


def test_moved_portal_keeps_the_query_string(sandbox, client):
    sandbox.bitrix24.move_portal("https://new.example.bitrix24.com")
    response = client.post(f"{sandbox.bitrix24_url}/rest/{METHOD}.json?auth=abc")
    assert response.status_code == 302
    assert response.headers["location"] == (
        f"https://new.example.bitrix24.com/rest/{METHOD}.json?auth=abc")


def test_access_token_expires_after_an_hour_on_the_sandbox_clock(sandbox, client):
    sandbox.bitrix24.clock.advance(3599)
    assert call(sandbox, client, good(sandbox)).status_code == 200
    sandbox.bitrix24.clock.advance(2)
    assert_error(call(sandbox, client, good(sandbox)), 401, "expired_token")
