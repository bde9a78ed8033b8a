"""The window's profile editor keeps passwords out of addresses, as the command line does:
an Address with credentials and a Proxy with a password are refused at the field; a proxy
with a user name gets a "Proxy password" row in the credentials box (issue 15, item 6)."""

from __future__ import annotations

from core.profiles import Profile
from gui.profiles.dialog import ProfilesDialog
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import all_visible_text

PASSWORD = "Pr0xy-S3cret-42"  # noqa: S105 - a test value


def _dialog(qtbot, window) -> ProfilesDialog:
    window.open_profiles()
    dialog = window.findChild(ProfilesDialog)
    qtbot.waitUntil(lambda: dialog is not None and dialog.isVisible())
    return dialog


def test_passwords_in_addresses_are_refused_at_the_field(qtbot, memory_desk):
    window = open_window(qtbot, memory_desk)
    try:
        dialog = _dialog(qtbot, window)
        editor = dialog.editor
        editor.system.setCurrentIndex(editor.system.findData("bitrix24"))
        qtbot.waitUntil(lambda: editor.option_widgets["code"].isVisible())
        editor.name.setText("Portal")
        editor.option_widgets["code"].setText("sms")
        editor.base_url.setText(f"https://admin:{PASSWORD}@portal.example.com")
        dialog.save()
        assert editor.problem.isVisible() and editor.base_url.property("invalid")
        assert "keyring" in editor.problem.text() and PASSWORD not in editor.problem.text()

        editor.base_url.setText("https://portal.example.com")
        editor.proxy.setText(f"http://agent:{PASSWORD}@proxy.example:3128")
        dialog.save()
        assert editor.problem.isVisible() and editor.proxy.property("invalid")
        assert "proxy password" in editor.problem.text()
        assert PASSWORD not in editor.problem.text()
        assert memory_desk.profiles.load() == []

        editor.proxy.setText("http://agent@proxy.example:3128")
        dialog.save()
        qtbot.waitUntil(lambda: [p.name for p in memory_desk.profiles.load()] == ["Portal"])
        qtbot.waitUntil(lambda: "proxy-password" in dialog.credentials.rows)
        assert "Proxy password" in all_visible_text(dialog)
        dialog.done(0)
    finally:
        close_window(window)


def test_a_profile_without_a_proxy_user_has_no_proxy_password_row(qtbot, memory_desk):
    memory_desk.profiles.add(Profile("Shop", "bitrix24", "https://shop.bitrix24.com",
                                     options={"code": "sms"}, proxy="http://proxy:3128"))
    window = open_window(qtbot, memory_desk)
    try:
        dialog = _dialog(qtbot, window)
        qtbot.waitUntil(lambda: dialog.editor.name.text() == "Shop")
        qtbot.waitUntil(lambda: "client-secret" in dialog.credentials.rows)
        assert "proxy-password" not in dialog.credentials.rows
        dialog.done(0)
    finally:
        close_window(window)
