"""Send a status update (or a harmless test call) and get back one masked Exchange.

This is the only way the window and the command line talk to a remote system. Checks that
need no network (input, credentials present) raise before anything is sent:
InvalidInput, MissingSecret, KeyringUnavailable. Everything after that, including
failures below HTTP, comes back as an Exchange whose outcome says what happened.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from core import hints
from core.exchange import (
    Exchange,
    Outcome,
    OutcomeKind,
    OutgoingRequest,
    ReceivedResponse,
    StatusUpdate,
)
from core.profiles import Profile
from core.proxy import credential_fields
from core.redaction import placeholder, redact_exchange, redact_request
from core.secret_stores import read_current
from core.secrets import Secrets, SecretStoreError
from core.systems import get_system
from core.systems.base import (
    InvalidInput,
    RenewalFailed,
    TargetSystem,
    UnusableSecret,
    asks_first,
    browser_sign_in,
    status_reader,
)
from core.transport import Connection, Delivery
from core.visible import visible, visible_words

# Called once, right before a call's first request leaves (the history writes its row then).
BeforeSending = Callable[[], None]
# Called with each request of the call's operation, masked and with the headers httpx adds,
# as it leaves (again for the repeat after a renewal): a front end shows it before the answer.
GoingOut = Callable[[OutgoingRequest], None]
# Called with the profile as it is after the server taught it something to keep (the
# SuperOffice Services version it serves): the desk saves it with the profile.
Learned = Callable[[Profile], None]


def _nothing() -> None:
    return None


def _keep_nothing(profile: Profile) -> None:
    return None


def secret_keys(profile: Profile) -> list[str]:
    """Every credential the profile uses (its proxy's password too): what a call reads
    from the keyring, and masks wherever it shows."""
    return [spec.key for spec in credential_fields(get_system(profile.system), profile)]


def preview(
    profile: Profile,
    update: StatusUpdate,
    secrets: dict[str, str] | None = None,
    connection: Connection | None = None,
) -> OutgoingRequest:
    """The masked request that Send would put on the wire, headers httpx adds included.

    Works without stored credentials: missing ones show as their placeholder.
    """
    system = get_system(profile.system)
    system.validate(update, profile)
    known = dict(secrets or {})
    filled = {spec.key: known.get(spec.key) or placeholder(spec.key)
              for spec in system.secret_fields(profile)}
    request = sendable(profile, system.build_request(update, profile, filled), known)
    with _connection(profile, connection) as conn:
        return redact_request(conn.prepare(request), known)


def send_status(
    profile: Profile,
    update: StatusUpdate,
    store: Secrets,
    connection: Connection | None = None,
    *,
    before_sending: BeforeSending = _nothing,
    going_out: GoingOut | None = None,
    learned: Learned = _keep_nothing,
) -> Exchange:
    system = get_system(profile.system)
    system.validate(update, profile)
    return _call(
        system, profile, store, connection, "SetDeliveryStatus", update, before_sending,
        build=lambda known, secrets: system.build_request(update, known, secrets),
        read=system.read_response, going_out=going_out, learned=learned,
    )


def check_connection(
    profile: Profile, store: Secrets, connection: Connection | None = None,
    *, before_sending: BeforeSending = _nothing, learned: Learned = _keep_nothing,
) -> tuple[Exchange, tuple[str, ...]]:
    """A harmless call (SuperOffice GetPlugins, Bitrix24 sender.list) and what it listed."""
    system = get_system(profile.system)
    taught: list[Profile] = []

    def keep(known: Profile) -> None:
        taught.append(known)
        learned(known)

    exchange = _call(
        system, profile, store, connection, "connection test", None, before_sending,
        build=system.connection_test_request,
        read=lambda known, response: system.read_connection_test(known, response)[0],
        learned=keep,
    )
    if not exchange.ok or exchange.response is None:
        return exchange, ()
    known = taught[-1] if taught else profile
    return exchange, system.read_connection_test(known, exchange.response)[1]


def read_delivery_status(
    profile: Profile, store: Secrets, messaging_ids: list[int],
    connection: Connection | None = None,
    *,
    before_sending: BeforeSending = _nothing,
    learned: Learned = _keep_nothing,
) -> Exchange:
    """SuperOffice GetDeliveryStatus: what SuperOffice holds for its own messaging ids."""
    system = get_system(profile.system)
    reader = status_reader(system)
    if reader is None:
        raise InvalidInput("system", f"{system.title} has no documented way to read a "
                           "message's status back.")
    return _call(
        system, profile, store, connection, "GetDeliveryStatus", None, before_sending,
        build=lambda known, secrets: reader.delivery_status_request(known, secrets,
                                                                    messaging_ids),
        read=lambda known, response: reader.read_delivery_status(known, response,
                                                                 messaging_ids)[0],
        learned=learned,
    )


def sign_in(
    profile: Profile,
    store: Secrets,
    connection: Connection | None = None,
    *,
    code: str = "",
    redirect_uri: str = "",
    before_sending: BeforeSending = _nothing,
    learned: Learned = _keep_nothing,
) -> Exchange:
    """Run the profile's sign-in now and store what it gives; the outcome says who it is.

    ``code`` is an authorization code from the browser (Bitrix24 OAuth); without one, the
    profile signs in with what the keyring holds (password, system user, refresh token).
    Raises InvalidInput when the profile has no sign-in it can run.
    """
    system = get_system(profile.system)
    system.validate_profile(profile)
    secrets = store.read_all(profile.name, secret_keys(profile))
    browser = browser_sign_in(system, profile)
    if code and browser is None:
        raise InvalidInput("auth", f"Profile {profile.name!r} does not sign in through a "
                           "browser.")
    if code and browser is not None:
        request: OutgoingRequest | None = browser.code_request(profile, secrets, code,
                                                               redirect_uri)
    else:
        request = system.renewal_request(profile, secrets)
    if request is None:
        raise _no_sign_in(system, profile)
    with _connection(profile, connection) as conn:
        if not code:  # e.g. SoPrincipal's path follows the Services version the server has
            profile, _, unanswered = _ask_first(system, profile, conn, before_sending, learned)
            if unanswered is not None:
                return _record(profile, "sign-in", None, unanswered,
                               _outcome(unanswered, lambda _: Outcome(OutcomeKind.TRANSPORT,
                                                                      "No answer.")),
                               [], secrets)
            request = system.renewal_request(profile, secrets) or request
        signed = _renew(system, profile, store, secrets, conn, before_sending,
                        request=request, adopt_newer=False)
    if signed.fresh and not signed.stored:  # signed in, but nothing kept: say so
        outcome = Outcome(OutcomeKind.CREDENTIALS, signed.note, code="not stored",
                          advice="Make the keyring usable, then sign in again.")
    elif signed.fresh:
        stored = _secret_fields(signed.fresh)
        outcome = Outcome(OutcomeKind.DONE, f"Signed in as {signed.who}. The new "
                          f"{' and '.join(stored)} {'is' if len(stored) == 1 else 'are'} "
                          "stored in the keyring.")
    else:
        outcome = signed.outcome or Outcome(OutcomeKind.CREDENTIALS, signed.note)
    assert signed.delivery is not None  # a request was made
    seen = {**secrets, **{f"{k}#renewed": v for k, v in signed.fresh.items()}}
    if code:  # single-use and short-lived, but a credential while it lives
        seen["authorization-code"] = code
    return _record(profile, "sign-in", None, signed.delivery, outcome, [], seen)


SIGN_IN_OPTIONS = ("auth", "username", "tenant", "environment", "login_url", "client_id",
                   "oauth_server")


def stale_sign_in(old: Profile | None, new: Profile) -> list[str]:
    """Fields StatusDesk keeps (a cached ticket) that no longer fit the changed profile.

    A ticket belongs to one NetServer, tenant and user: once the address or the sign-in
    settings change, it must be forgotten, never sent to the new place.
    """
    if old is None or (old.base_url == new.base_url and all(
            old.option(key) == new.option(key) for key in SIGN_IN_OPTIONS)):
        return []
    return [spec.key for spec in get_system(old.system).secret_fields(old) if spec.managed]


def _no_sign_in(system: TargetSystem, profile: Profile) -> InvalidInput:
    if browser_sign_in(system, profile) is not None:
        return InvalidInput("auth", f"Profile {profile.name!r} signs in through the browser "
                            "with a person's approval.", hints.SIGN_IN)
    fields = ", ".join(spec.key for spec in system.secret_fields(profile) if not spec.managed)
    return InvalidInput("auth", f"Profile {profile.name!r} has no sign-in to run with the "
                        f"credentials it uses ({fields}): store them in the keyring, then "
                        "test the connection.", hints.TEST)


def _secret_fields(values: Mapping[str, str]) -> list[str]:
    """The names to tell a person about (an expiry is not news)."""
    return [field for field in values if not field.endswith("-expires")]


def _call(
    system: TargetSystem,
    profile: Profile,
    store: Secrets,
    connection: Connection | None,
    operation: str,
    update: StatusUpdate | None,
    before_sending: BeforeSending,
    *,
    build: Callable[[Profile, dict[str, str]], OutgoingRequest],
    read: Callable[[Profile, ReceivedResponse], Outcome],
    going_out: GoingOut | None = None,
    learned: Learned = _keep_nothing,
) -> Exchange:
    def leaving(request: OutgoingRequest, seen: Mapping[str, str]) -> None:
        if going_out is not None:
            going_out(redact_request(conn.prepare(request), seen))

    secrets = store.read_all(profile.name, secret_keys(profile))
    notes = list(system.warnings(profile))
    with _connection(profile, connection) as conn:
        if asks_first(system) is not None:  # a missing credential raises before anything
            _dry_run(system, profile, secrets, build)  # is sent, the question included
        profile, note, unanswered = _ask_first(system, profile, conn, before_sending, learned)
        notes += [note] if note else []
        if unanswered is not None:  # the server could not be reached: nothing more is sent
            return _record(profile, operation, update, unanswered,
                           _outcome(unanswered, lambda response: read(profile, response)),
                           notes, secrets)
        if system.must_sign_in(profile, secrets):
            signed_in = _renew(system, profile, store, secrets, conn, before_sending)
            if not signed_in.fresh:  # the failed sign-in is what the user needs to see
                notes.append(signed_in.note)
                if signed_in.delivery is None or signed_in.outcome is None:
                    raise InvalidInput("auth", signed_in.note)
                return _record(profile, operation, update, signed_in.delivery,
                               signed_in.outcome, notes, secrets)
            secrets = {**secrets, **signed_in.fresh}
            if signed_in.who and signed_in.stored:
                notes.append(f"No current {' or '.join(_secret_fields(signed_in.fresh))} was "
                             f"stored: StatusDesk signed in as {signed_in.who} first and "
                             "stored the new one in the keyring.")
            else:
                notes.append(signed_in.note)
        # a missing or unusable credential raises here, before anything is sent
        request = sendable(profile, build(profile, secrets), secrets)
        before_sending()
        leaving(request, secrets)
        delivery = conn.perform(request)
        outcome = _outcome(delivery, lambda response: read(profile, response))
        outcome = _explained(system, profile, outcome, conn, learned)
        if system.needs_renewal(profile, outcome):
            renewed = _renew(system, profile, store, secrets, conn, before_sending)
            notes.append(renewed.note)
            if renewed.fresh:
                secrets = {**secrets, **{f"{k}#renewed": v for k, v in renewed.fresh.items()}}
                current = _current(secrets)
                request = sendable(profile, build(profile, current), current)
                leaving(request, secrets)
                delivery = conn.perform(request)
                outcome = _outcome(delivery, lambda response: read(profile, response))
    outcome = _unstored_optional(system, profile, secrets, outcome)
    return _record(profile, operation, update, delivery, outcome, notes, secrets)


def _unstored_optional(system: TargetSystem, profile: Profile, secrets: Mapping[str, str],
                       outcome: Outcome) -> Outcome:
    """Credentials refused while an optional one is not stored: that one is the likely
    cause (SuperOffice Online's application token), so the advice says to store it."""
    if outcome.kind is not OutcomeKind.CREDENTIALS:
        return outcome
    unstored = [spec for spec in system.secret_fields(profile)
                if not (spec.required or spec.managed or spec.renewed or secrets.get(spec.key))]
    if not unstored:
        return outcome
    spec = unstored[0]
    about = f" ({spec.help[0].lower()}{spec.help[1:].rstrip('.')})" if spec.help else ""
    return replace(outcome, advice=f"No {spec.label} is stored for this profile{about}: "
                                   f"store it, then try again.", hint=hints.store(spec.key))


def _dry_run(system: TargetSystem, profile: Profile, secrets: dict[str, str],
             build: Callable[[Profile, dict[str, str]], OutgoingRequest]) -> None:
    """Build what the call will send first, and send nothing: MissingSecret or
    InvalidInput come out now."""
    if system.must_sign_in(profile, secrets):
        request = system.renewal_request(profile, secrets)
        if request is not None:
            sendable(profile, request, secrets)
    else:
        sendable(profile, build(profile, secrets), secrets)


def _ask_first(system: TargetSystem, profile: Profile, conn: Connection,
               before_sending: BeforeSending, learned: Learned
               ) -> tuple[Profile, str, Delivery | None]:
    """The profile after asking the server what it must know first (once), a note, and
    the question's delivery when it failed below HTTP (then the call itself would too:
    it is not made, and that failure is its outcome)."""
    asker = asks_first(system)
    question = asker.question(profile) if asker is not None else None
    if asker is None or question is None:
        return profile, "", None
    before_sending()
    answer = conn.perform(question)
    if answer.failure is not None or answer.response is None:
        return profile, asker.learn(profile, None)[1], answer
    known, note = asker.learn(profile, answer.response)
    if known != profile:
        learned(known)
    return known, note, None


def _explained(system: TargetSystem, profile: Profile, outcome: Outcome, conn: Connection,
               learned: Learned) -> Outcome:
    """A failure the server can explain when asked (a Services version it lacks)."""
    asker = asks_first(system)
    question = asker.question_after(profile, outcome) if asker is not None else None
    if asker is None or question is None:
        return outcome
    answer = conn.perform(question)
    explained, keep = asker.explain(profile, outcome,
                                    answer.response if answer.failure is None else None)
    if keep is not None:
        learned(keep)
    return explained


def sendable(profile: Profile, request: OutgoingRequest,
             secrets: Mapping[str, str]) -> OutgoingRequest:
    """The request, when HTTP can carry its headers (ASCII only); else UnusableSecret
    naming the stored credential that is in the way, or InvalidInput. Nothing is sent."""
    for name, value in request.headers:
        if value.isascii():
            continue
        labels = {spec.key: spec.label
                  for spec in credential_fields(get_system(profile.system), profile)}
        for field, secret in secrets.items():
            field = field.split("#", 1)[0]
            if secret and not secret.isascii() and secret in value:
                raise UnusableSecret(profile.name, field, labels.get(field, field),
                                     f"it holds characters an HTTP header ({name}) cannot "
                                     "carry (only ASCII)")
        raise InvalidInput(name, f"The {name} header would hold characters HTTP cannot "
                           "carry (only ASCII): check the profile's settings.")
    return request


def _outcome(delivery: Delivery, read: Callable[[ReceivedResponse], Outcome]) -> Outcome:
    """The transport's failure, or what the system reads in the answer."""
    if delivery.failure is not None:
        return delivery.failure
    if delivery.response is None:
        return Outcome(OutcomeKind.TRANSPORT, str(delivery.error or "No answer came back."))
    return read(delivery.response)


def _record(
    profile: Profile,
    operation: str,
    update: StatusUpdate | None,
    delivery: Delivery,
    outcome: Outcome,
    notes: list[str],
    secrets: dict[str, str],
) -> Exchange:
    """The exchange, with every secret the call saw masked (old and renewed values alike),
    its words' control characters shown as escapes (core.visible)."""
    exchange = Exchange(
        profile=profile.name,
        system=profile.system,
        operation=operation,
        request=delivery.request,
        response=delivery.response,
        timings=delivery.timings,
        outcome=outcome,
        error=delivery.error,
        update=update,
        notes=tuple(notes),
        tenant=get_system(profile.system).tenant(profile),
    )
    masked = redact_exchange(exchange, secrets)  # first: a secret may hold a control
    # The words may quote the server: their control characters become visible escapes.
    return replace(masked, outcome=visible_words(masked.outcome),
                   error=None if masked.error is None else visible(masked.error),
                   notes=tuple(visible(note) for note in masked.notes))


def _current(secrets: dict[str, str]) -> dict[str, str]:
    """Field -> value, renewed values ("field#renewed") taking the place of the old ones."""
    current = {k: v for k, v in secrets.items() if "#" not in k}
    current.update({k.split("#", 1)[0]: v for k, v in secrets.items() if "#" in k})
    return current


@dataclass(frozen=True)
class _Renewal:
    fresh: dict[str, str]
    note: str
    delivery: Delivery | None = None
    outcome: Outcome | None = None
    who: str = ""
    stored: bool = True  # False: the fresh values could not be kept in the keyring


_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def _profile_lock(name: str) -> threading.Lock:
    """One renewal at a time per profile in this process (the window runs several jobs)."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(name, threading.Lock())


def _renew(
    system: TargetSystem,
    profile: Profile,
    store: Secrets,
    secrets: dict[str, str],
    conn: Connection,
    before_sending: BeforeSending,
    *,
    request: OutgoingRequest | None = None,
    adopt_newer: bool = True,
) -> _Renewal:
    """Renew credentials and store them; no fresh values (and a note saying why) if not.

    Renewed values another call stored since ``secrets`` were read (another job of this
    window, waiting on the same lock, or another StatusDesk process whose renewal spent the
    refresh token we read) are adopted instead of renewing again or giving up.
    """
    with _profile_lock(profile.name):
        newer = _changed_meanwhile(system, profile, store, secrets) if adopt_newer else {}
        if newer:
            return _Renewal(newer, "Another call had just renewed the credentials: "
                                   "StatusDesk used them and repeated the call once.")
        renewal = request or system.renewal_request(profile, secrets)
        if renewal is not None:
            renewal = sendable(profile, renewal, secrets)
        if renewal is None:
            return _Renewal({}, "The credentials have expired and this profile cannot renew "
                                "them by itself.")
        before_sending()
        delivery = conn.perform(renewal)
        if delivery.response is None or delivery.failure is not None:  # e.g. cut off: too large
            outcome = delivery.failure or Outcome(OutcomeKind.TRANSPORT, str(delivery.error))
            return _Renewal({}, f"Signing in failed: {outcome.summary}", delivery, outcome)
        try:
            signed = system.read_renewal(profile, delivery.response)
        except RenewalFailed as exc:
            newer = _changed_meanwhile(system, profile, store, secrets) if adopt_newer else {}
            if newer:
                return _Renewal(newer, "The renewal was refused because another StatusDesk "
                                "window or command had just renewed the credentials: "
                                "StatusDesk used theirs and repeated the call once.", delivery)
            outcome = Outcome(OutcomeKind.CREDENTIALS, str(exc), code="sign-in failed",
                              hint=exc.hint,
                              advice="Store working credentials for this profile, or sign in "
                                     "again.")
            return _Renewal({}, str(exc), delivery, outcome)
        fresh = {k: v for k, v in signed.secrets.items() if v}
        names = " and ".join(_secret_fields(fresh))
        try:
            store.set_many(profile.name, fresh)
        except SecretStoreError as exc:  # still use them for this call: they are valid
            return _Renewal(fresh, f"StatusDesk signed in again as {signed.who} and used the "
                                   f"new {names} for this call, but could not store them in "
                                   f"the keyring ({exc}). Sign in again once the keyring "
                                   "works.", delivery, who=signed.who, stored=False)
        return _Renewal(fresh, f"The credentials were refused or had expired: StatusDesk "
                               f"renewed them (signed in again as {signed.who}), stored the new "
                               f"{names} in the keyring and repeated the call once.", delivery,
                        who=signed.who)


def _changed_meanwhile(
    system: TargetSystem, profile: Profile, store: Secrets, seen: dict[str, str]
) -> dict[str, str]:
    """Values a sign-in or renewal writes that differ from what this call read."""
    keys = [spec.key for spec in system.secret_fields(profile) if spec.renewed]
    current = read_current(store, profile.name, keys)
    return {k: v for k, v in current.items() if v and seen.get(k) != v}


class _Borrowed:
    """A context manager that leaves a caller's connection open."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def __enter__(self) -> Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        return None


def _connection(profile: Profile, connection: Connection | None) -> Connection | _Borrowed:
    return _Borrowed(connection) if connection is not None else Connection(profile)
