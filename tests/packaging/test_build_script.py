"""packaging/build.py never prints a signing password, in the commands it shows or in a
failure's message (the signing tools take them only as arguments)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "packaging"))

import build  # noqa: E402


def test_passwords_are_shown_as_stars(monkeypatch, capsys) -> None:
    monkeypatch.setenv("STATUSDESK_NOTARY_PASSWORD", "notary-pw-3c1f")
    build.run([sys.executable, "-c", "pass", "--password", "notary-pw-3c1f",
               "-k", "keychain-pw-9a2e"], hide=("keychain-pw-9a2e",))
    with pytest.raises(build.BuildError) as failed:
        build.run([sys.executable, "-c", "raise SystemExit(3)", "notary-pw-3c1f"])
    printed = capsys.readouterr().out + str(failed.value)
    assert "notary-pw-3c1f" not in printed and "keychain-pw-9a2e" not in printed
    assert "--password *** -k ***" in printed and "exit status 3" in printed
