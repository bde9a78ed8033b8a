"""Credentials of one profile: whether each is stored, never its value.

Replace opens a password field that writes straight to the keyring and clears itself;
Forget removes the entry. Every keyring call is a job: the keyring may be slow, locked,
or asking the user to unlock it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from gui.errors import explain

if TYPE_CHECKING:
    from core.profiles import Profile
    from core.systems.base import SecretSpec
    from gui.desk import Desk
    from gui.jobs import Jobs

STORED, NOT_STORED, CHECKING = "stored", "not stored", "checking…"


@dataclass
class CredentialRow:
    spec: SecretSpec
    state: QLabel
    entry: QLineEdit
    replace: QPushButton
    forget: QPushButton
    stored: bool | None = None


class CredentialsBox(QGroupBox):
    changed = Signal()  # a credential was stored or forgotten

    def __init__(self, desk: Desk, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__("Credentials (kept in the system keyring)", parent)
        self.setObjectName("credentialsBox")
        self.desk = desk
        self.jobs = jobs
        self.profile: Profile | None = None
        self.rows: dict[str, CredentialRow] = {}
        self.grid = QGridLayout(self)
        self.grid.setColumnStretch(2, 1)
        self.note = QLabel("")
        self.note.setWordWrap(True)

    def set_profile(self, profile: Profile | None, saved: bool) -> None:
        """Rows for the profile's secret fields; only a saved profile can store any."""
        from core.systems import get_system

        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget()
            if widget is not None and widget is not self.note:
                widget.hide()  # at once; deleteLater waits for the event loop
                widget.deleteLater()
        self.rows = {}
        self.profile = profile if saved else None
        specs = get_system(profile.system).secret_fields(profile) if profile else ()
        for line, spec in enumerate(specs):
            label = QLabel(spec.label[:1].upper() + spec.label[1:]
                           + ("" if spec.required else " (optional)"))
            label.setToolTip(spec.help)
            state = QLabel(CHECKING if saved else "")
            state.setObjectName(f"secretState_{spec.key}")
            entry = QLineEdit()
            entry.setObjectName(f"secretEntry_{spec.key}")
            entry.setEchoMode(QLineEdit.EchoMode.Password)
            entry.setPlaceholderText(f"paste the {spec.label}, then Enter")
            entry.hide()
            replace = QPushButton("Replace…")
            replace.setObjectName(f"secretReplace_{spec.key}")
            replace.setToolTip(f"Type or paste a new {spec.label}; it goes straight to the "
                               "keyring and is never shown")
            forget = QPushButton("Forget")
            forget.setObjectName(f"secretForget_{spec.key}")
            forget.setToolTip(f"Remove the stored {spec.label} from the keyring")
            for widget in (replace, forget):
                widget.setEnabled(saved)
                widget.setAutoDefault(False)  # Enter in the entry must only store
            row = CredentialRow(spec, state, entry, replace, forget)
            replace.clicked.connect(lambda _=False, r=row: self.begin_replace(r.spec.key))
            forget.clicked.connect(lambda _=False, r=row: self.forget(r.spec.key))
            entry.returnPressed.connect(lambda r=row: self.store(r.spec.key))
            self.rows[spec.key] = row
            self.grid.addWidget(label, line, 0)
            self.grid.addWidget(state, line, 1)
            self.grid.addWidget(entry, line, 2)
            self.grid.addWidget(replace, line, 3)
            self.grid.addWidget(forget, line, 4)
        self.note.setStyleSheet("")
        self.note.setText("" if saved or profile is None else
                          "Save the profile first: credentials are stored under its name.")
        self.grid.addWidget(self.note, len(specs), 0, 1, 5)
        if saved:
            self.refresh()

    def refresh(self) -> None:
        profile, secrets = self.profile, self.desk.secrets
        if profile is None:
            return
        fields = list(self.rows)

        def check() -> dict[str, bool]:
            secrets.check()
            return {field: secrets.get(profile.name, field) is not None for field in fields}

        self.jobs.start("Checking the keyring", check,
                        lambda found: self._show(profile, found), self._keyring_failed,
                        cancellable=False)

    def state_of(self, field: str) -> str:
        return self.rows[field].state.text()

    # -- replace and forget -----------------------------------------------------------

    def begin_replace(self, field: str) -> None:
        row = self.rows[field]
        row.entry.show()
        row.entry.setFocus(Qt.FocusReason.OtherFocusReason)

    def store(self, field: str) -> None:
        row, profile, secrets = self.rows[field], self.profile, self.desk.secrets
        value = row.entry.text()
        row.entry.clear()
        row.entry.hide()
        if profile is None or not value:
            return
        row.state.setText("storing…")
        name = profile.name
        self.jobs.start(
            "Storing a credential", lambda: secrets.set(name, field, value),
            lambda _: self._stored(profile, field, True), self._keyring_failed,
            cancellable=False)

    def forget(self, field: str) -> None:
        profile, secrets = self.profile, self.desk.secrets
        if profile is None:
            return
        self.rows[field].state.setText("removing…")
        self.jobs.start(
            "Removing a credential", lambda: secrets.delete(profile.name, field),
            lambda _: self._stored(profile, field, False), self._keyring_failed,
            cancellable=False)

    # -- results ------------------------------------------------------------------------

    def _show(self, profile: Profile, found: dict[str, bool]) -> None:
        if profile is not self.profile:
            return  # another profile is shown by now
        for field, stored in found.items():
            if field in self.rows:
                self._set_state(self.rows[field], stored)

    def _stored(self, profile: Profile, field: str, stored: bool) -> None:
        if profile is self.profile and field in self.rows:
            self._set_state(self.rows[field], stored)
        self.changed.emit()

    def _set_state(self, row: CredentialRow, stored: bool) -> None:
        row.stored = stored
        if stored:
            row.state.setText(STORED)
            row.state.setStyleSheet("color: #1e9e50; font-weight: bold;")
        else:
            row.state.setText(NOT_STORED)
            row.state.setStyleSheet("color: #d93025;" if row.spec.required else "")
        row.forget.setEnabled(stored)
        row.replace.setText("Replace…" if stored else "Store…")

    def _keyring_failed(self, exc: BaseException) -> None:
        told = explain(exc, "The keyring")
        for row in self.rows.values():
            if row.state.text() in (CHECKING, "storing…", "removing…"):
                row.state.setText("unknown")
        self.note.setText(f"{told.headline} {told.advice}")
        self.note.setStyleSheet("color: #d93025;")
