"""Profile packs: a round trip gives equal profiles and carries no secret; a malformed
pack is refused whole, naming the profile and field, with nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core import profile_packs as packs
from core.hints import SIGN_IN, store
from core.profiles import Profile, ProfileError, ProfileStore

PROXY_SECRET = "proxy-pass-Zq81"


def _team(ca: Path) -> list[Profile]:
    return [
        Profile("acme", "superoffice", "https://sod.superoffice.com/Cust12345",
                {"plugin": "sms", "transport": "soap", "auth": "ticket"},
                {"Delivered": 3, "Failed": -1}, production=True, ca_bundle=str(ca),
                proxy="http://agent@proxy.example:3128", timeout=45.0, max_response_mb=2.5),
        Profile("Globex online", "superoffice", "https://online.superoffice.com/Cust555",
                {"plugin": "sms", "auth": "system-user", "tenant": "Cust555",
                 "environment": "online"}),
        Profile("b24", "bitrix24", "https://portal.bitrix24.com",
                {"code": "sms", "auth": "oauth", "client_id": "local.abc"}),
    ]


@pytest.fixture
def ca(tmp_path: Path) -> Path:
    from tests.helpers.servers import self_signed

    return self_signed(tmp_path)[0]


def test_round_trip_gives_equal_profiles(tmp_path: Path, ca: Path) -> None:
    here, there = ProfileStore(tmp_path / "here"), ProfileStore(tmp_path / "there")
    here.add_all(_team(ca))
    pack = tmp_path / "team.json"
    packs.write_pack(pack, packs.chosen(here.load(), []))

    data = json.loads(pack.read_text(encoding="utf-8"))
    assert data["format"] == "statusdesk-profile-pack" and data["version"] == 1
    plan = packs.plan_import(there, str(pack), packs.read_pack(pack), replace=False)
    assert plan.added == ("acme", "Globex online", "b24") and plan.can_apply
    packs.apply_import(there, plan)
    assert there.load() == here.load()

    only = tmp_path / "one.json"
    packs.write_pack(only, packs.chosen(here.load(), ["b24"]))
    assert [p.name for p in packs.read_pack(only)] == ["b24"]
    with pytest.raises(ProfileError, match="No profile named 'nope'"):
        packs.chosen(here.load(), ["b24", "nope"])


def test_a_pack_carries_no_secret_even_from_an_old_profiles_file(tmp_path: Path) -> None:
    """profiles.json of before proxy passwords went to the keyring held one in the proxy
    address; an option address may hold one too. The pack keeps the proxy's user only."""
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "profiles.json").write_text(json.dumps({"version": 1, "profiles": [{
        "name": "old", "system": "superoffice", "base_url": "https://crm.example.com/SO",
        "options": {"plugin": "sms", "auth": "system-user", "tenant": "Cust1",
                    "login_url": f"https://admin:{PROXY_SECRET}@login.example.com/Login"},
        "proxy": f"http://agent:{PROXY_SECRET}@proxy.example:3128"}]}), encoding="utf-8")
    pack = tmp_path / "pack.json"
    packs.write_pack(pack, ProfileStore(folder).load())
    text = pack.read_text(encoding="utf-8")
    assert PROXY_SECRET not in text
    (profile,) = packs.read_pack(pack)
    assert profile.proxy == "http://agent@proxy.example:3128"
    assert profile.option("login_url") == "https://login.example.com/Login"


def _good(**changes: object) -> dict:
    return {"name": "fine", "system": "superoffice", "base_url": "https://crm.example.com/SO",
            "options": {"plugin": "sms"}} | changes


MALFORMED = [
    ("not json", "{", "it is not JSON"),
    ("other json", json.dumps({"profiles": []}), "not a StatusDesk profile pack"),
    ("newer", json.dumps({"format": packs.FORMAT, "version": 2, "profiles": [_good()]}),
     "version 2"),
    ("no list", json.dumps({"format": packs.FORMAT, "version": 1, "profiles": {}}),
     'no "profiles" list'),
    ("a ticket", [_good(), _good(name="acme", ticket="7T:abc")],
     "profile 'acme' (number 2) has the field 'ticket'"),
    ("a credential option", [_good(options={"plugin": "sms", "app-token": "x"})],
     "profile 'fine' (number 1), field 'options': 'app-token' is not a setting"),
    ("a proxy password", [_good(proxy="http://u:pw@proxy.example:3128")],
     "holds a password"),
    ("an address with credentials", [_good(base_url="https://u:pw@crm.example.com/SO")],
     "field 'url'"),
    ("a text timeout", [_good(timeout="30")], "field 'timeout': a text"),
    ("a timeout out of range", [_good(timeout=0)], "timeout must be between"),
    ("an unknown system", [_good(system="salesforce")], "field 'system': 'salesforce'"),
    ("no plugin", [_good(options={})], "field 'plugin'"),
    ("twice", [_good(), _good()], "'fine' is in it twice"),
    ("a bad name", [_good(name="../evil")], "Profile name '../evil' is not allowed"),
    ("not an object", [_good(), 7], "profile 2 is not an object"),
]


@pytest.mark.parametrize(("shape", "content", "named"), MALFORMED,
                         ids=[case[0] for case in MALFORMED])
def test_a_malformed_pack_is_refused_whole_and_nothing_is_written(
        tmp_path: Path, shape: str, content: object, named: str) -> None:
    store_ = ProfileStore(tmp_path / "home")
    store_.add(Profile("kept", "bitrix24", "https://p.bitrix24.com", {"code": "sms"}))
    before = store_.path.read_bytes()
    pack = tmp_path / "pack.json"
    text = content if isinstance(content, str) else json.dumps(
        {"format": packs.FORMAT, "version": 1, "profiles": content})
    pack.write_text(text, encoding="utf-8")
    with pytest.raises(packs.PackError) as refused:
        packs.read_pack(pack)
    assert named in str(refused.value)
    assert "nothing was changed" in str(refused.value)
    assert store_.path.read_bytes() == before
    assert sorted(p.name for p in store_.folder.iterdir()) == ["profiles.json"]


def test_an_existing_name_is_refused_unless_replacing(tmp_path: Path, ca: Path) -> None:
    store_ = ProfileStore(tmp_path / "home")
    mine = Profile("acme", "superoffice", "https://crm.example.com/Old",
                   {"plugin": "sms", "auth": "password", "username": "jane"})
    store_.add(mine)
    before = store_.path.read_bytes()
    pack = tmp_path / "team.json"
    packs.write_pack(pack, _team(ca))

    plan = packs.plan_import(store_, str(pack), packs.read_pack(pack), replace=False)
    assert plan.refused == ("acme",) and not plan.can_apply
    with pytest.raises(packs.PackError, match="a profile named 'acme' exists already"):
        packs.apply_import(store_, plan)
    assert store_.path.read_bytes() == before

    forgotten: list[tuple[str, str]] = []
    plan = packs.plan_import(store_, str(pack), packs.read_pack(pack), replace=True)
    assert plan.replaced == ("acme",) and plan.added == ("Globex online", "b24")
    packs.apply_import(store_, plan, forget=lambda *pair: forgotten.append(pair))
    assert store_.get("acme") == _team(ca)[0]
    assert [p.name for p in store_.load()] == ["acme", "Globex online", "b24"]
    assert forgotten == [("acme", "ticket")]  # the old sign-in's ticket is not for the new one


def test_each_imported_profile_says_what_to_store(ca: Path) -> None:
    acme, globex, b24 = _team(ca)
    assert packs.steps_after_import(acme) == (store("ticket"), store("proxy-password"))
    assert packs.steps_after_import(acme, lambda field: field == "ticket") == (
        store("proxy-password"),)
    assert packs.steps_after_import(globex) == (
        store("app-token"), store("system-user-token"), store("private-key"), SIGN_IN)
    assert packs.steps_after_import(b24)[-1] == SIGN_IN
