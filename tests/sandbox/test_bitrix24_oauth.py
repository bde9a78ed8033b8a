"""Bitrix24 OAuth refresh: new pair, spent refresh tokens, client checks, expiry."""

from __future__ import annotations

from urllib.parse import urlsplit

METHOD = "messageservice.message.status.update"
MID = "65575980fa531ac284c2ee68f81ebebd"


def refresh(sb, client, refresh_token: str, *, secret: str | None = None,
            client_id: str | None = None, grant_type: str = "refresh_token"):
    c = sb.credentials
    return client.get(f"{sb.bitrix24_oauth_url}/oauth/token/", params={
        "grant_type": grant_type,
        "client_id": client_id or c.b24_client_id,
        "client_secret": secret or c.b24_client_secret,
        "refresh_token": refresh_token,
    })


def update(sb, client, token: str):
    return client.post(f"{sb.bitrix24_url}/rest/{METHOD}", json={
        "CODE": sb.credentials.b24_code, "MESSAGE_ID": MID, "STATUS": "delivered", "auth": token})


def test_expired_token_refresh_and_retry(sandbox, client):
    c = sandbox.credentials
    sandbox.bitrix24.clock.advance(3601)
    expired = update(sandbox, client, c.b24_access_token)
    assert expired.status_code == 401 and expired.json()["error"] == "expired_token"

    response = refresh(sandbox, client, c.b24_refresh_token)
    assert response.status_code == 200
    grant = response.json()
    assert {"access_token", "refresh_token", "expires_in", "expires", "client_endpoint",
            "server_endpoint", "member_id", "scope", "user_id", "domain", "status"} <= set(grant)
    assert grant["expires_in"] == 3600 and grant["scope"] == "messageservice"
    assert grant["status"] == "L" and grant["user_id"] == 1
    assert grant["client_endpoint"] == sandbox.bitrix24_url + "/rest/"
    assert grant["domain"] == urlsplit(sandbox.bitrix24_url).netloc
    assert grant["access_token"] != c.b24_access_token
    assert grant["refresh_token"] != c.b24_refresh_token
    assert abs(grant["expires"] - (sandbox.clock.now() + 3600)) < 5

    assert update(sandbox, client, grant["access_token"]).status_code == 200


def test_refresh_token_is_spent_after_use(sandbox, client):
    c = sandbox.credentials
    first = refresh(sandbox, client, c.b24_refresh_token)
    assert first.status_code == 200
    again = refresh(sandbox, client, c.b24_refresh_token)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    chained = refresh(sandbox, client, first.json()["refresh_token"])
    assert chained.status_code == 200


def test_unknown_refresh_token_is_invalid_grant(sandbox, client):
    response = refresh(sandbox, client, "not-a-token")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_wrong_client_secret_or_id_is_invalid_client_and_spends_nothing(sandbox, client):
    c = sandbox.credentials
    for kwargs in ({"secret": "wrong"}, {"client_id": "local.nope"}):
        response = refresh(sandbox, client, c.b24_refresh_token, **kwargs)
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_client"
        assert response.json()["error_description"]
    assert refresh(sandbox, client, c.b24_refresh_token).status_code == 200


def test_other_grant_types_are_refused(sandbox, client):
    response = refresh(sandbox, client, "x", grant_type="client_credentials")
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


def test_refresh_by_post_form(sandbox, client):
    c = sandbox.credentials
    response = client.post(f"{sandbox.bitrix24_oauth_url}/oauth/token/", data={
        "grant_type": "refresh_token", "client_id": c.b24_client_id,
        "client_secret": c.b24_client_secret, "refresh_token": c.b24_refresh_token})
    assert response.status_code == 200


def test_refresh_token_lives_180_days(sandbox, client):
    sandbox.clock.advance(181 * 24 * 3600)
    response = refresh(sandbox, client, sandbox.credentials.b24_refresh_token)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_expire_access_token_hits_the_current_token(sandbox, client):
    c = sandbox.credentials
    new_token = refresh(sandbox, client, c.b24_refresh_token).json()["access_token"]
    sandbox.bitrix24.expire_access_token()
    assert update(sandbox, client, new_token).json()["error"] == "expired_token"
    assert update(sandbox, client, c.b24_other_user_token).json()["error"] == "ACCESS_DENIED"


def test_client_endpoint_follows_a_moved_portal(sandbox, client):
    sandbox.bitrix24.move_portal("https://moved.example.bitrix24.com")
    grant = refresh(sandbox, client, sandbox.credentials.b24_refresh_token).json()
    assert grant["client_endpoint"] == "https://moved.example.bitrix24.com/rest/"
    assert grant["domain"] == "moved.example.bitrix24.com"
