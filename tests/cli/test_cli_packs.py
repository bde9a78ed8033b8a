"""statusdesk-cli profile export / import: the real script, the real keyring."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from tests.conftest import CLI

pytestmark = pytest.mark.keyring


def test_export_then_import_on_another_desk(cli, secret_profile, statusdesk_home,
                                            tmp_path) -> None:
    name = secret_profile
    assert cli("profile", "add", name, "--system", "superoffice", "--url",
               "https://sod.superoffice.com/Cust12345", "--plugin", "sms", "--preset",
               "Delivered=3", "--proxy", "http://agent@proxy.example:3128").returncode == 0
    ticket = "7T:pack-test-ticket-" + name
    assert cli("secret", "set", name, "ticket", stdin=ticket).returncode == 0
    assert cli("secret", "set", name, "proxy-password", stdin="pw-" + name).returncode == 0
    pack = tmp_path / "team.json"

    exported = cli("profile", "export", str(pack))
    assert exported.returncode == 0, exported.stderr
    assert f"Exported 1 profile to {pack}: {name}." in exported.stdout
    text = pack.read_text(encoding="utf-8")
    assert ticket not in text and "pw-" + name not in text

    other = tmp_path / "other-desk"
    other.mkdir()
    env = {**os.environ, "STATUSDESK_HOME": str(other)}

    def there(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(CLI), *args], capture_output=True, text=True, env=env,
                              timeout=60)

    # The keyring is shared by both "desks" here: use a fresh name for the other one's.
    data = json.loads(text)
    data["profiles"][0]["name"] = name + "-b"
    pack.write_text(json.dumps(data), encoding="utf-8")
    imported = there("profile", "import", str(pack))
    assert imported.returncode == 0, imported.stderr
    assert f"Imported from {pack}: adds {name}-b." in imported.stdout
    assert (f"{name}-b: next: statusdesk-cli secret set {name}-b ticket; statusdesk-cli "
            f"secret set {name}-b proxy-password") in imported.stdout
    mine = json.loads(cli("profile", "show", name, "--json").stdout)
    theirs = json.loads(there("profile", "show", name + "-b", "--json").stdout)
    assert {**mine, "name": "", "secrets": None} == {**theirs, "name": "", "secrets": None}

    again = there("profile", "import", str(pack))
    assert again.returncode == 2
    assert f"a profile named '{name}-b' exists already. Add --replace" in again.stderr
    assert "Traceback" not in again.stderr
    assert there("profile", "import", str(pack), "--replace").returncode == 0
    there("profile", "remove", name + "-b")


def test_a_malformed_pack_exits_2_naming_the_field(cli, tmp_path, statusdesk_home) -> None:
    pack = tmp_path / "bad.json"
    pack.write_text(json.dumps({"format": "statusdesk-profile-pack", "version": 1,
                                "profiles": [{"name": "x", "system": "bitrix24",
                                              "base_url": "https://p.bitrix24.com",
                                              "timeout": "soon"}]}), encoding="utf-8")
    refused = cli("profile", "import", str(pack), "--json")
    assert refused.returncode == 2
    outcome = json.loads(refused.stdout)["outcome"]
    assert "profile 'x' (number 1), field 'timeout'" in outcome["summary"]
    assert not (statusdesk_home / "profiles.json").exists()
    missing = cli("profile", "export", str(tmp_path / "out.json"), "nobody")
    assert missing.returncode == 2 and "No profile named 'nobody'" in missing.stderr


def test_the_service_version_flag(cli, secret_profile) -> None:
    url = "https://sod.superoffice.com/Cust12345"
    added = cli("profile", "add", secret_profile, "--system", "superoffice", "--url", url,
                "--plugin", "sms", "--services", "87", "--json")
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["options"]["services"] == "87"
    wrong = cli("profile", "set", secret_profile, "--services", "89")
    assert wrong.returncode == 2 and "invalid choice: '89'" in wrong.stderr
    assert cli("profile", "set", secret_profile, "--services", "auto").returncode == 0
    shown = json.loads(cli("profile", "show", secret_profile, "--json").stdout)
    assert shown["options"]["services"] == "auto"
