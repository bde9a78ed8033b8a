"""Signing in from the window: SuperOffice password and system user, Bitrix24 in a browser.

Real widgets, the sandbox over loopback HTTP and the real (isolated) keyring. The browser
is a stand-in that does what a browser does with the approval page: fetch it and follow
the portal's redirect back to StatusDesk.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator

import httpx
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QLineEdit

from core.desk import Desk
from core.profiles import Profile
from core.redaction import SECRET_FIELDS
from core.secrets import SecretStore
from gui.profiles.dialog import ProfilesDialog
from gui.sign_in.browser_dialog import BrowserSignInDialog
from gui.window.main_window import MainWindow
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import all_visible_text, back_to, choose, fill, press, send_and_wait

pytestmark = pytest.mark.keyring


@pytest.fixture
def keyring_desk(statusdesk_home) -> Iterator[Desk]:
    desk = Desk(statusdesk_home)  # the real keyring (scripts/test's isolated one)
    yield desk
    store = SecretStore()
    for profile in desk.profiles.load():
        for field in SECRET_FIELDS:
            store.delete(profile.name, field)


@pytest.fixture
def name() -> str:
    return f"Acme {uuid.uuid4().hex[:8]}"


class Browser:
    """What a browser does with the approval page: fetch it, follow the redirects."""

    def __init__(self) -> None:
        self.pages: list[httpx.Response] = []
        self.threads: list[threading.Thread] = []

    def __call__(self, url: str) -> bool:
        thread = threading.Thread(
            target=lambda: self.pages.append(httpx.get(url, follow_redirects=True, timeout=10)),
            daemon=True)
        thread.start()
        self.threads.append(thread)
        return True

    def join(self) -> None:
        for thread in self.threads:
            thread.join(10)


def visible(owner, kind):
    found = [d for d in owner.findChildren(kind) if d.isVisible()]
    return found[0] if found else None


def open_dialog(qtbot, window: MainWindow, select: str | None = None) -> ProfilesDialog:
    window.open_profiles()
    qtbot.waitUntil(lambda: visible(window, ProfilesDialog) is not None)
    dialog = visible(window, ProfilesDialog)
    qtbot.waitUntil(dialog.isActiveWindow)
    if select:
        dialog.select(select)
        qtbot.waitUntil(lambda: dialog.editor.name.text() == select)
    return dialog


def store_in_dialog(qtbot, dialog: ProfilesDialog, field: str, value: str) -> None:
    """Replace…, type the value into the masked entry, Enter."""
    row = dialog.credentials.rows[field]
    qtbot.waitUntil(row.replace.isEnabled)
    row.replace.click()
    assert row.entry.echoMode() == QLineEdit.EchoMode.Password
    row.entry.setText(value)
    qtbot.keyClick(row.entry, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.credentials.state_of(field) == "stored", timeout=10000)


def shown(widget) -> bool:
    return widget.isVisibleTo(widget.window())


def assert_no_secret_shown(window, secrets) -> None:
    text = all_visible_text(window)
    for secret in secrets:
        assert secret and secret not in text


def assert_no_secret_in_files(home, secrets) -> None:
    """The config folder (profiles, settings, the history with every exchange) holds none."""
    files = [path for path in home.rglob("*") if path.is_file()]
    assert any(path.name.startswith("history") for path in files)
    for path in files:
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (path.name, secret[:8])


def bitrix24_profile(sandbox, name: str) -> Profile:
    creds = sandbox.credentials
    return Profile(name, "bitrix24", sandbox.bitrix24_url, options={
        "code": creds.b24_code, "auth": "oauth", "client_id": creds.b24_client_id,
        "oauth_server": sandbox.bitrix24_oauth_url})


# -- SuperOffice ------------------------------------------------------------------------------


def test_password_sign_in_from_the_profiles_dialog(qtbot, keyring_desk, sandbox, name):
    creds = sandbox.credentials
    window = open_window(qtbot, keyring_desk)
    try:
        dialog = open_dialog(qtbot, window)
        editor = dialog.editor
        editor.system.setCurrentIndex(editor.system.findData("superoffice"))
        auth = editor.option_widgets["auth"]
        username = editor.option_widgets["username"]
        tenant = editor.option_widgets["tenant"]
        assert not shown(username) and not shown(tenant)  # a pasted ticket needs neither
        auth.setCurrentIndex(auth.findData("password"))
        assert shown(username) and not shown(tenant)  # live, as the choice changes
        auth.setCurrentIndex(auth.findData("system-user"))
        assert shown(tenant) and not shown(username)
        auth.setCurrentIndex(auth.findData("password"))
        editor.name.setText(name)
        editor.base_url.setText(sandbox.superoffice_url)
        editor.option_widgets["plugin"].setText(creds.so_plugin)
        username.setText(creds.so_username)
        dialog.save()
        qtbot.waitUntil(lambda: dialog.list.count() == 1 and not dialog.dirty)
        saved = keyring_desk.profiles.get(name)
        assert saved.options == {"plugin": creds.so_plugin, "transport": "soap",
                                 "services": "auto", "auth": "password",
                                 "username": creds.so_username}

        # The ticket is StatusDesk's to keep: a status line, no entry field.
        box = dialog.credentials
        qtbot.waitUntil(lambda: box.sign_in_state.text() == "not signed in yet")
        assert list(box.rows) == ["password", "app-token"]
        for kind in ("secretEntry", "secretReplace", "secretForget"):
            assert dialog.findChild(QLineEdit, f"{kind}_ticket") is None
            assert box.findChild(type(box.sign_in_button), f"{kind}_ticket") is None

        # A wrong password: refused in plain words, nothing kept.
        store_in_dialog(qtbot, dialog, "app-token", creds.so_app_token)
        store_in_dialog(qtbot, dialog, "password", "not-the-password")
        box.sign_in_button.click()
        qtbot.waitUntil(lambda: "✖" in dialog.call_result.text(), timeout=10000)
        assert "wrong username or password" in dialog.call_result.text()
        assert SecretStore().get(name, "ticket") is None

        store_in_dialog(qtbot, dialog, "password", creds.so_password)
        box.sign_in_button.click()
        qtbot.waitUntil(lambda: "Signed in as" in dialog.call_result.text(), timeout=10000)
        assert sum(1 for s in sandbox.superoffice.sign_ins if s[0] == "password") == 1
        qtbot.waitUntil(lambda: box.sign_in_state.text().startswith("Ticket: kept by StatusDesk"))
        ticket = SecretStore().get(name, "ticket")
        assert ticket and ticket.startswith("7T:")

        # The exchange is one click from the inspector, masked.
        with qtbot.waitSignal(window.exchange_shown, timeout=5000):
            dialog.traffic_button.click()
        assert "Signed in as" in window.inspector.banner.text()
        assert window.inspector.meta.text().startswith("Sign-in:")
        assert_no_secret_shown(window, [creds.so_password, ticket, "not-the-password"])

        box.forget_sign_in.click()
        qtbot.waitUntil(lambda: box.sign_in_state.text() == "not signed in yet")
        assert SecretStore().get(name, "ticket") is None
        assert SecretStore().get(name, "password") == creds.so_password
        dialog.done(0)
    finally:
        close_window(window)


def test_system_user_sign_in_with_the_key_from_a_file(qtbot, keyring_desk, sandbox, name,
                                                       tmp_path):
    creds = sandbox.credentials
    window = open_window(qtbot, keyring_desk)
    try:
        dialog = open_dialog(qtbot, window)
        editor = dialog.editor
        editor.system.setCurrentIndex(editor.system.findData("superoffice"))
        auth = editor.option_widgets["auth"]
        auth.setCurrentIndex(auth.findData("system-user"))
        editor.name.setText(name)
        editor.base_url.setText(sandbox.superoffice_url)  # .../Cust12345: the tenant
        editor.option_widgets["plugin"].setText(creds.so_plugin)
        editor.option_widgets["login_url"].setText(sandbox.superoffice_login_url)
        dialog.save()
        qtbot.waitUntil(lambda: dialog.list.count() == 1 and not dialog.dirty)
        box = dialog.credentials
        qtbot.waitUntil(lambda: box.sign_in_state.text() == "not signed in yet")
        assert list(box.rows) == ["app-token", "system-user-token", "private-key"]
        store_in_dialog(qtbot, dialog, "app-token", creds.so_app_token)
        store_in_dialog(qtbot, dialog, "system-user-token", creds.so_system_user_token)

        # Typed in, a key that is no key: checked (in a job), refused, nothing stored.
        row = box.rows["private-key"]
        row.replace.click()
        row.entry.setText("not a key at all")
        qtbot.keyClick(row.entry, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: "Nothing was stored" in box.note.text(), timeout=10000)
        qtbot.waitUntil(lambda: box.state_of("private-key") == "not stored")
        assert SecretStore().get(name, "private-key") is None

        # A public key is not the private key: refused, nothing stored.
        public = tmp_path / "app-public.pem"
        public.write_text("-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkq\n-----END PUBLIC KEY-----\n")
        box.load_file("private-key", public)
        qtbot.waitUntil(lambda: "public key" in box.note.text(), timeout=10000)
        qtbot.waitUntil(lambda: box.state_of("private-key") == "not stored")
        assert SecretStore().get(name, "private-key") is None

        # Load from file…: the file dialog, then the key goes straight to the keyring.
        key_file = tmp_path / "app-private.pem"
        key_file.write_text(creds.so_private_key)
        box.findChild(type(box.sign_in_button), "secretFile_private-key").click()
        chooser = box.file_dialog
        qtbot.waitUntil(lambda: chooser is not None and chooser.isVisible())
        chooser.selectFile(str(key_file))
        chooser.accept()
        assert not chooser.isVisible()
        qtbot.waitUntil(lambda: box.state_of("private-key") == "stored", timeout=10000)
        assert "app-private.pem" in box.note.text()
        assert SecretStore().get(name, "private-key") == creds.so_private_key.strip()
        dialog.done(0)
        qtbot.waitUntil(lambda: window.picker.current_profile() is not None
                        and window.picker.current_profile().name == name)

        # Sign in from the main window (Ctrl+I); the exchange shows in the inspector.
        choose(qtbot, window, name)
        assert window.sign_in_button.isVisible() and window.window_actions.sign_in.isEnabled()
        back_to(qtbot, window)
        with qtbot.waitSignal(window.exchange_shown, timeout=10000) as signed:
            press(qtbot, window, "Ctrl+I")
        assert signed.args[0].outcome.ok, signed.args[0].outcome
        assert "Done: Signed in as" in window.inspector.banner.text()
        assert sum(1 for s in sandbox.superoffice.sign_ins if s[0] == "system-user") == 1
        assert "Sign-in" in window.inspector.meta.text()

        # The profiles dialog now says until when the ticket is good.
        dialog = open_dialog(qtbot, window, select=name)
        qtbot.waitUntil(lambda: "valid until" in dialog.credentials.sign_in_state.text())
        ticket = SecretStore().get(name, "ticket")
        key_line = creds.so_private_key.strip().splitlines()[1]
        assert_no_secret_shown(window, [ticket, key_line, creds.so_system_user_token,
                                        creds.so_app_token])
        dialog.done(0)

        # And a send uses the kept ticket: no new sign-in.
        back_to(qtbot, window)
        fill(window, sandbox.superoffice_messages[0], "3")
        assert send_and_wait(qtbot, window).outcome.ok
        assert sum(1 for s in sandbox.superoffice.sign_ins if s[0] == "system-user") == 1
        assert_no_secret_in_files(keyring_desk.folder, [
            ticket, key_line, creds.so_system_user_token, creds.so_app_token])
    finally:
        close_window(window)


# -- Bitrix24 in the browser ------------------------------------------------------------------


def wait_for_dialog(qtbot, owner) -> BrowserSignInDialog:
    qtbot.waitUntil(lambda: visible(owner, BrowserSignInDialog) is not None)
    return visible(owner, BrowserSignInDialog)


def test_bitrix24_browser_sign_in_from_the_main_window(qtbot, keyring_desk, sandbox, name):
    creds = sandbox.credentials
    keyring_desk.profiles.add(bitrix24_profile(sandbox, name))
    keyring_desk.secrets.set(name, "client-secret", creds.b24_client_secret)
    browser = Browser()
    window = open_window(qtbot, keyring_desk)
    window.open_url = browser
    try:
        choose(qtbot, window, name)
        assert window.sign_in_button.isVisible()
        assert not window.window_actions.read_back.isEnabled()  # SuperOffice only
        with qtbot.waitSignal(window.exchange_shown, timeout=15000) as signed:
            press(qtbot, window, "Ctrl+I")
            dialog = wait_for_dialog(qtbot, window)
        assert signed.args[0].outcome.ok, signed.args[0].outcome
        assert dialog.status.text().startswith("✔ Signed in as user 1 on ")
        browser.join()
        assert "You can close this tab" in browser.pages[0].text
        access = SecretStore().get(name, "access-token")
        refresh = SecretStore().get(name, "refresh-token")
        assert access and refresh
        assert "Done: Signed in as user 1" in window.inspector.banner.text()
        assert_no_secret_shown(window, [access, refresh, creds.b24_client_secret])
        dialog.buttons.button(QDialogButtonBox.StandardButton.Close).click()
        qtbot.waitUntil(lambda: not dialog.isVisible())

        back_to(qtbot, window)
        fill(window, sandbox.bitrix24_messages[3], "delivered")
        assert send_and_wait(qtbot, window).outcome.ok
        assert sandbox.bitrix24.status_of(creds.b24_code, sandbox.bitrix24_messages[3]) == \
            "delivered"
        assert_no_secret_in_files(keyring_desk.folder, [
            access, refresh, creds.b24_client_secret, *sandbox.bitrix24.oauth.codes_issued])
    finally:
        close_window(window)


def test_bitrix24_sign_in_by_pasting_the_address(qtbot, keyring_desk, sandbox, name):
    creds = sandbox.credentials
    keyring_desk.profiles.add(bitrix24_profile(sandbox, name))
    keyring_desk.secrets.set(name, "client-secret", creds.b24_client_secret)
    opened: list[str] = []

    def no_browser(url: str) -> bool:
        opened.append(url)
        return False

    window = open_window(qtbot, keyring_desk)
    window.open_url = no_browser
    try:
        profiles = open_dialog(qtbot, window, select=name)
        box = profiles.credentials
        qtbot.waitUntil(lambda: box.sign_in_button.isVisible() and box.sign_in_button.isEnabled())
        box.sign_in_button.click()
        dialog = wait_for_dialog(qtbot, profiles)
        qtbot.waitUntil(lambda: "No browser could be opened" in dialog.status.text())
        assert dialog.paste.isEnabled() and dialog.paste.echoMode() == QLineEdit.EchoMode.Password

        # The person opens the page elsewhere; the portal sends them on with the code.
        answer = httpx.get(opened[0], follow_redirects=False)
        assert answer.status_code == 302
        ended_on = answer.headers["location"]

        qtbot.keyClicks(dialog.paste, "two words")
        qtbot.keyClick(dialog.paste, Qt.Key.Key_Return)
        assert "does not look like" in dialog.problem.text() and dialog.problem.isVisible()
        assert dialog.paste.text() == ""

        dialog.paste.setText(ended_on)
        with qtbot.waitSignal(profiles.signer.signed_in, timeout=15000):
            dialog.use_button.click()
        qtbot.waitUntil(lambda: "Signed in as user 1" in profiles.call_result.text())
        assert dialog.status.text().startswith("✔ Signed in as")
        assert SecretStore().get(name, "access-token")
        assert_no_secret_shown(window, [SecretStore().get(name, "access-token"),
                                        SecretStore().get(name, "refresh-token"),
                                        creds.b24_client_secret])
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible())
        profiles.done(0)
    finally:
        close_window(window)


def test_cancel_while_waiting_for_the_browser_leaves_the_window_usable(
        qtbot, keyring_desk, sandbox, name):
    creds = sandbox.credentials
    keyring_desk.profiles.add(bitrix24_profile(sandbox, name))
    for field, value in (("client-secret", creds.b24_client_secret),
                         ("access-token", creds.b24_access_token)):
        keyring_desk.secrets.set(name, field, value)
    window = open_window(qtbot, keyring_desk)
    window.open_url = lambda url: True  # a browser that never comes back
    try:
        choose(qtbot, window, name)
        press(qtbot, window, "Ctrl+I")
        dialog = wait_for_dialog(qtbot, window)
        qtbot.waitUntil(lambda: "Waiting for your approval" in dialog.status.text())
        assert "Waiting for the browser" in window.busy_label.text()
        listening = dialog.flow.redirect_uri
        assert httpx.get(listening, params={"state": "x", "code": "y"}).status_code == 400

        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
        qtbot.waitUntil(lambda: not dialog.isVisible())
        qtbot.waitUntil(lambda: not window.cancel_button.isVisible())
        assert window.jobs.wait_idle(5)  # the waiting thread ended, the listener closed
        with pytest.raises(httpx.ConnectError):
            httpx.get(listening, timeout=2)

        # Usable at once: a send goes out, and Sign in can start again.
        back_to(qtbot, window)
        fill(window, sandbox.bitrix24_messages[4], "sent")
        assert send_and_wait(qtbot, window).outcome.ok
        press(qtbot, window, "Ctrl+I")
        again = wait_for_dialog(qtbot, window)
        assert again is not dialog
        qtbot.waitUntil(lambda: "Waiting for your approval" in again.status.text())
        qtbot.keyClick(again, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not again.isVisible())
    finally:
        close_window(window)


def test_a_refusal_on_the_portal_is_said_in_plain_words(qtbot, keyring_desk, sandbox, name):
    keyring_desk.profiles.add(bitrix24_profile(sandbox, name))
    keyring_desk.secrets.set(name, "client-secret", sandbox.credentials.b24_client_secret)
    window = open_window(qtbot, keyring_desk)
    window.open_url = lambda url: True
    try:
        choose(qtbot, window, name)
        press(qtbot, window, "Ctrl+I")
        dialog = wait_for_dialog(qtbot, window)
        qtbot.waitUntil(lambda: dialog.flow is not None)
        # The portal sends the browser back with an error instead of a code.
        flow = dialog.flow
        page = httpx.get(flow.redirect_uri, params={
            "state": flow.state, "error": "access_denied",
            "error_description": "The user declined the application"})
        assert page.status_code == 200
        qtbot.waitUntil(lambda: "✖" in dialog.status.text())
        assert "The user declined the application" in dialog.status.text()
        assert "approve StatusDesk" in dialog.status.text()
        assert "bug" not in dialog.status.text()
        assert not dialog.paste.isEnabled()
        assert SecretStore().get(name, "access-token") is None
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)
        qtbot.waitUntil(lambda: not dialog.isVisible())
    finally:
        close_window(window)


def test_closing_while_the_sign_in_is_prepared_stops_its_listener(
        qtbot, keyring_desk, sandbox, name, monkeypatch):
    """Cancel while the keyring is still being read (slow, or asking to be unlocked): the
    loopback listener opened once the read returns is closed, not left running."""
    import threading

    from core import browser_sign_in

    keyring_desk.profiles.add(bitrix24_profile(sandbox, name))
    keyring_desk.secrets.set(name, "client-secret", sandbox.credentials.b24_client_secret)
    release, opened = threading.Event(), []

    class SlowToOpen(browser_sign_in.BrowserSignIn):
        def __init__(self, *args, **kwargs) -> None:
            release.wait(10)  # the keyring read that takes its time
            super().__init__(*args, **kwargs)
            opened.append(self)

    monkeypatch.setattr(browser_sign_in, "BrowserSignIn", SlowToOpen)
    window = open_window(qtbot, keyring_desk)
    window.open_url = lambda url: True
    try:
        choose(qtbot, window, name)
        press(qtbot, window, "Ctrl+I")
        dialog = wait_for_dialog(qtbot, window)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
        qtbot.waitUntil(lambda: not dialog.isVisible())
        release.set()
        qtbot.waitUntil(lambda: bool(opened))
        assert window.jobs.wait_idle(5)
        qtbot.wait(50)  # the prepared sign-in reaches the closed dialog, which closes it
        with pytest.raises(httpx.ConnectError):
            httpx.get(opened[0].redirect_uri, timeout=2)
    finally:
        close_window(window)
