"""TLS trust: the operating system's certificate store (through truststore) and the
profile's CA bundle, together, over a real HTTPS server on 127.0.0.1.

On Linux truststore trusts what OpenSSL's defaults trust (/etc/ssl/certs), and OpenSSL
reads ``SSL_CERT_FILE`` for them: pointing it at a test CA stands in for a CA an IT
department installed on the machine (a TLS-inspecting proxy's, say), without touching
the real store.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
import sys
from pathlib import Path

import pytest

from core.exchange import OutcomeKind
from tests.core.test_network_failures import good_answer, send, server  # noqa: F401 - fixture
from tests.helpers.servers import LOOPBACK


def _ca_and_server(folder: Path) -> tuple[Path, ssl.SSLContext]:
    """A CA's certificate (PEM file) and a server context with a certificate it signed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "StatusDesk test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(digital_signature=True, key_cert_sign=True,
                                       crl_sign=True, content_commitment=False,
                                       key_encipherment=False, data_encipherment=False,
                                       key_agreement=False, encipher_only=False,
                                       decipher_only=False), critical=True)
          .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()),
                         critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(LOOPBACK))]), critical=False)
            .add_extension(x509.ExtendedKeyUsage([x509.OID_SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
                ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    ca_path, cert_path, key_path = folder / "ca.pem", folder / "leaf.pem", folder / "leaf.key"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    return ca_path, context


@pytest.fixture(scope="module")
def test_ca(tmp_path_factory) -> tuple[Path, ssl.SSLContext]:
    return _ca_and_server(tmp_path_factory.mktemp("ca"))


@pytest.mark.skipif(sys.platform != "linux", reason="the OS store stands in via OpenSSL's "
                    "SSL_CERT_FILE, which only Linux's truststore reads")
def test_a_ca_in_the_systems_store_is_trusted_without_a_ca_bundle(
        server, test_ca, monkeypatch) -> None:  # noqa: F811
    ca, tls = test_ca
    https = server(good_answer, tls=tls)
    refused, _ = send("superoffice", https.url)
    assert refused.outcome.kind is OutcomeKind.TRANSPORT
    assert https.requests == []

    monkeypatch.setenv("SSL_CERT_FILE", str(ca))  # the machine's store now holds the CA
    trusted, _ = send("superoffice", https.url)
    assert trusted.outcome.kind is OutcomeKind.DONE, trusted.outcome
    assert len(https.requests) == 1


def test_ca_bundle_still_works_beside_the_system_store_and_an_unknown_ca_is_refused(
        server, test_ca) -> None:  # noqa: F811
    ca, tls = test_ca
    https = server(good_answer, tls=tls)
    refused, _ = send("bitrix24", https.url)
    assert refused.outcome.kind is OutcomeKind.TRANSPORT
    assert refused.outcome.summary == (f"The TLS certificate of 127.0.0.1:{https.port} could "
                                       "not be verified (unable to get local issuer "
                                       "certificate).")
    assert "--ca-bundle" in refused.outcome.advice
    assert https.requests == []

    trusted, _ = send("bitrix24", https.url, ca_bundle=str(ca))
    assert trusted.outcome.kind is OutcomeKind.DONE, trusted.outcome
    assert len(https.requests) == 1


def test_the_connection_uses_the_os_store() -> None:
    import truststore

    from core.tls import trust_context

    assert isinstance(trust_context(None), truststore.SSLContext)
