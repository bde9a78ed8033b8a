"""The one small interface every target system implements.

A system declares what a profile and the status form need (options, secret fields, form
fields), turns a status update plus a profile plus secrets into an HTTP request, and an
HTTP response into an outcome. It never touches the network itself: core.sending does.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable
from urllib.parse import urlsplit

from core import hints
from core.exchange import Outcome, OutcomeKind, OutgoingRequest, ReceivedResponse, StatusUpdate
from core.hints import Hint
from core.html_page import html_title
from core.pacing import PacePlan
from core.profiles import Profile


class InvalidInput(ValueError):
    """Input rejected before anything was sent. ``field`` names the form field; ``hint``
    is the next step, when it is not just correcting that field."""

    def __init__(self, field_name: str, message: str, hint: Hint | None = None) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message
        self.hint = hint


class MissingSecret(LookupError):
    """A credential the request needs is not in the keyring."""

    def __init__(self, profile: str, field_name: str, label: str) -> None:
        super().__init__(f"No {label} is stored for profile {profile!r}: store it in the "
                         "keyring.")
        self.profile = profile
        self.field = field_name
        self.hint = hints.store(field_name)


class UnusableSecret(MissingSecret):
    """A stored credential that cannot go out as it is (e.g. text an HTTP header cannot
    carry, stored by another program or an older StatusDesk): store it again."""

    def __init__(self, profile: str, field_name: str, label: str, why: str) -> None:
        super().__init__(profile, field_name, label)
        self.args = (f"The {label} stored for profile {profile!r} cannot be sent: {why}. "
                     "Store it again (copy it afresh from where it was issued).",)


def check_plain_text(field_name: str, label: str, value: str) -> None:
    """Tokens and tickets are printable ASCII: anything else is a copying accident, and
    HTTP headers cannot carry it. The value itself is never repeated."""
    if not value.isascii() or not value.isprintable():
        raise InvalidInput(field_name, f"{field_name}: a {label} is plain ASCII text; this "
                           "one holds other characters (an accented letter, another alphabet, "
                           "a control character?). Copy it again from where it was issued.")


class RenewalFailed(Exception):
    """Expired credentials could not be renewed; the message says what to do instead."""

    def __init__(self, message: str, hint: Hint | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class OptionSpec:
    """A per-profile setting of a system (plugin name, transport, provider code, auth).

    ``for_auth``: the sign-in modes (values of the "auth" option) it matters for; empty
    means all. Forms show it only for those. ``required``: needed wherever it applies.
    """

    key: str
    label: str
    cli_flag: str
    help: str
    choices: tuple[Choice, ...] = ()
    default: str = ""
    required: bool = False
    advanced: bool = False
    for_auth: tuple[str, ...] = ()
    example: str = ""  # shown in an empty field: what a value looks like

    def applies(self, profile_options: dict[str, str]) -> bool:
        return not self.for_auth or profile_options.get("auth", "") in self.for_auth


@dataclass(frozen=True)
class SecretSpec:
    """A credential kept in the keyring. ``key`` is the FIELD name users type.

    ``managed``: StatusDesk writes it itself (a cached ticket, its expiry); the user signs
    in instead of entering it. ``expiry_of``: this value is when that other field's value
    runs out (ISO time, UTC). ``from_file``: usually loaded from a file (a private key).
    ``renewed``: a sign-in or renewal writes it (a cached ticket, the OAuth tokens).
    """

    key: str
    label: str
    help: str
    required: bool = True
    managed: bool = False
    expiry_of: str = ""
    from_file: bool = False
    renewed: bool = False


@dataclass(frozen=True)
class SignIn:
    """What a sign-in or renewal gave: the secrets to store together, and who it is."""

    secrets: dict[str, str]
    who: str = ""


@dataclass(frozen=True)
class FormField:
    """One input of the status form.

    kind: "text" (free text), "choice" (one of ``choices``), or "int_or_preset" (a 32-bit
    integer typed by the user, or one of ``choices`` naming an integer).
    """

    key: str  # "message_id", "status" or "description": the StatusUpdate attribute
    label: str
    kind: str
    help: str = ""
    required: bool = True
    max_length: int | None = None
    choices: tuple[Choice, ...] = field(default_factory=tuple)


class TargetSystem(Protocol):
    key: str
    title: str
    address_example: str  # what the profile's address looks like, for an empty field
    options: tuple[OptionSpec, ...]

    def secret_fields(self, profile: Profile) -> tuple[SecretSpec, ...]:
        """The credentials this profile needs, in the order a person enters them."""

    def form_fields(self, profile: Profile) -> tuple[FormField, ...]:
        """The status form for this profile (status choices depend on its presets)."""

    def normalize_base_url(self, url: str) -> str:
        """The base address to store, trimmed of any service path the user pasted."""

    def validate_profile(self, profile: Profile) -> None:
        """Raise InvalidInput naming the option that is wrong."""

    def validate(self, update: StatusUpdate, profile: Profile) -> None:
        """Raise InvalidInput naming the field that is wrong; never touches the network."""

    def as_sent(self, update: StatusUpdate, profile: Profile) -> StatusUpdate:
        """The update as the request carries it, for the history: the message id trimmed,
        a status in one form whatever the user typed (a checked update only)."""

    def status_warning(self, update: StatusUpdate, profile: Profile) -> str:
        """What to tell the user about a checked update's status before it goes, or ""."""

    def typed_status(self, recorded: str) -> str:
        """A status as the history recorded it (``as_sent``), as the status form takes it."""

    def warnings(self, profile: Profile) -> tuple[str, ...]:
        """Things to tell the user before sending (e.g. a webhook that will be refused)."""

    def tenant(self, profile: Profile) -> str:
        """The customer's system in words, for confirmations: host and tenant id."""

    def build_request(
        self, update: StatusUpdate, profile: Profile, secrets: dict[str, str]
    ) -> OutgoingRequest:
        """The exact request for this update. Secrets come in clear; masking is later."""

    def read_response(self, profile: Profile, response: ReceivedResponse) -> Outcome:
        """What the answer means, in plain words."""

    def connection_test_request(self, profile: Profile, secrets: dict[str, str]) -> OutgoingRequest:
        """A harmless call that proves address and credentials work."""

    def read_connection_test(
        self, profile: Profile, response: ReceivedResponse
    ) -> tuple[Outcome, tuple[str, ...]]:
        """The outcome of the harmless call and what it listed (plugins, provider codes)."""

    def must_sign_in(self, profile: Profile, secrets: dict[str, str]) -> bool:
        """Whether renewal_request must run before the call (no ticket, or one about to expire)."""

    def needs_renewal(self, profile: Profile, outcome: Outcome) -> bool:
        """Whether this outcome means credentials that renewal_request can renew."""

    def renewal_request(self, profile: Profile, secrets: dict[str, str]) -> OutgoingRequest | None:
        """The call that renews credentials, or None when the profile cannot.

        Raises MissingSecret when the profile should renew but lacks what it needs.
        """

    def read_renewal(self, profile: Profile, response: ReceivedResponse) -> SignIn:
        """The renewed secrets to store, by field, and who signed in; raises RenewalFailed."""

    pace: tuple[float, int]  # batch default: calls per second, burst
    plans: tuple[PacePlan, ...]  # documented limits, offered as presets
    limit_codes: frozenset[str]  # refusals that mean "over the limit": a batch slows down

    def retry_after(
        self, outcome: Outcome, response: ReceivedResponse | None,
        last_good: ReceivedResponse | None,
    ) -> float | None:
        """For a batch: None when the outcome is final; else the least seconds to wait
        before trying again (0.0: just the growing pause). ``last_good`` is the answer of
        the last call that succeeded. Network failures are handled by the batch itself."""

    def check_secret(self, profile: Profile, field: str, value: str) -> None:
        """Raise InvalidInput when a value cannot be what the field needs (before storing)."""


@runtime_checkable
class ReadsStatusBack(Protocol):
    """Optional: the system can say which status it holds for its own message ids."""

    def delivery_status_request(
        self, profile: Profile, secrets: dict[str, str], messaging_ids: list[int]
    ) -> OutgoingRequest:
        """The call that asks for the statuses of these (the system's own) message ids."""

    def read_delivery_status(
        self, profile: Profile, response: ReceivedResponse, messaging_ids: list[int]
    ) -> tuple[Outcome, tuple[object, ...]]:
        """What it holds, in words, and the statuses found."""


@runtime_checkable
class SignsInWithBrowser(Protocol):
    """Optional: some profiles of the system sign in on a web page (OAuth code flow)."""

    def signs_in_with_browser(self, profile: Profile) -> bool:
        """Whether this profile signs in that way (then authorization_url applies)."""

    def authorization_url(self, profile: Profile, redirect_uri: str, state: str) -> str | None:
        """The page where a person approves the app in a browser, or None (no such flow)."""

    def code_request(
        self, profile: Profile, secrets: dict[str, str], code: str, redirect_uri: str
    ) -> OutgoingRequest:
        """Exchange an authorization code from the browser for tokens (read by read_renewal)."""


FOCUS_LIMIT = 1_000_000  # bytes; a bigger answer is not read again to find its focus


@runtime_checkable
class PointsIntoAnswers(Protocol):
    """Optional: names the part of an answer a person needs to see first."""

    def answer_focus(self, operation: str, response: ReceivedResponse) -> str:
        """The element (XML, its local name) or member (JSON) that says how the call
        went: a fault, an error, the operation's result; "" when there is none."""


def answer_focus(system: TargetSystem, operation: str, response: ReceivedResponse) -> str:
    """What ``system`` names as the part of this answer that matters ("" if nothing)."""
    if not isinstance(system, PointsIntoAnswers) or len(response.body) > FOCUS_LIMIT:
        return ""
    try:
        return system.answer_focus(operation, response)
    except Exception:  # noqa: BLE001 - an unreadable answer just has no such part
        return ""


@runtime_checkable
class AsksServerFirst(Protocol):
    """Optional: the profile learns from the server, once, what it serves (SuperOffice's
    Services version, from ``GET {base}/api``), before its first call; the desk keeps what
    it learnt with the profile."""

    def question(self, profile: Profile) -> OutgoingRequest | None:
        """The request to ask, or None when the profile knows already."""

    def learn(self, profile: Profile, response: ReceivedResponse | None) -> tuple[Profile, str]:
        """The profile with what the answer taught (None: no answer came), and a note."""

    def question_after(self, profile: Profile, outcome: Outcome) -> OutgoingRequest | None:
        """After a failed call: a request whose answer may explain it (or None)."""

    def explain(self, profile: Profile, outcome: Outcome, response: ReceivedResponse | None
                ) -> tuple[Outcome, Profile | None]:
        """The failure explained by that answer, and the profile to keep (None: unchanged)."""


def asks_first(system: TargetSystem) -> AsksServerFirst | None:
    return system if isinstance(system, AsksServerFirst) else None


def status_reader(system: TargetSystem) -> ReadsStatusBack | None:
    """The system's way to read a status back, or None when it has none."""
    return system if isinstance(system, ReadsStatusBack) else None


def browser_sign_in(system: TargetSystem, profile: Profile) -> SignsInWithBrowser | None:
    """The system's browser sign-in when this profile uses one, else None."""
    if isinstance(system, SignsInWithBrowser) and system.signs_in_with_browser(profile):
        return system
    return None


# Characters no CRM takes sensibly: C0 and C1 controls and DEL, unpaired surrogates, the
# non-characters U+FFFE and U+FFFF (XML 1.0 cannot carry most of them at all; JSON can, but
# a NUL or a vertical tab in a message id is a copy-and-paste accident, not an id). A
# description may hold tabs and line breaks.
_NOT_TEXT = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_NOT_TEXT_IN_DESCRIPTION = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_WORDS = {"message_id": "message id", "status": "status", "description": "description"}


def require_text(update: StatusUpdate) -> None:
    """Refuse a control character (or a non-character) in any field of the update, naming
    it and where it is; every system's ``validate`` calls this first, so a send, a batch
    row and the window's status form all meet the same rule before anything is sent."""
    for key, pattern in (("message_id", _NOT_TEXT), ("status", _NOT_TEXT),
                         ("description", _NOT_TEXT_IN_DESCRIPTION)):
        value = getattr(update, key)
        found = pattern.search(value)
        if found is None:
            continue
        char = found.group()
        what = ("a control character" if unicodedata.category(char) == "Cc"
                else "a character that is not text")
        raise InvalidInput(
            key, f"The {_WORDS[key]} contains {what} (U+{ord(char):04X}) at position "
                 f"{found.start() + 1}; it cannot be sent. Retype the value without it "
                 "(it usually comes from copying out of another program).")


def host_of(url: str) -> str:
    """host[:port] of an address, without any user name or password before it."""
    return urlsplit(url).netloc.rpartition("@")[2]


def require_http_url(field_name: str, url: str) -> str:
    """An http(s) address with a host, stripped of surrounding blanks and trailing slash."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        userinfo = parts.netloc.rpartition("@")[0]
    except ValueError:  # e.g. an unclosed [IPv6 bracket
        raise InvalidInput(field_name, f"{field_name}: this is not an http:// or https:// "
                           "address.") from None
    if userinfo:  # never repeated: it may be a password
        host = parts.netloc.rpartition("@")[2]
        raise InvalidInput(
            field_name, f"{field_name}: the address holds a user name or password before "
            f"{host}; StatusDesk keeps credentials only in the keyring, never in a profile. "
            f"Give the address without them ({parts.scheme}://{host}{parts.path}) and store the "
            "credentials the profile asks for in the keyring.")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InvalidInput(
            field_name, f"{field_name}: {url!r} is not an http:// or https:// address."
        )
    return url.rstrip("/")


def require_secret(
    profile: Profile, secrets: dict[str, str], spec: SecretSpec
) -> str:
    value = secrets.get(spec.key, "")
    if not value:
        raise MissingSecret(profile.name, spec.key, spec.label)
    return value


def http_outcome(
    response: ReceivedResponse, who: str, *, credentials_advice: str, address_advice: str
) -> Outcome:
    """Plain words for an HTTP error whose body says nothing more readable."""
    status = response.status_code
    if status in (401, 403):
        return Outcome(OutcomeKind.CREDENTIALS, f"{who} refused the credentials (HTTP {status}).",
                       code=f"HTTP {status}", advice=credentials_advice)
    if status == 404:
        return Outcome(OutcomeKind.REFUSED,
                       f"{who} has no such service at this address (HTTP 404).",
                       code="HTTP 404", advice=address_advice)
    if 300 <= status < 400:
        location = response.header("location") or "(no Location given)"
        return Outcome(
            OutcomeKind.REFUSED,
            f"{who} redirected the call to {location} (HTTP {status}); it was not followed.",
            code=f"HTTP {status}",
            advice="Update the profile's address to the new one and send again.",
        )
    if status >= 500:
        return Outcome(
            OutcomeKind.REFUSED,
            f"{who} failed with HTTP {status} {response.reason} and gave no reason"
            f"{' (the answer was empty)' if not response.body.strip() else ''}.",
            code=f"HTTP {status}",
            advice="The server broke while handling the call, so it may or may not have been "
                   "applied: send again later (a repeated status update is harmless). If it "
                   "persists, send the raw exchange to the customer's admin.",
        )
    return Outcome(
        OutcomeKind.REFUSED,
        f"{who} answered HTTP {status} {response.reason}.",
        code=f"HTTP {status}",
        advice="Try again later; if it persists, send the raw exchange to the customer's admin.",
    )


def html_page_outcome(
    response: ReceivedResponse, who: str, expected: str, address_advice: str
) -> Outcome | None:
    """Plain words for an HTML page where the system's own answer should be, or None.

    Redirects and refused credentials keep their own, more useful outcomes (http_outcome).
    """
    status = response.status_code
    if 300 <= status < 400 or status in (401, 403):
        return None
    title = html_title(response)
    if title is None:
        return None
    named = f'"{title}"' if title else "no title"
    if status in (502, 503, 504):
        advice = ("A gateway in front of the service (the profile's proxy, or the customer's "
                  "load balancer) could not reach it: check the address and the proxy "
                  "setting, then try again later.")
    elif status == 404:
        advice = f"The address has no such service. {address_advice}"
    else:
        advice = ("Open the address in a browser to see the page: a login page, a captive "
                  f"portal or a proxy's error page answers instead of {who}. {address_advice} "
                  "Check the proxy setting too.")
    return Outcome(
        OutcomeKind.TRANSPORT,
        f"{who} answered with an HTML page ({named}) instead of {expected} (HTTP {status}): "
        "a proxy, login page or error page is in the way.",
        code=f"HTTP {status}",
        advice=advice,
        detail=f"Content-Type: {response.header('content-type') or '(none)'}",
    )
