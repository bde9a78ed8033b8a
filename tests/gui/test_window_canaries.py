"""Canary secrets through the window: none in widgets, clipboard, HAR, history or files.

Profiles carry canary credentials in every field the window stores (real keyring); calls
are refused or succeed against the sandbox; then every place a secret could leak to is
searched: every widget's text, the clipboard after "Copy as curl" and "Copy body", a HAR
file, the history's CSV export, the history file and everything else in the config and data
folder, and this process's argv. (StatusDesk writes no log file.)
"""

from __future__ import annotations

import sys
import uuid

import pytest
from PySide6.QtGui import QGuiApplication

from core.desk import Desk
from core.history import HistoryFilter
from core.profiles import Profile
from core.redaction import SECRET_FIELDS
from core.secrets import SecretStore
from tests.gui.conftest import close_window, open_window
from tests.gui.drive import all_visible_text, choose, fill, send_and_wait

pytestmark = pytest.mark.keyring

CANARIES = {
    "ticket": "7T:canary-window-ticket-5d0c9a",
    "app-token": "canary-window-app-token-81f2",
    "access-token": "canary-window-access-token-3e7b",
    "refresh-token": "canary-window-refresh-token-a4c1",
    "client-secret": "canary-window-client-secret-77d0",
}


def test_canaries_never_leave_the_keyring(qtbot, statusdesk_home, sandbox, tmp_path) -> None:
    desk = Desk(statusdesk_home)
    tag = uuid.uuid4().hex[:6]
    so, b24 = f"Canary SO {tag}", f"Canary B24 {tag}"
    desk.profiles.add(Profile(so, "superoffice", sandbox.superoffice_url,
                              options={"plugin": sandbox.credentials.so_plugin}))
    desk.profiles.add(Profile(b24, "bitrix24", sandbox.bitrix24_url, options={
        "code": sandbox.credentials.b24_code, "auth": "oauth",
        "client_id": sandbox.credentials.b24_client_id,
        "oauth_server": sandbox.bitrix24_oauth_url}))
    store = SecretStore()
    for field in ("ticket", "app-token"):
        store.set(so, field, CANARIES[field])
    for field in ("access-token", "refresh-token", "client-secret"):
        store.set(b24, field, CANARIES[field])
    window = open_window(qtbot, desk)
    seen: list[str] = []
    try:
        for profile, message, status in ((so, sandbox.superoffice_messages[0], "3"),
                                         (b24, sandbox.bitrix24_messages[0], "delivered")):
            choose(qtbot, window, profile)
            fill(window, message, status)
            view = send_and_wait(qtbot, window)
            assert not view.outcome.ok  # the canaries are refused, and shown refused
            seen.append(all_visible_text(window))
            window.inspector.copy_curl()
            seen.append(QGuiApplication.clipboard().text())
            window.inspector.save_har(tmp_path / f"{tag}-{len(seen)}.har")
        qtbot.waitUntil(lambda: len(list(tmp_path.glob("*.har"))) == 2, timeout=5000)
        window.history_actions.export(tmp_path / f"{tag}-history.csv", HistoryFilter())
        qtbot.waitUntil(lambda: (tmp_path / f"{tag}-history.csv").exists(), timeout=5000)
    finally:
        close_window(window)
        for profile in (so, b24):
            for field in SECRET_FIELDS:
                store.delete(profile, field)
    exports = [*tmp_path.glob("*.har"), *tmp_path.glob("*.csv")]
    files = [p for p in (*statusdesk_home.rglob("*"), *exports) if p.is_file()]
    assert any(p.name.startswith("history") for p in files)
    assert tag in (tmp_path / f"{tag}-history.csv").read_text(encoding="utf-8-sig")
    places = {f"file {p.name}": p.read_bytes().decode("utf-8", "replace") for p in files}
    places |= {f"window/clipboard {n}": text for n, text in enumerate(seen)}
    places["argv"] = " ".join(sys.argv)
    leaks = [(field, where) for field, value in CANARIES.items()
             for where, text in places.items() if value in text]
    assert leaks == []
    assert any("***ticket***" in text for text in seen)  # masked, not missing
