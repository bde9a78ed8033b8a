"""A moved Bitrix24 portal and reading a SuperOffice status back, through the real window.

Secrets are kept in memory here (the keyring is exercised in test_sign_in); the sandbox
answers over real loopback HTTP.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from gui.profiles.dialog import ProfilesDialog
from gui.window.read_back import ReadBackDialog
from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE
from tests.gui.drive import all_visible_text, back_to, choose, fill, press, send_and_wait


def answer(qtbot, box: QMessageBox, text: str) -> None:
    qtbot.waitUntil(box.isVisible)
    next(b for b in box.buttons() if b.text() == text).click()
    qtbot.waitUntil(lambda: not box.isVisible())


def test_a_moved_portal_is_offered_and_nothing_is_sent_again(qtbot, demo_window, demo_desk,
                                                             sandbox):
    window, old = demo_window, sandbox.bitrix24_url
    new = sandbox.origin + "/bitrix24-moved"
    sandbox.bitrix24.move_portal(new)
    message = sandbox.bitrix24_messages[1]
    choose(qtbot, window, DEMO_BITRIX24)
    fill(window, message, "delivered")
    view = send_and_wait(qtbot, window)
    assert view.outcome.moved_to == new
    banner = window.inspector.banner
    assert "has moved" in banner.text()
    assert banner.action.isVisible() and banner.action.text() == "Use the new address…"

    # Asked first, naming both addresses; "Cancel" changes nothing.
    banner.action.click()
    question = window.profile_actions.question
    assert f"Old address:  {old}" in question.text()
    assert f"New address:  {new}" in question.text()
    answer(qtbot, question, "Cancel")
    assert demo_desk.profiles.get(DEMO_BITRIX24).base_url == old

    sent_before = len(sandbox.received)
    banner.action.click()
    with qtbot.waitSignal(window.profiles_loaded, timeout=10000):
        answer(qtbot, window.profile_actions.question, "Use the new address")
    assert demo_desk.profiles.get(DEMO_BITRIX24).base_url == new
    assert f"now uses {new}" in banner.text() and not banner.action.isVisible()
    assert len(sandbox.received) == sent_before  # nothing was re-sent
    assert sandbox.bitrix24.status_of(sandbox.credentials.b24_code, message) != "delivered"

    # The typed message and status are still there; the next send goes to the new address.
    assert window.picker.current_profile().base_url == new
    assert window.form.value("message_id") == message
    back_to(qtbot, window)
    view = send_and_wait(qtbot, window)
    assert view.outcome.ok, view.outcome
    assert view.request.url.startswith(new)
    assert sandbox.bitrix24.status_of(sandbox.credentials.b24_code, message) == "delivered"


def test_read_back_shows_what_superoffice_holds(qtbot, demo_window, sandbox):
    window, creds = demo_window, sandbox.credentials
    external = sandbox.superoffice_messages[2]
    choose(qtbot, window, DEMO_SUPEROFFICE)
    assert window.window_actions.read_back.isEnabled()
    assert not window.sign_in_button.isVisible()  # a pasted ticket: nothing to sign in with
    assert not window.window_actions.sign_in.isEnabled()
    fill(window, external, "Delivered (demo plugin) (2)", "by hand")
    assert send_and_wait(qtbot, window).outcome.ok
    messaging_id = sandbox.superoffice.messaging_id(creds.so_plugin, external)

    press(qtbot, window, "Ctrl+R")
    qtbot.waitUntil(lambda: window.profile_actions.read_dialog is not None
                    and window.profile_actions.read_dialog.isVisible())
    dialog: ReadBackDialog = window.profile_actions.read_dialog
    assert "not</i> the external message id" in all_visible_text(dialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.field.setFocus()
    qtbot.keyClicks(dialog.field, external)  # the external id: explained, not sent
    qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    assert dialog.isVisible() and "is not a messaging id" in dialog.problem.text()
    dialog.field.clear()
    qtbot.keyClicks(dialog.field, f"{messaging_id}, 999999")
    with qtbot.waitSignal(window.exchange_shown, timeout=10000) as shown:
        qtbot.keyClick(dialog.field, Qt.Key.Key_Return)
    view = shown.args[0]
    assert view.outcome.ok, view.outcome
    text = window.inspector.banner.text()
    assert f"message {messaging_id}: status 2 (Delivered (demo plugin)), 'by hand'" in text
    assert "Unknown messaging ids: 999999" in text
    assert "GetDeliveryStatus" in window.inspector.request.raw.toPlainText()
    assert window.inspector.meta.text().startswith("Read back:")
    assert creds.so_ticket not in all_visible_text(window)
    assert len(window.history.entry_ids()) == 2

    choose(qtbot, window, DEMO_BITRIX24)
    assert not window.window_actions.read_back.isEnabled()
    assert window.sign_in_button.isVisible()  # OAuth: signs in through the browser


def test_the_connection_test_offers_the_moved_address_for_the_form(qtbot, demo_window,
                                                                   demo_desk, sandbox):
    new = sandbox.origin + "/bitrix24-moved"
    sandbox.bitrix24.move_portal(new)
    choose(qtbot, demo_window, DEMO_BITRIX24)
    demo_window.open_profiles()
    dialog = demo_window.findChild(ProfilesDialog)
    qtbot.waitUntil(lambda: dialog.isVisible() and dialog.editor.name.text() == DEMO_BITRIX24)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "has moved" in dialog.call_result.text(), timeout=10000)
    assert "Use the new address" in dialog.call_result.text()
    dialog.call_result.linkActivated.emit("#moved")
    assert dialog.editor.base_url.text() == new and dialog.dirty
    assert demo_desk.profiles.get(DEMO_BITRIX24).base_url != new  # saving is the user's
    dialog.save()
    qtbot.waitUntil(lambda: demo_desk.profiles.get(DEMO_BITRIX24).base_url == new)
    dialog.test_button.click()
    qtbot.waitUntil(lambda: "Connected" in dialog.call_result.text(), timeout=10000)
    dialog.done(0)
