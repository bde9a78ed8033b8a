"""Sign in through the portal's approval page (Bitrix24 OAuth), without freezing the window.

Opens the page in the browser, waits in a cancellable job for the browser to come back
to StatusDesk's loopback address with the code, and takes the code pasted by hand as the
other way. Then the desk exchanges the code for tokens (Desk.sign_in) in another job.
Closing the dialog at any point stops listening (core.browser_sign_in.BrowserSignIn).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from gui.hints import with_step
from gui.jobs import Job, OnResult
from gui.sign_in.runner import OpenUrl, SignedIn, explain_sign_in, signed_in

if TYPE_CHECKING:
    from core.browser_sign_in import BrowserSignIn
    from core.desk import Desk
    from core.profiles import Profile
    from gui.jobs import Jobs

WAIT_SECONDS = 600.0
POLL_SECONDS = 0.2  # how soon a cancelled wait notices, so its thread ends quickly
OK_COLOUR, ERROR_COLOUR = "#1e9e50", "#d93025"
NOTE_LINES = 3  # the longest note at the dialog's width ("No browser could be opened…")


class BrowserSignInDialog(QDialog):
    signed_in = Signal(object)  # a gui.sign_in.runner.SignedIn, whether it worked or not

    def __init__(self, profile: Profile, desk: Desk, jobs: Jobs, open_url: OpenUrl,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from core.systems import get_system

        self.profile, self.desk, self.jobs, self.open_url = profile, desk, jobs, open_url
        self.flow: BrowserSignIn | None = None
        self._stop = threading.Event()
        self._closed = False
        self._jobs: list[Job] = []
        tenant = get_system(profile.system).tenant(profile)
        self.setWindowTitle(f"Sign in: {profile.name}")
        self.setObjectName("browserSignIn")

        intro = QLabel(f"Approve StatusDesk on {tenant}'s page in your browser. When the "
                       "browser comes back, StatusDesk stores the tokens in the keyring.")
        intro.setWordWrap(True)
        self.status = QLabel("Preparing the sign-in…")
        self.status.setObjectName("signInStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # Room for three lines from the start: a note that grew from one line to two
        # moved every control below it while the person was about to click one.
        self.status.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self.status.setMinimumHeight(NOTE_LINES * self.status.fontMetrics().lineSpacing()
                                     + 2 * self.status.margin())
        self.open_again = QPushButton("&Open the page again")
        self.open_again.clicked.connect(self._open_page)
        self.copy_address = QPushButton("&Copy the page's address")
        self.copy_address.setToolTip("To open it in another browser yourself")
        self.copy_address.clicked.connect(self._copy_address)
        page_row = QHBoxLayout()
        page_row.addWidget(self.open_again)
        page_row.addWidget(self.copy_address)
        page_row.addStretch(1)

        self.paste = QLineEdit()
        self.paste.setObjectName("pastedCode")
        self.paste.setEchoMode(QLineEdit.EchoMode.Password)  # the code is a credential
        self.paste.setPlaceholderText("https://…?code=…&state=…   or the code alone")
        paste_label = QLabel("If the browser ends on another page, &paste the address it "
                             "ended on, or the code:")
        paste_label.setWordWrap(True)
        paste_label.setBuddy(self.paste)
        self.use_button = QPushButton("&Use it")
        self.use_button.clicked.connect(self.use_pasted)
        paste_row = QHBoxLayout()
        paste_row.addWidget(self.paste, 1)
        paste_row.addWidget(self.use_button)
        self.problem = QLabel("")
        self.problem.setObjectName("pasteProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet(f"color: {ERROR_COLOUR};")
        self.problem.hide()

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.status)
        layout.addLayout(page_row)
        layout.addSpacing(8)
        layout.addWidget(paste_label)
        layout.addLayout(paste_row)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        # Enter (in the paste field, or anywhere) uses the paste: "Use it" is the default
        # button, and no other button may become default by taking the focus.
        for button in (self.open_again, self.copy_address,
                       self.buttons.button(QDialogButtonBox.StandardButton.Cancel)):
            button.setAutoDefault(False)
        self.use_button.setDefault(True)
        self._set_waiting(False)
        self.resize(560, 280)
        self._prepare()

    # -- steps ------------------------------------------------------------------------

    def _prepare(self) -> None:
        profile, secrets = self.profile, self.desk.secrets

        def work() -> BrowserSignIn:
            from core.browser_sign_in import BrowserSignIn

            return BrowserSignIn(profile, secrets)  # reads the keyring, starts listening

        self._start("Preparing the sign-in", work, self._ready, cancellable=False)

    def _ready(self, flow: BrowserSignIn) -> None:
        if self._closed:
            self._close_flow(flow)
            return
        self.flow = flow
        self._set_waiting(True)
        self.paste.setFocus(Qt.FocusReason.OtherFocusReason)
        self._open_page()
        stop = self._stop

        def wait() -> str | None:
            deadline = time.monotonic() + WAIT_SECONDS
            while not stop.is_set() and time.monotonic() < deadline:
                code = flow.wait(POLL_SECONDS)
                if code:
                    return code
            return None

        self._start("Waiting for the browser", wait, self._code_arrived,
                    on_cancel=self._cancelled)

    def _open_page(self) -> None:
        if self.flow is None:
            return
        if self.open_url(self.flow.authorization_url):
            self._say("Waiting for your approval in the browser… (Cancel stops waiting.)")
        else:
            self._say("No browser could be opened: copy the page's address, open it in a "
                      "browser yourself, and approve StatusDesk there.")

    def use_pasted(self) -> None:
        from core.systems.base import InvalidInput

        if self.flow is None:
            return
        try:
            self.flow.paste(self.paste.text())
        except InvalidInput as exc:
            self.problem.setText(exc.message)
            self.problem.show()
            return
        finally:
            self.paste.clear()
        self.problem.hide()
        self._say("Got the code…")

    def _code_arrived(self, code: str | None) -> None:
        flow, self.flow = self.flow, None
        self._set_waiting(False)
        if flow is not None:
            self._close_flow(flow)
        if code is None or flow is None:
            self._say(f"No approval arrived within {WAIT_SECONDS / 60:.0f} minutes. Close "
                      "this and sign in again.", ERROR_COLOUR)
            return
        self._say("Approved. Exchanging the code for tokens…")
        from core.cancelling import CancelToken

        profile, desk, redirect_uri = self.profile, self.desk, flow.redirect_uri
        token = CancelToken()

        def work() -> SignedIn:
            return signed_in(desk.sign_in(profile, code=code, redirect_uri=redirect_uri,
                                          cancel=token))

        def cancelled() -> None:
            token.cancel()
            self._cancelled()

        self._start("Signing in", work, self._signed_in, on_cancel=cancelled)

    def _signed_in(self, result: SignedIn) -> None:
        exchange = result.exchange
        outcome = exchange.outcome
        if outcome.ok:
            self._say(f"✔ {outcome.summary}", OK_COLOUR)
        else:
            said = with_step(outcome.advice, outcome.hint)
            advice = f" {said}" if said else ""
            self._say(f"✖ {outcome.summary}{advice}", ERROR_COLOUR)
        self.buttons.setStandardButtons(QDialogButtonBox.StandardButton.Close)
        close = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        close.setDefault(True)
        close.setFocus()
        self.signed_in.emit(result)

    def _failed(self, exc: BaseException) -> None:
        told = explain_sign_in(exc)
        self._set_waiting(False)
        flow, self.flow = self.flow, None
        if flow is not None:
            self._close_flow(flow)
        self._say(f"✖ {told.headline} {told.advice}".strip(), ERROR_COLOUR)

    # -- closing ----------------------------------------------------------------------

    def _cancelled(self) -> None:
        """The window's Cancel stopped a job of this dialog: nothing left to wait for."""
        if not self._closed:
            self.reject()

    def done(self, result: int) -> None:
        """Closing, by Cancel, Close, Esc or the window's close button: stop listening."""
        self._closed = True
        self._stop.set()
        for job in self._jobs:  # the preparing one runs on: _ready closes what it opened
            if job.cancellable and self.jobs.is_running(job):
                self.jobs.cancel(job)
        flow, self.flow = self.flow, None
        if flow is not None:
            self._close_flow(flow)
        super().done(result)

    def _close_flow(self, flow: BrowserSignIn) -> None:
        # close() waits for the listener's loop to notice (about 50 ms): a job all the same.
        self.jobs.start("Closing the sign-in", flow.close, lambda _: None, lambda _: None,
                        cancellable=False)

    # -- helpers ----------------------------------------------------------------------

    def _start(self, label: str, work: Callable[[], Any], on_result: OnResult, *,
               cancellable: bool = True, on_cancel: Callable[[], None] | None = None) -> None:
        job = self.jobs.start(label, work, on_result, self._failed, on_cancel=on_cancel,
                              cancellable=cancellable)
        self._jobs = [j for j in self._jobs if self.jobs.is_running(j)] + [job]

    def _set_waiting(self, waiting: bool) -> None:
        for widget in (self.open_again, self.copy_address, self.paste, self.use_button):
            widget.setEnabled(waiting)

    def _say(self, text: str, colour: str = "") -> None:
        self.status.setText(text)
        self.status.setStyleSheet(f"color: {colour};" if colour else "")

    def _copy_address(self) -> None:
        if self.flow is not None:
            QGuiApplication.clipboard().setText(self.flow.authorization_url)
            self._say("Copied the page's address. Open it in a browser and approve StatusDesk.")
