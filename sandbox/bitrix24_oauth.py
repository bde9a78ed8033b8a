"""Simulated Bitrix24 OAuth server (oauth.bitrix.info): tokens, their lifetimes, grants.

Access tokens live an hour and refresh tokens 180 days on the sandbox clock, so tests
move the clock instead of waiting. A refresh hands out a new pair and spends the old
refresh token, as the spec says; using a spent one is ``invalid_grant``. The portal's
authorize page (bitrix24_authorize.py) issues codes here; ``grant_type=authorization_code``
turns one into a first pair. A code works once and only for 30 seconds (a short life
as Bitrix24 gives codes; the spec names no value).
"""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from sandbox.wire import Incoming, Reply, SandboxClock

ACCESS_LIFETIME = 3600
REFRESH_LIFETIME = 180 * 24 * 3600
CODE_LIFETIME = 30
GRANT_TYPES = ("refresh_token", "authorization_code")
SCOPE = "messageservice"


@dataclass
class AccessToken:
    value: str
    user_id: int
    client_id: str
    expires_at: float
    scope: str = SCOPE


@dataclass
class OneUseGrant:
    """What the token endpoint turns into a new pair once, before it expires."""

    value: str
    user_id: int
    client_id: str
    expires_at: float
    spent: bool = False


class RefreshToken(OneUseGrant):
    """A refresh token: a refresh spends it."""


class AuthCode(OneUseGrant):
    """An authorization code the portal handed out after the user approved the app."""


@dataclass(frozen=True)
class Endpoints:
    """Addresses the OAuth answers report; the portal's may change with move_portal.

    ``server_domain`` is where the OAuth server is, as the authorize redirect reports it
    (oauth.bitrix.info on the real service; host:port plus path prefix on the sandbox).
    """

    client_endpoint: str
    server_endpoint: str
    domain: str
    server_domain: str


class OAuthServer:
    """Token store plus the ``/oauth/token/`` endpoint. Thread-safe."""

    def __init__(self, clock: SandboxClock, *, client_id: str, client_secret: str,
                 member_id: str, endpoints: Callable[[], Endpoints]) -> None:
        self.clock = clock
        self.client_id = client_id
        self.client_secret = client_secret
        self.member_id = member_id
        self._endpoints = endpoints
        self._lock = threading.RLock()
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.codes: dict[str, AuthCode] = {}

    def reset(self, grants: list[tuple[int, str, str | None]]) -> None:
        """Forget every token and code, then grant (user_id, access, refresh token or None)."""
        with self._lock:
            self.access.clear()
            self.refresh.clear()
            self.codes.clear()
            now = self.clock.now()
            for user_id, access, refresh in grants:
                self.access[access] = AccessToken(access, user_id, self.client_id,
                                                  now + ACCESS_LIFETIME)
                if refresh is not None:
                    self.refresh[refresh] = RefreshToken(refresh, user_id, self.client_id,
                                                         now + REFRESH_LIFETIME)

    def issue_code(self, user_id: int) -> AuthCode:
        """A fresh one-use authorization code for this app, valid 30 s on the sandbox clock."""
        with self._lock:
            code = AuthCode(secrets.token_hex(35), user_id, self.client_id,
                            self.clock.now() + CODE_LIFETIME)
            self.codes[code.value] = code
            return code

    @property
    def codes_issued(self) -> list[str]:
        """Every authorization code handed out since the last reset, oldest first."""
        with self._lock:
            return list(self.codes)

    def check_access(self, value: str) -> AccessToken | str:
        """The token, or the REST error code: ``invalid_token`` / ``expired_token``."""
        with self._lock:
            token = self.access.get(value)
            if token is None:
                return "invalid_token"
            if token.expires_at <= self.clock.now():
                return "expired_token"
            return token

    def expire(self, value: str | None = None, user_id: int | None = None) -> None:
        """Make one token (or every token of ``user_id``) answer ``expired_token`` now."""
        with self._lock:
            now = self.clock.now()
            for token in self.access.values():
                if token.value == value or (value is None and token.user_id == user_id):
                    token.expires_at = min(token.expires_at, now - 1)

    def handle(self, req: Incoming) -> Reply:
        """GET (or POST form) ``/oauth/token/?grant_type=...``: refresh or code exchange."""
        if req.path.rstrip("/") != "/oauth/token":
            return Reply.text(404, f"Not found on the sandbox OAuth server: {req.path}")
        params = req.query_params()
        if req.method == "POST" and req.media_type()[0] == "application/x-www-form-urlencoded":
            params.update(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
        elif req.method not in ("GET", "POST"):
            return Reply.text(405, "Method not allowed", [("Allow", "GET, POST")])
        grant_type = params.get("grant_type", "")
        if not grant_type:
            return _oauth_error(400, "invalid_request", "grant_type is required")
        if grant_type not in GRANT_TYPES:
            return _oauth_error(400, "unsupported_grant_type",
                                f"The sandbox grants {' and '.join(GRANT_TYPES)}, "
                                f"not {grant_type!r}")
        if params.get("client_id") != self.client_id or not secrets.compare_digest(
                params.get("client_secret", ""), self.client_secret):
            return _oauth_error(401, "invalid_client", "Invalid client credentials")
        with self._lock:
            # A code's redirect_uri is not compared (Bitrix24 does not ask for it).
            if grant_type == "refresh_token":
                user_id = self._spend(self.refresh.get(params.get("refresh_token", "")),
                                      "refresh token")
            else:
                user_id = self._spend(self.codes.get(params.get("code", "")),
                                      "authorization code")
            if isinstance(user_id, Reply):
                return user_id
            return self._new_pair(user_id)

    def _spend(self, grant: OneUseGrant | None, what: str) -> int | Reply:
        """The grant's user, the grant now spent; ``invalid_grant`` if it is unknown, spent,
        another app's or expired."""
        if grant is None or grant.spent or grant.client_id != self.client_id:
            return _oauth_error(400, "invalid_grant", f"The {what} is unknown or was already used")
        if grant.expires_at <= self.clock.now():
            return _oauth_error(400, "invalid_grant", f"The {what} has expired")
        grant.spent = True
        return grant.user_id

    def _new_pair(self, user_id: int) -> Reply:
        """A new access + refresh token pair for ``user_id``, as the token endpoint answers."""
        now = self.clock.now()
        access = AccessToken(secrets.token_hex(35), user_id, self.client_id,
                             now + ACCESS_LIFETIME)
        refresh = RefreshToken(secrets.token_hex(35), user_id, self.client_id,
                               now + REFRESH_LIFETIME)
        self.access[access.value] = access
        self.refresh[refresh.value] = refresh
        endpoints = self._endpoints()
        return Reply.json(200, {
            "access_token": access.value,
            "expires": int(access.expires_at),
            "expires_in": ACCESS_LIFETIME,
            "scope": access.scope,
            "domain": endpoints.domain,
            "server_endpoint": endpoints.server_endpoint,
            "status": "L",
            "client_endpoint": endpoints.client_endpoint,
            "member_id": self.member_id,
            "user_id": access.user_id,
            "refresh_token": refresh.value,
        })


def _oauth_error(status: int, code: str, description: str) -> Reply:
    return Reply.json(status, {"error": code, "error_description": description})
