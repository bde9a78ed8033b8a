"""The sandbox's demo credentials and seeded message ids.

Fixed values, so a profile saved against the sandbox keeps working across restarts and a
trainer can read them out. They are valid only against this loopback simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sandbox.bitrix24 import SEEDED_MESSAGE_IDS, B24Setup, md5_id
from sandbox.keys import APP_PRIVATE_KEY_PEM

SO_TICKET = "7T:U3RhdHVzRGVzay1zYW5kYm94LXRpY2tldA=="
SO_APP_TOKEN = "sandbox-app-token-3f9c2a7e51d04b68"
SO_USERNAME = "sandbox.user"
SO_PASSWORD = "sandbox-password"
SO_PLUGIN = "statusdesk-sandbox"
SO_TENANT = "Cust12345"
SO_SYSTEM_USER_TOKEN = "SystemUserToken-StatusDeskSandbox-5e2b7c91d04a"
SO_PRIVATE_KEY = APP_PRIVATE_KEY_PEM  # the demo application's RSA key, PKCS#8 PEM
SO_MESSAGES = ("SO-1001", "SO-1002", "SO-1003", "SO-1004", "SO-1005")

B24_SETUP = B24Setup(
    code="statusdesk_sandbox",
    access_token="sbx0access0" + md5_id("sandbox-access-token") + "0000000000",
    refresh_token="sbx0refresh0" + md5_id("sandbox-refresh-token") + "000000000",
    other_user_token="sbx0other0" + md5_id("sandbox-other-user-token") + "00000000000",
    client_id="local.65f0c2a1b3d4e5.51234567",
    client_secret="SandboxClientSecret0123456789abcdefABCDEF0123456789",
    webhook_code="s4ndb0xw3bh00k16",
    member_id=md5_id("statusdesk-sandbox-portal"),
)
B24_MESSAGES = SEEDED_MESSAGE_IDS


@dataclass(frozen=True)
class SandboxCredentials:
    """Everything a profile needs to talk to the sandbox, for tests, demos and training."""

    so_ticket: str
    so_app_token: str
    so_username: str
    so_password: str
    so_plugin: str
    so_tenant: str
    so_system_user_token: str
    so_private_key: str = field(repr=False)  # a PEM page would swamp every repr
    b24_code: str
    b24_access_token: str
    b24_refresh_token: str
    b24_client_id: str
    b24_client_secret: str
    b24_webhook_url: str
    b24_other_user_token: str


def make_credentials(portal_url: str) -> SandboxCredentials:
    """The demo credentials for a sandbox whose portal lives at ``portal_url``."""
    return SandboxCredentials(
        so_ticket=SO_TICKET,
        so_app_token=SO_APP_TOKEN,
        so_username=SO_USERNAME,
        so_password=SO_PASSWORD,
        so_plugin=SO_PLUGIN,
        so_tenant=SO_TENANT,
        so_system_user_token=SO_SYSTEM_USER_TOKEN,
        so_private_key=SO_PRIVATE_KEY,
        b24_code=B24_SETUP.code,
        b24_access_token=B24_SETUP.access_token,
        b24_refresh_token=B24_SETUP.refresh_token,
        b24_client_id=B24_SETUP.client_id,
        b24_client_secret=B24_SETUP.client_secret,
        b24_webhook_url=f"{portal_url}/rest/1/{B24_SETUP.webhook_code}/",
        b24_other_user_token=B24_SETUP.other_user_token,
    )
