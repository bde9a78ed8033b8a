"""Each system's real credential flow, end to end: real keyring, sandbox over loopback HTTP.

SuperOffice: onsite password (SoPrincipal) and Online system user (PartnerSystemUser, the
signature checked by the sandbox with the app's public key), the ticket cached in the
keyring and renewed once when refused. Bitrix24: OAuth refresh with token rotation, the
browser sign-in (authorization code to a loopback address), and the moved portal.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from core.browser_sign_in import BrowserSignIn
from core.exchange import OutcomeKind, StatusUpdate
from core.profiles import Profile
from core.sending import read_delivery_status, send_status, sign_in
from core.systems.base import InvalidInput

pytestmark = pytest.mark.keyring


def _superoffice(sandbox, name: str, auth: str, **options: str) -> Profile:
    return Profile(name=name, system="superoffice", base_url=sandbox.superoffice_url,
                   options={"plugin": sandbox.credentials.so_plugin, "auth": auth, **options},
                   presets={"Delivered": 3})


def _sign_ins(sandbox, kind: str) -> int:
    return sum(1 for entry in sandbox.superoffice.sign_ins if entry[0] == kind)


# -- SuperOffice onsite: username and password ----------------------------------------------


def test_password_login_caches_ticket_and_signs_in_again_once_when_refused(
        sandbox, secret_store, secret_profile) -> None:
    creds = sandbox.credentials
    profile = _superoffice(sandbox, secret_profile, "password", username=creds.so_username)
    secret_store.set_many(secret_profile, {"password": creds.so_password,
                                           "app-token": creds.so_app_token})
    message = StatusUpdate(sandbox.superoffice_messages[0], "Delivered")

    first = send_status(profile, message, secret_store)
    assert first.ok, first.outcome
    assert _sign_ins(sandbox, "password") == 1
    cached = secret_store.get(secret_profile, "ticket")
    assert cached and cached.startswith("7T:")

    again = send_status(profile, message, secret_store)  # the cached ticket is used
    assert again.ok and _sign_ins(sandbox, "password") == 1

    sandbox.superoffice.revoke_tickets()  # NetServer no longer takes the cached ticket
    renewed = send_status(profile, StatusUpdate(sandbox.superoffice_messages[1], "7"),
                          secret_store)
    assert renewed.ok, renewed.outcome
    assert _sign_ins(sandbox, "password") == 2  # exactly one re-login
    assert secret_store.get(secret_profile, "ticket") not in (None, cached)
    assert any("signed in again" in note for note in renewed.notes)
    assert sandbox.superoffice.status_of(creds.so_plugin, sandbox.superoffice_messages[1])[0] == 7
    text = str(renewed.to_dict())
    assert creds.so_password not in text and cached not in text


def test_wrong_password_says_so(sandbox, secret_store, secret_profile) -> None:
    creds = sandbox.credentials
    profile = _superoffice(sandbox, secret_profile, "password", username=creds.so_username)
    secret_store.set_many(secret_profile, {"password": "not-the-password",
                                           "app-token": creds.so_app_token})
    exchange = sign_in(profile, secret_store)
    assert exchange.outcome.kind is OutcomeKind.CREDENTIALS
    assert "wrong username or password" in exchange.outcome.summary
    assert secret_store.get(secret_profile, "ticket") is None
    assert "not-the-password" not in str(exchange.to_dict())


def test_sign_in_reports_who(sandbox, secret_store, secret_profile) -> None:
    creds = sandbox.credentials
    profile = _superoffice(sandbox, secret_profile, "password", username=creds.so_username)
    secret_store.set_many(secret_profile, {"password": creds.so_password,
                                           "app-token": creds.so_app_token})
    exchange = sign_in(profile, secret_store)
    assert exchange.ok and exchange.operation == "sign-in"
    assert exchange.outcome.summary.startswith("Signed in as ")
    assert "associate" in exchange.outcome.summary


def test_ticket_profile_has_nothing_to_sign_in_with(sandbox, secret_store, secret_profile) -> None:
    with pytest.raises(InvalidInput, match="no sign-in to run"):
        sign_in(_superoffice(sandbox, secret_profile, "ticket"), secret_store)


# -- SuperOffice Online: system user ----------------------------------------------------------


def _system_user(sandbox, secret_store, name: str, key: str | None = None) -> Profile:
    creds = sandbox.credentials
    secret_store.set_many(name, {
        "app-token": creds.so_app_token,
        "system-user-token": creds.so_system_user_token,
        "private-key": key or creds.so_private_key,
    })
    return _superoffice(sandbox, name, "system-user", login_url=sandbox.superoffice_login_url)


def test_system_user_signature_is_verified_and_ticket_cached_with_expiry(
        sandbox, secret_store, secret_profile) -> None:
    profile = _system_user(sandbox, secret_store, secret_profile)
    assert profile.option("tenant") == ""  # taken from the address: .../Cust12345

    message = StatusUpdate(sandbox.superoffice_messages[0], "3")
    first = send_status(profile, message, secret_store)
    assert first.ok, (first.outcome, first.notes)
    assert _sign_ins(sandbox, "system-user") == 1
    expires = datetime.fromisoformat(secret_store.get(secret_profile, "ticket-expires"))
    assert timedelta(hours=5) < expires - datetime.now(UTC) <= timedelta(hours=6, minutes=1)

    assert send_status(profile, message, secret_store).ok  # cached: no new sign-in
    assert _sign_ins(sandbox, "system-user") == 1

    soon = (datetime.now(UTC) + timedelta(minutes=5)).isoformat(timespec="seconds")
    secret_store.set(secret_profile, "ticket-expires", soon)  # about to expire: renew first
    renewed = send_status(profile, message, secret_store)
    assert renewed.ok and _sign_ins(sandbox, "system-user") == 2
    assert renewed.request.url.endswith("/Messaging.svc")  # the record is the status call


def test_system_user_with_another_key_is_refused_in_plain_words(
        sandbox, secret_store, secret_profile) -> None:
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()).decode()
    profile = _system_user(sandbox, secret_store, secret_profile, key=pem)
    exchange = sign_in(profile, secret_store)
    assert exchange.outcome.kind is OutcomeKind.CREDENTIALS
    assert "refused the system user sign-in" in exchange.outcome.summary
    assert secret_store.get(secret_profile, "ticket") is None
    body = exchange.request.body.decode()
    assert '"SignedSystemToken": "***system-user-token***"' in body  # signature too
    assert sandbox.credentials.so_app_token not in body


def test_unreadable_private_key_is_refused_before_sending(
        sandbox, secret_store, secret_profile) -> None:
    profile = _system_user(sandbox, secret_store, secret_profile, key="not a key")
    before = len(sandbox.received)
    with pytest.raises(InvalidInput, match="private key cannot be read"):
        sign_in(profile, secret_store)
    assert len(sandbox.received) == before


# -- SuperOffice: reading a status back -----------------------------------------------------


def test_get_delivery_status_reads_back_by_messaging_id(
        sandbox, secret_store, secret_profile) -> None:
    creds = sandbox.credentials
    profile = _superoffice(sandbox, secret_profile, "ticket")
    secret_store.set_many(secret_profile, {"ticket": creds.so_ticket,
                                           "app-token": creds.so_app_token})
    external = sandbox.superoffice_messages[2]
    assert send_status(profile, StatusUpdate(external, "Delivered", "by hand"), secret_store).ok
    messaging_id = sandbox.superoffice.messaging_id(creds.so_plugin, external)

    exchange = read_delivery_status(profile, secret_store, [messaging_id, 999999])
    assert exchange.ok, exchange.outcome
    summary = exchange.outcome.summary
    assert f"message {messaging_id}: status 3 (Delivered), 'by hand'" in summary
    assert "Unknown messaging ids: 999999" in summary

    unknown = read_delivery_status(profile, secret_store, [999999])
    assert unknown.outcome.kind is OutcomeKind.REFUSED and unknown.outcome.code == "not found"


# -- Bitrix24 OAuth -------------------------------------------------------------------------


def _bitrix24(sandbox, name: str) -> Profile:
    creds = sandbox.credentials
    return Profile(name=name, system="bitrix24", base_url=sandbox.bitrix24_url,
                   options={"code": creds.b24_code, "auth": "oauth",
                            "client_id": creds.b24_client_id,
                            "oauth_server": sandbox.bitrix24_oauth_url})


def _store_oauth(secret_store, name: str, creds) -> None:
    """The sandbox app's first token pair and its client secret, as after a sign-in."""
    secret_store.set_many(name, {"access-token": creds.b24_access_token,
                                 "refresh-token": creds.b24_refresh_token,
                                 "client-secret": creds.b24_client_secret})


def _token_call(sandbox, refresh_token: str) -> httpx.Response:
    creds = sandbox.credentials
    return httpx.get(f"{sandbox.bitrix24_oauth_url}/oauth/token/", params={
        "grant_type": "refresh_token", "client_id": creds.b24_client_id,
        "client_secret": creds.b24_client_secret, "refresh_token": refresh_token})


def test_expired_token_is_refreshed_pair_stored_and_call_repeated_once(
        sandbox, secret_store, secret_profile) -> None:
    creds = sandbox.credentials
    profile = _bitrix24(sandbox, secret_profile)
    _store_oauth(secret_store, secret_profile, creds)
    sandbox.bitrix24.expire_access_token()
    message_id = sandbox.bitrix24_messages[0]

    exchange = send_status(profile, StatusUpdate(message_id, "delivered"), secret_store)
    assert exchange.ok, exchange.outcome
    assert sandbox.bitrix24.status_of(creds.b24_code, message_id) == "delivered"
    new_access = secret_store.get(secret_profile, "access-token")
    new_refresh = secret_store.get(secret_profile, "refresh-token")
    assert new_access not in (None, creds.b24_access_token)
    assert new_refresh not in (None, creds.b24_refresh_token)
    assert _token_call(sandbox, creds.b24_refresh_token).json()["error"] == "invalid_grant"
    posts = [r for r in sandbox.received if "status.update" in r.path]
    assert len(posts) == 2  # the refused call and its one repeat
    text = str(exchange.to_dict())
    for secret in (new_access, new_refresh, creds.b24_access_token, creds.b24_client_secret):
        assert secret not in text


def test_spent_refresh_token_asks_to_sign_in_again(sandbox, secret_store, secret_profile) -> None:
    creds = sandbox.credentials
    profile = _bitrix24(sandbox, secret_profile)
    assert _token_call(sandbox, creds.b24_refresh_token).status_code == 200  # now spent
    _store_oauth(secret_store, secret_profile, creds)
    sandbox.bitrix24.expire_access_token()
    exchange = send_status(profile, StatusUpdate(sandbox.bitrix24_messages[0], "sent"),
                           secret_store)
    assert exchange.outcome.kind is OutcomeKind.CREDENTIALS
    assert any("refresh token is spent or revoked: sign in again" in n for n in exchange.notes)
    assert secret_store.get(secret_profile, "refresh-token") == creds.b24_refresh_token


def test_refresh_spent_by_another_window_is_adopted(sandbox, secret_store, secret_profile) -> None:
    """Two StatusDesk processes share the keyring; the second one's refresh comes too late."""
    creds = sandbox.credentials
    profile = _bitrix24(sandbox, secret_profile)
    _store_oauth(secret_store, secret_profile, creds)
    sandbox.bitrix24.expire_access_token()
    before = secret_store.read_all(secret_profile, ["access-token", "refresh-token",
                                                    "client-secret"])
    other = sign_in(profile, secret_store)  # the other window renews first
    assert other.ok
    stale = _ReadBefore(secret_store, before)
    exchange = send_status(profile, StatusUpdate(sandbox.bitrix24_messages[1], "failed"), stale)
    assert exchange.ok, (exchange.outcome, exchange.notes)
    assert any("Another call had just renewed the credentials" in n for n in exchange.notes)
    assert not any("/oauth/token" in r.path for r in sandbox.received[-2:])  # no 2nd refresh


class _ReadBefore:
    """The real keyring, except that the first read sees it as it was before ``before``."""

    def __init__(self, store, before: dict[str, str]) -> None:
        self.store, self.before = store, before

    def read_all(self, profile, fields):
        if self.before is not None:
            stale, self.before = self.before, None
            return stale
        return self.store.read_all(profile, fields)

    def set(self, profile, field, value):
        self.store.set(profile, field, value)

    def set_many(self, profile, values):
        self.store.set_many(profile, values)


def test_browser_sign_in_over_loopback_stores_the_pair(
        sandbox, secret_store, secret_profile) -> None:
    creds = sandbox.credentials
    profile = _bitrix24(sandbox, secret_profile)
    secret_store.set(secret_profile, "client-secret", creds.b24_client_secret)
    with BrowserSignIn(profile, secret_store) as flow:
        assert flow.authorization_url.startswith(sandbox.bitrix24_url + "/oauth/authorize/?")
        # What the browser does: open the page, follow the portal's redirect to us.
        page = httpx.get(flow.authorization_url, follow_redirects=True)
        assert page.status_code == 200 and "You can close this tab" in page.text
        code = flow.wait(5)
    assert code
    exchange = sign_in(profile, secret_store, code=code, redirect_uri=flow.redirect_uri)
    assert exchange.ok, exchange.outcome
    assert exchange.outcome.summary.startswith("Signed in as user 1 on ")
    access = secret_store.get(secret_profile, "access-token")
    assert send_status(profile, StatusUpdate(sandbox.bitrix24_messages[2], "delivered"),
                       secret_store).ok
    assert access not in str(exchange.to_dict())

    used_again = sign_in(profile, secret_store, code=code, redirect_uri=flow.redirect_uri)
    assert used_again.outcome.kind is OutcomeKind.CREDENTIALS


def test_browser_sign_in_ignores_a_foreign_state(sandbox, secret_store, secret_profile) -> None:
    profile = _bitrix24(sandbox, secret_profile)
    secret_store.set(secret_profile, "client-secret", sandbox.credentials.b24_client_secret)
    with BrowserSignIn(profile, secret_store) as flow:
        stray = httpx.get(flow.redirect_uri, params={"code": "abc", "state": "someone-else"})
        assert stray.status_code == 400
        assert flow.wait(0.2) is None


def test_browser_sign_in_needs_the_client_secret_first(sandbox, secret_store,
                                                       secret_profile) -> None:
    from core.systems.base import MissingSecret

    with pytest.raises(MissingSecret, match="client secret") as missing:
        BrowserSignIn(_bitrix24(sandbox, secret_profile), secret_store)
    assert missing.value.field == "client-secret"
    assert missing.value.hint.field == "client-secret"


def test_moved_portal_is_reported_not_followed(sandbox, secret_store, secret_profile) -> None:
    creds = sandbox.credentials
    profile = _bitrix24(sandbox, secret_profile)
    secret_store.set(secret_profile, "access-token", creds.b24_access_token)
    new_portal = sandbox.origin + "/bitrix24-moved"
    sandbox.bitrix24.move_portal(new_portal)
    before = len(sandbox.received)
    exchange = send_status(profile, StatusUpdate(sandbox.bitrix24_messages[0], "sent"),
                           secret_store)
    assert exchange.outcome.code == "HTTP 302"
    assert exchange.outcome.moved_to == new_portal
    assert len(sandbox.received) == before + 1  # the POST was not repeated at the new address
    moved = profile.with_changes(base_url=exchange.outcome.moved_to)
    assert send_status(moved, StatusUpdate(sandbox.bitrix24_messages[0], "sent"),
                       secret_store).ok


class _KeyringRefusesWrites(_ReadBefore):
    """The real keyring for reading; every write fails (a locked or broken keyring)."""

    def __init__(self, store) -> None:
        super().__init__(store, None)

    def set_many(self, profile, values):
        from core.secrets import SecretStoreError

        raise SecretStoreError("the keyring refused the write")


def test_a_sign_in_whose_ticket_cannot_be_stored_says_so(
        sandbox, secret_store, secret_profile) -> None:
    creds = sandbox.credentials
    profile = _superoffice(sandbox, secret_profile, "password", username=creds.so_username)
    secret_store.set_many(secret_profile, {"password": creds.so_password,
                                           "app-token": creds.so_app_token})
    exchange = sign_in(profile, _KeyringRefusesWrites(secret_store))
    assert exchange.outcome.kind is OutcomeKind.CREDENTIALS
    assert "could not store them in the keyring" in exchange.outcome.summary
    assert secret_store.get(secret_profile, "ticket") is None
