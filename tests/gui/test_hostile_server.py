"""A hostile server, driven through the real window (issue 15): headers trickling in end at
the profile's timeout."""

from __future__ import annotations

from core.profiles import Profile
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import choose, fill, send_and_wait
from tests.helpers.servers import LoopbackServer, trickling_headers


def test_a_send_to_a_server_trickling_its_headers_ends_at_the_timeout(qtbot, memory_desk):
    with LoopbackServer(trickling_headers(0.2)) as server:
        profile = Profile("Slow customer", "bitrix24", server.url,
                          options={"code": "sms", "auth": "oauth"}, timeout=1.0)
        memory_desk.profiles.add(profile)
        memory_desk.secrets.set(profile.name, "access-token", "tok-slow")
        window = open_window(qtbot, memory_desk)
        try:
            choose(qtbot, window, profile.name)
            fill(window, "a" * 32, "delivered")
            send_and_wait(qtbot, window, timeout=20000)  # the timeout is 1 s
            banner = window.inspector.banner.text()
            assert "answered too slowly" in banner and "after 1 s in total" in banner, banner
            assert window.send_button.isEnabled()
        finally:
            close_window(window)
