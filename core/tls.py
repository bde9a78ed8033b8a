"""TLS trust for a profile's connections: the operating system's certificate store (the
Windows and macOS trust stores, OpenSSL's on Linux) through ``truststore``, so a
corporate TLS-inspecting proxy whose CA the IT department installed works as it does in
the browser; plus the profile's own CA bundle (``--ca-bundle``), loaded into the same
context. Verification is never switched off.
"""

from __future__ import annotations

import ssl

from core.profiles import ProfileError


def trust_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """A client context trusting the OS store and, when given, the CAs of this PEM file;
    ProfileError says why the file cannot be used."""
    import truststore  # here: most runs of the window never open a TLS connection

    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if ca_bundle:
        load_ca_bundle(context, ca_bundle)
    return context


def load_ca_bundle(context: ssl.SSLContext, path: str) -> ssl.SSLContext:
    """Add the CAs of this PEM file to the context; ProfileError says why not."""
    try:
        context.load_verify_locations(cafile=path)
    except ssl.SSLError as exc:
        raise ProfileError(
            f"The CA bundle {path} holds no PEM certificate StatusDesk can read "
            f"({exc.reason or exc}): give the customer's CA certificate as a PEM file "
            "(text starting with -----BEGIN CERTIFICATE-----).") from None
    except OSError as exc:
        raise ProfileError(
            f"The CA bundle {path} cannot be read ({exc.strerror or exc}): give the path "
            "of a PEM file with the customer's CA certificate.") from None
    return context


def openssl_context(context: ssl.SSLContext) -> ssl.SSLContext:
    """The OpenSSL context that makes the sockets: truststore's context wraps one (its
    ``_ctx``, the same on every platform since truststore 0.7) and hands each socket to
    it, so a socket class set on the outer context would never be used."""
    inner = getattr(context, "_ctx", None)
    return inner if isinstance(inner, ssl.SSLContext) else context
