"""A newcomer's first minute: no profiles -> sandbox -> preview -> send, both systems.

Uses the real (isolated) keyring: the demo credentials are stored there and read back
for the send.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.desk import Desk
from core.secrets import SecretStore
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import all_visible_text, choose, fill, preview_and_wait, send_and_wait

pytestmark = pytest.mark.keyring

DEMO_FIELDS = {DEMO_SUPEROFFICE: ("ticket", "app-token"),
               DEMO_BITRIX24: ("access-token", "refresh-token", "client-secret")}


@pytest.fixture
def keyring_desk(statusdesk_home) -> Iterator[Desk]:
    desk = Desk(statusdesk_home)  # the real keyring (scripts/test's isolated one)
    yield desk
    store = SecretStore()
    for profile, fields in DEMO_FIELDS.items():
        for field in fields:
            store.delete(profile, field)


def test_first_start_to_a_sent_status_on_both_systems(qtbot, keyring_desk):
    window = open_window(qtbot, keyring_desk)
    try:
        assert window.pages.currentWidget() is window.welcome
        assert window.welcome.demo_button.hasFocus()
        with qtbot.waitSignal(window.profiles_loaded, timeout=15000):
            window.welcome.demo_button.click()
        sandbox = window.sandbox
        assert sandbox is not None
        assert window.pages.currentIndex() == 1
        assert f"Sandbox at {sandbox.origin}" == window.sandbox_label.text()
        # Grouped by system: two headings, one profile under each.
        labels = [window.picker.itemText(i).strip() for i in range(window.picker.count())]
        assert labels == ["Bitrix24", DEMO_BITRIX24, "SuperOffice", DEMO_SUPEROFFICE]
        store = SecretStore()
        assert store.get(DEMO_SUPEROFFICE, "ticket") == sandbox.credentials.so_ticket
        assert store.get(DEMO_BITRIX24, "access-token") == sandbox.credentials.b24_access_token

        # The SuperOffice demo is chosen with a seeded message id filled in.
        qtbot.waitUntil(lambda: window.form.value("message_id") == "SO-1001")
        fill(window, "SO-1001", "Delivered (demo plugin) (2)")
        preview = preview_and_wait(qtbot, window)
        assert b"***ticket***" in preview.request.body
        view = send_and_wait(qtbot, window)
        assert view.outcome.ok, view.outcome
        assert "SetDeliveryStatusResponse" in window.inspector.response.raw.toPlainText()
        assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1001")[0] == 2

        choose(qtbot, window, DEMO_BITRIX24)
        fill(window, sandbox.bitrix24_messages[0], "delivered")
        preview_and_wait(qtbot, window)
        assert "***access-token***" in window.inspector.request.raw.toPlainText()
        view = send_and_wait(qtbot, window)
        assert view.outcome.ok, view.outcome
        assert '"result": true' in window.inspector.response.pretty.toPlainText()

        shown = all_visible_text(window)
        for secret in (sandbox.credentials.so_ticket, sandbox.credentials.b24_access_token,
                       sandbox.credentials.b24_client_secret):
            assert secret not in shown
        history_file = (keyring_desk.folder / "history.sqlite3").read_bytes()
        assert sandbox.credentials.so_ticket.encode() not in history_file
        assert len(window.history.entry_ids()) == 2
    finally:
        close_window(window)
    assert window.sandbox is None  # stopped with the window
