"""Bitrix24 OAuth authorization-code flow: the portal's authorize step and the code grant."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

METHOD = "messageservice.message.status.update"
MID = "65575980fa531ac284c2ee68f81ebebd"
STATE = "st/ä &x=1?#"
REDIRECT = "http://127.0.0.1:53682/callback?keep=me"
GRANT_KEYS = {"access_token", "refresh_token", "expires_in", "expires", "client_endpoint",
              "server_endpoint", "member_id", "scope", "user_id", "domain", "status"}


def authorize(sb, client, *, base: str | None = None, **params):
    query = {"client_id": sb.credentials.b24_client_id, **params}
    query = {key: value for key, value in query.items() if value is not None}
    return client.get(f"{base or sb.bitrix24_url}/oauth/authorize/", params=query)


def redirected(response) -> tuple[str, dict[str, str]]:
    """(Location without its query, the query as single values) of a 302."""
    assert response.status_code == 302, response.text
    location = urlsplit(response.headers["location"])
    query = {key: values[0] for key, values in parse_qs(location.query,
                                                        keep_blank_values=True).items()}
    assert all(len(v) == 1 for v in parse_qs(location.query).values())
    return f"{location.scheme}://{location.netloc}{location.path}", query


def get_code(sb, client) -> str:
    return redirected(authorize(sb, client, state="s", redirect_uri=REDIRECT))[1]["code"]


def exchange(sb, client, code: str, *, secret: str | None = None, **extra):
    c = sb.credentials
    return client.get(f"{sb.bitrix24_oauth_url}/oauth/token/", params={
        "grant_type": "authorization_code", "client_id": c.b24_client_id,
        "client_secret": secret or c.b24_client_secret, "code": code, **extra})


def test_authorize_redirects_to_loopback_with_code_and_state(sandbox, client):
    response = authorize(sandbox, client, state=STATE, redirect_uri=REDIRECT)
    assert response.headers["cache-control"] == "no-store"
    target, query = redirected(response)
    assert target == "http://127.0.0.1:53682/callback"
    assert query["keep"] == "me" and query["state"] == STATE
    assert query["code"] in sandbox.bitrix24.oauth.codes_issued
    assert query["domain"] == urlsplit(sandbox.bitrix24_url).netloc
    assert query["member_id"] == sandbox.bitrix24.setup.member_id
    assert query["scope"] == "messageservice"
    server = urlsplit(sandbox.bitrix24_oauth_url)
    assert query["server_domain"] == server.netloc + server.path


def test_without_state_no_state_is_sent_back(sandbox, client):
    _, query = redirected(authorize(sandbox, client, redirect_uri="http://localhost:8080/"))
    assert "state" not in query and query["code"]


def test_code_exchange_gives_a_working_pair_once(sandbox, client):
    code = get_code(sandbox, client)
    response = exchange(sandbox, client, code, redirect_uri=REDIRECT)
    assert response.status_code == 200
    grant = response.json()
    assert GRANT_KEYS <= set(grant)
    assert grant["user_id"] == 1 and grant["expires_in"] == 3600
    assert grant["scope"] == "messageservice" and grant["status"] == "L"
    assert grant["client_endpoint"] == sandbox.bitrix24_url + "/rest/"
    assert grant["member_id"] == sandbox.bitrix24.setup.member_id

    update = client.post(f"{sandbox.bitrix24_url}/rest/{METHOD}", json={
        "CODE": sandbox.credentials.b24_code, "MESSAGE_ID": MID, "STATUS": "sent",
        "auth": grant["access_token"]})
    assert update.status_code == 200 and update.json()["result"] is True

    again = exchange(sandbox, client, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"

    c = sandbox.credentials
    refreshed = client.get(f"{sandbox.bitrix24_oauth_url}/oauth/token/", params={
        "grant_type": "refresh_token", "client_id": c.b24_client_id,
        "client_secret": c.b24_client_secret, "refresh_token": grant["refresh_token"]})
    assert refreshed.status_code == 200


def test_code_expires_after_thirty_seconds(sandbox, client):
    young, old = get_code(sandbox, client), get_code(sandbox, client)
    sandbox.clock.advance(29)
    assert exchange(sandbox, client, young).status_code == 200
    sandbox.clock.advance(2)
    expired = exchange(sandbox, client, old)
    assert expired.status_code == 400 and expired.json()["error"] == "invalid_grant"
    assert "expired" in expired.json()["error_description"]


def test_unknown_code_is_invalid_grant(sandbox, client):
    for code in ("not-a-code", ""):
        response = exchange(sandbox, client, code)
        assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_wrong_secret_is_invalid_client_and_spends_no_code(sandbox, client):
    code = get_code(sandbox, client)
    response = exchange(sandbox, client, code, secret="wrong")
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert exchange(sandbox, client, code).status_code == 200


def test_code_exchange_by_post_form(sandbox, client):
    c = sandbox.credentials
    response = client.post(f"{sandbox.bitrix24_oauth_url}/oauth/token/", data={
        "grant_type": "authorization_code", "client_id": c.b24_client_id,
        "client_secret": c.b24_client_secret, "code": get_code(sandbox, client)})
    assert response.status_code == 200 and response.json()["user_id"] == 1


@pytest.mark.parametrize("redirect_uri", [
    "https://example.com/callback",
    "http://example.com:8080/callback",
    "http://127.0.0.1/callback",
    "https://127.0.0.1:8443/callback",
    "http://127.0.0.1:8080@evil.example/",
    "http://user@127.0.0.1:8080/",
    "http://localhost.evil.example:8080/",
    "http://127.0.0.1:8080/cb#fragment",
    "http://127.0.0.1:99999/",
    "http://127.0.0.1:8080\\@evil.example/",
    "javascript:alert(1)",
])
def test_non_loopback_redirect_uri_is_refused_with_a_page(sandbox, client, redirect_uri):
    response = authorize(sandbox, client, state="s", redirect_uri=redirect_uri)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "loopback" in response.text and "<script" not in response.text
    assert sandbox.bitrix24.oauth.codes_issued == []


@pytest.mark.parametrize("client_id", ["local.unknown.1", "", None])
def test_unknown_client_id_is_refused_with_a_page(sandbox, client, client_id):
    c = sandbox.credentials
    params = {"client_id": client_id} if client_id is not None else {}
    response = client.get(f"{sandbox.bitrix24_url}/oauth/authorize/",
                          params={**params, "redirect_uri": REDIRECT})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "Unknown application" in response.text and c.b24_client_secret not in response.text
    assert sandbox.bitrix24.oauth.codes_issued == []


def test_without_redirect_uri_the_app_handler_page_shows_the_code(sandbox, client):
    target, query = redirected(authorize(sandbox, client, state="<script>x</script>"))
    assert target == sandbox.bitrix24.app_handler_url
    page = client.get(target, params=query)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert query["code"] in page.text
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert exchange(sandbox, client, query["code"]).status_code == 200
    assert client.get(sandbox.bitrix24.app_handler_url).status_code == 400


def test_authorize_only_takes_get(sandbox, client):
    response = client.post(f"{sandbox.bitrix24_url}/oauth/authorize/",
                           params={"client_id": sandbox.credentials.b24_client_id})
    assert response.status_code == 405
    assert sandbox.bitrix24.oauth.codes_issued == []


def test_authorize_works_on_a_moved_portal_and_the_old_address_redirects(sandbox, client):
    moved = sandbox.origin + "/bitrix24-moved"
    sandbox.bitrix24.move_portal(moved)
    old = authorize(sandbox, client, state="s", redirect_uri=REDIRECT)
    assert old.status_code == 302
    assert old.headers["location"].startswith(moved + "/oauth/authorize/?")
    _, query = redirected(authorize(sandbox, client, base=moved, state="s",
                                    redirect_uri=REDIRECT))
    assert query["state"] == "s"
    grant = exchange(sandbox, client, query["code"]).json()
    assert grant["client_endpoint"] == moved + "/rest/"


def test_reset_forgets_codes_and_state_counts_them(sandbox, client):
    code = get_code(sandbox, client)
    assert client.get(sandbox.control_url).json()["state"]["bitrix24_codes_issued"] == 1
    sandbox.reset()
    assert sandbox.bitrix24.oauth.codes_issued == []
    assert exchange(sandbox, client, code).json()["error"] == "invalid_grant"


def test_authorize_url_property(sandbox, client):
    response = client.get(sandbox.bitrix24_authorize_url + "&state=x")
    target, query = redirected(response)
    assert target == sandbox.bitrix24.app_handler_url and query["state"] == "x"
