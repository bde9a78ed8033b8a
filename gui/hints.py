"""core's next steps (core.hints) as the window's steps: which button, where.

The CLI words the same values as its commands (cli/hints.py). Inside the Profiles dialog
(``in_profiles``) the step names the button there, never "open Profiles" (the person is in
it already).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.hints import Hint

PROFILES = "Open Profiles (Ctrl+,)"
SIZE_LIMIT_LABEL = "Answer size limit"  # gui.profiles.editor's row, under Advanced


def window_step(hint: Hint | None, *, in_profiles: bool = False) -> str:
    """The step in the window's words, or '' for none."""
    if hint is None:
        return ""
    from core.hints import Do

    if hint.do is Do.STORE_CREDENTIAL:
        where = f"use Store… (or Replace…) beside {hint.field or 'the credential'}"
        return _in_profile(where, in_profiles)
    if hint.do is Do.SIGN_IN:
        return "Use Sign in." if in_profiles else "Use Sign in (Ctrl+I)."
    if hint.do is Do.TEST:
        return "Use Test connection." if in_profiles else f"{PROFILES} and use Test connection."
    if hint.do is Do.RAISE_SIZE_LIMIT:
        where = f"raise {SIZE_LIMIT_LABEL} under Advanced, then save the profile"
        return _in_profile(where, in_profiles)
    if hint.do is Do.FILL_SETTING:
        from core.systems import option_spec

        option = option_spec(hint.field)
        where = f"fill in {option.label if option else hint.field}, then save the profile"
        return _in_profile(where, in_profiles)
    return ""


def _in_profile(step: str, in_profiles: bool) -> str:
    """A step taken in the profile's editor, from where the person is."""
    if in_profiles:
        return f"{step[:1].upper()}{step[1:]}."
    return f"{PROFILES}, choose the profile and {step}."


def with_step(advice: str, hint: Hint | None, *, in_profiles: bool = False) -> str:
    """``advice`` followed by the window's step (either may be empty)."""
    step = window_step(hint, in_profiles=in_profiles)
    return " ".join(part for part in (advice, step) if part)
