"""Send a status update (or a harmless test call) and get back one masked Exchange.

This is the only way the window and the command line talk to a remote system. Checks that
need no network (input, credentials present) raise before anything is sent:
InvalidInput, MissingSecret, KeyringUnavailable. Everything after that, including
failures below HTTP, comes back as an Exchange whose outcome says what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from core.exchange import Exchange, Outcome, OutgoingRequest, ReceivedResponse, StatusUpdate
from core.profiles import Profile
from core.redaction import placeholder, redact_exchange, redact_request
from core.systems import get_system
from core.systems.base import RenewalFailed, TargetSystem
from core.transport import Connection

RENEWED_NOTE = (
    "The access token had expired: StatusDesk renewed it with the refresh token, stored "
    "both new tokens in the keyring and repeated the call once."
)


class Secrets(Protocol):
    def read_all(self, profile: str, fields: Iterable[str]) -> dict[str, str]: ...

    def set(self, profile: str, field: str, value: str) -> None: ...


def secret_keys(profile: Profile) -> list[str]:
    return [spec.key for spec in get_system(profile.system).secret_fields(profile)]


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
    request = system.build_request(update, profile, filled)
    with _connection(profile, connection) as conn:
        return redact_request(conn.prepare(request), known)


def send_status(
    profile: Profile,
    update: StatusUpdate,
    store: Secrets,
    connection: Connection | None = None,
) -> Exchange:
    system = get_system(profile.system)
    system.validate(update, profile)
    return _call(
        system, profile, store, connection, "SetDeliveryStatus", update,
        build=lambda secrets: system.build_request(update, profile, secrets),
        read=lambda response: system.read_response(profile, response),
    )


def check_connection(
    profile: Profile, store: Secrets, connection: Connection | None = None
) -> tuple[Exchange, tuple[str, ...]]:
    """A harmless call (SuperOffice GetPlugins, Bitrix24 sender.list) and what it listed."""
    system = get_system(profile.system)
    exchange = _call(
        system, profile, store, connection, "connection test", None,
        build=lambda secrets: system.connection_test_request(profile, secrets),
        read=lambda response: system.read_connection_test(profile, response)[0],
    )
    if not exchange.ok or exchange.response is None:
        return exchange, ()
    return exchange, system.read_connection_test(profile, exchange.response)[1]


def _call(
    system: TargetSystem,
    profile: Profile,
    store: Secrets,
    connection: Connection | None,
    operation: str,
    update: StatusUpdate | None,
    *,
    build: Callable[[dict[str, str]], OutgoingRequest],
    read: Callable[[ReceivedResponse], Outcome],
) -> Exchange:
    secrets = store.read_all(profile.name, secret_keys(profile))
    request = build(secrets)  # a missing credential raises here, before anything is sent
    notes = list(system.warnings(profile))
    fresh: dict[str, str] = {}
    with _connection(profile, connection) as conn:
        delivery = conn.perform(request)
        outcome = delivery.failure or read(delivery.response)
        if system.needs_renewal(outcome):
            fresh = _renew(system, profile, store, secrets, conn, notes)
            if fresh:
                delivery = conn.perform(build({**secrets, **fresh}))
                outcome = delivery.failure or read(delivery.response)
                notes.append(RENEWED_NOTE)
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
    )
    # Old and renewed values of a field are both masked, under the field's one name.
    return redact_exchange(exchange, {**secrets, **{f"{k}#renewed": v for k, v in fresh.items()}})


def _renew(
    system: TargetSystem,
    profile: Profile,
    store: Secrets,
    secrets: dict[str, str],
    conn: Connection,
    notes: list[str],
) -> dict[str, str]:
    """Renew expired credentials and store them; {} (with a note saying why) if not."""
    renewal = system.renewal_request(profile, secrets)
    if renewal is None:
        notes.append("The access token has expired and this profile cannot renew it by itself.")
        return {}
    delivery = conn.perform(renewal)
    if delivery.response is None:
        reason = delivery.failure.summary if delivery.failure else delivery.error
        notes.append(f"Renewing the access token failed: {reason}")
        return {}
    try:
        fresh = system.read_renewal(delivery.response)
    except RenewalFailed as exc:
        notes.append(str(exc))
        return {}
    for field, value in fresh.items():
        if value:
            store.set(profile.name, field, value)
    return fresh


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
