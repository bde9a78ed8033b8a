"""Preview, send, errors, cancel and confirmation, driven through the real window.

These use the sandbox over real loopback HTTP and keep secrets in memory (the keyring
itself is exercised in test_first_start and test_profiles_dialog).
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from core.cancelling import cancelled
from core.profiles import Profile
from core.systems import get_system
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import (
    all_visible_text,
    choose,
    fill,
    open_question,
    preview_and_wait,
    send_and_wait,
)


def test_preview_shows_the_masked_request_and_sends_nothing(qtbot, demo_window, sandbox):
    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    fill(demo_window, "SO-1002", "Delivered (demo plugin) (2)", "on handset")
    view = preview_and_wait(qtbot, demo_window)

    shown = demo_window.inspector.request.raw.toPlainText()
    assert shown.startswith("POST /superoffice/Cust12345/Remote/Services88/Messaging.svc")
    assert "<so:Status>2</so:Status>" in shown
    assert "***ticket***" in shown and sandbox.credentials.so_ticket not in shown
    assert "Preview" in demo_window.inspector.banner.text()
    assert demo_window.inspector.response.raw.toPlainText() == ""
    assert len(sandbox.received) == 0

    # Exact: what Send then puts on the wire is the previewed request, byte for byte
    # (masked the same way; Content-Length is that of the real secrets, not placeholders).
    sent = send_and_wait(qtbot, demo_window)
    assert sent.request == view.request
    assert sandbox.received[0].body == view.request.body.replace(
        b"***ticket***", sandbox.credentials.so_ticket.encode()).replace(
        b"***app-token***", sandbox.credentials.so_app_token.encode())


def test_send_superoffice_then_bitrix24_shows_both_sides(qtbot, demo_window, sandbox):
    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    fill(demo_window, "SO-1001", "2")
    view = send_and_wait(qtbot, demo_window)
    assert view.outcome.ok, view.outcome
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1001")[0] == 2
    inspector = demo_window.inspector
    assert "SetDeliveryStatusResponse" in inspector.response.pretty.toPlainText()
    assert inspector.response.raw.toPlainText().startswith("HTTP/1.1 200 OK")
    assert "Done: SuperOffice accepted" in inspector.banner.text()
    assert " ms" in inspector.meta.text() and "response" in inspector.meta.text()

    choose(qtbot, demo_window, DEMO_BITRIX24)
    assert "description" not in demo_window.form.fields  # Bitrix24 declares none
    message_id = sandbox.bitrix24_messages[0]
    fill(demo_window, message_id, "delivered")
    view = send_and_wait(qtbot, demo_window)
    assert view.outcome.ok, view.outcome
    assert sandbox.bitrix24.status_of("statusdesk_sandbox", message_id) == "delivered"
    assert '"result": true' in inspector.response.pretty.toPlainText()
    assert "messageservice.message.status.update" in inspector.request.raw.toPlainText()
    text = all_visible_text(demo_window)
    for secret in (sandbox.credentials.b24_access_token, sandbox.credentials.so_ticket):
        assert secret not in text
    assert len(demo_window.history.entry_ids()) == 2


def test_error_answers_are_explained_in_plain_words(qtbot, demo_window):
    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    fill(demo_window, "SO-404", "2")
    view = send_and_wait(qtbot, demo_window)
    banner = demo_window.inspector.banner
    assert not view.outcome.ok
    assert "Refused: SuperOffice refused the call: The message was not found." in banner.text()
    assert "Error code: SoException" in banner.text()
    assert "What to do:" in banner.text()
    assert banner.level == "error"

    choose(qtbot, demo_window, DEMO_BITRIX24)
    fill(demo_window, "0" * 32, "delivered")
    send_and_wait(qtbot, demo_window)
    assert "Error code: ERROR_MESSAGE_NOT_FOUND" in banner.text()
    assert "no message with this id" in banner.text()


def test_bad_input_marks_the_field_and_sends_nothing(qtbot, demo_window, sandbox):
    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    fill(demo_window, "", "2")
    demo_window.flow.send()
    form = demo_window.form
    assert form.error.isVisible()
    assert "fill in the external message id: it is required." in form.error.text().lower()
    assert form.fields["message_id"].property("invalid")
    assert form.fields["message_id"].hasFocus()
    fill(demo_window, "SO-1001", "soon")
    demo_window.flow.send()
    assert form.fields["status"].property("invalid")
    assert "neither a whole number nor a preset" in form.error.text()
    assert len(sandbox.received) == 0


def test_cancel_during_a_slow_call_leaves_the_window_usable(qtbot, demo_desk, sandbox):
    window = open_window(qtbot, demo_desk)
    try:
        choose(qtbot, window, DEMO_SUPEROFFICE)
        fill(window, "SO-1003", "2")
        sandbox.set_delay(1.5)
        window.flow.send()
        qtbot.waitUntil(lambda: len(sandbox.received) == 1)
        assert window.cancel_button.isVisible()
        assert "Sending to 127.0.0.1" in window.busy_label.text()
        assert not window.send_button.isEnabled()

        qtbot.keyClick(window.form.fields["message_id"], Qt.Key.Key_Escape)
        banner = window.inspector.banner
        assert "Cancelled" in banner.text()
        assert "may already have reached" in banner.text()
        assert not window.cancel_button.isVisible()
        assert window.send_button.isEnabled()

        # Usable at once: the next send goes out on a fresh connection and succeeds.
        sandbox.set_delay(0)
        fill(window, "SO-1004", "3")
        view = send_and_wait(qtbot, window)
        assert view.outcome.ok
        # The cut call's thread has ended (no timeout to wait for), and its late result
        # does not replace what the window shows.
        assert window.jobs.wait_idle(2)
        qtbot.wait(50)
        assert window.inspector.view is view
        assert "Done" in banner.text()
        # ...but it is kept in the history for what it was.
        recorded = {e.message_id: e.outcome_summary for e in demo_desk.history.recent()}
        profile = demo_desk.profiles.get(DEMO_SUPEROFFICE)
        # core's words for a call cut on the wire, naming the customer's system
        cut = cancelled(get_system(profile.system).tenant(profile), sent=True)
        assert recorded == {"SO-1003": cut.summary,
                            "SO-1004": "SuperOffice accepted the call (SetDeliveryStatus)."}
    finally:
        close_window(window)


def test_the_ui_thread_keeps_ticking_while_a_send_waits(qtbot, demo_window, sandbox):
    choose(qtbot, demo_window, DEMO_BITRIX24)
    fill(demo_window, sandbox.bitrix24_messages[1], "sent")
    sandbox.set_delay(1.0)
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    started = time.perf_counter()
    view = send_and_wait(qtbot, demo_window)
    finished = time.perf_counter()
    timer.stop()
    assert view.outcome.ok
    during = [t for t in ticks if started <= t <= finished]
    gaps = [b - a for a, b in zip([started, *during], [*during, finished], strict=True)]
    # The call took a second; a blocked UI thread would show one gap of about a second.
    assert finished - started >= 1.0
    assert len(during) >= 20, f"only {len(during)} timer ticks in {finished - started:.2f} s"
    assert max(gaps) < 0.5, f"the UI thread stalled for {max(gaps):.2f} s"


def test_a_production_profile_asks_before_sending(qtbot, demo_desk, sandbox):
    live = Profile("Customer live", "superoffice", sandbox.superoffice_url,
                   options={"plugin": "statusdesk-sandbox"}, production=True)
    demo_desk.profiles.add(live)
    demo_desk.secrets.set(live.name, "ticket", sandbox.credentials.so_ticket)
    demo_desk.secrets.set(live.name, "app-token", sandbox.credentials.so_app_token)
    window = open_window(qtbot, demo_desk)
    try:
        choose(qtbot, window, live.name)
        assert "PRODUCTION" in window.summary.text()
        fill(window, "SO-1005", "4")
        window.flow.send()
        box = open_question(qtbot, window)
        text = box.text()
        assert "127.0.0.1" in text and "Cust12345" in text
        assert "Message id:  SO-1005" in text and "New status:  4" in text
        box.button(QMessageBox.StandardButton.Cancel).click()
        qtbot.wait(100)
        assert len(sandbox.received) == 0

        window.flow.send()
        box = open_question(qtbot, window)
        with qtbot.waitSignal(window.exchange_shown, timeout=10000) as shown:
            next(b for b in box.buttons() if b.text() == "Send to production").click()
        assert shown.args[0].outcome.ok
        assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1005")[0] == 4
    finally:
        close_window(window)


def test_a_send_without_stored_credentials_says_which_one(qtbot, demo_desk, sandbox):
    demo_desk.secrets.delete(DEMO_SUPEROFFICE, "ticket")
    window = open_window(qtbot, demo_desk)
    try:
        choose(qtbot, window, DEMO_SUPEROFFICE)
        fill(window, "SO-1001", "2")
        window.flow.send()
        qtbot.waitUntil(lambda: "no ticket is stored" in window.inspector.banner.text())
        assert "Profiles" in window.inspector.banner.text()
        assert len(sandbox.received) == 0
    finally:
        close_window(window)


def test_an_unusable_keyring_is_explained(qtbot, statusdesk_home, sandbox):
    from keyring.backends import fail

    from core.desk import Desk, SerialSecrets
    from core.secrets import SecretStore
    from sandbox.demo import demo_profiles

    desk = Desk(statusdesk_home, secrets=SerialSecrets(SecretStore(fail.Keyring())))
    for profile, _ in demo_profiles(sandbox):
        desk.profiles.add(profile)
    window = open_window(qtbot, desk)
    try:
        choose(qtbot, window, DEMO_SUPEROFFICE)
        fill(window, "SO-1001", "2")
        preview = preview_and_wait(qtbot, window)  # still works, with placeholders
        assert any("keyring could not be read" in note for note in preview.notes)
        window.flow.send()
        qtbot.waitUntil(lambda: "keyring cannot be used" in window.inspector.banner.text())
        assert "never falls back to a file" in window.inspector.banner.text()
        assert len(sandbox.received) == 0
    finally:
        close_window(window)


def test_a_demo_profile_offers_to_start_the_sandbox(qtbot, memory_desk):
    from sandbox.demo import demo_profiles, start_sandbox

    stale = start_sandbox(0)  # as if created on an earlier day; now not running
    for profile, secrets in demo_profiles(stale):
        memory_desk.profiles.add(profile)
        for field, value in secrets.items():
            memory_desk.secrets.set(profile.name, field, value)
    stale.stop()
    window = open_window(qtbot, memory_desk)
    try:
        choose(qtbot, window, DEMO_BITRIX24)
        assert "start the sandbox" in window.summary.text()
        with qtbot.waitSignal(window.profiles_loaded, timeout=10000):
            window.summary.linkActivated.emit("#sandbox")
        assert window.sandbox is not None
        assert window.picker.current_profile().name == DEMO_BITRIX24
        assert "start the sandbox" not in window.summary.text()
        fill(window, window.sandbox.bitrix24_messages[2], "undelivered")
        assert send_and_wait(qtbot, window).outcome.ok
    finally:
        close_window(window)


def test_an_outcome_s_hint_is_shown_as_the_window_s_step(qtbot, demo_window, sandbox):
    from dataclasses import replace

    from core import hints

    choose(qtbot, demo_window, DEMO_SUPEROFFICE)
    fill(demo_window, "SO-1001", "2")
    view = send_and_wait(qtbot, demo_window)
    told = replace(view, outcome=replace(view.outcome, advice="The ticket has expired.",
                                         hint=hints.SIGN_IN))
    demo_window.inspector.show_view(told)
    banner = demo_window.inspector.banner.text()
    assert "What to do: The ticket has expired. Use Sign in (Ctrl+I)." in banner
    assert "statusdesk-cli" not in banner
