"""A real PostgreSQL server for the team-history tests, in a temporary folder.

Debian's ``postgresql`` (scripts/install-system-deps --test installs it). ``initdb`` and
``pg_ctl`` refuse to run as root, so as root they run as the ``postgres`` user, on a data
folder that user owns. The server listens on 127.0.0.1 only, on a free port, with
password authentication (scram-sha-256) for every connection, and offers TLS (a
self-signed certificate made here), as a team's server would. Stop and start it again
with ``stop()`` / ``start()`` (same folder, same port, every row kept).
"""

from __future__ import annotations

import datetime
import os
import secrets
import shutil
import socket
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

SUPERUSER = "statusdesk_admin"


def pg_bin() -> Path | None:
    """The folder of Debian's newest PostgreSQL programs, or None when not installed."""
    root = Path("/usr/lib/postgresql")
    found = sorted(root.glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name)
                   if p.parent.parent.name.isdigit() else 0)
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    folder: Path
    bin: Path
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: "pw-" + secrets.token_urlsafe(18))
    _as_user: list[str] = field(default_factory=list)

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        done = subprocess.run([*self._as_user, *args], capture_output=True, text=True,
                              timeout=timeout, cwd=self.folder)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {done.stdout}{done.stderr}")
        return done

    def init(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            self._as_user = ["runuser", "-u", "postgres", "--"]
            shutil.chown(self.folder, "postgres", "postgres")
        self.folder.chmod(0o700)
        pwfile = self.folder / "pwfile"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        _own(pwfile, self._as_user)
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", SUPERUSER,
                  "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                  "--no-instructions", "--no-sync")
        pwfile.unlink()
        (self.data / "pg_hba.conf").write_text(
            "local all all scram-sha-256\n"
            "host all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8")
        _own(self.data / "pg_hba.conf", self._as_user)
        _self_signed(self.data, self._as_user)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                   "-c ssl=on -c ssl_cert_file=server.crt -c ssl_key_file=server.key "
                   "-c max_connections=60 -c shared_buffers=16MB")
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-t", "60",
                  "-l", str(self.folder / "server.log"), "-o", options, "start")

    def stop(self) -> None:
        self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop")

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL as the superuser; its output, unaligned."""
        done = subprocess.run(
            [str(self.bin / "psql"), "-h", "127.0.0.1", "-p", str(self.port), "-U", SUPERUSER,
             "-d", database, "-v", "ON_ERROR_STOP=1", "-At", "-c", sql],
            capture_output=True, text=True, timeout=60,
            env={**os.environ, "PGPASSWORD": self.password, "PGSSLMODE": "disable"})
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr}")
        return done.stdout.strip()

    def new_database(self, name: str, owner: str, password: str) -> None:
        """A database of its own for one test, owned by a login role with that password."""
        self.psql(f"CREATE ROLE {owner} LOGIN PASSWORD '{password}'")
        self.psql(f"CREATE DATABASE {name} OWNER {owner}")

    def url(self, user: str, database: str, query: str = "") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}" + (
            f"?{query}" if query else "")


def _own(path: Path, as_user: list[str]) -> None:
    if as_user:
        shutil.chown(path, "postgres", "postgres")
    path.chmod(0o600)


def _self_signed(data: Path, as_user: list[str]) -> None:
    """A certificate for 127.0.0.1, so the server offers TLS (sslmode=prefer takes it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    (data / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (data / "server.key").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    for name_ in ("server.crt", "server.key"):
        _own(data / name_, as_user)
