"""Settings, Team history: keep the history in the team's PostgreSQL database, or on this
machine. The address never carries the password: it is typed in its own hidden field and
kept in the keyring. "Test" tries both without choosing anything (a job, off the UI
thread); OK chooses (the dialog waits for that job, and stays open when it fails).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

if TYPE_CHECKING:
    from gui.history.team import TeamHistoryLink

EXAMPLE = "postgresql://alice@db.example:5432/statusdesk"


class TeamHistoryBox(QGroupBox):
    def __init__(self, link: TeamHistoryLink, parent: QWidget | None = None) -> None:
        super().__init__("Team history", parent)
        self.link = link
        self.chosen_url = ""  # what is in use now ("" this machine's history)
        self.on = QCheckBox("Keep the &history in the team's PostgreSQL database")
        self.on.setObjectName("teamHistoryOn")
        self.address = QLineEdit()
        self.address.setObjectName("teamHistoryAddress")
        self.address.setPlaceholderText(EXAMPLE)
        self.address.setToolTip("postgresql://USER@HOST:PORT/DATABASE, no password; add "
                                "?sslmode=require to insist on TLS (TLS is used whenever "
                                "the server offers it)")
        self.password = QLineEdit()
        self.password.setObjectName("teamHistoryPassword")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("the database user's password")
        self.test_button = QPushButton("Te&st")
        self.test_button.setObjectName("teamHistoryTest")
        self.test_button.setToolTip("Connect with this address and password; nothing is "
                                    "changed")
        self.test_button.clicked.connect(self.test)
        self.result = QLabel("")
        self.result.setObjectName("teamHistoryResult")
        self.result.setWordWrap(True)
        about = QLabel("Every desk's calls in one place, with who made them and on which "
                       "machine. While the server cannot be reached, calls wait on this "
                       "machine and are delivered when it is back. The password is kept in "
                       "the keyring.")
        about.setWordWrap(True)
        password_row = QHBoxLayout()
        password_row.addWidget(self.password, 1)
        password_row.addWidget(self.test_button)
        form = QFormLayout()
        form.addRow("&Address", self.address)
        password_label = QLabel("Pass&word")
        password_label.setBuddy(self.password)
        form.addRow(password_label, password_row)
        layout = QFormLayout(self)
        layout.addRow(self.on)
        layout.addRow(form)
        layout.addRow(self.result)
        layout.addRow(about)
        self.on.toggled.connect(self._toggled)
        self._toggled(False)
        self.setEnabled(False)  # until the current setting is read
        link.load(self._loaded)

    def _loaded(self, url: str) -> None:
        self.chosen_url = url
        self.address.setText(url)
        self.on.setChecked(bool(url))
        if url:
            self.password.setPlaceholderText("stored in the keyring (type to change it)")
        self.setEnabled(True)

    def _toggled(self, on: bool) -> None:
        for widget in (self.address, self.password, self.test_button):
            widget.setEnabled(on)

    def wanted_url(self) -> str:
        return self.address.text().strip() if self.on.isChecked() else ""

    def changed(self) -> bool:
        return self.wanted_url() != self.chosen_url or bool(
            self.on.isChecked() and self.password.text())

    def test(self) -> None:
        self.test_button.setEnabled(False)
        self.result.setText("Testing…")
        self.link.test(self.address.text().strip(), self.password.text(), self._tested)

    def _tested(self, ok: bool, words: str) -> None:
        self.test_button.setEnabled(self.on.isChecked())
        self.result.setText(("✓ " if ok else "✗ ") + words)

    def apply(self, done: Callable[[bool], None]) -> None:
        """Choose what the box says; ``done(True)`` once chosen, ``done(False)`` when it
        failed (the box says why)."""
        url = self.wanted_url()
        if self.on.isChecked() and not url:
            self.result.setText("✗ Type the team database's address, e.g. " + EXAMPLE)
            done(False)
            return
        if url and not self.password.text():
            self.result.setText("✗ Type the database password: StatusDesk keeps it in the "
                                "keyring.")
            done(False)
            return
        self.result.setText("Connecting…")
        self.setEnabled(False)

        def chose(ok: bool, words: str) -> None:
            self.setEnabled(True)
            self.result.setText(("✓ " if ok else "✗ ") + words)
            if ok:
                self.chosen_url = url
                self.password.clear()
            done(ok)

        self.link.choose(url, self.password.text(), chose)
