"""The Profiles dialog's Export… and Import…: a preview of what an import adds and
replaces before anything is written; real widgets, real files."""

from __future__ import annotations

import json
from pathlib import Path

from core import profile_packs as packs
from core.desk import Desk
from core.profiles import Profile
from gui.jobs import Jobs
from gui.profiles.dialog import ProfilesDialog

TITLES = {"superoffice": "SuperOffice", "bitrix24": "Bitrix24"}
OLD = Profile("acme", "superoffice", "https://crm.example.com/Old", {"plugin": "sms"})
NEW = Profile("acme", "superoffice", "https://sod.superoffice.com/Cust12345",
              {"plugin": "sms", "transport": "soap", "auth": "ticket"}, {"Delivered": 3})
B24 = Profile("b24", "bitrix24", "https://portal.bitrix24.com",
              {"code": "sms", "auth": "oauth", "client_id": "local.abc"})


def _dialog(qtbot, desk: Desk, chosen: list[str]) -> ProfilesDialog:
    dialog = ProfilesDialog(desk, Jobs(), TITLES,
                            pick_file=lambda parent, title, saving: chosen.pop(0))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.list.count() == len(desk.profiles.load()))
    return dialog


def test_import_previews_then_replaces_only_when_ticked(qtbot, memory_desk: Desk,
                                                         tmp_path: Path) -> None:
    memory_desk.profiles.add(OLD)
    before = memory_desk.profiles.path.read_bytes()
    pack = tmp_path / "team.json"
    packs.write_pack(pack, [NEW, B24])
    dialog = _dialog(qtbot, memory_desk, [str(pack)])

    dialog.import_button.click()
    qtbot.waitUntil(lambda: dialog.packs.preview is not None
                    and dialog.packs.preview.isVisible())
    preview = dialog.packs.preview
    assert preview.rows() == [("acme", "exists already: not imported"), ("b24", "adds it")]
    assert not preview.import_button.isEnabled()
    assert "would replace acme (not allowed)" in preview.verdict.text()
    assert memory_desk.profiles.path.read_bytes() == before  # a preview writes nothing

    preview.replace.click()
    assert preview.rows() == [("acme", "replaces the existing one"), ("b24", "adds it")]
    assert preview.import_button.isEnabled()
    preview.import_button.click()
    qtbot.waitUntil(lambda: dialog.list.count() == 2)
    assert memory_desk.profiles.load() == [NEW, B24]
    qtbot.waitUntil(lambda: "b24:" in dialog.call_result.text())
    said = dialog.call_result.text()
    assert "Imported adds b24; replaces acme." in said
    assert "acme: Use Store… (or Replace…) beside ticket." in said
    assert "b24: Use Store… (or Replace…) beside client-secret. Use Sign in." in said


def test_export_writes_every_profile_and_a_bad_pack_is_refused(
        qtbot, memory_desk: Desk, tmp_path: Path) -> None:
    memory_desk.profiles.add_all([NEW, B24])
    out, bad = tmp_path / "out.json", tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": packs.FORMAT, "version": 1, "profiles": [
        {"name": "x", "system": "bitrix24", "base_url": "https://p.bitrix24.com",
         "secrets": {"client-secret": "s"}}]}), encoding="utf-8")
    dialog = _dialog(qtbot, memory_desk, [str(out), str(bad)])

    dialog.export_button.click()
    qtbot.waitUntil(lambda: "Exported 2 profiles" in dialog.call_result.text())
    assert packs.read_pack(out) == (NEW, B24)

    before = memory_desk.profiles.path.read_bytes()
    dialog.import_button.click()
    qtbot.waitUntil(lambda: "was not imported" in dialog.call_result.text())
    assert "profile 'x' (number 1) has the field 'secrets'" in dialog.call_result.text()
    assert dialog.packs.preview is None
    assert memory_desk.profiles.path.read_bytes() == before


def test_service_version_is_an_advanced_choice_saved_with_the_profile(
        qtbot, memory_desk: Desk) -> None:
    dialog = _dialog(qtbot, memory_desk, [])
    editor = dialog.editor
    editor.system.setCurrentIndex(editor.system.findData("superoffice"))
    combo = editor.option_widgets["services"]
    assert editor.advanced_form.labelForField(combo).text() == "Service version"
    assert [combo.itemData(i) for i in range(combo.count())] == [
        "auto", "88", "87", "86", "85", "84"]
    assert combo.currentData() == "auto"
    editor.name.setText("acme")
    editor.base_url.setText("https://sod.superoffice.com/Cust12345")
    editor.option_widgets["plugin"].setText("sms")
    combo.setCurrentIndex(combo.findData("88"))
    dialog.save()
    qtbot.waitUntil(lambda: dialog.list.count() == 1 and not dialog.dirty)
    assert memory_desk.profiles.get("acme").option("services") == "88"
