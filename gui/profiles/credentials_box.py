"""Credentials of one profile: whether each is stored, never its value.

Replace opens a password field that writes straight to the keyring and clears itself;
Forget removes the entry; a private key can be loaded from its file. What StatusDesk
keeps by itself (a cached ticket and its expiry) is no entry field: one sign-in line says
whether it is there and until when, next to Sign in. Every keyring call is a job: the
keyring may be slow, locked, or asking the user to unlock it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.profiles.editor import flush_left
from gui.profiles.key_file import KEY_FILES
from gui.sign_in.runner import BROWSER, sign_in_kind
from gui.widgets.errors import explain

if TYPE_CHECKING:
    from core.desk import Desk
    from core.profiles import Profile
    from core.systems.base import SecretSpec
    from gui.jobs import Jobs

STORED, NOT_STORED, CHECKING = "stored", "not stored", "checking…"
BUSY_STATES = (CHECKING, "storing…", "removing…")


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
    sign_in_requested = Signal()
    # A new profile's Store… or Sign in was used: save it, then run the step (a callable).
    save_first = Signal(object)

    def __init__(self, desk: Desk, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__("Credentials (kept in the system keyring)", parent)
        self.setObjectName("credentialsBox")
        self.setFlat(True)  # its fields in line with the profile's (gui.profiles.editor)
        self.desk = desk
        self.jobs = jobs
        self.profile: Profile | None = None
        self.rows: dict[str, CredentialRow] = {}
        self.managed: tuple[SecretSpec, ...] = ()
        layout = QVBoxLayout(self)
        flush_left(layout)
        self.grid = QGridLayout()
        self.grid.setContentsMargins(0, 0, 0, 0)
        self.grid.setColumnStretch(2, 1)
        layout.addLayout(self.grid)
        self.note = QLabel("", self)
        self.note.setWordWrap(True)
        # Parented from the start: a parentless widget shown would be a window of its own.
        self.sign_in_label = QLabel("Sign-in", self)
        self.sign_in_state = QLabel("", self)
        self.sign_in_state.setObjectName("signInState")
        self.sign_in_state.setWordWrap(True)
        self.sign_in_button = QPushButton("Sign &in", self)
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.clicked.connect(
            lambda: self._when_saved(self.sign_in_requested.emit))
        self.forget_sign_in = QPushButton("Forget", self)
        self.forget_sign_in.setObjectName("forgetSignIn")
        self.forget_sign_in.clicked.connect(self.forget_kept)
        self.file_dialog: QFileDialog | None = None
        # The sign-in line and the note are below the grid, not in it: a label of two
        # lines spanning grid columns got the height of one (its first line was cut).
        sign_in_line = QHBoxLayout()
        sign_in_line.addWidget(self.sign_in_label)
        sign_in_line.addWidget(self.sign_in_state, 1)
        sign_in_line.addWidget(self.sign_in_button)
        sign_in_line.addWidget(self.forget_sign_in)
        layout.addLayout(sign_in_line)
        layout.addWidget(self.note)

    def set_profile(self, profile: Profile | None, saved: bool) -> None:
        """Rows for the profile's secret fields; only a saved profile can store any."""
        from core.proxy import credential_fields
        from core.systems import get_system

        while self.grid.count():
            item = self.grid.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()  # at once; deleteLater waits for the event loop
                widget.deleteLater()
        self.rows = {}
        self.profile = profile if saved else None
        specs = credential_fields(get_system(profile.system), profile) if profile else ()
        self.managed = tuple(spec for spec in specs if spec.managed)
        line = 0
        for spec in specs:
            if not spec.managed:
                self._add_row(spec, line, saved)
                line += 1
        self._add_sign_in_line(profile, saved)
        self.note.setStyleSheet("")
        self.note.setText("" if saved or profile is None else
                          "Store… and Sign in save the profile first: credentials are kept "
                          "under its name.")
        self.note.setVisible(bool(self.note.text()))
        if saved:
            self.refresh()

    def _add_row(self, spec: SecretSpec, line: int, saved: bool) -> None:
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
        replace = QPushButton("Replace…" if saved else "Store…")
        replace.setObjectName(f"secretReplace_{spec.key}")
        replace.setToolTip(f"Type or paste a new {spec.label}; it goes straight to the "
                           "keyring and is never shown")
        forget = QPushButton("Forget")
        forget.setObjectName(f"secretForget_{spec.key}")
        forget.setToolTip(f"Remove the stored {spec.label} from the keyring")
        buttons = [replace, forget]
        row = CredentialRow(spec, state, entry, replace, forget)
        if spec.from_file:
            load = QPushButton("Load from file…")
            load.setObjectName(f"secretFile_{spec.key}")
            load.setToolTip(f"Read the {spec.label} from its file straight into the keyring; "
                            "the file's contents are never shown")
            load.clicked.connect(
                lambda _=False, k=spec.key: self._when_saved(lambda: self.choose_file(k)))
            buttons.append(load)
            self.grid.addWidget(load, line, 5)
        forget.setEnabled(saved)  # a new profile has nothing stored yet
        for widget in buttons:
            widget.setAutoDefault(False)  # Enter in the entry must only store
        replace.clicked.connect(
            lambda _=False, k=spec.key: self._when_saved(lambda: self.begin_replace(k)))
        forget.clicked.connect(lambda _=False, k=spec.key: self.forget(k))
        entry.returnPressed.connect(lambda k=spec.key: self.store(k))
        self.rows[spec.key] = row
        self.grid.addWidget(label, line, 0)
        self.grid.addWidget(state, line, 1)
        self.grid.addWidget(entry, line, 2)
        self.grid.addWidget(replace, line, 3)
        self.grid.addWidget(forget, line, 4)

    def labels(self) -> list[QWidget]:
        """The labels of the credentials and of the sign-in line (lined up by the dialog)."""
        found: list[QWidget] = [self.sign_in_label]
        for row in range(self.grid.rowCount()):
            item = self.grid.itemAtPosition(row, 0)
            label = item.widget() if item is not None else None
            if label is not None:
                found.append(label)
        return found

    def _add_sign_in_line(self, profile: Profile | None, saved: bool) -> None:
        kind = sign_in_kind(profile)
        line = (self.sign_in_label, self.sign_in_state, self.sign_in_button,
                self.forget_sign_in)
        if not kind:
            for widget in line:
                widget.hide()
            return
        self.sign_in_label.show()
        self.sign_in_state.show()
        self.sign_in_button.show()
        self.forget_sign_in.setVisible(bool(self.managed))
        self.forget_sign_in.setEnabled(False)
        self.sign_in_button.setAutoDefault(False)
        self.forget_sign_in.setAutoDefault(False)
        if kind == BROWSER:
            self.sign_in_button.setToolTip("Opens the portal's approval page in your browser; "
                                           "the tokens it gives are stored here")
            self.sign_in_state.setText("through the portal's page in your browser")
        else:
            self.sign_in_button.setToolTip("Sign in now with the credentials above and keep "
                                           "what it gives (Ctrl+I in the main window)")
            self.sign_in_state.setText(CHECKING if saved else "not signed in yet")

    def refresh(self) -> None:
        profile, secrets = self.profile, self.desk.secrets
        if profile is None:
            return
        fields = list(self.rows)
        kept = [spec.key for spec in self.managed]
        expiries = {spec.key for spec in self.managed if spec.expiry_of}

        def check() -> tuple[dict[str, bool], dict[str, str]]:
            secrets.check()
            found = {field: secrets.get(profile.name, field) is not None for field in fields}
            # Only whether the kept ones are there, and the expiry time: no secret comes back.
            stored = {key: ((secrets.get(profile.name, key) or "") if key in expiries
                            else ("yes" if secrets.get(profile.name, key) else ""))
                      for key in kept}
            return found, stored

        self.jobs.start("Checking the keyring", check,
                        lambda result: self._show(profile, *result), self._keyring_failed,
                        cancellable=False)

    def state_of(self, field: str) -> str:
        return self.rows[field].state.text()

    # -- replace, load and forget ------------------------------------------------------

    def _when_saved(self, step: Callable[[], object]) -> None:
        """Now for a saved profile; for a new one, once the dialog has saved it."""
        if self.profile is not None:
            step()
        else:
            self.save_first.emit(step)

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

        def work() -> None:
            from core.systems import get_system

            # The command line's check (a bad key or address is not stored); in the job:
            # reading a private key imports cryptography and parses RSA.
            get_system(profile.system).check_secret(profile, field, value)
            secrets.set(name, field, value)

        self.jobs.start("Storing a credential", work,
                        lambda _: self._stored(profile, field, True), self._keyring_failed,
                        cancellable=False)

    def choose_file(self, field: str) -> None:
        """A file dialog (window-modal, not blocking); the chosen file goes to load_file."""
        spec = self.rows[field].spec
        dialog = QFileDialog(self, f"Load the {spec.label}", str(Path.home()), KEY_FILES)
        dialog.setObjectName("keyFileDialog")
        dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        dialog.fileSelected.connect(lambda path: self.load_file(field, Path(path)))
        self.file_dialog = dialog
        dialog.open()

    def load_file(self, field: str, path: Path) -> None:
        """Read the file in a job and store its text; only the file's name is ever shown."""
        from gui.profiles.key_file import KeyFileProblem, read_key_file

        profile, secrets = self.profile, self.desk.secrets
        if profile is None or field not in self.rows:
            return
        self.rows[field].state.setText("storing…")
        name = profile.name

        def work() -> None:
            from core.systems import get_system
            from core.systems.base import InvalidInput

            text = read_key_file(path)
            try:
                get_system(profile.system).check_secret(profile, field, text)
            except InvalidInput as exc:
                raise KeyFileProblem(f"{path.name}: {exc.message}") from None
            secrets.set(name, field, text)

        def loaded(_: object) -> None:
            self._stored(profile, field, True)
            self._say(f"Stored the {self.rows[field].spec.label} from {path.name} in the "
                      "keyring.")

        self.jobs.start("Loading a key file", work, loaded, self._keyring_failed,
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

    def forget_kept(self) -> None:
        """Forget what StatusDesk kept (the cached ticket): the next call signs in afresh."""
        profile, secrets, kept = self.profile, self.desk.secrets, [s.key for s in self.managed]
        if profile is None or not kept:
            return
        self.sign_in_state.setText("removing…")

        def work() -> None:
            for key in kept:
                secrets.delete(profile.name, key)

        def forgotten(_: object) -> None:
            self.changed.emit()
            self.refresh()

        self.jobs.start("Forgetting the sign-in", work, forgotten, self._keyring_failed,
                        cancellable=False)

    # -- results ------------------------------------------------------------------------

    def _show(self, profile: Profile, found: dict[str, bool], kept: dict[str, str]) -> None:
        if profile is not self.profile:
            return  # another profile is shown by now
        for field, stored in found.items():
            if field in self.rows:
                self._set_state(self.rows[field], stored)
        if self.managed:
            self.sign_in_state.setText(kept_text(self.managed, kept))
            self.forget_sign_in.setEnabled(any(kept.values()))

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

    def _say(self, text: str, error: bool = False) -> None:
        self.note.setText(text)
        self.note.setStyleSheet("color: #d93025;" if error else "")

    def _keyring_failed(self, exc: BaseException) -> None:
        from core.systems.base import InvalidInput
        from gui.profiles.key_file import KeyFileProblem

        for row in self.rows.values():
            if row.state.text() in BUSY_STATES:
                row.state.setText("unknown")
        if self.sign_in_state.text() in BUSY_STATES:
            self.sign_in_state.setText("unknown")
        if isinstance(exc, KeyFileProblem | InvalidInput):  # checked, refused, not stored
            self.refresh()
            message = exc.message if isinstance(exc, InvalidInput) else str(exc)
            self._say(f"{message} Nothing was stored.", error=True)
            return
        told = explain(exc, "The keyring", in_profiles=True)
        self._say(f"{told.headline} {told.advice}", error=True)


def kept_text(managed: tuple[SecretSpec, ...], kept: dict[str, str]) -> str:
    """"Ticket: kept by StatusDesk, valid until 18:20", or "not signed in yet"."""
    expiry_field = {spec.expiry_of: spec.key for spec in managed if spec.expiry_of}
    for spec in managed:
        if spec.expiry_of or not kept.get(spec.key):
            continue
        name = spec.label[:1].upper() + spec.label[1:]
        until = _local_time(kept.get(expiry_field.get(spec.key, ""), ""))
        if until is None:
            return f"{name}: kept by StatusDesk, renewed when refused"
        if until[0] <= datetime.now(UTC):
            return f"{name}: expired at {until[1]}; StatusDesk signs in again on the next call"
        return f"{name}: kept by StatusDesk, valid until {until[1]}"
    return "not signed in yet"


def _local_time(iso: str) -> tuple[datetime, str] | None:
    """The moment and how to say it: "18:20" today, "24 Nov 18:20" on another day."""
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone()
    today = datetime.now().astimezone().date()
    text = f"{local:%H:%M}" if local.date() == today else f"{local:%d %b %H:%M}"
    return moment, text
