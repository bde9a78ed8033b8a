"""Exceptions from core (raised before anything was sent) in the user's words, with the
window's step for core's hint (gui.hints)."""

from __future__ import annotations

import traceback
from dataclasses import dataclass

from gui.hints import window_step


@dataclass(frozen=True)
class Explained:
    headline: str
    advice: str = ""
    field: str = ""  # the form field or profile option the problem is about
    details: str = ""
    level: str = "warning"


def explain(exc: BaseException, doing: str = "Sending", *,
            in_profiles: bool = False) -> Explained:
    """``in_profiles``: told inside the Profiles dialog (its steps name its buttons)."""
    from core.history import HistoryError
    from core.profiles import ProfileError
    from core.secrets import KeyringUnavailable, SecretStoreError
    from core.systems.base import InvalidInput, MissingSecret, UnusableSecret

    if isinstance(exc, InvalidInput):
        return Explained(f"Not sent: {exc.message}",
                         window_step(exc.hint, in_profiles=in_profiles)
                         or "Correct the marked field and try again.", field=exc.field)
    if isinstance(exc, UnusableSecret):  # stored, but it cannot go out as it is
        return Explained(f"Not sent: {exc}", window_step(exc.hint, in_profiles=in_profiles),
                         field=exc.field)
    if isinstance(exc, MissingSecret):
        return Explained(
            f"Not sent: no {exc.field} is stored for profile {exc.profile!r}.",
            window_step(exc.hint, in_profiles=in_profiles), field=exc.field)
    if isinstance(exc, KeyringUnavailable):
        return Explained("The system keyring cannot be used, so credentials cannot be read "
                         "or stored.", str(exc), level="error")
    if isinstance(exc, SecretStoreError):
        return Explained("The keyring refused the operation.", str(exc), level="error")
    if isinstance(exc, ProfileError | HistoryError):
        return Explained(str(exc), level="error")
    from core.team_config import TeamSettingError
    from core.team_history import TeamHistoryError

    if isinstance(exc, TeamHistoryError | TeamSettingError):
        return Explained(str(exc), "Settings, Team history: check the address and password, "
                         "or choose this machine's history.", level="warning")
    if isinstance(exc, OSError):
        return Explained(f"{doing} failed: {exc.strerror or exc}.",
                         "Check the file or folder named here and try again.", level="error")
    details = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    return Explained(
        f"{doing} failed unexpectedly: {type(exc).__name__}: {exc}",
        "This is a bug in StatusDesk. Nothing was sent unless the traffic below says so. "
        "Please report it with the details.",
        details=details, level="error")
