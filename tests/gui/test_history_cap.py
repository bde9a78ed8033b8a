"""The history keeps a bounded body per exchange, and says so where a row is opened: the
window's inspector, drawn from the history; the cap is a setting (Settings, History)."""

from __future__ import annotations

from dataclasses import replace

from core.exchange import StatusUpdate
from sandbox.demo import DEMO_BITRIX24


def big_row(qtbot, window, desk, size: int = 200_000) -> int:
    """A real send to the sandbox, recorded with a long answer (a chatty portal's)."""
    from core.sending import send_status

    profile = desk.profiles.get(DEMO_BITRIX24)
    exchange = send_status(profile, StatusUpdate("65575980fa531ac284c2ee68f81ebebd",
                                                 "delivered"), desk.secrets,
                           desk.connections.get(profile))
    assert exchange.response is not None
    body = exchange.response.body[:-1] + b', "debug": "' + b"x" * size + b'"}'
    return desk.history.record(replace(exchange, response=replace(exchange.response,
                                                                  body=body))).id


def opened_details(qtbot, window, entry_id: int) -> str:
    with qtbot.waitSignal(window.history_actions.shown, timeout=5000):
        window.history_actions.open_entry(entry_id)
    qtbot.waitUntil(lambda: "Note:" in window.inspector.banner.details.toPlainText(),
                    timeout=5000)
    return window.inspector.banner.details.toPlainText()


def test_a_capped_body_says_so_when_opened_and_the_cap_is_a_setting(
        qtbot, demo_window, demo_desk) -> None:
    details = opened_details(qtbot, demo_window, big_row(qtbot, demo_window, demo_desk))
    assert "Note: The history keeps the first 64 KiB of this answer's body: it was" in details
    assert "SHA-256" in details

    demo_window.open_settings()
    dialog = demo_window.settings_dialog
    assert dialog.body_cap.value() == 64
    dialog.body_cap.setValue(16)
    dialog.accept()
    assert demo_desk.history.body_cap == 16 * 1024
    details = opened_details(qtbot, demo_window, big_row(qtbot, demo_window, demo_desk))
    assert "keeps the first 16 KiB of this answer's body" in details
