"""core's next steps (core.hints) as the command to type."""

from __future__ import annotations

from core.hints import Do, Hint


def command_for(hint: Hint | None, profile: str) -> str:
    """The statusdesk-cli command that takes the step, or '' for none."""
    if hint is None:
        return ""
    name = quote(profile or "PROFILE")
    if hint.do is Do.STORE_CREDENTIAL:
        return f"statusdesk-cli secret set {name} {hint.field}"
    if hint.do is Do.SIGN_IN:
        return f"statusdesk-cli login {name}"
    if hint.do is Do.TEST:
        return f"statusdesk-cli test {name}"
    if hint.do is Do.RAISE_SIZE_LIMIT:
        return f"statusdesk-cli profile add {name} ... --max-response-mb N --replace"
    return ""


def quote(text: str) -> str:
    return f"'{text}'" if " " in text else text
