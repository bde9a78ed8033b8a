"""core's next steps in the window's words (gui.hints): buttons, never CLI commands."""

from __future__ import annotations

from core import hints
from gui.hints import window_step, with_step


def test_each_step_names_the_window_s_way_and_no_command() -> None:
    everyone = [hints.store("ticket"), hints.SIGN_IN, hints.TEST, hints.RAISE_SIZE_LIMIT,
                hints.fill_in("client_id")]
    for hint in everyone:
        for in_profiles in (False, True):
            step = window_step(hint, in_profiles=in_profiles)
            assert step and "statusdesk-cli" not in step
            # Inside Profiles, the step never says to open Profiles (issue 16 item 4).
            assert ("Open Profiles" in step) == (not in_profiles
                                                  and hint.do is not hints.Do.SIGN_IN), step
    assert window_step(hints.store("app-token")) == (
        "Open Profiles (Ctrl+,), choose the profile and use Store… (or Replace…) beside "
        "app-token.")
    assert window_step(hints.store("app-token"), in_profiles=True) == (
        "Use Store… (or Replace…) beside app-token.")
    assert window_step(hints.SIGN_IN) == "Use Sign in (Ctrl+I)."
    assert window_step(hints.TEST) == "Open Profiles (Ctrl+,) and use Test connection."
    assert "Answer size limit" in window_step(hints.RAISE_SIZE_LIMIT)
    assert window_step(hints.fill_in("client_id"), in_profiles=True) == (
        "Fill in OAuth client id, then save the profile.")
    assert window_step(None) == ""


def test_advice_and_step_go_together() -> None:
    assert with_step("Check it.", hints.TEST, in_profiles=True) == (
        "Check it. Use Test connection.")
    assert with_step("Check it.", None) == "Check it."
    assert with_step("", hints.SIGN_IN) == "Use Sign in (Ctrl+I)."
