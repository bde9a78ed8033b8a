"""The main window: pick a profile, fill the status form, preview, send, inspect.

Layout: profile picker and form on the left, the traffic inspector on the right, the
history across the bottom; busy indicator and Cancel in the status bar. Every blocking
call runs as a job (gui.jobs); the window only draws what core returns.

The controllers (the send flow, the profile and history actions, the batch window) are
given what they use and report by signals; the window connects them, and its own widgets,
in one place: ``_connect_signals``. What they tell the person goes through one
``Notices`` object, drawn in the status bar and the inspector.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.desk import Desk
from core.profiles import Profile
from gui.history.actions import HistoryActions
from gui.history.panel import HistoryPanel
from gui.history.team import TeamHistoryLink
from gui.inspector.exchange_view import ExchangeView, view_of_exchange
from gui.inspector.inspector import TrafficInspector
from gui.jobs import Jobs
from gui.notices import Message, Notices
from gui.profiles.actions import ProfileActions
from gui.profiles.picker import PRODUCTION_COLOUR, ProfilePicker
from gui.settings import body_cap_kib, restore_bytes, window_settings
from gui.theme import apply_theme, theme
from gui.widgets.errors import explain
from gui.window.menus import build_menus
from gui.window.send_flow import SendFlow
from gui.window.status_form import StatusForm
from gui.window.welcome import WelcomePanel

if TYPE_CHECKING:
    from PySide6.QtGui import QPaintEvent
    from PySide6.QtWidgets import QMessageBox

    from gui.batch.window import BatchWindow
    from gui.settings_dialog import SettingsDialog
    from gui.sign_in.runner import OpenUrl
    from sandbox.server import Sandbox


HISTORY_SHARE = (58, 42)  # of the height: traffic and form above, history below


class Page(IntEnum):
    """The pages left of the inspector: welcome (no profile yet) or the status form."""

    WELCOME = 0
    FORM = 1


def system_titles() -> dict[str, str]:
    """The target systems' names by key (imports core.systems)."""
    from core.systems import SYSTEMS

    return {key: system.title for key, system in SYSTEMS.items()}


def left_column_width(column: QWidget) -> int:
    """Room for a 32-character message id in the form, with the field's frame."""
    return column.fontMetrics().horizontalAdvance("65575980fa531ac284c2ee68f81ebebd") + 44


def open_in_browser(url: str) -> bool:
    """gui.sign_in.runner.open_in_browser, imported when a sign-in first needs a browser."""
    from gui.sign_in.runner import open_in_browser as open_url

    return open_url(url)


class MainWindow(QMainWindow):
    exchange_shown = Signal(object)  # an ExchangeView, after preview, send or history
    profiles_loaded = Signal()

    def __init__(self, desk: Desk, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.settings: QSettings = window_settings(desk.folder)
        desk.set_history_body_cap(body_cap_kib(self.settings) * 1024)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, theme(self.settings))  # the one chosen in Settings
        self.jobs = Jobs(self)
        self.notices = Notices(self)
        self.sandbox: Sandbox | None = None  # once started from here
        self.seeded: dict[str, tuple[str, ...]] = {}  # profile -> its sandbox message ids
        self.system_titles: dict[str, str] = {}
        self.batch_window: BatchWindow | None = None  # once opened
        self.settings_dialog: SettingsDialog | None = None  # while open
        self.remember_state = True  # False for --smoke: looking must write nothing
        self.open_url: OpenUrl = open_in_browser  # tests put a stand-in browser here
        self.setWindowTitle("StatusDesk")
        self._build()
        self.flow = SendFlow(self.desk, self.jobs, self.form, self.notices, self.ask,
                             self._form_shown, self)
        self.profile_actions = ProfileActions(
            self.desk, self.jobs, self.notices, self.ask, self._chosen_profile,
            self.picker.profiles, lambda url: self.open_url(url), self)
        self.history_actions = HistoryActions(self.desk, self.jobs, self.history, self.picker,
                                              self.form, self.notices, self.settings, self)
        self.team = TeamHistoryLink(self.desk, self.jobs, self)
        self.window_actions = build_menus(self, self.history.send_again_action,
                                   self.history.export_action)
        self._connect_signals()
        self._restore()
        # Loading starts after the first paint: the job thread's imports (lxml, httpx)
        # would otherwise compete with it. The timer covers a window that never paints.
        self._last_profile = str(self.settings.value("last_profile", "") or "")
        self._loading_started = False
        self._after_paint: list[Callable[[], object]] = []
        QTimer.singleShot(400, self._start_loading)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        super().paintEvent(event)
        if not self._loading_started:
            QTimer.singleShot(0, self._start_loading)

    def _start_loading(self) -> None:
        if not self._loading_started:
            self._loading_started = True
            self.reload_profiles(select=self._last_profile)
            self.team.start()
            for callback in self._after_paint:
                callback()
            self._after_paint.clear()

    def after_first_paint(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` when loading starts, after the first paint (now if it has)."""
        if self._loading_started:
            callback()
        else:
            self._after_paint.append(callback)

    # -- building ---------------------------------------------------------------------

    def _build(self) -> None:
        self.picker = ProfilePicker()
        picker_label = QLabel("&Profile")
        picker_label.setBuddy(self.picker)
        self.profiles_button = QToolButton()
        self.profiles_button.setText("Profiles…")
        self.profiles_button.setToolTip("Add, edit or remove profiles and their credentials "
                                         "(Ctrl+,)")
        self.sign_in_button = QToolButton()
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.setText("Sign in")
        self.sign_in_button.setToolTip("Sign in for this profile now and keep what it gives "
                                       "in the keyring (Ctrl+I)")
        self.sign_in_button.hide()
        picker_row = QHBoxLayout()  # its label above it, as the form's labels are
        picker_row.addWidget(self.picker, 1)
        picker_row.addWidget(self.sign_in_button)
        picker_row.addWidget(self.profiles_button)
        self.summary = QLabel("")
        self.summary.setObjectName("profileSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)

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
        self.pages = QStackedWidget()
        self.pages.insertWidget(Page.WELCOME, self.welcome)
        self.pages.insertWidget(Page.FORM, form_page)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(picker_label)
        left_layout.addLayout(picker_row)
        left_layout.addWidget(self.summary)
        left_layout.addWidget(self.pages, 1)

        self.inspector = TrafficInspector(self.jobs)
        self.main_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("mainSplitter")
        self.main_splitter.addWidget(left)
        self.main_splitter.addWidget(self.inspector)
        self.main_splitter.setStretchFactor(1, 1)
        # The form's column is as wide as a Bitrix24 message id needs, at every size:
        # the traffic panes take the rest (at 1024 px, ~360 px each).
        self.main_splitter.setSizes([left_column_width(left), 900])
        # The history spans the window's width: nine columns need it.
        self.history = HistoryPanel()
        self.history_splitter = QSplitter(Qt.Orientation.Vertical)
        self.history_splitter.setObjectName("historySplitter")
        self.history_splitter.addWidget(self.main_splitter)
        self.history_splitter.addWidget(self.history)
        # The history keeps its share of the height as the window grows or shrinks: about
        # six rows at 700 px, fourteen at 1080 (the form's column is not left empty).
        self.history_splitter.setStretchFactor(0, HISTORY_SHARE[0])
        self.history_splitter.setStretchFactor(1, HISTORY_SHARE[1])
        self.history_splitter.setSizes([10 * share for share in HISTORY_SHARE])
        self.history_splitter.setContentsMargins(8, 6, 8, 0)
        self.setCentralWidget(self.history_splitter)

        self.busy_bar = QProgressBar()
        self.busy_bar.setRange(0, 0)  # indeterminate
        self.busy_bar.setMaximumWidth(140)
        self.busy_bar.setMaximumHeight(14)
        self.busy_label = QLabel("")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop waiting for this call (Esc)")
        self.sandbox_label = QLabel("")
        status = self.statusBar()
        for widget in (self.busy_label, self.busy_bar, self.cancel_button):
            status.addPermanentWidget(widget)
        status.addPermanentWidget(self.sandbox_label)
        self._show_busy("")

    def _connect_signals(self) -> None:
        """Every connection between the window's parts, in one place.

        (The Settings and Batch windows are made when first opened; ``open_settings`` and
        ``open_batch`` connect them.)
        """
        notices, flow, for_profile, history = (self.notices, self.flow, self.profile_actions,
                                               self.history_actions)
        notices.line.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        notices.message.connect(self._show_message)
        self.jobs.busy_changed.connect(self._show_busy)
        self.jobs.failed_unhandled.connect(lambda text: notices.say(text, 0))

        self.picker.profile_chosen.connect(self._profile_chosen)
        self.profiles_button.clicked.connect(self.open_profiles)
        self.summary.linkActivated.connect(lambda _: self.start_demo())
        self.welcome.start_demo.connect(self.start_demo)
        self.welcome.add_profile.connect(lambda: self.open_profiles(new=True))
        self.cancel_button.clicked.connect(self.cancel)
        self.inspector.notice.connect(notices.say)

        self.form.submitted.connect(flow.preview)
        self.preview_button.clicked.connect(flow.preview)
        self.send_button.clicked.connect(flow.send)
        flow.shown.connect(self.show_exchange)
        flow.request_shown.connect(self.inspector.show_view)
        flow.recorded.connect(self.history.add_entry)
        flow.sending.connect(lambda sending: self.send_button.setEnabled(not sending))

        self.sign_in_button.clicked.connect(for_profile.sign_in)
        self.inspector.use_new_address.connect(for_profile.offer_new_address)
        for_profile.shown.connect(self.show_exchange)
        for_profile.recorded.connect(self.history.add_entry)
        for_profile.sign_in_offered.connect(self.window_actions.sign_in.setEnabled)
        for_profile.sign_in_offered.connect(self.sign_in_button.setVisible)
        for_profile.read_back_offered.connect(self.window_actions.read_back.setEnabled)
        for_profile.address_changed.connect(lambda name: self.reload_profiles(select=name))

        history.shown.connect(self.show_exchange)
        history.pruned.connect(self._pruned)
        flow.delivery.connect(self.team.show)
        self.team.waiting_changed.connect(self.history.show_waiting)
        self.team.chosen.connect(history.team_chosen)
        self.team.delivered.connect(history.refresh_soon)

        inspector, a = self.inspector, self.window_actions
        for act, slot in ((a.preview, flow.preview), (a.send, flow.send),
                          (a.read_back, for_profile.read_back), (a.cancel, self.cancel),
                          (a.batch, self.open_batch), (a.profiles, self.open_profiles),
                          (a.choose_profile, self.focus_picker),
                          (a.sign_in, for_profile.sign_in), (a.demo, self.start_demo),
                          (a.find, inspector.find_bar.activate),
                          (a.tabs, inspector.layout_button.toggle),
                          (a.save_har, inspector.ask_har_path),
                          (a.copy_curl, inspector.copy_curl), (a.settings, self.open_settings),
                          (a.quit, self.close), (a.filter_history, self.history.focus_filter),
                          (a.shortcuts, self.show_shortcuts), (a.about, self.show_about)):
            act.triggered.connect(slot)
        inspector.exportable.connect(self._exportable)
        self.jobs.busy_changed.connect(lambda label: a.cancel.setEnabled(bool(label)))

    def _show_message(self, message: Message) -> None:
        self.inspector.show_message(message.level, message.headline, message.advice,
                                    details=message.details, clear=message.clear,
                                    empty_note=message.empty_note)

    def _form_shown(self) -> bool:
        return self.pages.currentIndex() == Page.FORM

    def _chosen_profile(self) -> Profile | None:
        """The profile in the picker, unless the welcome page shows (then there is none)."""
        return self.picker.current_profile() if self._form_shown() else None

    def focus_picker(self) -> None:
        self.picker.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.picker.showPopup()

    def fix_tab_order(self) -> None:
        chain = [self.picker, self.sign_in_button, self.profiles_button, *self.form.widgets(),
                 self.preview_button, self.send_button, self.inspector.find_bar.field,
                 self.inspector.request.tabs, self.inspector.response.tabs,
                 *self.history.focus_widgets()]
        for first, second in zip(chain, chain[1:], strict=False):
            QWidget.setTabOrder(first, second)

    # -- state --------------------------------------------------------------------------

    def _restore(self) -> None:
        geometry = restore_bytes(self.settings, "window/geometry")
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 800)
        for key, splitter in (("window/main_splitter", self.main_splitter),
                              ("window/history_splitter", self.history_splitter)):
            state = restore_bytes(self.settings, key)
            if state is not None:
                splitter.restoreState(state)
        # The history's columns fit its width by themselves (gui.history.table.fit_widths).
        self.inspector.restore_state(self.settings)

    def save_state(self) -> None:
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/main_splitter", self.main_splitter.saveState())
        self.settings.setValue("window/history_splitter", self.history_splitter.saveState())
        profile = self.picker.current_profile()
        if profile is not None:
            self.settings.setValue("last_profile", profile.name)
        self.inspector.save_state(self.settings)
        self.settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        if self.remember_state:
            self.save_state()
        if self.batch_window is not None:
            self.batch_window.stop_for_good()
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
        self.jobs.cancel()

    def _exportable(self, curl: bool, har: bool) -> None:
        self.window_actions.copy_curl.setEnabled(curl)
        self.window_actions.save_har.setEnabled(har)

    def show_shortcuts(self) -> None:
        from gui.window.help import ShortcutsDialog

        ShortcutsDialog(self.actions(), self).open()

    def show_about(self) -> None:
        from gui.window.help import AboutDialog

        AboutDialog(self.desk, self.jobs, self.settings, self).open()

    # -- profiles -----------------------------------------------------------------------

    def reload_profiles(self, select: str | None = None) -> None:
        desk = self.desk

        def load() -> tuple[list[Profile], dict[str, str]]:
            profiles = desk.profiles.load()
            # The titles head the picker's groups: without a profile, core.systems waits
            # until something needs it (open_profiles asks for the titles itself).
            return profiles, system_titles() if profiles else {}

        def loaded(result: tuple[list[Profile], dict[str, str]]) -> None:
            profiles, self.system_titles = result
            current = self.picker.current_profile()
            self.picker.set_profiles(profiles, self.system_titles,
                                     select or (current.name if current else None))
            self.history_actions.start()
            self.pages.setCurrentIndex(Page.FORM if profiles else Page.WELCOME)
            if not profiles:
                self.summary.setText("")
                self.welcome.demo_button.setFocus()
            self.profiles_loaded.emit()

        def failed(exc: BaseException) -> None:
            told = explain(exc, "Loading the profiles")
            self.pages.setCurrentIndex(Page.WELCOME)
            self.welcome.set_note(told.headline)
            self.notices.tell("error", told.headline, told.advice)

        self.jobs.start("Loading profiles", load, loaded, failed, cancellable=False)

    def _profile_chosen(self, name: str) -> None:
        profile = self.picker.current_profile()
        self.profile_actions.update(profile)
        if profile is None:
            return
        from core.systems import get_system
        from sandbox.demo import DEMO_PROFILES

        system = get_system(profile.system)
        self.form.set_profile(profile, system.form_fields(profile), system.options,
                              reserved="pvshrfti")
        if self.sandbox is not None:
            self.form.suggest("message_id", self.seeded.get(profile.name, ()), "sandbox")
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
        from gui.inspector.traffic_dialog import traffic_title
        from gui.profiles.dialog import ProfilesDialog

        current = self.picker.current_profile()
        dialog = ProfilesDialog(self.desk, self.jobs, self.system_titles or system_titles(),
                                self, open_url=self.open_url)
        dialog.exchange_ready.connect(
            lambda ex: self.show_exchange(view_of_exchange(ex, traffic_title(ex))))
        dialog.recorded.connect(self.history_actions.refresh_soon)
        dialog.finished.connect(lambda _: self.reload_profiles(
            dialog.chosen or (current.name if current else None)))
        dialog.open()
        if new:
            dialog.new_profile()
        elif current is not None:
            dialog.select(current.name)

    # -- sandbox ------------------------------------------------------------------------

    def start_demo(self) -> None:
        from sandbox.demo import DEMO_PROFILES, DEMO_SUPEROFFICE, DemoSetup, install_demo

        desk, running = self.desk, self.sandbox
        current = self.picker.current_profile()
        chosen = current.name if current is not None and current.name in DEMO_PROFILES \
            else DEMO_SUPEROFFICE

        def started(setup: DemoSetup) -> None:
            self.sandbox, self.seeded = setup.sandbox, setup.seeded
            self.sandbox_label.setText(f"Sandbox at {setup.address}")
            self.notices.say("Sandbox started; demo profiles created, credentials stored in the "
                             "keyring.", 10000)
            self.profiles_loaded.connect(lambda: self._prefill(setup.message_ids),
                                         Qt.ConnectionType.SingleShotConnection)
            self.reload_profiles(select=chosen)

        def failed(exc: BaseException) -> None:
            told = explain(exc, "Starting the sandbox")
            self.welcome.set_note(f"{told.headline} {told.advice}")
            self.notices.tell(told.level, told.headline, told.advice, details=told.details)

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

    def open_batch(self) -> None:
        from gui.batch.window import BatchWindow

        if self.batch_window is None:
            self.batch_window = BatchWindow(self.desk, self.jobs, self.notices, self)
            self.batch_window.rows_recorded.connect(self.history_actions.refresh_soon)
            self.batch_window.rows_recorded.connect(self.team.deliver_soon)
        self.batch_window.open_for(self.picker.profiles(), self.system_titles,
                                   self.picker.current_profile())

    def open_settings(self) -> None:
        from gui.settings_dialog import SettingsDialog

        if self.settings_dialog is not None:
            self.settings_dialog.deleteLater()
        self.settings_dialog = SettingsDialog(self.settings, self, team=self.team)
        self.settings_dialog.prune_wanted.connect(self.history_actions.prune)
        self.settings_dialog.accepted.connect(
            lambda: self.desk.set_history_body_cap(body_cap_kib(self.settings) * 1024))
        self.settings_dialog.open()

    def _pruned(self, text: str) -> None:
        if self.settings_dialog is not None:
            self.settings_dialog.show_pruned(text)

    def ask(self, title: str, text: str, yes: str, on_yes: Callable[[], object]
            ) -> QMessageBox:
        """A window-modal question that does not block the event loop."""
        from gui.widgets.question import ask

        return ask(self, title, text, yes, on_yes)
