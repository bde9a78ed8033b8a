"""What the main window does for a profile besides sending a status.

Sign in (Ctrl+I), read a status back (Ctrl+R, SuperOffice), and point a profile at the
address its server moved to (offered by the outcome banner). Each runs the desk's use case
(core.desk.Desk) in a job; results appear in the inspector like a send's, and the desk
keeps them in the history.
Nothing here sends a status again by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QWidget

from gui.jobs import Job
from gui.widgets.errors import Explained, explain

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMessageBox

    from core.desk import Desk
    from core.history import HistoryEntry
    from core.profiles import Profile
    from gui.inspector.exchange_view import ExchangeView
    from gui.jobs import Jobs
    from gui.notices import Notices
    from gui.sign_in.runner import OpenUrl, SignedIn, SignInRunner
    from gui.widgets.question import Ask
    from gui.window.read_back import ReadBackDialog

class ProfileActions(QObject):
    """Sign in, read back and move a profile; says how it went by signals.

    ``shown(ExchangeView)``: an exchange to draw. ``recorded(HistoryEntry)``: a call kept in
    the history. ``sign_in_offered(bool)``, ``read_back_offered(bool)``: whether the current
    profile can. ``address_changed(name)``: a profile now uses a new address (the profiles
    need reloading). Lines and messages go to ``notices``.
    """

    shown = Signal(object)
    recorded = Signal(object)
    sign_in_offered = Signal(bool)
    read_back_offered = Signal(bool)
    address_changed = Signal(str)

    def __init__(self, desk: Desk, jobs: Jobs, notices: Notices, ask: Ask,
                 current: Callable[[], Profile | None], profiles: Callable[[], list[Profile]],
                 open_url: OpenUrl, parent: QWidget) -> None:
        """``current``: the chosen profile (None while the welcome page shows);
        ``profiles``: every profile listed; ``parent``: what its dialogs open over."""
        super().__init__(parent)
        self.desk, self.jobs, self.notices, self.ask = desk, jobs, notices, ask
        self.current, self.profiles, self.open_url = current, profiles, open_url
        self.dialog_parent = parent
        self._signer: SignInRunner | None = None  # made at the first sign-in
        self.read_job: Job | None = None
        self.read_dialog: ReadBackDialog | None = None
        self.question: QMessageBox | None = None  # the open "use the new address?" one

    @property
    def signer(self) -> SignInRunner:
        if self._signer is None:
            from gui.sign_in.runner import SignInRunner

            self._signer = SignInRunner(self.desk, self.jobs, self.dialog_parent)
            self._signer.signed_in.connect(self._signed_in)
            self._signer.refused.connect(self._tell)
        return self._signer

    def update(self, profile: Profile | None) -> None:
        """Offer only what the current profile can do."""
        kind, reads_back = "", False
        if profile is not None:
            from gui.sign_in.runner import sign_in_kind
            from gui.window.read_back import can_read_back

            kind, reads_back = sign_in_kind(profile), can_read_back(profile)
        self.sign_in_offered.emit(bool(kind))
        self.read_back_offered.emit(reads_back)

    def _current(self, doing: str) -> Profile | None:
        profile = self.current()
        if profile is None:
            self.notices.say(f"Choose a profile first, then {doing}.", 6000)
            return None
        return profile

    def _tenant(self, profile: Profile) -> str:
        from core.systems import get_system

        return get_system(profile.system).tenant(profile)

    def _busy(self, headline: str) -> None:
        self.notices.tell(
            "busy", headline, "The window stays usable; Esc or Cancel stops waiting.",
            clear=True, empty_note="Waiting for the answer…")

    def _tell(self, told: Explained) -> None:
        self.notices.tell(told.level, told.headline, told.advice, details=told.details)

    def _show(self, view: ExchangeView, entry: HistoryEntry | None) -> None:
        self.shown.emit(view)
        if entry is not None:
            self.recorded.emit(entry)

    # -- sign in ------------------------------------------------------------------------

    def sign_in(self) -> None:
        from gui.sign_in.runner import WITH_KEYRING, sign_in_kind

        profile = self._current("sign in")
        if profile is None:
            return
        kind = sign_in_kind(profile)
        if not kind:
            self.notices.say(f"Profile {profile.name!r} has no sign-in: it uses its stored "
                             "credentials as they are.", 8000)
            return
        if self.signer.busy():
            self.notices.say("A sign-in is already under way.", 6000)
            return
        if kind == WITH_KEYRING:
            self._busy(f"Signing in to {self._tenant(profile)}…")
        self.signer.start(profile, self.open_url)

    def _signed_in(self, done: SignedIn) -> None:
        self._show(done.view, done.entry)

    # -- read a status back ---------------------------------------------------------------

    def read_back(self) -> None:
        from gui.window.read_back import ReadBackDialog, can_read_back

        profile = self._current("read a status back")
        if profile is None:
            return
        if not can_read_back(profile):
            self.notices.say("Reading a status back works for SuperOffice profiles only.", 6000)
            return
        dialog = ReadBackDialog(profile, self.dialog_parent)
        dialog.accepted.connect(lambda: self._read(profile, dialog.ids))
        self.read_dialog = dialog
        dialog.open()

    def _read(self, profile: Profile, ids: list[int]) -> None:
        from core.cancelling import CancelToken, cancelled

        if self.jobs.is_running(self.read_job):
            self.jobs.cancel(self.read_job)
        desk, tenant, token = self.desk, self._tenant(profile), CancelToken()

        def work() -> tuple[ExchangeView, HistoryEntry | None]:
            from gui.inspector.exchange_view import view_of_exchange

            result = desk.read_back(profile, ids, token)
            return view_of_exchange(result.exchange, "Read back"), result.entry

        def failed(exc: BaseException) -> None:
            told = explain(exc, "Reading the status back")
            advice = told.advice
            if told.field and getattr(exc, "hint", None) is None:
                advice = "Correct it (profile settings: Profiles, Ctrl+,) and read again."
            self._tell(Explained(told.headline, advice, told.field, told.details, told.level))

        def on_cancel() -> None:
            token.cancel()
            self._tell(Explained(cancelled(tenant, sent=True).summary,
                                 "Reading a status changes nothing; read again when ready."))

        self._busy(f"Reading back from {tenant}…")
        self.read_job = self.jobs.start(
            f"Reading back from {tenant}", work, lambda done: self._show(*done), failed,
            on_cancel=on_cancel)

    # -- a moved server -------------------------------------------------------------------

    def offer_new_address(self, name: str, new_url: str) -> None:
        profile = next((p for p in self.profiles() if p.name == name), None)
        if profile is None:
            self.notices.say(f"There is no profile {name!r} any more.", 6000)
            return
        text = (f"The customer's system answered that it has moved; the call was not "
                f"repeated there.\n\nProfile:  {name}\nOld address:  {profile.base_url}\n"
                f"New address:  {new_url}\n\nStatusDesk changes the profile's address. "
                "Nothing is sent again: send the status again yourself when ready.")
        self.question = self.ask("Use the new address?", text, "Use the new address",
                                        lambda: self._move(name, new_url))

    def _move(self, name: str, new_url: str) -> None:
        self.question = None
        desk = self.desk

        def work() -> tuple[str, str]:
            from core.systems import get_system

            current = desk.profiles.get(name)
            system = get_system(current.system)
            moved = current.with_changes(base_url=system.normalize_base_url(new_url))
            system.validate_profile(moved)
            desk.save_profile(moved, replacing=name)  # forgets the old address's ticket
            desk.connections.discard(name)
            return current.base_url, moved.base_url

        def moved(addresses: tuple[str, str]) -> None:
            old, new = addresses
            self.address_changed.emit(name)
            self.notices.tell(
                "ok", f"Profile {name!r} now uses {new}.",
                f"It used {old}. Nothing was sent again: send the status again (Ctrl+Enter) "
                "when ready.")

        def failed(exc: BaseException) -> None:
            told = explain(exc, "Changing the address")
            self._tell(Explained(told.headline.removeprefix("Not sent: "),
                                 "The profile was not changed.", level="error"))

        self.jobs.start("Changing the profile's address", work, moved, failed,
                        cancellable=False)
