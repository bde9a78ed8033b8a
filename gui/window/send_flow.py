"""Preview, send, confirm and cancel: the steps between the form and the inspector.

Input is checked on the UI thread (pure, instant); keyring, network and history run in
one job per operation. Cancelling abandons the job, closes the connection it uses (which
cuts the call in flight: its thread ends at once, see core.transport.Connection.abort) and
says plainly that the request may still have reached the customer's system. A cancel
that comes before anything was sent stops the send for good (the keyring read checks).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from gui.inspector.exchange_view import ExchangeView, view_of_exchange, view_of_preview
from gui.jobs import Job
from gui.widgets.errors import explain

if TYPE_CHECKING:
    from core.desk import Desk
    from core.exchange import Exchange, StatusUpdate
    from core.history import HistoryEntry
    from core.profiles import Profile
    from core.secrets import Secrets
    from core.transport import Connection
    from gui.jobs import Jobs
    from gui.notices import Notices
    from gui.widgets.question import Ask
    from gui.window.status_form import StatusForm

CANCELLED_SUMMARY = "Cancelled: StatusDesk stopped waiting for the answer."
CANCELLED_ADVICE = (
    "The request may already have reached {tenant} and been applied. A repeated status "
    "update is harmless: send again to be sure, or check the message in the customer's system."
)


class Cancelled(Exception):
    """Raised in the job thread when the user cancelled before the request went out."""


class _GuardedSecrets:
    """Reads secrets, then refuses to go on if the user cancelled meanwhile."""

    def __init__(self, store: Secrets, cancelled: threading.Event) -> None:
        self._store = store
        self._cancelled = cancelled

    def read_all(self, profile: str, fields: Iterable[str]) -> dict[str, str]:
        found = self._store.read_all(profile, fields)
        if self._cancelled.is_set():
            raise Cancelled()
        return found

    def set(self, profile: str, field: str, value: str) -> None:
        self._store.set(profile, field, value)  # renewed tokens must be kept even so

    def set_many(self, profile: str, values: Mapping[str, str]) -> None:
        self._store.set_many(profile, values)


class SendFlow(QObject):
    """Previews and sends what the form holds; says how it went by signals.

    ``shown(ExchangeView)``: a preview or a send to draw. ``recorded(HistoryEntry)``: a
    send kept in the history (a cancelled one too, once it ends). ``sending(bool)``: a
    send is in flight (Send waits meanwhile). Lines and messages go to ``notices``.
    """

    shown = Signal(object)
    recorded = Signal(object)
    sending = Signal(bool)
    # A cancelled send's history row, recorded after the window stopped waiting: the
    # history list shows it all the same (emitted from the job's thread, so queued).
    recorded_after_cancel = Signal(object)

    def __init__(self, desk: Desk, jobs: Jobs, form: StatusForm, notices: Notices, ask: Ask,
                 has_profile: Callable[[], bool], parent: QObject | None = None) -> None:
        """``has_profile``: whether a profile is chosen (False while the welcome page shows)."""
        super().__init__(parent)
        self.desk, self.jobs, self.form, self.notices = desk, jobs, form, notices
        self.ask, self.has_profile = ask, has_profile
        self.recorded_after_cancel.connect(self._list_cancelled)
        self.send_job: Job | None = None
        self.preview_job: Job | None = None
        self.confirmation = None  # the open production question, if any
        jobs.busy_changed.connect(self._busy_changed)

    @Slot(object)
    def _list_cancelled(self, entry: HistoryEntry) -> None:
        self.recorded.emit(entry)

    # -- inputs ---------------------------------------------------------------------

    def _inputs(self) -> tuple[Profile, StatusUpdate] | None:
        form = self.form
        profile = form.effective_profile()
        if profile is None or not self.has_profile():
            self.notices.say("Choose or create a profile first.", 6000)
            return None
        form.clear_invalid()
        missing = form.first_missing()
        if missing is not None:
            form.show_invalid(*missing)
            self.notices.tell("warning", f"Not sent: {missing[1]}", clear=True)
            return None
        return profile, form.status_update()

    def _refuse(self, exc: BaseException, doing: str) -> None:
        told = explain(exc, doing)
        marked = bool(told.field) and self.form.show_invalid(told.field, told.headline)
        self.notices.tell(
            told.level, told.headline,
            told.advice if marked or not told.field else
            f"{told.advice} (It is a setting of the profile: open Profiles, Ctrl+,.)",
            details=told.details, clear=True)

    # -- preview ----------------------------------------------------------------------

    def preview(self) -> None:
        inputs = self._inputs()
        if inputs is None:
            return
        profile, update = inputs
        if self.jobs.is_running(self.preview_job):
            self.jobs.cancel(self.preview_job)
        desk = self.desk

        def work() -> ExchangeView:
            from core.secrets import SecretStoreError
            from core.sending import preview, secret_keys
            from core.systems import get_system
            from core.transport import Connection

            notes = list(get_system(profile.system).warnings(profile))
            try:
                secrets = desk.secrets.read_all(profile.name, secret_keys(profile))
            except SecretStoreError as exc:
                secrets = {}
                notes.append(f"The keyring could not be read ({exc}); credentials show as "
                             "placeholders and sizes are those of the placeholders.")
            # Its own connection: the pooled one belongs to sends (and may be replaced).
            with Connection(profile) as connection:
                request = preview(profile, update, secrets, connection)
            return view_of_preview(request, tuple(notes))

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

        system = get_system(profile.system)
        try:
            system.validate(update, profile)
        except Exception as exc:  # noqa: BLE001 - InvalidInput, or anything else: explained
            self._refuse(exc, "Sending")
            return
        if not profile.production:
            self._start_send(profile, update)
            return
        form = self.form
        lines = [
            "This profile is marked PRODUCTION: the new status goes to a customer's "
            "live system.",
            "",
            f"Customer system:  {system.tenant(profile)}  (profile {profile.name})",
            f"Message id:  {update.message_id.strip()}",
            f"New status:  {form.display_value('status')}",
        ]
        if update.description:
            lines.append(f"Description:  {update.description}")
        self.confirmation = self.ask(
            "Send to production?", "\n".join(lines), "Send to production",
            lambda: self._start_send(profile, update))

    def _start_send(self, profile: Profile, update: StatusUpdate) -> None:
        from core.systems import get_system

        self.confirmation = None
        desk = self.desk
        tenant = get_system(profile.system).tenant(profile)
        cancelled = threading.Event()
        used: list[Connection] = []  # the one this send uses, for Cancel to cut

        def work() -> tuple[ExchangeView, HistoryEntry | None, str]:
            from core.history import HistoryError
            from core.sending import send_status

            connection = desk.connections.get(profile)
            used.append(connection)
            if cancelled.is_set():  # cancelled while it was being opened: cut it too
                connection.close()
            exchange = send_status(profile, update, _GuardedSecrets(desk.secrets, cancelled),
                                   connection)
            if cancelled.is_set():
                exchange = _as_cancelled(exchange, tenant)
            try:
                entry, problem = desk.history.record(exchange), ""
            except HistoryError as exc:
                entry, problem = None, str(exc)
            if cancelled.is_set() and entry is not None:  # done() will not be called
                self.recorded_after_cancel.emit(entry)
            return view_of_exchange(exchange), entry, problem

        def done(result: tuple[ExchangeView, HistoryEntry | None, str]) -> None:
            view, entry, problem = result
            self.shown.emit(view)
            if entry is not None:
                self.recorded.emit(entry)
            if problem:
                self.notices.say(f"Not kept in the history: {problem}", 0)

        def on_cancel() -> None:
            cancelled.set()
            desk.connections.discard(profile.name)
            for connection in used:  # the same one, unless the profile changed meanwhile
                connection.close()
            self.notices.tell(
                "warning", CANCELLED_SUMMARY, CANCELLED_ADVICE.format(tenant=tenant),
                clear=True, empty_note="Cancelled: the answer, if any, was not waited for.")

        self.notices.tell(
            "busy", f"Sending to {tenant}…",
            "The window stays usable; Esc or Cancel stops waiting.", clear=True,
            empty_note="Waiting for the answer…")
        self.send_job = self.jobs.start(
            f"Sending to {tenant}", work, done, lambda exc: self._refuse(exc, "Sending"),
            on_cancel=on_cancel)
        self._busy_changed("")

    def _busy_changed(self, _label: str) -> None:
        self.sending.emit(self.jobs.is_running(self.send_job))


def _as_cancelled(exchange: Exchange, tenant: str) -> Exchange:
    """The late record of a cancelled call, kept in the history as what it was: cut off by
    the cancel (nothing sent yet, or maybe applied), or an answer that came anyway."""
    from core.cancelling import CANCELLED_BEFORE_SENDING
    from core.exchange import Outcome, OutcomeKind

    code = exchange.outcome.code
    if code == CANCELLED_BEFORE_SENDING:
        outcome = replace(exchange.outcome, summary="Cancelled before the request was "
                          f"sent: nothing reached {tenant}.")
    else:
        outcome = Outcome(OutcomeKind.TRANSPORT, CANCELLED_SUMMARY, code="cancelled",
                          advice=CANCELLED_ADVICE.format(tenant=tenant),
                          detail=exchange.outcome.detail if code == "cancelled" else
                          f"What came back after the cancel: {exchange.outcome.summary}")
    return replace(exchange, outcome=outcome)
