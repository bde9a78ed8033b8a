"""Fixtures for driving the real window: a sandbox, a Desk in a temp folder, the window.

Offscreen Qt warns "This plugin does not support propagateSizeHints()" whenever a main
window with a layout is shown; that is the offscreen plugin's limitation, not ours, so it
is the one Qt message these tests let pass (everything else at WARNING fails the test).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.desk import Desk, MemorySecrets
from gui.window.main_window import MainWindow
from sandbox import Sandbox

OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    server = Sandbox(port=0).start()
    yield server
    server.stop()
    assert not server.internal_errors, server.internal_errors


@pytest.fixture
def memory_desk(statusdesk_home: Path) -> Desk:
    """A Desk in the temp STATUSDESK_HOME whose secrets live in memory (no keyring)."""
    return Desk(statusdesk_home, secrets=MemorySecrets())


@pytest.fixture
def demo_desk(memory_desk: Desk, sandbox: Sandbox) -> Desk:
    """memory_desk with both demo profiles pointing at the test's sandbox."""
    from sandbox.demo import install_demo

    install_demo(memory_desk, sandbox)
    return memory_desk


def open_window(qtbot, desk: Desk) -> MainWindow:
    window = MainWindow(desk)
    qtbot.addWidget(window)
    with qtbot.waitSignal(window.profiles_loaded, timeout=10000):
        window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    return window


def close_window(window: MainWindow) -> None:
    window.close()
    assert window.jobs.wait_idle(15), "a job thread did not end"


@pytest.fixture
def demo_window(qtbot, demo_desk: Desk) -> Iterator[MainWindow]:
    window = open_window(qtbot, demo_desk)
    yield window
    close_window(window)

