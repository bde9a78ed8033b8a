"""Each system names the part of an answer that says how the call went (issue 16): the
window brings it into view. Real answers of the sandbox, sent through the desk; the
request the desk reports as it goes out is the one the exchange records."""

from __future__ import annotations

import pytest

from core.desk import Desk, MemorySecrets
from core.exchange import ReceivedResponse, StatusUpdate
from core.systems import get_system
from core.systems.base import FOCUS_LIMIT, answer_focus
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE, install_demo


@pytest.fixture
def desk(tmp_path, sandbox):
    desk = Desk(tmp_path, MemorySecrets())
    install_demo(desk, sandbox)
    yield desk
    desk.close()


def focus_of(desk: Desk, name: str, message_id: str, status: str) -> tuple[str, list]:
    profile = desk.profiles.get(name)
    went: list = []
    result = desk.send(profile, StatusUpdate(message_id, status), going_out=went.append)
    assert went == [result.exchange.request]  # reported as it left, masked, as recorded
    assert result.exchange.response is not None
    return answer_focus(get_system(profile.system), "SetDeliveryStatus",
                        result.exchange.response), went


def test_superoffice_names_the_fault_the_exception_or_the_response(desk, sandbox):
    assert focus_of(desk, DEMO_SUPEROFFICE, "SO-1001", "3")[0] == "SetDeliveryStatusResponse"
    assert focus_of(desk, DEMO_SUPEROFFICE, "NOPE", "3")[0] == "ExceptionInfo"
    sandbox.superoffice.inject_fault("Simulated NetServer failure", "fault")
    assert focus_of(desk, DEMO_SUPEROFFICE, "SO-1001", "3")[0] == "Fault"


def test_bitrix24_names_the_error_or_the_result(desk, sandbox):
    message = sandbox.bitrix24_messages[0]
    focus, went = focus_of(desk, DEMO_BITRIX24, message, "delivered")
    assert focus == "result"
    assert "***access-token***" in went[0].body.decode()  # masked before it is reported
    assert focus_of(desk, DEMO_BITRIX24, "f" * 32, "delivered")[0] == "error"  # unknown id


def test_answers_that_cannot_be_read_or_are_too_big_name_nothing():
    system = get_system("superoffice")
    for body in (b"", b"not xml", b"<html><body>Bad gateway</body></html>",
                 b"<x/>" + b" " * FOCUS_LIMIT):
        answer = ReceivedResponse(200, "OK", "HTTP/1.1", (), body)
        assert answer_focus(system, "SetDeliveryStatus", answer) == ""
    assert answer_focus(get_system("bitrix24"), "x",
                        ReceivedResponse(200, "OK", "HTTP/1.1", (), b"[1, 2]")) == ""
