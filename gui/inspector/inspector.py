"""The traffic inspector: outcome on top, request and response below, find, copy, HAR.

Shows one ExchangeView at a time (the last send, a preview, a request on its way, or a
history entry). Request and response sit side by side or in tabs; each has a Pretty body
(line numbers, folding), its Headers, and Raw (as on the wire) views; Wrap (a setting)
wraps long lines or scrolls them sideways. When an answer comes, the part of it that says
how the call went (the system names it: a SOAP Fault, ExceptionInfo, the operation's
response; a Bitrix24 error) is scrolled to the top of the Pretty view, the caret on it
and its line number marked.
Everything it shows or copies is already masked by core.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMenu,
    QPlainTextEdit,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui.hints import with_step
from gui.inspector.exchange_view import ExchangeView
from gui.inspector.find_bar import FindBar
from gui.inspector.message_pane import PRETTY, MessagePane
from gui.inspector.one_line import OneLineLabel
from gui.inspector.outcome_banner import OutcomeBanner
from gui.jobs import Jobs
from gui.settings import restore_bytes, restore_int

SIDE_BY_SIDE, TABBED = "side", "tabs"


class TrafficInspector(QWidget):
    notice = Signal(str)  # one line for the status bar
    use_new_address = Signal(str, str)  # profile name, the address its server moved to
    loaded = Signal()  # a big message finished going into the panes (see MessagePane)
    exportable = Signal(bool, bool)  # what is shown can be copied as curl / saved as HAR

    def __init__(self, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.view: ExchangeView | None = None
        self.banner = OutcomeBanner()
        self.banner.action_chosen.connect(self._moved)
        self.meta = OneLineLabel()  # one line whatever its length: nothing below moves
        self.meta.setObjectName("exchangeMeta")
        self.request = MessagePane("Request", "Preview (Ctrl+P) shows the request here.")
        self.response = MessagePane("Response", "The answer appears here after Send.")
        self._active = self.response
        for pane in (self.request, self.response):
            pane.focused.connect(lambda p=pane: self._set_active(p))
            pane.mode_changed.connect(self._sync_mode)
            pane.loaded.connect(self._pane_loaded)

        self.find_bar = FindBar(self._search_editors, self._reveal)
        self.layout_button = QToolButton()
        self.layout_button.setText("Tabs")
        self.layout_button.setCheckable(True)
        self.layout_button.setToolTip("Show request and response in tabs instead of side by side")
        self.layout_button.toggled.connect(
            lambda on: self.set_arrangement(TABBED if on else SIDE_BY_SIDE))
        self.wrap_button = QToolButton()
        self.wrap_button.setText("Wrap")
        self.wrap_button.setCheckable(True)
        self.wrap_button.setChecked(True)
        self.wrap_button.setToolTip("Wrap long lines at the edge (off: they scroll sideways)")
        self.wrap_button.toggled.connect(self.set_wrap)
        self.curl_button = QToolButton()
        self.curl_button.setText("Copy as curl")
        self.curl_button.setToolTip("A curl command for this request; secrets stay placeholders")
        self.curl_button.clicked.connect(self.copy_curl)
        self.body_button = QToolButton()
        self.body_button.setText("Copy body")
        self.body_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        self.body_button.clicked.connect(lambda: self.copy_body(self._active.title))
        body_menu = QMenu(self.body_button)
        body_menu.addAction("Copy request body", lambda: self.copy_body("Request"))
        body_menu.addAction("Copy response body", lambda: self.copy_body("Response"))
        self.body_button.setMenu(body_menu)
        self.har_button = QToolButton()
        self.har_button.setText("Save HAR…")
        self.har_button.setToolTip("Save this exchange as a HAR file (browser devtools open it)")
        self.har_button.clicked.connect(self.ask_har_path)

        # A tool bar folds its buttons into a » menu when the window is narrow.
        self.toolbar = QToolBar()
        self.toolbar.setObjectName("inspectorTools")
        self.toolbar.setStyleSheet("QToolBar { border: none; }")
        for button in (self.layout_button, self.wrap_button, self.curl_button, self.body_button,
                       self.har_button):
            self.toolbar.addWidget(button)
        tools = QHBoxLayout()
        tools.setSpacing(4)
        tools.addWidget(self.find_bar, 1)
        tools.addSpacing(8)
        tools.addWidget(self.toolbar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("trafficSplitter")
        self.splitter.setChildrenCollapsible(False)
        self.tabs = QTabWidget()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.splitter)
        self.stack.addWidget(self.tabs)
        self.arrangement = ""
        self.set_arrangement(SIDE_BY_SIDE)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.banner)
        layout.addWidget(self.meta)
        layout.addLayout(tools)
        layout.addWidget(self.stack, 1)
        self._update_actions()

    # -- showing things ---------------------------------------------------------------

    def show_view(self, view: ExchangeView) -> None:
        self.view = view
        if view.waiting:  # the banner says it is sending; the answer has not come yet
            self.meta.setText(f"{view.title}:  {view.meta}")
            self.request.show_pane(view.request_text)
            self.response.show_pane(None, "Waiting for the answer…")
            self.find_bar.refresh()
            self._update_actions()
            return
        outcome = view.outcome
        details = "\n".join(
            [*(f"Note: {n}" for n in view.notes),
             *([f"Transport error: {view.error}"] if view.error else []),
             *([outcome.detail] if outcome is not None and outcome.detail else [])])
        if outcome is None:
            self.banner.show_message(
                "info", "Preview: nothing has been sent.",
                "This is the request Send would put on the wire, byte for byte; credentials "
                "show as ***placeholders***.", details=details)
        else:
            self.banner.show_outcome(outcome.kind.value, outcome.summary, outcome.code,
                                     with_step(outcome.advice, outcome.hint), details,
                                     cancelled=outcome.cancelled)
            if outcome.moved_to and view.exchange is not None:
                self.banner.offer("Use the new address…",
                                  f"Point profile {view.exchange.profile!r} at "
                                  f"{outcome.moved_to}; nothing is sent again")
        self.meta.setText(f"{view.title}:  {view.meta}")
        self.request.show_pane(view.request_text)
        empty = ("A preview sends nothing, so there is no answer." if view.is_preview
                 else "No answer came back.")
        self.response.show_pane(view.response_text, empty)
        if view.response_text is not None and not view.is_preview:
            self._set_active(self.response)
            if view.response_text.focus_line >= 0:
                self.response.bring_into_view(view.response_text.focus_line)
        self.find_bar.refresh()
        self._update_actions()

    @property
    def loading(self) -> bool:
        """True while a big message is still going into the panes on screen."""
        return self.request.loading or self.response.loading

    def _pane_loaded(self) -> None:
        if self.find_bar.field.text():
            self.find_bar.refresh()  # matches in the part that came in last
        if not self.loading:
            self.loaded.emit()

    def show_message(self, level: str, headline: str, advice: str = "", code: str = "",
                     details: str = "", *, clear: bool = False,
                     empty_note: str = "Nothing was sent.") -> None:
        """A message without new traffic; ``clear`` empties the panes."""
        self.banner.show_message(level, headline, advice, code, details)
        if clear:
            self.view = None
            self.meta.setText("")
            self.request.show_pane(None, empty_note)
            self.response.show_pane(None, empty_note)
            self.find_bar.refresh()
            self._update_actions()

    def _moved(self) -> None:
        view = self.view
        if view is not None and view.exchange is not None and view.outcome is not None \
                and view.outcome.moved_to:
            self.use_new_address.emit(view.exchange.profile, view.outcome.moved_to)

    # -- arrangement ------------------------------------------------------------------

    def set_arrangement(self, arrangement: str) -> None:
        if arrangement == self.arrangement:
            return
        self.arrangement = arrangement
        if arrangement == TABBED:
            self.tabs.addTab(self.request, "Request")
            self.tabs.addTab(self.response, "Response")
            self.stack.setCurrentWidget(self.tabs)
        else:
            self.splitter.addWidget(self.request)
            self.splitter.addWidget(self.response)
            # The tab widget hid the pane that was not on top; a splitter keeps it hidden.
            self.request.show()
            self.response.show()
            self.stack.setCurrentWidget(self.splitter)
        self.layout_button.blockSignals(True)
        self.layout_button.setChecked(arrangement == TABBED)
        self.layout_button.blockSignals(False)

    def set_wrap(self, wrap: bool) -> None:
        for pane in (self.request, self.response):
            pane.set_wrap(wrap)
        self.wrap_button.blockSignals(True)
        self.wrap_button.setChecked(wrap)
        self.wrap_button.blockSignals(False)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("inspector/wrap", self.wrap_button.isChecked())
        settings.setValue("inspector/arrangement", self.arrangement)
        settings.setValue("inspector/splitter", self.splitter.saveState())
        settings.setValue("inspector/mode", self.response.mode())

    def restore_state(self, settings: QSettings) -> None:
        state = restore_bytes(settings, "inspector/splitter")
        if state is not None:
            self.splitter.restoreState(state)
        self.set_arrangement(str(settings.value("inspector/arrangement", SIDE_BY_SIDE)))
        self._sync_mode(restore_int(settings, "inspector/mode", PRETTY))
        wrap = settings.value("inspector/wrap", True)
        self.set_wrap(str(wrap).lower() not in ("false", "0"))

    # -- find ---------------------------------------------------------------------------

    def _search_editors(self) -> list[QPlainTextEdit]:
        return [self.request.current_editor(), self.response.current_editor()]

    def _reveal(self, editor: QPlainTextEdit) -> None:
        pane = self.request if editor in self.request.editors() else self.response
        if self.arrangement == TABBED:
            self.tabs.setCurrentWidget(pane)
        self._set_active(pane)

    def _set_active(self, pane: MessagePane) -> None:
        self._active = pane

    def _sync_mode(self, mode: int) -> None:
        for pane in (self.request, self.response):
            if pane.mode() != mode:
                pane.set_mode(mode)
        self.find_bar.refresh()

    # -- copy and export --------------------------------------------------------------

    def _update_actions(self) -> None:
        view = self.view
        self.curl_button.setEnabled(view is not None)
        self.body_button.setEnabled(view is not None)
        self.har_button.setEnabled(view is not None and view.exchange is not None)
        self.exportable.emit(self.curl_button.isEnabled(), self.har_button.isEnabled())

    def curl_text(self) -> str:
        from core.export import curl_command

        return curl_command(self.view.request) if self.view is not None else ""

    def copy_curl(self) -> None:
        if self.view is None:
            return
        QGuiApplication.clipboard().setText(self.curl_text())
        self.notice.emit("Copied a curl command (secrets are ***placeholders***: fill them in).")

    def copy_body(self, which: str) -> None:
        pane = self.request if which == "Request" else self.response
        if not pane.body:
            self.notice.emit(f"The {which.lower()} has no body to copy.")
            return
        QGuiApplication.clipboard().setText(pane.body.decode("utf-8", errors="replace"))
        self.notice.emit(f"Copied the {which.lower()} body ({len(pane.body)} bytes).")

    def ask_har_path(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        if self.view is None or self.view.exchange is None:
            return
        exchange = self.view.exchange
        suggested = f"{exchange.profile}-{exchange.operation}.har".replace(" ", "-")
        path, _ = QFileDialog.getSaveFileName(
            self, "Save exchange as HAR", str(Path.home() / suggested), "HAR files (*.har)")
        if path:
            self.save_har(Path(path))

    def save_har(self, path: Path) -> None:
        """Write the shown exchange as HAR 1.2, in a job (disk stays off the UI thread)."""
        if self.view is None or self.view.exchange is None:
            return
        exchange = self.view.exchange

        def write() -> Path:
            from core.export import har_text

            path.write_text(har_text(exchange), encoding="utf-8")
            return path

        self.jobs.start(
            "Saving HAR", write,
            lambda saved: self.notice.emit(f"Saved {saved} (masked; open it in browser "
                                           "devtools, Network tab, Import HAR)."),
            lambda exc: self.notice.emit(f"Could not save {path}: {exc}"),
            cancellable=False,
        )
