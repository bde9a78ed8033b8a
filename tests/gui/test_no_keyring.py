"""Without a usable keyring the window says so at start, not at the first send."""

from __future__ import annotations

from PySide6.QtWidgets import QMessageBox

from core.desk import Desk, MemorySecrets
from core.secrets import KeyringUnavailable
from gui.app import say_if_no_keyring
from tests.gui.conftest import close_window, open_window


class NoKeyring(MemorySecrets):
    """What SecretStore.check raises on a machine with no Secret Service."""

    def check(self) -> str:
        raise KeyringUnavailable("No usable keyring backend: found keyring.backends.fail."
                                 "Keyring. StatusDesk keeps credentials only in the system "
                                 "keyring and never falls back to a file.")


def test_a_missing_keyring_is_said_at_start(qtbot, statusdesk_home) -> None:
    window = open_window(qtbot, Desk(statusdesk_home, secrets=NoKeyring()))
    try:
        say_if_no_keyring(window)
        qtbot.waitUntil(lambda: window.findChild(QMessageBox, "noKeyring") is not None
                        and window.findChild(QMessageBox, "noKeyring").isVisible())
        box = window.findChild(QMessageBox, "noKeyring")
        assert "never falls back to a file" in box.text()
        box.accept()
    finally:
        close_window(window)


def test_a_working_keyring_says_nothing(qtbot, memory_desk) -> None:
    window = open_window(qtbot, memory_desk)
    try:
        say_if_no_keyring(window)
        assert window.jobs.wait_idle(5)
        qtbot.wait(50)
        assert window.findChild(QMessageBox, "noKeyring") is None
    finally:
        close_window(window)
