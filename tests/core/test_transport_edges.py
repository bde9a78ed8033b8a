"""Answers that never end: a server trickling bytes is cut off at the profile's timeout."""

from __future__ import annotations

import time

from core.exchange import OutcomeKind, OutgoingRequest
from core.profiles import Profile
from core.transport import Connection
from tests.helpers.servers import TricklingServer


def test_a_trickling_answer_times_out_in_all_not_per_byte() -> None:
    with TricklingServer() as server:
        profile = Profile("t", "bitrix24", server.url, timeout=0.5)
        with Connection(profile) as connection:
            started = time.monotonic()
            delivery = connection.perform(
                OutgoingRequest("POST", f"{server.url}/rest/x", (), b"{}"))
            took = time.monotonic() - started
    assert delivery.response is None and delivery.failure is not None
    assert delivery.failure.kind is OutcomeKind.TRANSPORT
    assert delivery.failure.code == "ReadTimeout"
    assert "still arriving after 0.5 s" in delivery.error
    assert 0.45 < took < 1.5  # each byte came well inside the per-read timeout
