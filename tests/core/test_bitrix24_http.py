"""Bitrix24 over real HTTP on 127.0.0.1: success and every documented error, in plain words."""

from __future__ import annotations

import json

import pytest

from core.exchange import OutcomeKind, OutgoingRequest, StatusUpdate
from core.profiles import Profile
from core.sending import check_connection, send_status
from core.systems import get_system
from core.systems.bitrix24_errors import KNOWN_ERRORS
from core.transport import Connection
from tests.helpers.secrets import DictSecrets

B24 = get_system("bitrix24")


@pytest.fixture
def profile(sandbox) -> Profile:
    return Profile("b24-sandbox", "bitrix24", sandbox.bitrix24_url,
                   {"code": sandbox.credentials.b24_code, "auth": "oauth"})


@pytest.fixture
def secrets(sandbox) -> DictSecrets:
    return DictSecrets({"access-token": sandbox.credentials.b24_access_token})


def _send(profile, secrets, message_id, status="delivered"):
    return send_status(profile, StatusUpdate(message_id, status), secrets)


def _raw(profile: Profile, body: dict) -> OutgoingRequest:
    """A hand-made call for errors our own validation never lets through."""
    url = f"{profile.base_url}/rest/messageservice.message.status.update"
    return OutgoingRequest("POST", url, (("Content-Type", "application/json"),),
                           json.dumps(body).encode())


def _outcome_of_raw(profile, body):
    with Connection(profile) as connection:
        delivery = connection.perform(_raw(profile, body))
    return B24.read_response(profile, delivery.response), delivery.response


def test_status_update_success_and_idempotent_repeat(sandbox, profile, secrets) -> None:
    message = sandbox.bitrix24_messages[0]
    for _ in range(2):
        exchange = _send(profile, secrets, message, "undelivered")
        assert exchange.outcome.kind is OutcomeKind.DONE, exchange.outcome
    assert sandbox.bitrix24.status_of(profile.option("code"), message) == "undelivered"
    arrived = json.loads(sandbox.received[-1].body)
    assert arrived == {"CODE": profile.option("code"), "MESSAGE_ID": message,
                       "STATUS": "undelivered", "auth": sandbox.credentials.b24_access_token}
    assert isinstance(arrived["MESSAGE_ID"], str)
    body = json.loads(exchange.request.body)
    assert body["auth"] == "***access-token***"
    assert sandbox.credentials.b24_access_token not in json.dumps(exchange.to_dict())
    assert json.loads(exchange.response.body)["result"] is True


def test_unknown_message(sandbox, profile, secrets) -> None:
    exchange = _send(profile, secrets, "0" * 32)
    assert exchange.outcome.code == "ERROR_MESSAGE_NOT_FOUND"
    assert exchange.outcome.kind is OutcomeKind.REFUSED
    assert exchange.outcome.summary == KNOWN_ERRORS["ERROR_MESSAGE_NOT_FOUND"].summary


@pytest.mark.parametrize(
    ("body_change", "code"),
    [
        ({"CODE": ""}, "ERROR_SENDER_VALIDATION_FAILURE"),
        ({"CODE": "bad code!"}, "ERROR_SENDER_VALIDATION_FAILURE"),
        ({"STATUS": "Delivered"}, "ERROR_MESSAGE_STATUS_INCORRECT"),
        ({"STATUS": None}, "ERROR_MESSAGE_STATUS_INCORRECT"),
        ({"auth": None}, "NO_AUTH_FOUND"),
    ],
)
def test_errors_our_validation_prevents_are_still_explained(
    sandbox, profile, body_change, code
) -> None:
    body = {"CODE": profile.option("code"), "MESSAGE_ID": sandbox.bitrix24_messages[0],
            "STATUS": "sent", "auth": sandbox.credentials.b24_access_token}
    body.update(body_change)
    body = {k: v for k, v in body.items() if v is not None}
    outcome, response = _outcome_of_raw(profile, body)
    assert outcome.code == code
    assert outcome.summary == KNOWN_ERRORS[code].summary
    assert response.status_code in (400, 401)


def test_webhook_is_warned_about_and_its_403_explained(sandbox, profile) -> None:
    hook = profile.with_changes(options={"code": profile.option("code"), "auth": "webhook"})
    assert any("403" in w for w in B24.warnings(hook))
    exchange = _send(hook, DictSecrets({"webhook-url": sandbox.credentials.b24_webhook_url}),
                     sandbox.bitrix24_messages[0])
    assert exchange.response.status_code == 403
    assert exchange.outcome.code == "ACCESS_DENIED"
    assert "webhook" in exchange.outcome.summary and "OAuth" in exchange.outcome.advice
    secret_part = sandbox.credentials.b24_webhook_url.rstrip("/").rsplit("/", 1)[1]
    assert secret_part not in json.dumps(exchange.to_dict())
    assert any("403" in note for note in exchange.notes)


def test_caller_neither_author_nor_admin(sandbox, profile) -> None:
    other = DictSecrets({"access-token": sandbox.credentials.b24_other_user_token})
    exchange = _send(profile, other, sandbox.bitrix24_messages[0])
    assert exchange.response.status_code == 403
    assert exchange.outcome.code == "ACCESS_DENIED"
    assert "author" in exchange.outcome.summary


def test_unknown_token(sandbox, profile) -> None:
    exchange = _send(profile, DictSecrets({"access-token": "no-such-token"}),
                     sandbox.bitrix24_messages[0])
    assert exchange.outcome.code == "invalid_token"
    assert exchange.outcome.kind is OutcomeKind.CREDENTIALS


@pytest.mark.parametrize(
    "code",
    ["insufficient_scope", "INVALID_CREDENTIALS", "user_access_error", "QUERY_LIMIT_EXCEEDED",
     "OVERLOAD_LIMIT", "OPERATION_TIME_LIMIT", "ERROR_METHOD_NOT_FOUND", "INVALID_REQUEST",
     "INTERNAL_SERVER_ERROR", "PORTAL_DELETED", "expired_token"],
)
def test_rest_layer_errors(sandbox, profile, secrets, code) -> None:
    sandbox.bitrix24.inject_error(code)
    exchange = _send(profile, secrets, sandbox.bitrix24_messages[0])
    assert exchange.outcome.code == code
    assert exchange.outcome.summary == KNOWN_ERRORS[code].summary
    assert exchange.outcome.kind is KNOWN_ERRORS[code].kind
    assert exchange.outcome.advice
    assert json.loads(exchange.response.body)["error"] == code


def _renewing(sandbox, profile, client_secret: str) -> tuple[Profile, DictSecrets]:
    """A profile that can renew its access token, and its secrets."""
    creds = sandbox.credentials
    renewing = profile.with_changes(options={**profile.options, "client_id": creds.b24_client_id,
                                             "oauth_server": sandbox.bitrix24_oauth_url})
    return renewing, DictSecrets({"access-token": creds.b24_access_token,
                                  "refresh-token": creds.b24_refresh_token,
                                  "client-secret": client_secret})


def test_expired_token_is_renewed_once_and_stored(sandbox, profile) -> None:
    creds = sandbox.credentials
    renewing, store = _renewing(sandbox, profile, creds.b24_client_secret)
    sandbox.bitrix24.expire_access_token()
    exchange = _send(renewing, store, sandbox.bitrix24_messages[1], "sent")
    assert exchange.outcome.kind is OutcomeKind.DONE, (exchange.outcome, exchange.notes)
    assert any("renewed" in note for note in exchange.notes)
    assert store.values["access-token"] != creds.b24_access_token
    assert store.values["refresh-token"] != creds.b24_refresh_token
    recorded = json.dumps(exchange.to_dict())
    for value in store.values.values():
        assert value not in recorded

    # Without renewal credentials the expiry is explained, nothing is retried.
    sandbox.bitrix24.expire_access_token()
    plain = DictSecrets({"access-token": store.values["access-token"]})
    exchange = _send(profile, plain, sandbox.bitrix24_messages[1])
    assert exchange.outcome.code == "expired_token"
    assert any("cannot renew" in note for note in exchange.notes)


def test_moved_portal_is_reported_not_followed(sandbox, profile, secrets) -> None:
    sandbox.bitrix24.move_portal("https://new-name.bitrix24.com")
    exchange = _send(profile, secrets, sandbox.bitrix24_messages[0])
    assert exchange.response.status_code == 302
    assert "new-name.bitrix24.com" in exchange.outcome.summary
    assert "Update the profile" in exchange.outcome.advice


def test_burst_limit_is_explained(sandbox, profile, secrets) -> None:
    outcomes = []
    with Connection(profile) as connection:
        for _ in range(60):
            request = B24.build_request(
                StatusUpdate(sandbox.bitrix24_messages[0], "sent"), profile, secrets.values)
            delivery = connection.perform(request)
            outcomes.append(B24.read_response(profile, delivery.response))
            if outcomes[-1].code == "QUERY_LIMIT_EXCEEDED":
                break
    assert outcomes[-1].code == "QUERY_LIMIT_EXCEEDED"
    assert 40 <= len(outcomes) <= 60
    assert "safe to retry" in outcomes[-1].advice


def test_connection_test_lists_provider_codes(sandbox, profile, secrets) -> None:
    exchange, codes = check_connection(profile, secrets)
    assert exchange.ok, exchange.outcome
    assert profile.option("code") in codes


def test_failed_renewal_is_explained_and_leaks_nothing(sandbox, profile) -> None:
    creds = sandbox.credentials
    renewing, store = _renewing(sandbox, profile, "WrongClientSecret-000")
    sandbox.bitrix24.expire_access_token()
    exchange = _send(renewing, store, sandbox.bitrix24_messages[1])
    assert exchange.outcome.code == "expired_token"
    assert any("refused the client id or client secret (invalid_client)" in n
               for n in exchange.notes)
    assert store.values["access-token"] == creds.b24_access_token  # nothing overwritten
    recorded = json.dumps(exchange.to_dict())
    assert "WrongClientSecret-000" not in recorded and creds.b24_refresh_token not in recorded
