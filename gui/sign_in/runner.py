"""Signing in: which kind of sign-in a profile has, and running it off the UI thread.

SuperOffice password and system-user profiles sign in with what the keyring holds (one
job). Bitrix24 OAuth profiles sign in through the portal's approval page in a browser
(gui.sign_in.browser_dialog). Either way the result is one masked Exchange (operation
"sign-in") whose outcome says who signed in, or why not; it is kept in the history.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from gui.inspector.exchange_view import ExchangeView, view_of_exchange
from gui.jobs import Job
from gui.widgets.errors import Explained, explain

if TYPE_CHECKING:
    from core.desk import CallResult, Desk
    from core.exchange import Exchange
    from core.history import HistoryEntry
    from core.profiles import Profile
    from gui.jobs import Jobs
    from gui.sign_in.browser_dialog import BrowserSignInDialog

BROWSER, WITH_KEYRING = "browser", "keyring"
OpenUrl = Callable[[str], bool]  # opens an address in the browser; False if it could not


def open_in_browser(url: str) -> bool:
    return QDesktopServices.openUrl(QUrl(url))


def sign_in_kind(profile: Profile | None) -> str:
    """BROWSER (a portal's approval page), WITH_KEYRING (stored credentials) or "" (none).

    A profile signs in with the keyring when StatusDesk keeps a credential for it (a
    cached ticket); through a browser when its system has an approval page for it.
    """
    if profile is None:
        return ""
    from core.systems import get_system
    from core.systems.base import browser_sign_in

    system = get_system(profile.system)
    if browser_sign_in(system, profile) is not None:
        return BROWSER
    if any(spec.managed for spec in system.secret_fields(profile)):
        return WITH_KEYRING
    return ""


def explain_sign_in(exc: BaseException, *, in_profiles: bool = False) -> Explained:
    """core's refusals, worded for a sign-in instead of a send."""
    from core.browser_sign_in import SignInDenied

    if isinstance(exc, SignInDenied):
        return Explained(f"Not signed in. {exc}",
                         "Sign in again and approve StatusDesk on the portal's page; if the "
                         "portal does not let you, ask its administrator to allow the app.")
    told = explain(exc, "Signing in", in_profiles=in_profiles)
    headline = told.headline
    if headline.startswith("Not sent: "):
        headline = "Not signed in: " + headline.removeprefix("Not sent: ")
    advice = told.advice
    if told.field and advice.startswith("Correct the marked field"):
        advice = "Correct it in Profiles (Ctrl+,), then sign in again."
    return Explained(headline, advice, told.field, told.details, told.level)


@dataclass(frozen=True)
class SignedIn:
    """A sign-in that was attempted: its exchange, history entry and inspector view."""

    exchange: Exchange
    entry: HistoryEntry | None
    view: ExchangeView


def signed_in(result: CallResult) -> SignedIn:
    """The desk's sign-in result with its view (prepared in the job thread)."""
    return SignedIn(result.exchange, result.entry, view_of_exchange(result.exchange, "Sign-in"))


class SignInRunner(QObject):
    """Starts a profile's sign-in and reports its exchange (or why none was made).

    ``signed_in(SignedIn)``: a sign-in was attempted; its exchange's outcome says how it
    went. ``refused(explained)``: nothing to show on the wire (missing credential,
    cancelled, no sign-in for this profile).
    """

    signed_in = Signal(object)
    refused = Signal(object)

    def __init__(self, desk: Desk, jobs: Jobs, parent: QWidget, *,
                 in_profiles: bool = False) -> None:
        """``in_profiles``: it runs inside the Profiles dialog (its steps say so)."""
        super().__init__(parent)
        self.desk, self.jobs, self.owner, self.in_profiles = desk, jobs, parent, in_profiles
        self.job: Job | None = None
        self.dialog: BrowserSignInDialog | None = None  # the open one, if any

    def busy(self) -> bool:
        return self.jobs.is_running(self.job) or (
            self.dialog is not None and self.dialog.isVisible())

    def start(self, profile: Profile, open_url: OpenUrl = open_in_browser) -> None:
        if self.busy():
            return
        kind = sign_in_kind(profile)
        if kind == BROWSER:
            from gui.sign_in.browser_dialog import BrowserSignInDialog

            dialog = BrowserSignInDialog(profile, self.desk, self.jobs, open_url, self.owner)
            dialog.signed_in.connect(self.signed_in)
            dialog.finished.connect(self._dialog_closed)
            self.dialog = dialog
            dialog.open()
            return
        if kind != WITH_KEYRING:
            self.refused.emit(Explained(
                f"Profile {profile.name!r} has no sign-in: it uses the credentials stored "
                "for it as they are.",
                "To let StatusDesk sign in, choose another sign-in"
                + ("." if self.in_profiles else " in Profiles (Ctrl+,).")))
            return
        self._sign_in_with_keyring(profile)

    def _dialog_closed(self) -> None:
        self.dialog = None

    def _sign_in_with_keyring(self, profile: Profile) -> None:
        from core.cancelling import CancelToken
        from core.systems import get_system

        desk, token = self.desk, CancelToken()
        tenant = get_system(profile.system).tenant(profile)

        def work() -> SignedIn:
            return signed_in(desk.sign_in(profile, cancel=token))

        def cancelled() -> None:
            token.cancel()
            self.refused.emit(Explained(
                "Sign-in cancelled: StatusDesk stopped waiting for the answer.",
                "The sign-in may still have gone through; sign in again when ready."))

        self.job = self.jobs.start(
            f"Signing in to {tenant}", work, self.signed_in.emit,
            lambda exc: self.refused.emit(explain_sign_in(exc, in_profiles=self.in_profiles)),
            on_cancel=cancelled)
