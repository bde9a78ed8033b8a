"""Simulated Bitrix24 portal: REST ``messageservice.*`` methods in the spec's check order.

Order for every REST call (/work/shared/spec/bitrix24.md): moved-portal redirect, an
injected error, the leaky bucket (before anything else the portal does), authentication,
method lookup, application context, then the method's own checks. Status updates then
meet the operating-time block and the fault schedules (sandbox/faults.py) before
those checks.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from sandbox.bitrix24_authorize import AUTHORIZE_PATH, HANDLER_PATH, handle_authorize
from sandbox.bitrix24_oauth import AccessToken, Endpoints, OAuthServer
from sandbox.checks import check_count, check_rate, check_seconds
from sandbox.faults import FaultControls
from sandbox.wire import Incoming, Reply, SandboxClock

ADMIN_USER_ID = 1
OTHER_USER_ID = 7
STATUSES = ("queued", "sent", "delivered", "undelivered", "failed")
CODE_PATTERN = re.compile(r"^[a-z0-9.\-_]+$", re.IGNORECASE)
STATUS_UPDATE = "messageservice.message.status.update"
SENDER_LIST = "messageservice.sender.list"
METHODS = (STATUS_UPDATE, SENDER_LIST)
OPERATING_WINDOW = 600  # seconds: the operating-time window

# error code -> (HTTP status, error_description), as the spec's tables give them.
ERRORS: dict[str, tuple[int, str]] = {
    "QUERY_LIMIT_EXCEEDED": (503, "Too many requests"),
    "OVERLOAD_LIMIT": (503, "REST API is blocked due to overload."),
    "OPERATION_TIME_LIMIT": (429, "Method is blocked due to operation time limit."),
    "INVALID_REQUEST": (400, "Https required."),
    "INTERNAL_SERVER_ERROR": (500, "Internal server error"),
    "PORTAL_DELETED": (500, "Portal was deleted"),
    "INVALID_CREDENTIALS": (403, "Invalid request credentials"),
    "user_access_error": (403, "The user does not have access to the application."),
    "insufficient_scope": (401, "The request requires higher privileges than provided by "
                                "the access token."),
    "expired_token": (401, "The access token provided has expired."),
    "invalid_token": (401, "The access token provided is invalid."),
    "NO_AUTH_FOUND": (401, "Wrong authorization data"),
    "ERROR_METHOD_NOT_FOUND": (404, "Method not found!"),
    "ACCESS_DENIED": (403, "Access denied!"),
    "ERROR_SENDER_VALIDATION_FAILURE": (400, "Wrong sender code!"),
    "ERROR_MESSAGE_NOT_FOUND": (400, "Message not found!"),
    "ERROR_MESSAGE_STATUS_INCORRECT": (400, "Message status incorrect!"),
}
APP_CONTEXT_REQUIRED = "Access denied! Application context required"


def md5_id(seed: str) -> str:
    return hashlib.md5(seed.encode("utf-8")).hexdigest()  # noqa: S324 - an id, not security


def bulk_message_id(index: int) -> str:
    """The MESSAGE_ID of bulk message number ``index`` (see Bitrix24Sandbox.seed_messages)."""
    return md5_id(f"statusdesk-sandbox-bulk-message-{index}")


def known_error(code: str) -> str:
    """A documented error code, its spelling fixed up case-insensitively; ValueError if not."""
    if code in ERRORS:
        return code
    by_upper = {known.upper(): known for known in ERRORS}
    if not isinstance(code, str) or code.upper() not in by_upper:
        raise ValueError(f"unknown Bitrix24 error {code!r}; known: {', '.join(ERRORS)}")
    return by_upper[code.upper()]


SEEDED_MESSAGE_IDS = ("65575980fa531ac284c2ee68f81ebebd",
                      *(md5_id(f"statusdesk-sandbox-message-{n}") for n in range(2, 6)))
OTHER_USER_MESSAGE_ID = md5_id("statusdesk-sandbox-message-by-user-7")


def error_reply(code: str, description: str | None = None) -> Reply:
    status, default = ERRORS[code]
    return Reply.json(status, {"error": code, "error_description": description or default})


@dataclass
class B24Message:
    code: str
    message_id: str
    author_id: int
    status: str | None = None
    updates: int = 0  # status updates applied (a repeat of the same status counts too)


@dataclass(frozen=True)
class B24Setup:
    """The fixed demo values the portal is seeded with."""

    code: str
    access_token: str
    refresh_token: str
    other_user_token: str
    client_id: str
    client_secret: str
    webhook_code: str
    member_id: str


class Bitrix24Sandbox(FaultControls[str, tuple[str, str | None]]):
    """State and request handling of the simulated portal. Thread-safe (one lock).

    Its fault controls (sandbox/faults.py): a fail answers documented error codes in turn,
    counted in ``faults_dealt`` by code; the one-shot is an error code and description.
    """

    def __init__(self, clock: SandboxClock, setup: B24Setup, *, origin: str,
                 portal_prefix: str, oauth_prefix: str, app_prefix: str) -> None:
        self.clock = clock
        self.setup = setup
        self.origin = origin
        self.portal_prefix = portal_prefix
        self.oauth_prefix = oauth_prefix
        self.app_prefix = app_prefix
        super().__init__()
        self.oauth = OAuthServer(clock, client_id=setup.client_id,
                                 client_secret=setup.client_secret, member_id=setup.member_id,
                                 endpoints=self._endpoints)
        self.drain_per_second = 2.0
        self.burst = 50
        self.reset()

    # ----------------------------------------------------------------- public controls
    def reset(self) -> None:
        """Seeded messages and tokens, empty buckets, no redirect, nothing injected."""
        with self._lock:
            self.messages: dict[tuple[str, str], B24Message] = {
                (self.setup.code, mid): B24Message(self.setup.code, mid, ADMIN_USER_ID)
                for mid in SEEDED_MESSAGE_IDS}
            self.messages[(self.setup.code, OTHER_USER_MESSAGE_ID)] = B24Message(
                self.setup.code, OTHER_USER_MESSAGE_ID, OTHER_USER_ID)
            self.webhooks = {(ADMIN_USER_ID, self.setup.webhook_code)}
            self.admins = {ADMIN_USER_ID}
            self._buckets: dict[str, tuple[float, float]] = {}
            self._limit_refusals = 0
            self._reset_faults()
            self._reset_after = 1.0
            self._blocked_until: float | None = None
            self._advertised_reset: int | None = None
            self._operating_refusals = 0
            self.moved_to: str | None = None
            self.drain_per_second, self.burst = 2.0, 50
            self.oauth.reset([(ADMIN_USER_ID, self.setup.access_token, self.setup.refresh_token),
                              (OTHER_USER_ID, self.setup.other_user_token, None)])

    def status_of(self, code: str, message_id: str) -> str | None:
        """The STATUS last set through the REST method; None if never set or unknown."""
        with self._lock:
            message = self.messages.get((code, message_id))
            return None if message is None else message.status

    def seed_messages(self, n: int, *, start: int = 1, code: str | None = None) -> list[str]:
        """Add messages ``start`` .. ``start + n - 1`` of a provider; their MESSAGE_IDs in order.

        The provider is the sandbox's (``credentials.b24_code``) unless ``code`` says
        otherwise; the author is the main (admin) user. Ids are 32 hex digits that depend
        only on the number, so a given ``start`` and ``n`` give the same ids in every
        sandbox. Seeding a message again keeps its status and count. ``reset`` removes them.
        """
        n, start = check_count(n, "n", 0), check_count(start, "start", 1)
        code = code or self.setup.code
        if not CODE_PATTERN.match(code):
            raise ValueError(f"code must match {CODE_PATTERN.pattern}, not {code!r}")
        ids = [bulk_message_id(index) for index in range(start, start + n)]
        with self._lock:
            for message_id in ids:
                if (code, message_id) not in self.messages:
                    self.messages[(code, message_id)] = B24Message(code, message_id,
                                                                   ADMIN_USER_ID)
        return ids

    def updates_of(self, message_id: str, code: str | None = None) -> int:
        """How many status updates were applied to a message; KeyError if it is unknown."""
        with self._lock:
            return self.messages[(code or self.setup.code, message_id)].updates

    def update_counts(self, code: str | None = None) -> dict[str, int]:
        """MESSAGE_ID -> applied status updates, for every message of the provider."""
        code = code or self.setup.code
        with self._lock:
            return {mid: m.updates for (c, mid), m in self.messages.items() if c == code}

    def statuses(self, code: str | None = None) -> dict[str, str | None]:
        """MESSAGE_ID -> last STATUS set (None if never), for every message of the provider."""
        code = code or self.setup.code
        with self._lock:
            return {mid: m.status for (c, mid), m in self.messages.items() if c == code}

    def inject_error(self, code: str, description: str | None = None) -> None:
        """The next REST call to the portal answers this documented error instead."""
        self._inject((known_error(code), description))

    def fail_every(self, n: int, code: str | Sequence[str] = "QUERY_LIMIT_EXCEEDED", *,
                   reset_after: float = 1.0) -> None:
        """Every n-th status update (from now) answers a documented error, not applied.

        ``code`` may be a sequence: the failing calls take its codes in turn. For
        OPERATION_TIME_LIMIT (429), while this schedule is set every good answer gives a
        ``time.operating_reset_at`` ``reset_after`` to ``reset_after + 1`` s ahead (a
        whole second, as Bitrix24 sends it); after the 429 the method stays blocked (429
        again, counted in ``operating_refusals``) until the ``operating_reset_at`` of the
        last good answer, as the spec says. The 429 itself carries no ``time``.
        """
        codes = [known_error(c) for c in ((code,) if isinstance(code, str) else code)]
        reset_after = check_seconds(reset_after, "reset_after")
        with self._lock:
            self._schedule_fail(n, codes)
            self._reset_after = reset_after

    def clear_faults(self, *kinds: str) -> None:
        """Clear the named schedules ("fail", "stall", "drop"); with none named, clear all
        of them and the one-shot injected error. Clearing "fail" lifts any operating-time
        block."""
        with self._lock:
            super().clear_faults(*kinds)
            if not kinds or "fail" in kinds:
                self._blocked_until = None

    def _dealt_as(self, answer: str) -> str:
        return answer  # fails are counted by error code

    @property
    def limit_refusals(self) -> int:
        """503 QUERY_LIMIT_EXCEEDED answers the leaky bucket gave (not injected/scheduled)."""
        with self._lock:
            return self._limit_refusals

    @property
    def operating_refusals(self) -> int:
        """429 answers of an operating-time block, after the scheduled 429 that started it."""
        with self._lock:
            return self._operating_refusals

    def describe_faults(self) -> dict[str, object]:
        """The schedules, what they dealt and any operating-time block (control state)."""
        with self._lock:
            return {**super().describe_faults(), "blocked_until": self._blocked_until}

    def _describe_fail(self, answers: tuple[str, ...]) -> dict[str, object]:
        return {"codes": list(answers), "reset_after": self._reset_after}

    def move_portal(self, new_url: str | None) -> None:
        """REST calls to the old address answer 302 to ``new_url`` + path; None undoes it.

        When ``new_url`` is on this sandbox (same origin), the portal is served there too.
        """
        with self._lock:
            self.moved_to = new_url.rstrip("/") if new_url else None

    def expire_access_token(self, token: str | None = None) -> None:
        """Expire one access token, or by default every token of the main (admin) user."""
        if token is None:
            self.oauth.expire(user_id=ADMIN_USER_ID)
        else:
            self.oauth.expire(token)

    def set_rate_limit(self, drain_per_second: float = 2.0, burst: int = 50) -> None:
        """Change the leaky bucket (Enterprise portals: 5/s and 250); levels are kept.

        One bucket per source IP (every local client shares 127.0.0.1's), read on the
        sandbox clock. A call is refused when it would lift the level above ``burst``.
        """
        drain = check_rate(drain_per_second, "drain_per_second")
        burst = check_count(burst, "burst", 1)
        with self._lock:
            self.drain_per_second, self.burst = drain, burst

    @property
    def injected_error(self) -> str | None:
        """The error code waiting for the next REST call, if any."""
        with self._lock:
            return self._injected[0] if self._injected else None

    @property
    def app_handler_url(self) -> str:
        """The page standing for the app's configured handler (shows a code to copy)."""
        return self.origin + self.app_prefix + HANDLER_PATH

    @property
    def portal_url(self) -> str:
        """Where the portal currently lives (changes with move_portal)."""
        return self.moved_to or self.origin + self.portal_prefix

    # ----------------------------------------------------------------- request handling
    def handle_portal(self, req: Incoming) -> Reply | None:
        """Answer a request under a portal prefix; None when the path is not the portal's."""
        prefix = self._served_prefix(req.path)
        if prefix is None:
            return None
        tail = req.path[len(prefix):]
        authorize = tail.rstrip("/") == AUTHORIZE_PATH
        if not tail.startswith("/rest/") and not authorize:
            return Reply.text(404, "The sandbox portal only simulates /rest/ and "
                                   "/oauth/authorize/.")
        with self._lock:
            if self.moved_to and prefix == self.portal_prefix and self._moved_prefix() != prefix:
                location = self.moved_to + tail + (f"?{req.query}" if req.query else "")
                return Reply.text(302, f"The portal moved to {self.moved_to}",
                                  [("Location", location)])
            if authorize:
                return handle_authorize(self.oauth, req, user_id=ADMIN_USER_ID,
                                        endpoints=self._endpoints(),
                                        handler_url=self.app_handler_url)
            return self._rest(req, tail[len("/rest/"):])

    def _moved_prefix(self) -> str | None:
        if not self.moved_to:
            return None
        parts = urlsplit(self.moved_to)
        if f"{parts.scheme}://{parts.netloc}" != self.origin:
            return None
        return parts.path.rstrip("/")

    def _served_prefix(self, path: str) -> str | None:
        with self._lock:
            candidates = [p for p in (self._moved_prefix(), self.portal_prefix) if p]
        for prefix in candidates:
            if path == prefix or path.startswith(prefix + "/"):
                return prefix
        return None

    def _endpoints(self) -> Endpoints:
        portal = self.portal_url
        return Endpoints(client_endpoint=f"{portal}/rest/",
                         server_endpoint=f"{self.origin}{self.oauth_prefix}/rest/",
                         domain=urlsplit(portal).netloc,
                         server_domain=urlsplit(self.origin).netloc + self.oauth_prefix)

    def _admit(self, key: str) -> bool:
        """Leaky bucket: each call adds one, the level drains continuously."""
        now = self.clock.now()
        level, last = self._buckets.get(key, (0.0, now))
        level = max(0.0, level - max(0.0, now - last) * self.drain_per_second)
        if level + 1 > self.burst:
            self._buckets[key] = (level, now)
            return False
        self._buckets[key] = (level + 1, now)
        return True

    def _rest(self, req: Incoming, tail: str) -> Reply:
        start = self.clock.now()
        injected = self.take_injected()
        if injected is not None:
            return error_reply(*injected)
        if not self._admit(req.client_ip):
            self._limit_refusals += 1
            return error_reply("QUERY_LIMIT_EXCEEDED")

        params, auth = _read_params(req)
        parts = tail.rstrip("/").split("/")
        webhook: tuple[int, str] | None = None
        if len(parts) == 3 and parts[0].isdigit():
            webhook = (int(parts[0]), parts[1])
        method = parts[-1].lower()
        method = method.removesuffix(".json")

        if webhook is not None:
            if webhook not in self.webhooks:
                return error_reply("INVALID_CREDENTIALS")
            user_id = webhook[0]
        else:
            if not auth:
                return error_reply("NO_AUTH_FOUND")
            token = self.oauth.check_access(auth)
            if not isinstance(token, AccessToken):
                return error_reply(token)
            user_id = token.user_id
        if len(parts) not in (1, 3) or method not in METHODS:
            return error_reply("ERROR_METHOD_NOT_FOUND")
        if webhook is not None:
            return error_reply("ACCESS_DENIED", APP_CONTEXT_REQUIRED)
        if method == SENDER_LIST:
            if user_id not in self.admins:
                return error_reply("ACCESS_DENIED")
            return self._success([self.setup.code], start)
        return self._scheduled_status_update(params, user_id, start)

    def _scheduled_status_update(self, params: dict[str, object], user_id: int,
                                 start: float) -> Reply:
        """The operating-time block, then the fault schedules, then the update itself."""
        if self._blocked_until is not None:
            if start < self._blocked_until:
                self._operating_refusals += 1
                return error_reply("OPERATION_TIME_LIMIT")
            self._blocked_until = None
        return self.run_status_update(lambda: self._status_update(params, user_id, start),
                                      lambda code: self._scheduled_error(code, start))

    def _scheduled_error(self, code: str, start: float) -> Reply:
        """A scheduled fail's answer; a 429 blocks the method until the last good answer's
        ``operating_reset_at``."""
        if code == "OPERATION_TIME_LIMIT":
            reset = self._advertised_reset
            self._blocked_until = reset if reset is not None and reset > start else None
        return error_reply(code)

    def _status_update(self, params: dict[str, object], user_id: int, start: float) -> Reply:
        code = _as_text(params.get("CODE"))
        if not code:
            return error_reply("ERROR_SENDER_VALIDATION_FAILURE", "Empty sender code!")
        if not CODE_PATTERN.match(code):
            return error_reply("ERROR_SENDER_VALIDATION_FAILURE", "Wrong sender code!")
        message_id = _as_text(params.get("MESSAGE_ID"))
        message = self.messages.get((code, message_id)) if message_id else None
        if message is None:
            return error_reply("ERROR_MESSAGE_NOT_FOUND")
        status = params.get("STATUS")
        if not isinstance(status, str) or status not in STATUSES:
            return error_reply("ERROR_MESSAGE_STATUS_INCORRECT")
        if user_id != message.author_id and user_id not in self.admins:
            return error_reply("ACCESS_DENIED")
        message.status = status
        message.updates += 1
        return self._success(True, start)

    def _success(self, result: object, start: float) -> Reply:
        finish = max(self.clock.now(), start)
        reset_at = self._operating_reset_at(start)
        self._advertised_reset = reset_at
        return Reply.json(200, {"result": result,
                                "time": time_block(start, finish, reset_at)})

    def _operating_reset_at(self, now: float) -> int:
        """The end of the operating-time window as a good answer reports it."""
        if self._blocked_until is not None and now < self._blocked_until:
            return math.ceil(self._blocked_until)
        fail = self._faults.fail
        if fail is not None and "OPERATION_TIME_LIMIT" in fail.value:
            return math.ceil(now + self._reset_after)
        return int(now) + OPERATING_WINDOW


def time_block(start: float, finish: float,
               operating_reset_at: int | None = None) -> dict[str, object]:
    """The ``time`` object Bitrix24 adds to every good answer."""
    def stamp(value: float) -> str:
        return datetime.fromtimestamp(value, tz=UTC).isoformat(timespec="seconds")

    return {
        "start": round(start, 6),
        "finish": round(finish, 6),
        "duration": round(finish - start, 6),
        "processing": round(finish - start, 6),
        "date_start": stamp(start),
        "date_finish": stamp(finish),
        "operating_reset_at": (int(start) + OPERATING_WINDOW if operating_reset_at is None
                               else operating_reset_at),
        "operating": 0,
    }


def _read_params(req: Incoming) -> tuple[dict[str, object], str | None]:
    """Query plus body (JSON object or form), names upper-cased; ``auth`` kept apart.

    A body in any other content type is ignored, as PHP ignores it.
    """
    raw: dict[str, object] = dict(req.query_params())
    media_type, _ = req.media_type()
    if media_type == "application/json":
        try:
            payload = json.loads(req.body.decode("utf-8")) if req.body.strip() else {}
        except (UnicodeDecodeError, ValueError):
            payload = {}
        if isinstance(payload, dict):
            raw.update(payload)
    elif media_type == "application/x-www-form-urlencoded":
        raw.update(parse_qsl(req.body.decode("utf-8", "replace"), keep_blank_values=True))
    auth = raw.pop("auth", None)
    if not isinstance(auth, str) or not auth:
        auth = None
        bearer = (req.header("Authorization") or "").strip()
        scheme, _, value = bearer.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            auth = value.strip()
    return {str(key).upper(): value for key, value in raw.items()}, auth


def _as_text(value: object) -> str:
    """Scalars as PHP would turn them into strings; anything else counts as empty."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, int | float | str):
        return str(value)
    return ""
