"""Send a status update (or a harmless test call) and get back one masked Exchange.

This is the only way the window and the command line talk to a remote system. Checks that
need no network (input, credentials present) raise before anything is sent:
InvalidInput, MissingSecret, KeyringUnavailable. Everything after that, including
failures below HTTP, comes back as an Exchange whose outcome says what happened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from core.exchange import Exchange, OutgoingRequest, StatusUpdate
from core.profiles import Profile
from core.redaction import placeholder, redact_exchange, redact_request
from core.systems import get_system
from core.systems.base import TargetSystem
from core.transport import Connection, Delivery

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
    secrets = store.read_all(profile.name, secret_keys(profile))
    request = system.build_request(update, profile, secrets)
    with _connection(profile, connection) as conn:
        return _exchange(
            system, profile, update, "SetDeliveryStatus", store, secrets, conn,
            build=lambda s: system.build_request(update, profile, s),
            first=conn.perform(request),
        )


def check_connection(
    profile: Profile, store: Secrets, connection: Connection | None = None
) -> tuple[Exchange, tuple[str, ...]]:
    """A harmless call (SuperOffice GetPlugins, Bitrix24 sender.list) and what it listed."""
    system = get_system(profile.system)
    secrets = store.read_all(profile.name, secret_keys(profile))
    request = system.connection_test_request(profile, secrets)
    listed: tuple[str, ...] = ()
    with _connection(profile, connection) as conn:
        delivery = conn.perform(request)
        if delivery.response is not None:
            _, listed = system.read_connection_test(profile, delivery.response)
        exchange = _exchange(
            system, profile, None, "connection test", store, secrets, conn,
            build=lambda s: system.connection_test_request(profile, s),
            first=delivery,
            read=lambda response: system.read_connection_test(profile, response)[0],
        )
    return exchange, listed if exchange.ok else ()


def _exchange(
    system: TargetSystem,
    profile: Profile,
    update: StatusUpdate | None,
    operation: str,
    store: Secrets,
    secrets: dict[str, str],
    conn: Connection,
    *,
    build: Callable[[dict[str, str]], OutgoingRequest],
    first: Delivery,
    read: Callable | None = None,
) -> Exchange:
    read = read or (lambda response: system.read_response(profile, response))
    delivery = first
    outcome = delivery.failure or read(delivery.response)
    notes = list(system.warnings(profile))
    known_secrets = dict(secrets)
    renew = getattr(system, "renewal_request", None)
    if renew and system.needs_renewal(outcome):  # type: ignore[attr-defined]
        renewal = renew(profile, secrets)
        if renewal is None:
            notes.append("The access token has expired and this profile cannot renew it "
                         "(it needs client-id, client-secret and refresh-token).")
        else:
            fresh = _renew(system, profile, store, conn, renewal, notes)
            if fresh:
                known_secrets.update(fresh)
                delivery = conn.perform(build(known_secrets))
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
    masked_with = {**secrets, **{f"{k}#renewed": v for k, v in known_secrets.items()}}
    return redact_exchange(exchange, masked_with)


def _renew(
    system: TargetSystem,
    profile: Profile,
    store: Secrets,
    conn: Connection,
    renewal: OutgoingRequest,
    notes: list[str],
) -> dict[str, str]:
    delivery = conn.perform(renewal)
    if delivery.response is None:
        notes.append(f"Renewing the access token failed: {delivery.failure.summary}")  # type: ignore[union-attr]
        return {}
    try:
        fresh = system.read_renewal(delivery.response)  # type: ignore[attr-defined]
    except PermissionError as exc:
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

