"""Preview, send, confirm and cancel: the steps between the form and the inspector.

Input is checked on the UI thread (pure, instant); the desk's preview and send run in one
job per operation (keyring, network, history). Cancel trips the send's CancelToken: core
cuts the call in flight (its thread ends at once) and records it as core's "cancelled"
(or "cancelled, not sent"); the window stops waiting at once and says, in core's words,
that the request may still have reached the customer's system.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from gui.inspector.exchange_view import (
    ExchangeView,
    view_of_exchange,
    view_of_preview,
    view_of_request_going_out,
)
from gui.jobs import Job
from gui.widgets.errors import explain

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from core.desk import CallResult, Desk
    from core.exchange import OutgoingRequest, StatusUpdate
    from core.history import HistoryEntry
    from core.profiles import Profile
    from core.team_link import EarlierCorrections
    from gui.jobs import Jobs
    from gui.notices import Notices
    from gui.widgets.question import Ask
    from gui.window.status_form import StatusForm


class SendFlow(QObject):
    """Previews and sends what the form holds; says how it went by signals.

    ``shown(ExchangeView)``: a preview or a send to draw. ``recorded(HistoryEntry)``: a
    send kept in the history (a cancelled one too, once it ends). ``sending(bool)``: a
    send is in flight (Send waits meanwhile). ``request_shown(ExchangeView)``: the request
    of the send in flight, as it left, while its answer is awaited. Lines and messages go
    to ``notices``.
    """

    shown = Signal(object)
    request_shown = Signal(object)
    # The request of a send has left (emitted from the job's thread, so queued): its token
    # and its view.
    went_out = Signal(object, object)
    recorded = Signal(object)
    sending = Signal(bool)
    delivery = Signal(object)  # a send's core.team_link.Delivery (None: local history)
    # A cancelled send that ended after the window stopped waiting (emitted from the job's
    # thread, so queued): its token, its view (the request that went out, core's
    # "cancelled" outcome) and its history row, if one was kept.
    ended_after_cancel = Signal(object, object, object)

    def __init__(self, desk: Desk, jobs: Jobs, form: StatusForm, notices: Notices, ask: Ask,
                 has_profile: Callable[[], bool], parent: QObject | None = None) -> None:
        """``has_profile``: whether a profile is chosen (False while the welcome page shows)."""
        super().__init__(parent)
        self.desk, self.jobs, self.form, self.notices = desk, jobs, form, notices
        self.ask, self.has_profile = ask, has_profile
        self.ended_after_cancel.connect(self._cancelled_call_ended)
        self.went_out.connect(self._request_went_out)
        self._cancelled: object = None  # the token of the cancelled send still on screen
        self._in_flight: object = None  # the token of the send whose answer is awaited
        self.send_job: Job | None = None
        self.preview_job: Job | None = None
        self.check_job: Job | None = None
        self.confirmation: QMessageBox | None = None  # the open production question
        jobs.busy_changed.connect(self._busy_changed)

    @Slot(object, object, object)
    def _cancelled_call_ended(self, token: object, view: ExchangeView,
                              entry: HistoryEntry | None) -> None:
        """The history lists it all the same; the panes show what went out, unless
        something else was shown since."""
        if token is self._cancelled:
            self._cancelled = None
            self.shown.emit(view)
        if entry is not None:
            self.recorded.emit(entry)

    @Slot(object, object)
    def _request_went_out(self, token: object, view: ExchangeView) -> None:
        """Shown while the send waits for its answer (not once it ended or was cancelled)."""
        if token is self._in_flight and self.jobs.is_running(self.send_job):
            self.request_shown.emit(view)

    # -- inputs ---------------------------------------------------------------------

    def _inputs(self) -> tuple[Profile, StatusUpdate] | None:
        form = self.form
        profile = form.effective_profile()
        if profile is None or not self.has_profile():
            self.notices.say("Choose or create a profile first.", 6000)
            return None
        form.clear_invalid()
        missing = form.first_missing()
        if missing is not None:  # said at the field; the last exchange stays in view
            form.show_invalid(*missing)
            return None
        return profile, form.status_update()

    def _refuse(self, exc: BaseException, doing: str, *, waiting: bool = False) -> None:
        """Said once: at the field it is about, else in the banner. Nothing was sent, so the
        last exchange stays in the panes, unless they were waiting for this call."""
        told = explain(exc, doing)
        self.form.clear_invalid()
        if told.field and self.form.show_invalid(told.field, told.headline):
            if waiting:
                self.notices.tell(told.level, told.headline, clear=True)
            return
        stepped = getattr(exc, "hint", None) is not None  # the advice says where already
        self.notices.tell(
            told.level, told.headline,
            told.advice if stepped or not told.field else
            f"{told.advice} (It is a setting of the profile: open Profiles, Ctrl+,.)",
            details=told.details, clear=waiting)

    # -- preview ----------------------------------------------------------------------

    def preview(self) -> None:
        inputs = self._inputs()
        if inputs is None:
            return
        profile, update = inputs
        self._cancelled = None  # the preview takes the panes
        if self.jobs.is_running(self.preview_job):
            self.jobs.cancel(self.preview_job)
        desk = self.desk

        def work() -> ExchangeView:
            preview = desk.preview(profile, update)
            return view_of_preview(preview.request, preview.notes)

        self.preview_job = self.jobs.start(
            "Preparing the preview", work, self.shown.emit,
            lambda exc: self._refuse(exc, "The preview"))

    # -- send -------------------------------------------------------------------------

    def send(self) -> None:
        if self.jobs.is_running(self.send_job):
            self.notices.say("A send is still in flight: wait for it or cancel it (Esc).", 6000)
            return
        inputs = self._inputs()
        if inputs is None:
            return
        profile, update = inputs
        from core.systems import get_system

        try:  # before the question: a production send is asked about only when it can go
            get_system(profile.system).validate(update, profile)
        except Exception as exc:  # noqa: BLE001 - InvalidInput, or anything else: explained
            self._refuse(exc, "Sending")
            return
        if self.desk.team_in_use():  # did a teammate set it already? (asks the server)
            self._check_earlier(profile, update)
        else:
            self._ask_production(profile, update)

    def _check_earlier(self, profile: Profile, update: StatusUpdate) -> None:
        """Before a send: anyone who set this message's status on this tenant in the last
        24 hours is named, and the person is asked."""
        desk = self.desk

        def checked(earlier: EarlierCorrections) -> None:
            if earlier.problem:
                self.notices.say(earlier.problem, 10000)
            words = earlier.question(update.message_id)
            if not words:
                self._ask_production(profile, update)
                return
            self.confirmation = self.ask(
                "Set this status again?", f"{words}\n\nSend it again?", "Send again",
                lambda: self._ask_production(profile, update))

        self.check_job = self.jobs.start(
            "Checking the team history",
            lambda: desk.earlier_corrections(profile, [update.message_id]), checked,
            lambda exc: self._refuse(exc, "Checking the team history"))

    def _ask_production(self, profile: Profile, update: StatusUpdate) -> None:
        """The question core asks before this send (production, a status no preset names),
        if any, then the send."""
        from core.confirmation import before_send

        self.confirmation = None
        question = before_send(profile, update, self.form.display_value("status"))
        if question is None:
            self._start_send(profile, update)
            return
        self.confirmation = self.ask(question.title, question.text, question.go,
                                     lambda: self._start_send(profile, update))

    def _start_send(self, profile: Profile, update: StatusUpdate) -> None:
        from core.cancelling import CancelToken, cancelled
        from core.systems import get_system

        self.confirmation = None
        self._cancelled = None
        desk, token = self.desk, CancelToken()
        tenant = get_system(profile.system).tenant(profile)

        def going_out(request: OutgoingRequest) -> None:
            try:
                self.went_out.emit(token, view_of_request_going_out(request))
            except RuntimeError:  # the window is gone
                pass

        def work() -> tuple[ExchangeView, CallResult]:
            result = desk.send(profile, update, token, going_out)
            view = view_of_exchange(result.exchange)
            if token.cancelled:  # done() will not be called
                self.ended_after_cancel.emit(token, view, result.entry)
            return view, result

        def done(finished: tuple[ExchangeView, CallResult]) -> None:
            self._in_flight = None
            view, result = finished
            self.shown.emit(view)
            if result.entry is not None:
                self.recorded.emit(result.entry)
            self.delivery.emit(result.team)
            if result.history_problem:
                self.notices.say(f"Not kept in the history: {result.history_problem}", 0)

        def on_cancel() -> None:
            self._in_flight = None
            self._cancelled = token
            token.cancel()  # cuts the call; core records it as cancelled
            told = cancelled(tenant, sent=True)  # the window stops waiting: say the worst
            self.notices.tell(
                "warning", told.summary, told.advice, clear=True,
                empty_note="Cancelled: the answer, if any, was not waited for.")

        self.notices.tell(
            "busy", f"Sending to {tenant}…",
            "The window stays usable; Esc or Cancel stops waiting.", clear=True,
            empty_note="Waiting for the answer…")
        self._in_flight = token
        self.send_job = self.jobs.start(
            f"Sending to {tenant}", work, done,
            lambda exc: self._refuse(exc, "Sending", waiting=True),
            on_cancel=on_cancel)
        self._busy_changed("")

    def _busy_changed(self, _label: str) -> None:
        self.sending.emit(self.jobs.is_running(self.send_job))
