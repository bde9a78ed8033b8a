"""The main window: pick a profile, fill the status form, preview, send, inspect.

Layout: profile picker, form and history on the left; the traffic inspector on the right;
busy indicator and Cancel in the status bar. Every blocking call runs as a job
(gui.jobs); the window only draws what core returns. The send flow lives in
gui.send_flow.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.profiles import Profile
from gui.demo import DEMO_PROFILES
from gui.desk import Desk
from gui.errors import explain
from gui.exchange_view import ExchangeView, view_of_exchange
from gui.history_panel import HistoryPanel
from gui.inspector import TrafficInspector
from gui.jobs import Job, Jobs
from gui.menus import install_actions
from gui.profile_actions import ProfileActions
from gui.profile_picker import PRODUCTION_COLOUR, ProfilePicker
from gui.send_flow import SendFlow
from gui.settings import restore_bytes, window_settings
from gui.sign_in import OpenUrl, open_in_browser
from gui.status_form import StatusForm
from gui.welcome import WelcomePanel

WELCOME, FORM = 0, 1


class MainWindow(QMainWindow):
    exchange_shown = Signal(object)  # an ExchangeView, after preview, send or history
    profiles_loaded = Signal()

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.settings: QSettings = window_settings(desk.folder)
        self.jobs = Jobs(self)
        self.sandbox = None  # core.sandbox.Sandbox once started from here
        self.system_titles: dict[str, str] = {}
        self._history_job: Job | None = None
        self.remember_state = True  # False for --smoke: looking must write nothing
        self.open_url: OpenUrl = open_in_browser  # tests put a stand-in browser here
        self.setWindowTitle("StatusDesk")
        self._build()
        self.flow = SendFlow(self)
        self.profile_actions = ProfileActions(self)
        install_actions(self)
        self._restore()
        # Loading starts after the first paint: the job thread's imports (lxml, httpx)
        # would otherwise compete with it. The timer covers a window that never paints.
        self._last_profile = str(self.settings.value("last_profile", "") or "")
        self._loading_started = False
        QTimer.singleShot(400, self._start_loading)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if not self._loading_started:
            QTimer.singleShot(0, self._start_loading)

    def _start_loading(self) -> None:
        if not self._loading_started:
            self._loading_started = True
            self.reload_profiles(select=self._last_profile)

    # -- building ---------------------------------------------------------------------

    def _build(self) -> None:
        self.picker = ProfilePicker()
        self.picker.profile_chosen.connect(self._profile_chosen)
        picker_label = QLabel("&Profile")
        picker_label.setBuddy(self.picker)
        self.profiles_button = QToolButton()
        self.profiles_button.setText("Profiles…")
        self.profiles_button.setToolTip("Add, edit or remove profiles and their credentials "
                                         "(Ctrl+,)")
        self.profiles_button.clicked.connect(self.open_profiles)
        self.sign_in_button = QToolButton()
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.setText("Sign in")
        self.sign_in_button.setToolTip("Sign in for this profile now and keep what it gives "
                                       "in the keyring (Ctrl+I)")
        self.sign_in_button.hide()
        picker_row = QHBoxLayout()
        picker_row.addWidget(picker_label)
        picker_row.addWidget(self.picker, 1)
        picker_row.addWidget(self.sign_in_button)
        picker_row.addWidget(self.profiles_button)
        self.summary = QLabel("")
        self.summary.setObjectName("profileSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.linkActivated.connect(lambda _: self.start_demo())

        self.form = StatusForm()
        self.preview_button = QPushButton("Pre&view")
        self.preview_button.setToolTip("Show the exact request Send would make (Ctrl+P)")
        self.send_button = QPushButton("&Send")
        self.send_button.setObjectName("sendButton")
        self.send_button.setToolTip("Send the new status (Ctrl+Enter)")
        self.send_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.send_button)
        form_page = QWidget()
        form_layout = QVBoxLayout(form_page)
        form_layout.setContentsMargins(0, 0, 0, 0)
        form_layout.addWidget(self.form)
        form_layout.addLayout(buttons)
        form_layout.addStretch(1)
        self.welcome = WelcomePanel()
        self.welcome.start_demo.connect(self.start_demo)
        self.welcome.add_profile.connect(lambda: self.open_profiles(new=True))
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(form_page)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(picker_row)
        top_layout.addWidget(self.summary)
        top_layout.addWidget(self.pages, 1)
        self.history = HistoryPanel()
        self.history.entry_chosen.connect(self.open_history_entry)
        history_box = QWidget()
        history_layout = QVBoxLayout(history_box)
        history_layout.setContentsMargins(0, 0, 0, 0)
        history_label = QLabel("&History")
        history_label.setBuddy(self.history)
        history_layout.addWidget(history_label)
        history_layout.addWidget(self.history, 1)
        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.setObjectName("leftSplitter")
        self.left_splitter.addWidget(top)
        self.left_splitter.addWidget(history_box)
        self.left_splitter.setStretchFactor(1, 1)
        self.left_splitter.setSizes([280, 480])

        self.inspector = TrafficInspector(self.jobs)
        self.inspector.notice.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(self.left_splitter)
        self.main_splitter.addWidget(self.inspector)
        self.main_splitter.setStretchFactor(1, 1)
        self.main_splitter.setSizes([380, 900])
        self.main_splitter.setContentsMargins(8, 6, 8, 0)
        self.setCentralWidget(self.main_splitter)

        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setMaximumHeight(14)
        self.busy_label = QLabel("")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop waiting for this call (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.sandbox_label = QLabel("")
        status = self.statusBar()
        for widget in (self.busy_label, self.busy_bar, self.cancel_button):
            status.addPermanentWidget(widget)
        status.addPermanentWidget(self.sandbox_label)
        self._show_busy("")
        self.jobs.busy_changed.connect(self._show_busy)
        self.jobs.failed_unhandled.connect(lambda text: self.statusBar().showMessage(text))

    def focus_picker(self) -> None:
        self.picker.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.picker.showPopup()

    def fix_tab_order(self) -> None:
        chain = [self.picker, self.sign_in_button, self.profiles_button, *self.form.widgets(),
                 self.preview_button, self.send_button, self.history,
                 self.inspector.find.field, self.inspector.request.tabs,
                 self.inspector.response.tabs]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- state --------------------------------------------------------------------------

    def _restore(self) -> None:
        geometry = restore_bytes(self.settings, "window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        for key, splitter in (("window/main_splitter", self.main_splitter),
                              ("window/left_splitter", self.left_splitter)):
            state = restore_bytes(self.settings, key)
            if state is not None:
                splitter.restoreState(state)
        self.inspector.restore_state(self.settings)

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/main_splitter", self.main_splitter.saveState())
        self.settings.setValue("window/left_splitter", self.left_splitter.saveState())
        profile = self.picker.current_profile()
        if profile is not None:
            self.settings.setValue("last_profile", profile.name)
        self.inspector.save_state(self.settings)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.remember_state:
            self.save_state()
        self.jobs.abandon_all()
        self.desk.connections.close_all()
        if self.sandbox is not None:
            self.sandbox.stop()
            self.sandbox = None
        super().closeEvent(event)

    # -- busy -----------------------------------------------------------------------------

    def _show_busy(self, label: str) -> None:
        busy = bool(label)
        self.busy_label.setText(f"{label}…" if busy else "")
        for widget in (self.busy_label, self.busy_bar, self.cancel_button):
            widget.setVisible(busy)

    def cancel(self) -> None:
        if not self.jobs.cancel():
            if self.inspector.find.field.hasFocus() and self.inspector.find.field.text():
                self.inspector.find.field.clear()

    # -- profiles -----------------------------------------------------------------------

    def reload_profiles(self, select: str | None = None) -> None:
        desk = self.desk

        def load() -> tuple[list[Profile], dict[str, str], list]:
            from core.systems import SYSTEMS

            titles = {key: system.title for key, system in SYSTEMS.items()}
            profiles = desk.profiles.load()
            try:
                entries = desk.history.recent()
            except Exception:  # noqa: BLE001 - the list is a convenience; sending still works
                entries = []
            return profiles, titles, entries

        def loaded(result: tuple[list[Profile], dict[str, str], list]) -> None:
            profiles, self.system_titles, entries = result
            current = self.picker.current_profile()
            self.picker.set_profiles(profiles, self.system_titles,
                                     select or (current.name if current else None))
            self.history.set_entries(entries)
            self.pages.setCurrentIndex(FORM if profiles else WELCOME)
            if not profiles:
                self.summary.setText("")
                self.welcome.demo_button.setFocus()
            self.profiles_loaded.emit()

        def failed(exc: BaseException) -> None:
            told = explain(exc, "Loading the profiles")
            self.pages.setCurrentIndex(WELCOME)
            self.welcome.set_note(told.headline)
            self.inspector.show_message("error", told.headline, told.advice)

        self.jobs.start("Loading profiles", load, loaded, failed, cancellable=False)

    def _profile_chosen(self, name: str) -> None:
        profile = self.picker.current_profile()
        self.profile_actions.update(profile)
        if profile is None:
            return
        from core.systems import get_system

        system = get_system(profile.system)
        self.form.set_profile(profile, system.form_fields(profile), system.options,
                              reserved="pvshrfti")
        badge = (f' <span style="color:{PRODUCTION_COLOUR}; font-weight:bold">● PRODUCTION'
                 "</span>" if profile.production else "")
        lines = [f"{system.title} · {system.tenant(profile)}{badge}"]
        lines += [f'<span style="color:#b36b00">⚠ {w}</span>' for w in system.warnings(profile)]
        if self.sandbox is None and profile.name in DEMO_PROFILES:
            lines.append('A demo profile: <a href="#sandbox">start the sandbox</a> to use it.')
        self.summary.setText("<br>".join(lines))
        self.fix_tab_order()
        self.settings.setValue("last_profile", name)

    def open_profiles(self, new: bool = False) -> None:
        from gui.profiles_dialog import ProfilesDialog

        current = self.picker.current_profile()
        dialog = ProfilesDialog(self.desk, self.jobs, self.system_titles, self,
                                open_url=self.open_url)
        dialog.exchange_ready.connect(lambda ex: self.show_exchange(view_of_exchange(
            ex, "Sign-in" if ex.operation == "sign-in" else "Connection test")))
        dialog.finished.connect(lambda _: self.reload_profiles(
            dialog.chosen or (current.name if current else None)))
        dialog.open()
        if new:
            dialog.new_profile()
        elif current is not None:
            dialog.select(current.name)

    # -- sandbox ------------------------------------------------------------------------

    def start_demo(self) -> None:
        from gui.demo import DEMO_SUPEROFFICE, DemoSetup, install_demo

        desk, running = self.desk, self.sandbox
        current = self.picker.current_profile()
        chosen = current.name if current is not None and current.name in DEMO_PROFILES \
            else DEMO_SUPEROFFICE

        def started(setup: DemoSetup) -> None:
            self.sandbox = setup.sandbox
            self.sandbox_label.setText(f"Sandbox at {setup.address}")
            self.statusBar().showMessage(
                "Sandbox started; demo profiles created, credentials stored in the keyring.",
                10000)
            self.profiles_loaded.connect(lambda: self._prefill(setup.message_ids),
                                         Qt.ConnectionType.SingleShotConnection)
            self.reload_profiles(select=chosen)

        def failed(exc: BaseException) -> None:
            told = explain(exc, "Starting the sandbox")
            self.welcome.set_note(f"{told.headline} {told.advice}")
            self.inspector.show_message(told.level, told.headline, told.advice,
                                        details=told.details)

        self.welcome.set_note("Starting the sandbox…")
        self.jobs.start("Starting the sandbox", lambda: install_demo(desk, running),
                        started, failed)

    def _prefill(self, message_ids: dict[str, str]) -> None:
        profile = self.picker.current_profile()
        if profile is not None and profile.name in message_ids and "message_id" in \
                self.form.fields and not self.form.value("message_id"):
            self.form.set_value("message_id", message_ids[profile.name])
            self.form.fields["message_id"].setFocus()

    # -- showing traffic --------------------------------------------------------------

    def show_exchange(self, view: ExchangeView) -> None:
        self.inspector.show_view(view)
        self.exchange_shown.emit(view)

    def open_history_entry(self, entry_id: int) -> None:
        if self._history_job is not None:
            self.jobs.cancel(self._history_job)
        history = self.desk.history

        def failed(exc: BaseException) -> None:
            told = explain(exc, "Opening the history entry")
            self.inspector.show_message(told.level, told.headline, told.advice)

        self._history_job = self.jobs.start(
            "Opening history entry",
            lambda: view_of_exchange(history.exchange(entry_id), "History"),
            self.show_exchange, failed, cancellable=False)

    def ask(self, title: str, text: str, yes: str, on_yes) -> QMessageBox:
        """A window-modal question that does not block the event loop."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=self)
        box.setObjectName("confirmation")
        go = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.finished.connect(lambda _: box.clickedButton() is go and on_yes())
        box.open()
        return box
