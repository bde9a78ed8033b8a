"""The history and the profiles file are the user's alone: 0600 (-wal and -shm too), in
folders StatusDesk makes 0700 (issue 15, item 10). On Windows the files live in the
user's profile folder (%LOCALAPPDATA%), which only that user (and administrators) can
read already: nothing to do there."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from core.exchange import StatusUpdate
from core.history import Attempt, History
from core.profiles import Profile, ProfileStore

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_a_new_history_and_its_wal_are_private(tmp_path) -> None:
    old = os.umask(0o022)  # the usual umask, which makes new files 0644
    try:
        history = History(tmp_path / "new" / "history.sqlite3")
        history.begin(Attempt("p", "bitrix24", "acme", "SetDeliveryStatus",
                              StatusUpdate("m", "sent")))
        files = sorted(path.name for path in (tmp_path / "new").iterdir())
        assert files == ["history.sqlite3", "history.sqlite3-shm", "history.sqlite3-wal"]
        assert {name: mode(tmp_path / "new" / name) for name in files} == \
            dict.fromkeys(files, 0o600)
        assert mode(tmp_path / "new") == 0o700
        history.close()
    finally:
        os.umask(old)


def test_an_existing_readable_history_is_made_private(tmp_path) -> None:
    path = tmp_path / "history.sqlite3"
    History(path).recent()  # nothing yet: looking creates nothing
    assert not path.exists()
    first = History(path)
    first.begin(Attempt("p", "bitrix24", "acme", "connection test"))
    first.close()
    for name in ("history.sqlite3", "history.sqlite3-wal", "history.sqlite3-shm"):
        if (tmp_path / name).exists():
            (tmp_path / name).chmod(0o644)  # as StatusDesk before this change left it
    assert len(History(path).recent()) == 1
    assert mode(path) == 0o600
    for name in ("history.sqlite3-wal", "history.sqlite3-shm"):
        if (tmp_path / name).exists():
            assert mode(tmp_path / name) == 0o600


def test_the_profiles_file_is_private(tmp_path) -> None:
    old = os.umask(0o022)
    try:
        store = ProfileStore(tmp_path / "config")
        store.add(Profile("A", "bitrix24", "https://acme.bitrix24.com", {"code": "sms"}))
        assert mode(store.path) == 0o600
        assert mode(tmp_path / "config") == 0o700
    finally:
        os.umask(old)
