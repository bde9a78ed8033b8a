"""A stored credential HTTP cannot carry (a ticket with "é", stored by another program) is
explained in the window as the command line says it, and nothing is sent (issue 15,
item 4)."""

from __future__ import annotations

from sandbox.demo import DEMO_SUPEROFFICE
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import choose, fill


def test_a_stored_ticket_that_cannot_go_into_a_header(qtbot, demo_desk, sandbox):
    profile = demo_desk.profiles.get(DEMO_SUPEROFFICE)
    demo_desk.profiles.add(profile.with_changes(options=profile.options | {"transport": "rest"}),
                           replace_existing=True)
    demo_desk.secrets.set(DEMO_SUPEROFFICE, "ticket", "7T:tické")
    window = open_window(qtbot, demo_desk)
    try:
        choose(qtbot, window, DEMO_SUPEROFFICE)
        fill(window, "SO-1001", "2")
        window.flow.send()
        qtbot.waitUntil(lambda: "cannot be sent" in window.inspector.banner.text())
        banner = window.inspector.banner.text()
        assert "ticket" in banner and "tické" not in banner and "Profiles" in banner
        assert "unexpectedly" not in banner
        assert len(sandbox.received) == 0
    finally:
        close_window(window)
