"""SuperOffice's REST agent API answering HTTP 200 with an error in it: a failure, in
plain words, over a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest

from core.exchange import OutcomeKind, StatusUpdate
from core.profiles import Profile
from core.sending import check_connection, send_status
from tests.helpers.secrets import DictSecrets
from tests.helpers.servers import LoopbackServer, answering, http_answer

SECRETS = DictSecrets({"ticket": "7T:test-ticket", "app-token": "test-app-token"})


def _profile(url: str) -> Profile:
    return Profile("so", "superoffice", url, {"plugin": "sms", "transport": "rest"},
                   {"Delivered": 3}, timeout=5.0)


def _answer_200(data: object) -> bytes:
    return http_answer("200 OK", json.dumps(data).encode(), "application/json")


@pytest.mark.parametrize(("answer", "kind", "words", "code"), [
    ({"Error": "Ticket is not valid", "ErrorType": "SoSecurityException"},
     OutcomeKind.CREDENTIALS, "Ticket is not valid", "SoSecurityException"),
    ({"Error": {"Message": "No plugin named sms", "ErrorType": "ArgumentException"}},
     OutcomeKind.REFUSED, "No plugin named sms", "ArgumentException"),
    ({"Message": "Object reference not set", "ExceptionType": "NullReferenceException"},
     OutcomeKind.REFUSED, "Object reference not set", "NullReferenceException"),
    ({"Succeeded": False}, OutcomeKind.REFUSED, "Succeeded=false", "HTTP 200"),
])
def test_a_200_carrying_an_error_is_a_failure(answer, kind, words, code) -> None:
    with LoopbackServer(answering(_answer_200(answer))) as server:
        exchange = send_status(_profile(server.url), StatusUpdate("ext-1", "Delivered"), SECRETS)
    assert exchange.outcome.kind is kind, exchange.outcome
    assert exchange.outcome.summary == ("SuperOffice answered HTTP 200 but with an error, so "
                                        f"it was not applied: {words}")
    assert exchange.outcome.code == code
    assert not exchange.ok


@pytest.mark.parametrize("answer", [b"", b"{}", b'{"Error": null, "Succeeded": true}',
                                    b'{"Message": "Status stored"}'])
def test_a_200_without_an_error_is_applied(answer) -> None:
    with LoopbackServer(answering(http_answer("200 OK", answer, "application/json"))) as server:
        exchange = send_status(_profile(server.url), StatusUpdate("ext-1", "Delivered"), SECRETS)
    assert exchange.outcome.kind is OutcomeKind.DONE, exchange.outcome


def test_plugins_answered_with_null_is_a_failed_connection_test() -> None:
    with LoopbackServer(answering(http_answer("200 OK", b"null", "application/json"))) as server:
        exchange, plugins = check_connection(_profile(server.url), SECRETS)
    assert exchange.outcome.kind is OutcomeKind.REFUSED
    assert "null instead of the list of plugins" in exchange.outcome.summary
    assert plugins == ()
