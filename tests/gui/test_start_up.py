"""What the window loads to open, and that what it leaves for later still works.

Start-up imports only what the first paint needs; the heavy modules (lxml, httpx, the
keyring and its Secret Service stack, sqlite3) wait until a profile, a call or the history
needs them, and the keyring until the check that follows the first paint. Checked on the
real program (``--smoke`` prints the loaded modules when STATUSDESK_SMOKE_MODULES is set)
and on a window left idle with no profiles and no history. No timing is asserted:
benchmarks/startup.py measures that.
"""

from __future__ import annotations

import os
import subprocess
import sys

from core.profiles import HISTORY_FILE
from gui.app import SMOKE_MODULES_VARIABLE
from tests.gui.conftest import close_window, open_window

# Not needed to open the window: each is imported by what uses it (a call, a profile,
# the keyring check that follows the first paint, the history file).
KEYRING = ("keyring", "secretstorage", "jeepney", "cryptography")
HEAVY = ("lxml", "httpx", *KEYRING, "sqlite3", "psycopg")
# Nor these, before the first paint (core.systems and core.history import the above).
NOT_BEFORE_FIRST_PAINT = (*HEAVY, "core.systems", "core.history", "core.transport",
                          "core.secrets", "core.team_link", "core.team_history", "json",
                          "datetime", "gui.sign_in.runner", "sandbox.demo")
# With no profile and no history, not even once loading is over.
NOT_WHEN_IDLE = (*HEAVY, "core.systems", "core.history", "core.transport", "core.secrets")


def loaded(modules: list[str], names: tuple[str, ...]) -> list[str]:
    return sorted({m for m in modules for name in names
                   if m == name or m.startswith(name + ".")})


def run(code: str, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=60)


def modules_line(stdout: str, prefix: str) -> list[str]:
    lines = [line for line in stdout.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, stdout
    return lines[0].removeprefix(prefix).split()


def test_the_first_paint_needs_no_heavy_module(statusdesk_home):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", SMOKE_MODULES_VARIABLE: "1"}
    # As the installed `statusdesk` (gui.app:main) starts, staying a moment after painting.
    done = run("import sys; from gui.app import main; sys.exit(main())",
               "--smoke", "--settle", "0.5", env=env)
    assert done.returncode == 0, done.stderr
    at_paint = modules_line(done.stdout, "modules at first paint:")
    assert "gui.window.main_window" in at_paint  # the list is the real one
    assert loaded(at_paint, NOT_BEFORE_FIRST_PAINT) == []
    # Then, as in every start, the keyring is checked (and may be loaded); nothing else.
    left = modules_line(done.stdout, "modules when leaving:")
    assert loaded(left, tuple(set(HEAVY) - set(KEYRING))) == []
    assert not list(statusdesk_home.iterdir())  # looking writes nothing


IDLE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from gui.app import apply_style, make_app
from core.desk import Desk
from gui.window.main_window import MainWindow

app = make_app(style=False)
window = MainWindow(Desk())
apply_style(app)
window.remember_state = False
listed = []
# The history is listed once the profiles are loaded: that is the end of loading.
window.history.results_shown.connect(lambda: (listed.append(1), app.quit()))
QTimer.singleShot(30000, lambda: app.exit(3))
window.show()
code = app.exec()
window.jobs.wait_idle(10)
print("listed" if listed else "not listed", window.history.count.text())
print("page", window.pages.currentIndex())
print("modules:", *sorted(sys.modules))
sys.exit(code)
"""


def test_an_idle_window_without_profiles_or_history_loads_no_heavy_module(statusdesk_home):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = run(IDLE_WINDOW, env=env)
    assert done.returncode == 0, done.stderr
    assert "listed 0 rows" in done.stdout, done.stdout
    assert "page 0" in done.stdout  # the welcome page: no profiles
    assert loaded(modules_line(done.stdout, "modules:"), NOT_WHEN_IDLE) == []
    assert not list(statusdesk_home.iterdir())


def test_a_history_recorded_before_the_window_opened_is_listed(qtbot, memory_desk):
    """A history file that exists at start is opened and listed (here: written by another
    Desk, so the window's own Desk has not opened the history yet)."""
    from core.exchange import (
        Exchange,
        Outcome,
        OutcomeKind,
        OutgoingRequest,
        ReceivedResponse,
        StatusUpdate,
    )
    from core.history import History

    History(memory_desk.history_folder / HISTORY_FILE).record(Exchange(
        profile="Gone", system="bitrix24", operation="SetDeliveryStatus",
        request=OutgoingRequest("POST", "https://p/rest/m", (), b"{}"),
        response=ReceivedResponse(200, "OK", "HTTP/1.1", (), b"{}"),
        timings=None, outcome=Outcome(OutcomeKind.DONE, "Accepted."),
        update=StatusUpdate("seen-before-start", "delivered")))
    assert memory_desk.has_history() and memory_desk._history is None

    window = open_window(qtbot, memory_desk)
    try:
        qtbot.waitUntil(lambda: len(window.history.model.entries) == 1, timeout=5000)
        assert window.history.model.entries[0].message_id == "seen-before-start"
        assert window.history.count.text() == "1 row"
    finally:
        close_window(window)


def test_profiles_opened_before_any_profile_exists_know_the_systems(qtbot, memory_desk):
    """With no profile, loading skips core.systems; the Profiles dialog still titles them."""
    from core.systems import SYSTEMS
    from gui.profiles.dialog import ProfilesDialog

    window = open_window(qtbot, memory_desk)
    try:
        assert window.system_titles == {}
        window.open_profiles()
        dialog = window.findChild(ProfilesDialog)
        assert dialog is not None
        assert dialog.titles == {key: system.title for key, system in SYSTEMS.items()}
        dialog.reject()
    finally:
        close_window(window)


def test_work_queued_for_after_the_first_paint_runs_once(qtbot, memory_desk):
    """How a real start checks the keyring: after the first paint, with the loading."""
    from gui.window.main_window import MainWindow

    window = MainWindow(memory_desk)
    qtbot.addWidget(window)
    calls: list[str] = []
    window.after_first_paint(lambda: calls.append("queued"))
    assert calls == []
    try:
        with qtbot.waitSignal(window.profiles_loaded, timeout=10000):
            window.show()
        assert calls == ["queued"]
        window.after_first_paint(lambda: calls.append("at once"))
        assert calls == ["queued", "at once"]
    finally:
        close_window(window)
