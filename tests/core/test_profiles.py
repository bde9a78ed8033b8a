"""Profiles survive a round trip through their readable file, and never hold secrets."""

from __future__ import annotations

import json

import pytest

from core.profiles import Profile, ProfileError, ProfileStore, config_dir


def test_round_trip_and_readable_file(statusdesk_home) -> None:
    store = ProfileStore()
    assert store.folder == config_dir() == statusdesk_home
    profile = Profile("Acme prod", "superoffice", "https://online.superoffice.com/Cust9",
                      {"plugin": "sms", "transport": "soap"}, {"Delivered": 3, "Failed": -1},
                      production=True, proxy="http://proxy:3128", timeout=12.5)
    store.add(profile)
    assert store.get("Acme prod") == profile
    data = json.loads(store.path.read_text())
    assert data["profiles"][0]["presets"] == {"Delivered": 3, "Failed": -1}
    assert "\n  " in store.path.read_text()  # indented for people


def test_duplicates_bad_names_and_missing(statusdesk_home) -> None:
    store = ProfileStore()
    store.add(Profile("a", "bitrix24", "https://x.bitrix24.com", {"code": "c"}))
    with pytest.raises(ProfileError, match="exists already"):
        store.add(Profile("a", "bitrix24", "https://y.bitrix24.com", {"code": "c"}))
    store.add(Profile("a", "bitrix24", "https://y.bitrix24.com", {"code": "c"}),
              replace_existing=True)
    assert store.get("a").base_url == "https://y.bitrix24.com"
    with pytest.raises(ProfileError, match="not allowed"):
        store.add(Profile("../evil", "bitrix24", "https://x", {}))
    with pytest.raises(ProfileError, match="No profile named 'zz'.*profiles: a"):
        store.get("zz")
    assert store.remove("a").name == "a"
    assert store.load() == []


def test_broken_file_is_reported_not_overwritten(statusdesk_home) -> None:
    store = ProfileStore()
    store.folder.mkdir(parents=True, exist_ok=True)
    store.path.write_text("{not json")
    with pytest.raises(ProfileError, match="cannot be read"):
        store.load()
    with pytest.raises(ProfileError):
        store.add(Profile("a", "bitrix24", "https://x", {"code": "c"}))
    assert store.path.read_text() == "{not json"


def test_a_history_left_beside_the_profiles_moves_to_the_data_folder(tmp_path, monkeypatch):
    """StatusDesk 0.1 kept history.sqlite3 (and its WAL) in the config folder; on Linux
    the data folder is another one. The file moves once and its rows stay readable."""
    from core import profiles
    from core.history import History
    from tests.core.test_history import make

    old, new = tmp_path / "config", tmp_path / "data"
    monkeypatch.setattr(profiles, "config_dir", lambda: old)
    monkeypatch.setattr(profiles, "data_dir", lambda: new)
    earlier = History(old / profiles.HISTORY_FILE)
    earlier.record(make("Acme", "m-1"))
    earlier.close()  # 0.1 has ended (on Windows an open file cannot be moved)
    assert profiles.history_dir() == new
    assert not (old / profiles.HISTORY_FILE).exists()
    assert [e.message_id for e in History().recent()] == ["m-1"]
    assert profiles.history_dir() == new  # nothing left to move
