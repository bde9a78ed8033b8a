"""`statusdesk --screenshot PATH [--size WxH] [--theme light|dark] [--state STATE]`.

Renders one state of the window to a PNG, for the README and for a reviewer, without
driving it by hand: a throw-away home (profiles, history) and secrets in memory, the
built-in sandbox on a free loopback port; the user's profiles and keyring are never
touched. States:

- ``first-start``: no profile yet, the welcome page;
- ``exchange`` (the default): a Bitrix24 and then a SuperOffice status sent;
- ``error``: after those, a SuperOffice status for a message id it does not know;
- ``batch``: the batch window after a run of a file of Bitrix24 rows (two invalid);
- ``profiles``: the Profiles dialog with the demo SuperOffice profile.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QApplication, QWidget

    from gui.window.main_window import MainWindow
    from sandbox.demo import DemoSetup

SCREENSHOT_SIZE = (1360, 860)
SCREENSHOT_DESCRIPTION = "Delivered to handset"
STATES = ("first-start", "exchange", "error", "batch", "profiles")
THEMES = ("light", "dark")
BATCH_ROWS = 16  # at the usual pace (10 at once, then 2/s) the run takes 3 s
UNKNOWN_MESSAGE = "SO-9999"


def window_size(text: str) -> tuple[int, int]:
    """"1024x700" as (1024, 700); argparse shows the ValueError's words."""
    match = re.fullmatch(r"\s*(\d{3,5})\s*[xX×]\s*(\d{3,5})\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not WIDTHxHEIGHT, e.g. 1024x700")
    width, height = int(match.group(1)), int(match.group(2))
    if not (320 <= width <= 7680 and 240 <= height <= 4320):
        raise ValueError(f"{text!r}: from 320x240 to 7680x4320")
    return width, height


def screenshot(app: QApplication, path: Path, size: tuple[int, int] = SCREENSHOT_SIZE,
               theme: str = "", state: str = "exchange") -> int:
    """Render ``state`` at ``size`` (the window, or the batch or profiles dialog) to ``path``."""
    import shutil
    import tempfile

    from PySide6.QtCore import Qt, QTimer

    from core.desk import Desk, MemorySecrets
    from gui.settings import window_settings
    from gui.theme import set_theme
    from gui.window.main_window import MainWindow
    from sandbox.demo import install_demo, start_sandbox

    home = Path(tempfile.mkdtemp(prefix="statusdesk-screenshot-"))
    desk = Desk(home, secrets=MemorySecrets())
    setup = None if state == "first-start" else install_demo(desk, start_sandbox(0))
    if theme:  # as chosen in Settings: the window applies it
        set_theme(window_settings(home), theme)
    window = MainWindow(desk)
    window.remember_state = False
    if setup is not None:
        window.sandbox = setup.sandbox
        window.sandbox_label.setText(f"Sandbox at {setup.address}")
    window.resize(*size)
    result = {"code": 1}

    def save(widget: QWidget) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if widget.grab().save(str(path), "PNG"):
            result["code"] = 0
            print(f"Saved {path}")
        else:
            print(f"Could not write {path}", file=sys.stderr)
        for other in (window.batch_window, widget):
            if other is not None:
                other.close()
        window.close()
        app.quit()

    def later(widget: Callable[[], QWidget]) -> None:
        QTimer.singleShot(300, lambda: save(widget()))

    def loaded() -> None:
        if setup is None:
            later(lambda: window)
        elif state == "profiles":
            _open_profiles(window, size, later)
        else:
            _send_demo(window, setup, state, size, later)

    window.profiles_loaded.connect(loaded, Qt.ConnectionType.SingleShotConnection)
    QTimer.singleShot(60000, lambda: (print(f"Timed out making the {state} screenshot",
                                            file=sys.stderr), app.exit(1)))
    window.show()
    app.exec()
    window.desk.connections.close_all()
    if setup is not None:
        setup.sandbox.stop()
    # On Windows an open file cannot be deleted, and the history's connections on the
    # worker threads stay open until those threads end: what is left waits in %TEMP%.
    # (An error here was a traceback, which a windowed .exe shows in a dialog and waits.)
    shutil.rmtree(home, ignore_errors=True)
    return result["code"]


def _send_demo(window: MainWindow, setup: DemoSetup, state: str, size: tuple[int, int],
               later: Callable[[Callable[[], QWidget]], None]) -> None:
    """Send the demo statuses one after another, then go on to ``state``'s last step."""
    from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE

    steps = [(DEMO_BITRIX24, setup.message_ids[DEMO_BITRIX24]),
             (DEMO_SUPEROFFICE, setup.message_ids[DEMO_SUPEROFFICE])]
    if state == "error":
        steps.append((DEMO_SUPEROFFICE, UNKNOWN_MESSAGE))

    def send_next(_: object = None) -> None:
        if not steps:
            window.exchange_shown.disconnect(send_next)
            if state == "batch":
                _run_batch(window, setup, size, later)
            else:
                window.inspector.response.set_mode(1)
                later(lambda: window)
            return
        name, message_id = steps.pop(0)
        window.picker.select(name)
        window.form.set_value("message_id", message_id)
        if name == DEMO_SUPEROFFICE:
            window.form.set_value("status", "2")
            window.form.set_value("description", SCREENSHOT_DESCRIPTION)
        else:
            window.form.set_value("status", "delivered")
        window.flow.send()

    window.exchange_shown.connect(send_next)
    send_next()


def _run_batch(window: MainWindow, setup: DemoSetup, size: tuple[int, int],
               later: Callable[[Callable[[], QWidget]], None]) -> None:
    """Open a CSV file of Bitrix24 rows in the batch window, two of them invalid, and
    send them at Bitrix24's usual pace (a few seconds)."""
    from PySide6.QtCore import Qt

    from sandbox.demo import DEMO_BITRIX24

    portal = setup.sandbox.bitrix24
    ids = portal.seed_messages(BATCH_ROWS, start=100)
    lines = ["message_id,status,description"]
    lines += [f"{mid},delivered,Late: gateway outage" if i % 3 else
              f"{mid},failed,Handset unreachable" for i, mid in enumerate(ids)]
    lines += [f"{ids[0]},delivered,", f"{ids[1]},Delivered,"]  # a repeat; a capital letter
    path = window.desk.folder / "outage-3-dec.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    window.picker.select(DEMO_BITRIX24)
    window.open_batch()
    batch = window.batch_window
    assert batch is not None
    batch.resize(*size)

    def finished(_: object) -> None:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(100, batch.table.scrollToBottom)  # the invalid rows, marked
        later(lambda: batch)

    def checked() -> None:
        batch.runner.finished.connect(finished)
        batch.start(resume=False)

    batch.source.checked.connect(checked, Qt.ConnectionType.SingleShotConnection)
    batch.load_file(path)


def _open_profiles(window: MainWindow, size: tuple[int, int],
                   later: Callable[[Callable[[], QWidget]], None]) -> None:
    from PySide6.QtWidgets import QDialog

    from sandbox.demo import DEMO_SUPEROFFICE

    window.picker.select(DEMO_SUPEROFFICE)
    window.open_profiles()
    dialog = window.findChild(QDialog, "profilesDialog")
    assert dialog is not None
    dialog.resize(min(size[0], 1000), min(size[1], 820))
    later(lambda: dialog)
