"""Profiles: add, edit, remove; credentials to the keyring; a harmless test call.

The list is on the left, the chosen profile on the right. Writing the profiles file, the
keyring and the test call all run as jobs; the dialog stays responsive and the test can
be cancelled.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.jobs import Job
from gui.profiles.call_result import CallResult
from gui.profiles.credentials_box import CredentialsBox
from gui.profiles.editor import ProfileEditor
from gui.profiles.packs import PackActions, PickFile, ask_for_file
from gui.profiles.picker import PRODUCTION_COLOUR, TEST_COLOUR
from gui.sign_in.runner import OpenUrl, SignInRunner, open_in_browser
from gui.widgets.dot import dot_icon
from gui.widgets.errors import explain

if TYPE_CHECKING:
    from core.desk import Desk
    from core.exchange import Exchange
    from core.profiles import Profile
    from gui.inspector.traffic_dialog import TrafficDialog
    from gui.jobs import Jobs

NAME_ROLE = Qt.ItemDataRole.UserRole + 1


class ProfileList(QListWidget):
    """The saved profiles. Focus alone never makes one current: Qt's views make the first
    item current when Tab reaches them, which would load it over a profile being typed."""

    def focusInEvent(self, event: QFocusEvent) -> None:  # noqa: N802 - Qt's name
        if self.currentItem() is not None:
            super().focusInEvent(event)
            return
        self.blockSignals(True)
        try:
            super().focusInEvent(event)
            self.setCurrentRow(-1)
        finally:
            self.blockSignals(False)


class ProfilesDialog(QDialog):
    exchange_ready = Signal(object)  # the masked Exchange of a connection test
    recorded = Signal()  # a test or sign-in made here is in the history now
    profiles_changed = Signal()

    def __init__(self, desk: Desk, jobs: Jobs, titles: dict[str, str],
                 parent: QWidget | None = None, open_url: OpenUrl = open_in_browser,
                 pick_file: PickFile = ask_for_file) -> None:
        super().__init__(parent)
        from core.systems import SYSTEMS

        self.setWindowTitle("Profiles")
        self.setObjectName("profilesDialog")
        self.desk, self.jobs, self.titles = desk, jobs, titles
        self.profiles: dict[str, Profile] = {}
        self.chosen: str | None = None
        self._pending_select: str | None = None
        self._note_after_load = ""
        self._test_job: Job | None = None
        self._test_exchange: Exchange | None = None
        self.dirty = False

        self.list = ProfileList()
        self.list.setObjectName("profileList")
        self.list.currentItemChanged.connect(self._item_changed)
        new_button = QPushButton("Ne&w")
        new_button.clicked.connect(self.new_profile)
        self.remove_button = QPushButton("Re&move…")
        self.remove_button.clicked.connect(self.remove)
        list_buttons = QHBoxLayout()
        list_buttons.addWidget(new_button)
        list_buttons.addWidget(self.remove_button)
        self.packs = PackActions(desk, jobs, self, titles, pick_file)
        self.export_button = QPushButton("&Export…")
        self.export_button.setObjectName("exportProfiles")
        self.export_button.setToolTip("Write every profile to a pack file to share with the "
                                      "team (credentials are never in it)")
        self.export_button.clicked.connect(self.packs.export)
        self.import_button = QPushButton("Im&port…")
        self.import_button.setObjectName("importProfiles")
        self.import_button.setToolTip("Add the profiles of a pack file; shows first what it "
                                      "adds and replaces")
        self.import_button.clicked.connect(self.packs.import_)
        pack_buttons = QHBoxLayout()
        pack_buttons.addWidget(self.export_button)
        pack_buttons.addWidget(self.import_button)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.list, 1)
        left_layout.addLayout(list_buttons)
        left_layout.addLayout(pack_buttons)

        self.editor = ProfileEditor(SYSTEMS)
        self.editor.edited.connect(self._edited)
        self.editor.system_changed.connect(lambda _: self._rebuild_credentials(False))
        self.editor.choice_changed.connect(
            lambda: self._rebuild_credentials(self.editor.existing))
        self.call_result = CallResult()  # how the last test, sign-in or save went
        self.call_result.new_address.connect(self._use_new_address)
        self.packs.said.connect(self.call_result.say)
        self.packs.problem.connect(self.call_result.show_problem)
        self.packs.imported.connect(self._imported)
        self.credentials = CredentialsBox(desk, jobs)
        self.credentials.sign_in_requested.connect(self.sign_in)
        self.credentials.save_first.connect(self._save_then)
        self._after_save: Callable[[], object] | None = None  # the step that asked to save
        self.open_url = open_url
        self.signer = SignInRunner(desk, jobs, self, in_profiles=True)
        self.signer.signed_in.connect(lambda done: self._signed_in(done.exchange))
        self.signer.signed_in.connect(lambda _done: self.recorded.emit())
        self.signer.refused.connect(lambda told: self.call_result.show_problem(told.headline,
                                                                          told.advice))
        self.save_button = QPushButton("Sa&ve profile")
        self.save_button.setObjectName("saveProfile")
        self.save_button.clicked.connect(self.save)
        self.test_button = QPushButton("&Test connection")
        self.test_button.setObjectName("testConnection")
        self.test_button.setToolTip("A harmless call that proves address and credentials "
                                    "work (SuperOffice GetPlugins, Bitrix24 sender.list)")
        self.test_button.clicked.connect(self.test_connection)
        self.traffic_button = QPushButton("Show tra&ffic")
        self.traffic_button.setEnabled(False)
        self.traffic_button.clicked.connect(self.show_traffic)
        self.traffic: TrafficDialog | None = None
        actions = QHBoxLayout()
        actions.addWidget(self.save_button)
        actions.addStretch(1)
        actions.addWidget(self.test_button)
        actions.addWidget(self.traffic_button)
        form = QWidget()
        form_layout = QVBoxLayout(form)
        form_layout.addWidget(self.editor)
        form_layout.addWidget(self.credentials)
        form_layout.addWidget(self.editor.advanced)
        form_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(form)
        # Save, Test and what they said stay in view below the form, whatever its length
        # (in Online mode Save was below the fold).
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(scroll, 1)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.call_result)

        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([220, 560])
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(splitter, 1)
        layout.addWidget(close)
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)  # Enter in a field must not press some button
        self.resize(880, 760)
        self.new_profile()
        self.reload()

    # -- list -----------------------------------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        if select:
            self._pending_select = select
        self.jobs.start("Loading profiles", self.desk.profiles.load, self._fill,
                        self._failed, cancellable=False)

    def _fill(self, profiles: list[Profile]) -> None:
        self.profiles = {p.name: p for p in profiles}
        self.list.blockSignals(True)
        self.list.clear()
        for profile in sorted(profiles, key=lambda p: (p.system, p.name.lower())):
            title = self.titles.get(profile.system, profile.system)
            item = QListWidgetItem(dot_icon(PRODUCTION_COLOUR if profile.production
                                            else TEST_COLOUR),
                                   profile.name)
            item.setData(NAME_ROLE, profile.name)
            item.setToolTip(f"{title}: {profile.base_url}"
                            + ("\nProduction: sending asks first" if profile.production else ""))
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self._pending_select:
            self.select(self._pending_select)

    def _imported(self, names: list[str], next_steps: str) -> None:
        self.profiles_changed.emit()
        self._note_after_load = next_steps  # said once the first imported one is shown
        self.reload(select=names[0])

    def select(self, name: str) -> None:
        self._pending_select = name
        for row in range(self.list.count()):
            if self.list.item(row).data(NAME_ROLE) == name:
                self._pending_select = None
                self.list.setCurrentRow(row)
                return

    def _item_changed(self, item: QListWidgetItem | None, _old: object = None) -> None:
        profile = self.profiles.get(item.data(NAME_ROLE)) if item is not None else None
        if profile is None:
            return
        self.chosen = profile.name
        self.editor.load(profile)
        self._rebuild_credentials(True)
        self.remove_button.setEnabled(True)
        self._set_dirty(False)
        note, self._note_after_load = self._note_after_load, ""
        if note:
            self.call_result.say(note)
        step, self._after_save = self._after_save, None
        if step is not None:  # a new profile saved for its first credential: go on with it
            step()

    def new_profile(self) -> None:
        self.list.blockSignals(True)
        self.list.clearSelection()
        self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        self.editor.load(None)
        self._rebuild_credentials(False)
        self.remove_button.setEnabled(False)
        self._set_dirty(False)
        self.editor.name.setFocus()

    def _rebuild_credentials(self, saved: bool) -> None:
        self.call_result.say("")
        self._test_exchange = None
        self.traffic_button.setEnabled(False)
        try:
            draft = self._draft() if self.editor.system_key() else None
        except Exception:  # noqa: BLE001 - a half-typed profile has no credentials yet
            draft = None
        self.credentials.set_profile(draft, saved and self.editor.existing)
        self._line_up()

    def _inset(self, label: QWidget) -> int:
        """How far a section (a group box) moves its contents right: a few pixels."""
        for box in (self.credentials, self.editor.advanced):
            if box.isAncestorOf(label):
                box.ensurePolished()
                return box.contentsMargins().left()
        return 0

    def _line_up(self) -> None:
        """One width for every label, so that every field starts at the same x."""
        labels = [*self.editor.labels(), *self.credentials.labels()]
        width = max(label.sizeHint().width() + self._inset(label) for label in labels)
        for label in labels:
            label.setMinimumWidth(width - self._inset(label))

    def _draft(self) -> Profile:
        """The profile as typed, without validation (for the credential rows)."""
        from core.profiles import Profile

        return Profile(self.editor.name.text().strip() or "new", self.editor.system_key(),
                       self.editor.base_url.text().strip(),
                       options=self.editor.applicable_options(),
                       proxy=self.editor.proxy.text().strip() or None)  # its password row

    def _edited(self) -> None:
        self._set_dirty(True)

    def _set_dirty(self, dirty: bool) -> None:
        self.dirty = dirty
        self.save_button.setText("Sa&ve profile" + (" *" if dirty else ""))

    # -- save and remove ----------------------------------------------------------------

    def _save_then(self, step: Callable[[], object]) -> None:
        self._after_save = step
        self.save()

    def save(self) -> None:
        try:
            profile = self.editor.profile()
        except Exception as exc:  # noqa: BLE001 - InvalidInput/ProfileError: shown at the field
            self._after_save = None
            told = explain(exc, "Saving the profile", in_profiles=True)
            self.editor.show_problem(told.field or "name", told.headline.removeprefix(
                "Not sent: "))
            return
        self.editor.clear_problem()
        desk = self.desk
        replacing = profile.name if self.editor.existing else None  # names stay

        def saved(_: object) -> None:
            self.chosen = profile.name
            self._set_dirty(False)
            self.profiles_changed.emit()
            self.call_result.say(f"Saved {profile.name!r}.")
            self.reload(select=profile.name)

        def work() -> object:  # a kept ticket never moves along to another address
            return desk.save_profile(profile, replacing=replacing)

        self.jobs.start("Saving the profile", work, saved, self._failed, cancellable=False)

    def remove(self) -> None:
        item = self.list.currentItem()
        if item is None:
            return
        name = item.data(NAME_ROLE)
        box = QMessageBox(QMessageBox.Icon.Question, "Remove profile",
                          f"Remove the profile {name!r} and forget its stored credentials?\n"
                          "Its history stays.", parent=self)
        box.setObjectName("removeConfirmation")
        go = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.finished.connect(lambda _: self._remove(name) if box.clickedButton() is go
                             else None)
        box.open()

    def _remove(self, name: str) -> None:
        desk = self.desk

        def work() -> object:  # refuses, and keeps the profile, when the keyring is away
            return desk.remove_profile(name)

        def removed(_: object) -> None:
            self.chosen = None
            self.profiles_changed.emit()
            self.call_result.say(f"Removed {name!r} and its credentials.")
            self.new_profile()
            self.reload()

        def refused(exc: BaseException) -> None:
            told = explain(exc, "Removing the profile", in_profiles=True)
            self.call_result.show_problem(f"Not removed: {name!r} stays.", " ".join(
                part for part in (told.headline, told.advice) if part))

        self.jobs.start("Removing the profile", work, removed, refused, cancellable=False)

    # -- connection test ----------------------------------------------------------------

    def test_connection(self) -> None:
        if self.jobs.is_running(self._test_job):
            self.jobs.cancel(self._test_job)
            return
        try:
            profile = self.editor.profile()
        except Exception as exc:  # noqa: BLE001 - shown at the field
            told = explain(exc, "Testing", in_profiles=True)
            self.editor.show_problem(told.field or "name", told.headline)
            return
        from core.cancelling import CancelToken

        desk, token = self.desk, CancelToken()

        def work() -> tuple[Exchange, tuple[str, ...]]:
            result = desk.test(profile, token)  # kept in the history by the desk
            return result.exchange, result.listed

        def done(result: tuple[Exchange, tuple[str, ...]]) -> None:
            exchange, listed = result
            self.recorded.emit()
            self._show_exchange(exchange)
            for key in self.editor.option_widgets:
                self.editor.offer(key, listed)
            self._test_finished()

        def failed(exc: BaseException) -> None:
            told = explain(exc, "The connection test", in_profiles=True)
            self.call_result.show_problem(told.headline, told.advice)
            self._test_finished()

        def cancelled() -> None:
            token.cancel()
            self.call_result.say("Test cancelled.")
            self._test_finished()

        self.call_result.say("Testing…")
        self.test_button.setText("Cancel &test")
        self._test_job = self.jobs.start(f"Testing {profile.name}", work, done, failed,
                                         on_cancel=cancelled)

    def _test_finished(self) -> None:
        self.test_button.setText("&Test connection")

    def _show_exchange(self, exchange: Exchange) -> None:
        """The outcome of a test or sign-in, with its traffic one click away."""
        self._test_exchange = exchange
        self.traffic_button.setEnabled(True)
        self.call_result.show_exchange(exchange)

    def show_traffic(self) -> None:
        """The last test's or sign-in's traffic, on top of this dialog (and, once it is
        closed, in the main window's inspector too)."""
        exchange = self._test_exchange
        if exchange is None:
            return
        from gui.inspector.traffic_dialog import TrafficDialog, traffic_title

        if self.traffic is None:
            self.traffic = TrafficDialog(self.jobs, self)
        self.traffic.show_exchange(exchange, traffic_title(exchange))
        self.exchange_ready.emit(exchange)

    def _use_new_address(self, address: str) -> None:
        """The address the server moved to goes into the form; saving stays the user's."""
        self.editor.base_url.setText(address)
        self.editor.base_url.setFocus()

    # -- sign-in --------------------------------------------------------------------------

    def sign_in(self) -> None:
        """Sign in with the profile as edited (saved or not), like the connection test."""
        try:
            profile = self.editor.profile()
        except Exception as exc:  # noqa: BLE001 - shown at the field
            told = explain(exc, "Signing in", in_profiles=True)
            self.editor.show_problem(told.field or "name", told.headline.removeprefix(
                "Not sent: "))
            return
        self.call_result.say("Signing in…")
        self.signer.start(profile, self.open_url)

    def _signed_in(self, exchange: Exchange) -> None:
        self._show_exchange(exchange)
        self.credentials.refresh()

    # -- closing --------------------------------------------------------------------------

    def _failed(self, exc: BaseException) -> None:
        self._after_save = None
        told = explain(exc, "Saving", in_profiles=True)
        self.call_result.show_problem(told.headline, told.advice)

    def reject(self) -> None:
        if self.jobs.is_running(self._test_job):
            self.jobs.cancel(self._test_job)
        if self.jobs.is_running(self.signer.job):
            self.jobs.cancel(self.signer.job)
        if self.dirty:
            answer = QMessageBox.question(
                self, "Unsaved changes", "The profile has unsaved changes. Close anyway?",
                QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Cancel)
            if answer != QMessageBox.StandardButton.Discard:
                return
        super().reject()
