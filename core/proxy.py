"""A profile's proxy: its address is kept in the profile, its password in the keyring.

The address may carry a user name (``http://agent@proxy:3128``); then the profile has one
more credential, the proxy password, stored like every other secret and put into the
proxy address only in memory, when a connection is made. An address with the password in
it is refused: profiles.json never holds a secret.
"""

from __future__ import annotations

from urllib.parse import quote, unquote, urlsplit, urlunsplit

from core import hints
from core.profiles import Profile, ProfileError
from core.systems.base import SecretSpec, TargetSystem

PROXY_PASSWORD = SecretSpec(
    "proxy-password", "proxy password",
    "The password of the proxy's user name (the user name is in the proxy address).")
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


class ProxyPasswordInAddress(ProfileError):
    """The proxy address holds a password; ``hint`` is storing it in the keyring."""

    hint = hints.store(PROXY_PASSWORD.key)


def proxy_user(proxy: str | None) -> str:
    """The user name in the proxy address ("" when none)."""
    if not proxy:
        return ""
    try:
        return unquote(urlsplit(proxy).username or "")
    except ValueError:
        return ""


def shown_proxy(proxy: str) -> str:
    """The address with any password in it masked, for messages and listings."""
    try:
        parts = urlsplit(proxy)
        if parts.password is None:
            return proxy
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))
    except ValueError:
        return "(unreadable address)"


def check_proxy(proxy: str) -> str:
    """A proxy address StatusDesk can use and may store: a known scheme, a host, a port
    that is a number, and no password in it."""
    try:
        parts = urlsplit(proxy)
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in PROXY_SCHEMES or not parts.hostname:
        raise ProfileError(f"The proxy address {shown_proxy(proxy)!r} is not an address like "
                           "http://proxy.example:3128 (or https://, socks5://).")
    if parts.password is not None:
        raise ProxyPasswordInAddress(
            f"The proxy address {shown_proxy(proxy)} holds a password, and the profile is "
            "kept in a plain file: give the address without it "
            f"({parts.scheme}://{parts.username or 'user'}@{parts.hostname}"
            f"{f':{port}' if port else ''}) and store the password in the keyring as the "
            "profile's proxy password.")
    return proxy


def with_password(proxy: str, password: str) -> str:
    """The proxy address with the password put in, for the connection (never stored)."""
    if not password:
        return proxy
    parts = urlsplit(proxy)
    user, _, host = parts.netloc.rpartition("@")
    return urlunsplit(parts._replace(netloc=f"{user}:{quote(password, safe='')}@{host}"))


def credential_fields(system: TargetSystem, profile: Profile) -> tuple[SecretSpec, ...]:
    """Every credential of the profile: its system's, and the proxy password when its
    proxy has a user name."""
    specs = system.secret_fields(profile)
    return (*specs, PROXY_PASSWORD) if proxy_user(profile.proxy) else specs
