"""First start: the built-in sandbox and one demo profile per system, credentials stored.

The sandbox (sandbox) runs inside the app on 127.0.0.1. Its demo credentials are
fixed, so demo profiles keep working; it comes back on the port they point at (8765
unless that was taken), and each start rewrites their addresses should the port change.
Runs in a job thread (socket, disk and keyring).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from core.profiles import Profile, ProfileError

if TYPE_CHECKING:
    from core.desk import Desk
    from sandbox import Sandbox

DEMO_SUPEROFFICE = "Sandbox SuperOffice"
DEMO_BITRIX24 = "Sandbox Bitrix24"
DEMO_PROFILES = (DEMO_SUPEROFFICE, DEMO_BITRIX24)
PREFERRED_PORT = 8765  # the port `statusdesk-cli sandbox` uses too
DEMO_PRESETS = {"Sent (demo plugin)": 1, "Delivered (demo plugin)": 2, "Failed (demo plugin)": 3}


@dataclass(frozen=True)
class DemoSetup:
    sandbox: Sandbox
    profiles: tuple[Profile, ...]
    message_ids: dict[str, str]  # profile name -> a seeded message id to try
    seeded: dict[str, tuple[str, ...]]  # profile name -> every seeded message id

    @property
    def address(self) -> str:
        return self.sandbox.origin


def start_sandbox(*ports: int) -> Sandbox:
    """Start on the first of ``ports`` that is free (the usual port when none is given),
    else on any free one."""
    from sandbox import Sandbox

    for port in ports or (PREFERRED_PORT,):
        try:
            return Sandbox(port=port).start()
        except OSError:
            continue
    return Sandbox(port=0).start()


def _last_port(desk: Desk) -> int | None:
    """The port the demo profiles point at: the sandbox comes back there, so they keep
    working across restarts even when the usual port was taken."""
    try:
        return urlsplit(desk.profiles.get(DEMO_SUPEROFFICE).base_url).port
    except (ProfileError, ValueError, OSError):  # none yet, or not readable: the usual
        return None


def demo_profiles(sandbox: Sandbox) -> list[tuple[Profile, dict[str, str]]]:
    creds = sandbox.credentials
    superoffice = Profile(
        name=DEMO_SUPEROFFICE,
        system="superoffice",
        base_url=sandbox.superoffice_url,
        # Service version auto, already knowing what the sandbox serves (its /api says so)
        options={"plugin": creds.so_plugin, "transport": "soap", "services": "auto",
                 "services_found": max(sandbox.superoffice.services),
                 "services_found_for": sandbox.superoffice_url},
        presets=dict(DEMO_PRESETS),
        timeout=10.0,
    )
    bitrix24 = Profile(
        name=DEMO_BITRIX24,
        system="bitrix24",
        base_url=sandbox.bitrix24_url,
        options={
            "code": creds.b24_code,
            "auth": "oauth",
            "client_id": creds.b24_client_id,
            "oauth_server": sandbox.bitrix24_oauth_url,
        },
        timeout=10.0,
    )
    return [
        (superoffice, {"ticket": creds.so_ticket, "app-token": creds.so_app_token}),
        (bitrix24, {
            "access-token": creds.b24_access_token,
            "refresh-token": creds.b24_refresh_token,
            "client-secret": creds.b24_client_secret,
        }),
    ]


def install_demo(desk: Desk, sandbox: Sandbox | None = None) -> DemoSetup:
    """Start the sandbox (unless given) and write both demo profiles and their secrets.

    Secrets are stored first: if the keyring is unusable nothing is half set up.
    """
    last = _last_port(desk)
    sandbox = sandbox or start_sandbox(*(p for p in (last, PREFERRED_PORT) if p))
    try:
        pairs = demo_profiles(sandbox)
        desk.secrets.check()
        for profile, secrets in pairs:
            for field, value in secrets.items():
                desk.secrets.set(profile.name, field, value)
        for profile, _ in pairs:
            desk.profiles.add(profile, replace_existing=True)
    except BaseException:
        sandbox.stop()
        raise
    ids = {DEMO_SUPEROFFICE: sandbox.superoffice_messages[0],
           DEMO_BITRIX24: sandbox.bitrix24_messages[0]}
    seeded = {DEMO_SUPEROFFICE: sandbox.superoffice_messages,
              DEMO_BITRIX24: sandbox.bitrix24_messages}
    return DemoSetup(sandbox, tuple(p for p, _ in pairs), ids, seeded)

