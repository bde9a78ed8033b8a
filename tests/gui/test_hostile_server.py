"""A hostile server, driven through the real window (issue 15): headers trickling in end at
the profile's timeout; escape sequences in its words and answers are shown, not acted on."""

from __future__ import annotations

from core.exchange import Exchange, Outcome, OutcomeKind, OutgoingRequest, ReceivedResponse
from core.profiles import Profile
from gui.inspector.exchange_view import view_of_exchange
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import choose, fill, send_and_wait
from tests.helpers.servers import HOSTILE, RAW_CONTROL, LoopbackServer, hostile, trickling_headers


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


def test_escape_sequences_from_the_server_are_shown_visibly(qtbot, memory_desk):
    with LoopbackServer(hostile) as server:
        profile = Profile("Hostile customer", "bitrix24", server.url,
                          options={"code": "sms", "auth": "oauth"})
        memory_desk.profiles.add(profile)
        memory_desk.secrets.set(profile.name, "access-token", "tok-hostile")
        window = open_window(qtbot, memory_desk)
        try:
            choose(qtbot, window, profile.name)
            fill(window, "m-1", "delivered")
            send_and_wait(qtbot, window)
            banner = window.inspector.banner
            qtbot.waitUntil(lambda: not window.inspector.response.loading)
            shown = {"banner": banner.text(), "details": banner.details.toPlainText(),
                     **{editor.objectName(): editor.toPlainText()
                        for pane in (window.inspector.request, window.inspector.response)
                        for editor in pane.editors()}}
        finally:
            close_window(window)
    for where, text in shown.items():
        found = RAW_CONTROL.search(text)
        assert found is None, (where, found.group(), text)
    assert "\\x1b[2J\\x1b[HOK: Status updated" in shown["banner"]
    assert "\\x9b2J" in shown["responseRaw"]  # a header
    assert "\\u202e" in shown["responseRaw"] and "\\u202e" in shown["responsePretty"]


def test_words_kept_raw_by_an_older_version_are_shown_visibly(qtbot, memory_desk):
    """A history row written before core made the words visible still holds raw ones."""
    request = OutgoingRequest("POST", "http://127.0.0.1:9/rest/x", (), b"{}")
    response = ReceivedResponse(400, "Bad Request", "HTTP/1.1", (("X-Hostile", "\x9b2J"),),
                                HOSTILE.encode())
    outcome = Outcome(OutcomeKind.REFUSED, f"Bitrix24 refused the call: {HOSTILE}",
                      code="ERR\x1b[31m", detail=HOSTILE)
    old = Exchange("p", "bitrix24", "SetDeliveryStatus", request, response, None, outcome,
                   notes=(HOSTILE,))
    window = open_window(qtbot, memory_desk)
    try:
        window.inspector.show_view(view_of_exchange(old, "History"))
        banner = window.inspector.banner
        texts = [banner.text(), banner.details.toPlainText(),
                 window.inspector.response.raw.toPlainText()]
    finally:
        close_window(window)
    for text in texts:
        assert RAW_CONTROL.search(text) is None, text
    assert "Error code: ERR\\x1b[31m" in texts[0]
