"""core's next steps (core.hints) as the command to type."""

from __future__ import annotations

from core.hints import Do, Hint
from core.systems import option_spec


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
        return f"statusdesk-cli profile set {name} --max-response-mb N"
    if hint.do is Do.FILL_SETTING:
        option = option_spec(hint.field)
        flag = option.cli_flag if option else f"--{hint.field.replace('_', '-')}"
        return f"statusdesk-cli profile set {name} {flag} VALUE"
    return ""


def quote(text: str) -> str:
    return f"'{text}'" if " " in text else text
