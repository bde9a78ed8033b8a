"""``statusdesk-cli login``: run a profile's sign-in from a terminal.

SuperOffice (password, system user) signs in with what the keyring holds. Bitrix24 OAuth
opens the portal's approval page and takes the code from the browser's redirect to a
loopback address, or from a line pasted on standard input, whichever comes first.
Messages go to standard error, so ``--json`` output stays clean.
"""

from __future__ import annotations

import sys
import threading
import webbrowser
from typing import TextIO

from core.browser_sign_in import BrowserSignIn, SignInDenied
from core.desk import CallResult, Desk
from core.profiles import Profile
from core.systems import get_system
from core.systems.base import InvalidInput, browser_sign_in
from core.visible import visible


def login_from_terminal(
    desk: Desk,
    profile: Profile,
    *,
    open_browser: bool = True,
    wait: float = 600.0,
    stdin: TextIO | None = None,
    stderr: TextIO | None = None,
) -> CallResult:
    stdin, stderr = stdin or sys.stdin, stderr or sys.stderr
    system = get_system(profile.system)
    system.validate_profile(profile)
    if browser_sign_in(system, profile) is None:
        return desk.sign_in(profile)
    with BrowserSignIn(profile, desk.secrets) as flow:
        print("Approve StatusDesk on the portal's page:\n"
              f"  {flow.authorization_url}\n"
              "Waiting for the browser. If the page ends somewhere else, paste the address "
              "it ended on (or the code) here and press Enter.", file=stderr, flush=True)
        if open_browser and not webbrowser.open(flow.authorization_url):
            print("(No browser could be opened: open the address above yourself.)",
                  file=stderr, flush=True)
        threading.Thread(target=_read_pasted, args=(flow, stdin, stderr), daemon=True,
                         name="pasted-code").start()
        try:
            code = flow.wait(wait)
        except SignInDenied as exc:
            raise InvalidInput("code", str(exc)) from None
        if code is None:
            raise InvalidInput("code", f"No approval arrived within {wait:g} seconds; "
                               "run login again.")
        return desk.sign_in(profile, code=code, redirect_uri=flow.redirect_uri)


def _read_pasted(flow: BrowserSignIn, stdin: TextIO, stderr: TextIO) -> None:
    """Lines pasted on stdin, until one holds a code (EOF: leave it to the browser)."""
    for line in stdin:
        if not line.strip():
            continue
        try:
            flow.paste(line)
            return
        except InvalidInput as exc:
            print(f"{visible(exc.message)} Try again.", file=stderr, flush=True)
