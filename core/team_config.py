"""Which history this desk uses: this machine's (the default) or the team's PostgreSQL.

The choice is a small JSON file beside the profiles (``team-history.json``) holding the
database's address, ``postgresql://USER@HOST:PORT/DB`` (``?sslmode=...`` kept), never a
password: the password lives in the keyring (:data:`PASSWORD_ENTRY`), and an address that
carries one is refused. No file: the history is this machine's.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

from core.profiles import private_folder

TEAM_FILE = "team-history.json"
# The keyring entry of the password: "(team history)" cannot be a profile's name (profile
# names take no brackets), so it never meets a profile's credentials.
PASSWORD_ENTRY = ("(team history)", "postgresql-password")
SSL_MODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")


class TeamSettingError(ValueError):
    """An address StatusDesk will not use, or a settings file it cannot read."""


@dataclass(frozen=True)
class TeamDatabase:
    """The team history's address, as typed (without a password)."""

    url: str

    @property
    def parts(self) -> tuple[str, str, int, str]:
        """User, host, port, database."""
        found = urlsplit(self.url)
        return (unquote(found.username or ""), found.hostname or "", found.port or 5432,
                unquote(found.path.lstrip("/")))

    @property
    def user(self) -> str:
        return self.parts[0]

    @property
    def where(self) -> str:
        """The server and database in words: ``db.example:5432/statusdesk``."""
        _user, host, port, database = self.parts
        return f"{host}:{port}/{database}"


def check_url(url: str) -> TeamDatabase:
    """The address, checked: postgresql://USER@HOST[:PORT]/DB[?sslmode=...], no password."""
    text = url.strip()
    try:
        found = urlsplit(text)
        port = found.port
    except ValueError as exc:
        raise TeamSettingError(f"{text!r} is not a database address ({exc}).") from None
    if found.scheme not in ("postgresql", "postgres"):
        raise TeamSettingError("The team history's address starts with postgresql://, e.g. "
                               "postgresql://alice@db.example:5432/statusdesk")
    if found.password is not None:
        raise TeamSettingError("The address carries a password: write it without one "
                               f"(postgresql://{unquote(found.username or 'USER')}@"
                               f"{found.hostname or 'HOST'}{f':{port}' if port else ''}"
                               f"{found.path}); StatusDesk asks for the password and keeps "
                               "it in the keyring.")
    options = dict(parse_qsl(found.query, keep_blank_values=True))
    if "password" in options or "passfile" in options:
        raise TeamSettingError("The address carries a password option: leave it out; "
                               "StatusDesk asks for the password and keeps it in the keyring.")
    unknown = sorted(set(options) - {"sslmode", "sslrootcert", "connect_timeout",
                                     "application_name", "target_session_attrs"})
    if unknown:
        raise TeamSettingError(f"StatusDesk does not take {', '.join(unknown)} in the "
                               "address (it takes sslmode, sslrootcert, connect_timeout).")
    if options.get("sslmode", "prefer") not in SSL_MODES:
        raise TeamSettingError(f"sslmode={options['sslmode']!r}: use one of "
                               f"{', '.join(SSL_MODES)}.")
    if not found.username:
        raise TeamSettingError("The address names no user: postgresql://USER@HOST/DB")
    if not found.hostname:
        raise TeamSettingError("The address names no server: postgresql://USER@HOST/DB")
    if not found.path.strip("/"):
        raise TeamSettingError("The address names no database: postgresql://USER@HOST/DB")
    return TeamDatabase(text)


def team_file(folder: Path) -> Path:
    return folder / TEAM_FILE


def load_team(folder: Path) -> TeamDatabase | None:
    """The team history chosen on this desk, or None (this machine's history)."""
    path = team_file(folder)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise TeamSettingError(f"{path} cannot be read ({exc}). Choose the history again "
                               "(statusdesk-cli history use ...).") from None
    url = data.get("postgresql") if isinstance(data, dict) else None
    if not isinstance(url, str):
        raise TeamSettingError(f"{path} names no database. Choose the history again "
                               "(statusdesk-cli history use ...).")
    return check_url(url)


def save_team(folder: Path, database: TeamDatabase | None) -> None:
    """Keep the choice (None: this machine's history again); the file is private."""
    path = team_file(folder)
    if database is None:
        path.unlink(missing_ok=True)
        return
    check_url(database.url)
    private_folder(folder)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".team.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps({"postgresql": database.url}, indent=2) + "\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
