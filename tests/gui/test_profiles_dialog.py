"""The profiles dialog: add, edit, remove; credentials to the keyring; test connection."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLineEdit, QMessageBox

from core.desk import Desk
from core.profiles import Profile
from core.secrets import SecretStore
from gui.profiles.dialog import ProfilesDialog
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import all_visible_text


@pytest.fixture
def profile_name() -> Iterator[str]:
    name = f"Acme {uuid.uuid4().hex[:8]}"
    yield name
    store = SecretStore()
    for field in ("ticket", "app-token"):
        try:
            store.delete(name, field)
        except Exception:  # noqa: BLE001 - not isolated: nothing was stored
            pass


def open_dialog(qtbot, window) -> ProfilesDialog:
    window.open_profiles()
    dialog = window.findChild(ProfilesDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    qtbot.waitUntil(dialog.isActiveWindow)  # keyboard focus goes to the active window only
    return dialog


def wait_state(qtbot, dialog: ProfilesDialog, field: str, state: str) -> None:
    qtbot.waitUntil(lambda: field in dialog.credentials.rows
                    and dialog.credentials.state_of(field) == state, timeout=10000)


@pytest.mark.keyring
def test_add_store_test_forget_remove(qtbot, statusdesk_home, sandbox, profile_name):
    window = open_window(qtbot, Desk(statusdesk_home))
    try:
        dialog = open_dialog(qtbot, window)
        editor = dialog.editor
        editor.system.setCurrentIndex(editor.system.findData("superoffice"))
        editor.name.setText(profile_name)
        editor.base_url.setText(sandbox.superoffice_url + "/Remote/Services86/Messaging.svc")
        editor.option_widgets["plugin"].setText("statusdesk-sandbox")
        editor.presets.setPlainText("Delivered = 2\nFailed = 3")
        dialog.save()
        qtbot.waitUntil(lambda: dialog.list.count() == 1 and not dialog.dirty)
        saved = Desk(statusdesk_home).profiles.get(profile_name)
        assert saved.base_url == sandbox.superoffice_url  # the service path was trimmed
        assert saved.presets == {"Delivered": 2, "Failed": 3}
        wait_state(qtbot, dialog, "ticket", "not stored")

        # Replace: a password field that writes to the keyring and clears itself.
        row = dialog.credentials.rows["ticket"]
        row.replace.click()
        assert row.entry.isVisible()
        assert row.entry.echoMode() == QLineEdit.EchoMode.Password
        qtbot.keyClicks(row.entry, sandbox.credentials.so_ticket)
        qtbot.keyClick(row.entry, Qt.Key.Key_Return)
        assert row.entry.text() == "" and not row.entry.isVisible()
        wait_state(qtbot, dialog, "ticket", "stored")
        dialog.credentials.begin_replace("app-token")
        dialog.credentials.rows["app-token"].entry.setText(sandbox.credentials.so_app_token)
        dialog.credentials.store("app-token")
        wait_state(qtbot, dialog, "app-token", "stored")
        assert SecretStore().get(profile_name, "ticket") == sandbox.credentials.so_ticket
        assert sandbox.credentials.so_ticket not in all_visible_text(dialog)

        # Test connection: GetPlugins, and the plugins it listed are offered.
        dialog.test_button.click()
        qtbot.waitUntil(lambda: "Connected" in dialog.call_result.text(), timeout=10000)
        assert "statusdesk-sandbox" in dialog.call_result.text()
        offered = dialog.editor.option_widgets["plugin"].completer().model()
        assert {offered.index(row, 0).data() for row in range(offered.rowCount())} == {
            "statusdesk-sandbox", "sms-demo-gateway"}
        assert dialog.traffic_button.isEnabled()
        with qtbot.waitSignal(window.exchange_shown, timeout=5000):
            dialog.traffic_button.click()
        assert "GetPlugins" in window.inspector.request.raw.toPlainText()

        # Forget, then the test explains what is missing.
        dialog.credentials.rows["ticket"].forget.click()
        wait_state(qtbot, dialog, "ticket", "not stored")
        assert SecretStore().get(profile_name, "ticket") is None
        dialog.test_button.click()
        qtbot.waitUntil(lambda: "no ticket is stored" in dialog.call_result.text(), timeout=10000)

        # Remove asks first, then removes the profile and its credentials.
        dialog.remove_button.click()
        box = dialog.findChild(QMessageBox, "removeConfirmation")
        qtbot.waitUntil(lambda: box.isVisible())
        assert profile_name in box.text()
        next(b for b in box.buttons() if b.text() == "Remove").click()
        qtbot.waitUntil(lambda: dialog.list.count() == 0)
        assert SecretStore().get(profile_name, "app-token") is None
        assert Desk(statusdesk_home).profiles.load() == []
        dialog.done(0)
        qtbot.waitUntil(lambda: window.pages.currentWidget() is window.welcome)
    finally:
        close_window(window)


def test_invalid_profile_is_explained_at_the_field(qtbot, memory_desk):
    window = open_window(qtbot, memory_desk)
    try:
        dialog = open_dialog(qtbot, window)
        editor = dialog.editor
        editor.system.setCurrentIndex(editor.system.findData("bitrix24"))
        qtbot.waitUntil(lambda: editor.option_widgets["code"].isVisible())
        editor.name.setText("Portal")
        editor.base_url.setText("portal.example.com")
        dialog.save()
        assert editor.problem.isVisible()
        assert "not an http:// or https:// address" in editor.problem.text()
        assert editor.base_url.property("invalid")
        editor.base_url.setText("https://portal.example.com/rest/")
        editor.option_widgets["code"].setText("bad code!")
        dialog.save()
        assert "is not a provider CODE" in editor.problem.text()
        assert editor.option_widgets["code"].hasFocus()
        assert not editor.presets.isVisible()  # Bitrix24 statuses are fixed: no presets
        assert memory_desk.profiles.load() == []
        dialog.done(0)
    finally:
        close_window(window)


def test_edit_keeps_name_and_system_fixed_and_marks_production(qtbot, memory_desk, sandbox):
    memory_desk.profiles.add(Profile("Shop", "bitrix24", sandbox.bitrix24_url,
                                     options={"code": "statusdesk_sandbox"}))
    window = open_window(qtbot, memory_desk)
    try:
        dialog = open_dialog(qtbot, window)
        qtbot.waitUntil(lambda: dialog.editor.name.text() == "Shop")
        assert dialog.editor.name.isReadOnly() and not dialog.editor.system.isEnabled()
        # Switching to webhook auth changes which credentials the profile needs.
        auth = dialog.editor.option_widgets["auth"]
        auth.setCurrentIndex(auth.findData("webhook"))
        assert list(dialog.credentials.rows) == ["webhook-url"]
        auth.setCurrentIndex(auth.findData("oauth"))
        dialog.editor.production.setChecked(True)
        dialog.save()
        qtbot.waitUntil(lambda: memory_desk.profiles.get("Shop").production)
        dialog.done(0)
        qtbot.waitUntil(lambda: "PRODUCTION" in window.summary.text())
        assert "(production)" in window.picker.currentText()
    finally:
        close_window(window)
    assert QApplication.activeModalWidget() is None


def test_the_answer_size_limit_is_kept_and_edited(qtbot, memory_desk, sandbox):
    memory_desk.profiles.add(Profile("Big", "bitrix24", sandbox.bitrix24_url,
                                     options={"code": "c", "auth": "oauth"},
                                     max_response_mb=25.0))
    window = open_window(qtbot, memory_desk)
    try:
        dialog = open_dialog(qtbot, window)
        dialog.select("Big")
        qtbot.waitUntil(lambda: dialog.editor.name.text() == "Big")
        assert dialog.editor.size_limit.value() == 25.0
        dialog.editor.size_limit.setValue(2.5)
        dialog.save()
        qtbot.waitUntil(lambda: memory_desk.profiles.get("Big").max_response_mb == 2.5)
        dialog.done(0)
    finally:
        close_window(window)


def test_remove_with_the_keyring_away_keeps_the_profile_and_says_so(qtbot, statusdesk_home,
                                                                    sandbox):
    from tests.gui.test_no_keyring import NoKeyring

    desk = Desk(statusdesk_home, secrets=NoKeyring())
    profile = Profile("Kept", "superoffice", sandbox.superoffice_url,
                      options={"plugin": "sms"})
    desk.profiles.add(profile)
    desk.secrets.set(profile.name, "ticket", "7T:still-here")
    window = open_window(qtbot, desk)
    try:
        dialog = open_dialog(qtbot, window)
        qtbot.waitUntil(lambda: dialog.list.count() == 1)
        dialog.select(profile.name)
        dialog.remove_button.click()
        box = dialog.findChild(QMessageBox, "removeConfirmation")
        qtbot.waitUntil(box.isVisible)
        next(b for b in box.buttons() if b.text() == "Remove").click()
        qtbot.waitUntil(lambda: "Not removed" in dialog.call_result.text(), timeout=10000)
        assert "cannot be forgotten while the keyring is unavailable" in dialog.call_result.text()
        assert [p.name for p in desk.profiles.load()] == [profile.name]
        assert desk.secrets.read_all(profile.name, ["ticket"]) == {"ticket": "7T:still-here"}
        assert dialog.list.count() == 1
    finally:
        close_window(window)
