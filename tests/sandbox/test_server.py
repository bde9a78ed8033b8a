"""The sandbox as a whole: lifecycle, loopback binding, delay, control endpoint, records."""

from __future__ import annotations

import io
import json
import threading
import time

import httpx
import pytest

from sandbox import ReceivedRequest, Sandbox, SandboxCredentials, serve_forever


def test_public_addresses_and_credentials(sandbox):
    c = sandbox.credentials
    assert isinstance(c, SandboxCredentials)
    assert sandbox.superoffice_url == f"http://127.0.0.1:{sandbox.port}/superoffice/Cust12345"
    assert sandbox.bitrix24_url == f"http://127.0.0.1:{sandbox.port}/bitrix24"
    assert sandbox.bitrix24_oauth_url == f"http://127.0.0.1:{sandbox.port}/bitrix24-oauth"
    assert c.so_ticket.startswith("7T:") and c.so_plugin == "statusdesk-sandbox"
    assert c.b24_code == "statusdesk_sandbox"
    assert c.b24_webhook_url.startswith(sandbox.bitrix24_url + "/rest/1/")
    assert c.b24_webhook_url.endswith("/")
    assert len(sandbox.superoffice_messages) >= 5
    assert "65575980fa531ac284c2ee68f81ebebd" in sandbox.bitrix24_messages
    with pytest.raises(AttributeError):
        c.so_ticket = "x"  # frozen


def test_online_sign_in_addresses_and_credentials(sandbox):
    c = sandbox.credentials
    assert sandbox.superoffice_login_url == (f"http://127.0.0.1:{sandbox.port}"
                                             "/superoffice-online/Login")
    assert c.so_tenant == "Cust12345" and sandbox.superoffice_url.endswith("/" + c.so_tenant)
    assert c.so_system_user_token
    assert c.so_private_key.startswith("-----BEGIN PRIVATE KEY-----\n")  # PKCS#8
    assert sandbox.superoffice_jwt_public_key.startswith("-----BEGIN PUBLIC KEY-----\n")
    assert "PRIVATE KEY" not in repr(c)
    assert sandbox.bitrix24_authorize_url.startswith(sandbox.bitrix24_url + "/oauth/authorize/?")


def test_demo_credentials_are_the_same_in_every_sandbox(sandbox):
    with Sandbox() as other:
        mine, theirs = sandbox.credentials, other.credentials
        assert mine.so_private_key == theirs.so_private_key
        assert mine.so_system_user_token == theirs.so_system_user_token
        assert sandbox.superoffice_jwt_public_key == other.superoffice_jwt_public_key


def test_binds_to_loopback_only(sandbox):
    assert sandbox._server.server_address[0] == "127.0.0.1"


def test_index_page_lists_urls_and_says_sandbox_only(sandbox, client):
    response = client.get(sandbox.origin + "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    c = sandbox.credentials
    for value in (sandbox.superoffice_url, sandbox.bitrix24_url, c.so_ticket,
                  c.b24_access_token, sandbox.superoffice_login_url, c.so_system_user_token,
                  c.so_tenant, c.so_private_key.strip(), sandbox.bitrix24_authorize_url):
        assert value in response.text
    assert "SANDBOX-ONLY" in response.text


def test_unknown_path_is_404(sandbox, client):
    assert client.get(sandbox.origin + "/nothing/here").status_code == 404
    assert client.get(sandbox.superoffice_url + "/Remote/Other.svc").status_code == 404


def test_received_records_every_crm_request(sandbox, client):
    client.post(sandbox.bitrix24_url + "/rest/messageservice.sender.list?x=1",
                json={"auth": "abc"}, headers={"X-Probe": "yes"})
    client.post(sandbox.control_url, json={"delay": 0})
    assert len(sandbox.received) == 1
    record = sandbox.received[-1]
    assert isinstance(record, ReceivedRequest)
    assert record.method == "POST"
    assert record.path == "/bitrix24/rest/messageservice.sender.list"
    assert record.query == "x=1"
    assert record.header("x-probe") == "yes"
    assert ("X-Probe", "yes") in record.headers
    assert json.loads(record.body) == {"auth": "abc"}
    assert record.time <= time.time()


def test_delay_makes_calls_slow_and_cancellable(sandbox, client):
    sandbox.set_delay(0.3)
    url = sandbox.bitrix24_url + "/rest/messageservice.sender.list"
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(url, json={"auth": sandbox.credentials.b24_access_token}, timeout=0.05)
    started = time.monotonic()
    response = client.post(url, json={"auth": sandbox.credentials.b24_access_token})
    assert response.status_code == 200
    assert time.monotonic() - started >= 0.3
    sandbox.set_delay(0)
    assert sandbox.delay == 0
    assert client.post(url, json={"auth": sandbox.credentials.b24_access_token}).is_success


def test_stop_does_not_wait_for_a_delayed_answer():
    sb = Sandbox().start()
    sb.set_delay(30)
    results: list[object] = []

    def slow_call() -> None:
        try:
            results.append(httpx.get(sb.bitrix24_url + "/rest/x", timeout=10).status_code)
        except httpx.HTTPError as exc:
            results.append(exc)

    worker = threading.Thread(target=slow_call)
    worker.start()
    time.sleep(0.1)
    sb.stop()
    worker.join(timeout=5)  # the delay is 30 s: an answer within 5 s means stop cut it short
    assert results and results[0] != 200


def post_control(sb, client, payload, **kwargs):
    return client.post(sb.control_url, json=payload, **kwargs)


def test_control_endpoint_drives_everything(sandbox, client):
    c = sandbox.credentials
    rest = sandbox.bitrix24_url + "/rest/messageservice.message.status.update"
    body = {"CODE": c.b24_code, "MESSAGE_ID": sandbox.bitrix24_messages[0], "STATUS": "sent",
            "auth": c.b24_access_token}

    response = post_control(sandbox, client, {"bitrix24_inject_error": "PORTAL_DELETED"})
    assert response.status_code == 200 and response.json()["ok"] is True
    assert client.post(rest, json=body).json()["error"] == "PORTAL_DELETED"

    assert post_control(sandbox, client, {"delay": 0.25}).status_code == 200
    assert sandbox.delay == 0.25
    assert post_control(sandbox, client, {"superoffice_bad_ticket_style": "fault"}).is_success
    assert sandbox.superoffice.bad_ticket_style == "fault"
    assert post_control(sandbox, client, {"bitrix24_expire_access_token": True}).is_success
    assert post_control(sandbox, client, {"reset": True}).is_success
    assert sandbox.delay == 0 and sandbox.superoffice.bad_ticket_style == "succeeded_false"
    assert client.post(rest, json=body).status_code == 200

    assert post_control(sandbox, client, {"advance_clock": 3601}).is_success
    assert client.post(rest, json=body).json()["error"] == "expired_token"

    moved = post_control(sandbox, client, {"reset": True, "bitrix24_move_portal":
                                           "https://moved.example.com"})
    assert moved.json()["state"]["bitrix24_moved_to"] == "https://moved.example.com"
    assert client.post(rest, json=body).status_code == 302
    assert post_control(sandbox, client, {"bitrix24_move_portal": None}).is_success

    assert post_control(sandbox, client, {"superoffice_inject_fault": "Boom"}).is_success
    assert sandbox.superoffice.take_injected().message == "Boom"

    state = client.get(sandbox.control_url).json()["state"]
    assert state["delay"] == 0


@pytest.mark.parametrize("payload", [{"nope": 1}, {"delay": -1}, {"delay": "2"},
                                     {"bitrix24_inject_error": "WHATEVER"}, {"reset": False},
                                     {"delay": 1, "typo": True}, [], {}])
def test_control_refuses_bad_payloads_and_applies_nothing(sandbox, client, payload):
    response = post_control(sandbox, client, payload)
    assert response.status_code == 400
    assert response.json()["ok"] is False
    assert sandbox.delay == 0


def test_control_requires_json_and_loopback_host(sandbox, client):
    as_form = client.post(sandbox.control_url, content=b'{"delay": 1}',
                          headers={"Content-Type": "text/plain"})
    assert as_form.status_code == 415
    rebound = client.post(sandbox.control_url, json={"delay": 1},
                          headers={"Host": f"evil.example:{sandbox.port}"})
    assert rebound.status_code == 403
    assert sandbox.delay == 0


def test_reset_restores_initial_state(sandbox, client):
    c = sandbox.credentials
    client.post(sandbox.bitrix24_url + "/rest/messageservice.message.status.update",
                json={"CODE": c.b24_code, "MESSAGE_ID": sandbox.bitrix24_messages[1],
                      "STATUS": "failed", "auth": c.b24_access_token})
    sandbox.bitrix24.inject_error("OVERLOAD_LIMIT")
    sandbox.clock.advance(100)
    sandbox.set_delay(1)
    sandbox.reset()
    assert sandbox.bitrix24.status_of(c.b24_code, sandbox.bitrix24_messages[1]) is None
    assert sandbox.delay == 0
    assert len(sandbox.received) == 0
    assert sandbox.state()["bitrix24_injected_error"] is None


def test_oversized_bodies_are_413(sandbox, client):
    response = client.post(sandbox.bitrix24_url + "/rest/x", content=b"x" * (1024 * 1024 + 1))
    assert response.status_code == 413
    big = client.post(sandbox.superoffice_url + "/api/v1/Agents/Messaging/SetDeliveryStatus",
                      content=b"x" * (8 * 1024 * 1024))
    assert big.status_code == 413
    assert client.get(sandbox.origin + "/").status_code == 200


def test_fixed_port_and_context_manager():
    with Sandbox() as first:
        port = first.port
    with Sandbox(port=port) as again:
        assert again.port == port
        assert httpx.get(again.origin + "/").status_code == 200


def test_stopped_sandbox_cannot_restart():
    sb = Sandbox().start()
    sb.stop()
    sb.stop()
    with pytest.raises(RuntimeError):
        sb.start()


def test_serve_forever_prints_urls_logs_requests_and_stops():
    out = io.StringIO()
    stop = threading.Event()
    runner = threading.Thread(target=serve_forever, args=(0, out), kwargs={"stop_event": stop})
    runner.start()
    deadline = time.monotonic() + 5
    while "Ctrl+C" not in out.getvalue() and time.monotonic() < deadline:
        time.sleep(0.01)
    text = out.getvalue()
    assert "SANDBOX-ONLY" in text and "7T:" in text
    origin = text.split("running on ", 1)[1].split(" ", 1)[0]
    assert origin.startswith("http://127.0.0.1:")
    assert httpx.get(origin + "/bitrix24/rest/x").status_code == 401
    stop.set()
    runner.join(timeout=5)
    assert not runner.is_alive()
    assert "GET /bitrix24/rest/x -> 401" in out.getvalue()
    assert "stopped" in out.getvalue()
