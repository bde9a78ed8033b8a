"""`statusdesk`: the window. `--smoke` opens it, lets it paint, exits 0. `--screenshot PATH`
renders it with sandbox exchanges in the inspector (for the README), touching neither the
user's profiles nor the keyring.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

SCREENSHOT_SIZE = (1360, 860)
SCREENSHOT_DESCRIPTION = "Delivered to handset"
# With --smoke, when set: print the names of the loaded modules at the first paint and
# when leaving ("modules at first paint: a b c"), so a test can see what start-up loads.
SMOKE_MODULES_VARIABLE = "STATUSDESK_SMOKE_MODULES"


if TYPE_CHECKING:
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    from gui.window.main_window import MainWindow


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="statusdesk", description=__doc__)
    parser.add_argument("--smoke", action="store_true",
                        help="open the main window, let it paint, exit 0")
    parser.add_argument("--settle", metavar="SECONDS", type=float, default=0.0,
                        help="with --smoke: stay open this long after the first paint "
                             "(background loading ends), then exit")
    parser.add_argument("--report", action="store_true",
                        help="with --smoke: print 'painted' at the first paint and the "
                             "resident memory (rss_kb=N) when leaving; for benchmarks")
    parser.add_argument("--screenshot", metavar="PATH", type=Path,
                        help="render the window with a sandbox exchange to a PNG file")
    return parser.parse_args(argv)


def make_app(argv: list[str] | None = None, *, style: bool = True) -> QApplication:
    """The application; ``style=False`` leaves the style sheet to apply_style, to call once
    the main window is built (see there)."""
    from PySide6.QtWidgets import QApplication

    from gui.resources import app_icon

    existing = QApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        raise RuntimeError("A QCoreApplication without widgets is running already.")
    app = existing or QApplication([sys.argv[0], *(argv or [])])
    app.setApplicationName("StatusDesk")
    app.setOrganizationName("StatusDesk")
    app.setDesktopFileName("statusdesk")
    app.setWindowIcon(app_icon())
    if style:
        apply_style(app)
    return app


def apply_style(app: QApplication) -> None:
    """The style sheet from resources/. Applied after the main window is built, it styles
    every widget once; applied before, each widget is styled again whenever it moves
    into a new parent while the window is assembled (about 15 ms more at start-up)."""
    from gui.resources import style_sheet

    sheet = style_sheet()
    if sheet:
        app.setStyleSheet(sheet)


def resident_kb() -> int:
    """This process's resident memory now (Linux), or its peak elsewhere; -1 if unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return -1
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak // 1024 if sys.platform == "darwin" else peak


def _first_paint_watcher(app: QApplication, settle: float = 0.0,
                         report: bool = False) -> tuple[QObject, Callable[[], bool]]:
    """An event filter for the main window that quits the application once the window has
    painted (and ``settle`` seconds more), and a function that says whether it did."""
    from PySide6.QtCore import QEvent, QObject, QTimer

    modules = bool(os.environ.get(SMOKE_MODULES_VARIABLE))

    class FirstPaint(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.painted = False

        def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
            if event.type() == QEvent.Type.Paint and not self.painted:
                self.painted = True
                if report:
                    print("painted", flush=True)
                if modules:
                    print("modules at first paint:", *sorted(sys.modules), flush=True)
                if settle > 0:
                    QTimer.singleShot(round(settle * 1000), self._done)
                else:
                    self._done()
            return False

        def _done(self) -> None:
            """Leave the event loop now: work the window queues after its first paint
            (loading the profiles) is not started when only the first paint was asked for."""
            if report:
                print(f"rss_kb={resident_kb()}", flush=True)
            if modules:
                print("modules when leaving:", *sorted(sys.modules), flush=True)
            app.exit(0)

    watcher = FirstPaint()
    return watcher, lambda: watcher.painted


def main(argv: list[str] | None = None) -> int:
    # The arguments and the window's Qt-free modules (core.desk, core.profiles) come before
    # PySide6 is imported: from then on, PySide's import hook reads the source of every
    # module named in an import statement (looking for "PySide6"), argparse's lazy imports
    # included. Before it, the same imports cost ~3 ms less at start-up.
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from core.desk import Desk

    app = make_app(style=args.screenshot is not None)
    if args.screenshot is not None:
        return screenshot(app, args.screenshot)

    from gui.window.main_window import MainWindow

    window = MainWindow(Desk())
    apply_style(app)
    painted: Callable[[], bool] | None = None
    if args.smoke:  # a real start (keyring check included) that leaves after painting
        from PySide6.QtCore import QTimer

        window.remember_state = False
        watcher, painted = _first_paint_watcher(app, args.settle, args.report)
        window.installEventFilter(watcher)
        never_painted = 15000 + round(args.settle * 1000)
        QTimer.singleShot(never_painted, lambda: app.exit(1))  # fail the check
    window.show()
    # After the first paint: the check imports keyring and its Secret Service backend in a
    # job thread (~70 ms of imports, which would compete with the paint for the GIL).
    window.after_first_paint(lambda: say_if_no_keyring(window))
    code = _run(app, window)
    if painted is not None:
        return 0 if painted() and code == 0 else 1
    return code


def say_if_no_keyring(window: MainWindow) -> None:
    """At start, not at the first send: say so when no secure keyring can hold credentials."""
    from PySide6.QtWidgets import QMessageBox

    from core.secrets import KeyringUnavailable

    def failed(exc: BaseException) -> None:
        if isinstance(exc, KeyringUnavailable):
            box = QMessageBox(QMessageBox.Icon.Warning, "No usable keyring", str(exc),
                              QMessageBox.StandardButton.Ok, window)
            box.setObjectName("noKeyring")
            box.open()

    window.jobs.start("Checking the keyring", window.desk.secrets.check, lambda _name: None,
                      failed, cancellable=False)


def _run(app: QApplication, window: MainWindow) -> int:
    """The event loop; then background jobs get a moment to end before Qt objects are torn
    down (a job thread emitting into a destroyed object crashes the process at exit)."""
    code = app.exec()
    window.jobs.wait_idle(2.0)
    return code


def screenshot(app: QApplication, path: Path) -> int:
    """Send a Bitrix24 and then a SuperOffice status to the sandbox; save the window."""
    import shutil
    import tempfile

    from PySide6.QtCore import Qt, QTimer

    from core.desk import Desk, MemorySecrets
    from gui.window.main_window import MainWindow
    from sandbox.demo import DEMO_BITRIX24, DEMO_SUPEROFFICE, install_demo, start_sandbox

    home = Path(tempfile.mkdtemp(prefix="statusdesk-screenshot-"))
    desk = Desk(home, secrets=MemorySecrets())
    setup = install_demo(desk, start_sandbox(0))
    window = MainWindow(desk)
    window.sandbox = setup.sandbox
    window.sandbox_label.setText(f"Sandbox at {setup.address}")
    window.resize(*SCREENSHOT_SIZE)
    steps = [DEMO_BITRIX24, DEMO_SUPEROFFICE]
    result = {"code": 1}

    def send_next(_: object = None) -> None:
        if not steps:
            QTimer.singleShot(150, save)
            return
        name = steps.pop(0)
        window.picker.select(name)
        window.form.set_value("message_id", setup.message_ids[name])
        if name == DEMO_SUPEROFFICE:
            window.form.set_value("status", "2")
            window.form.set_value("description", SCREENSHOT_DESCRIPTION)
        else:
            window.form.set_value("status", "delivered")
        window.flow.send()

    def save() -> None:
        window.inspector.response.set_mode(1)
        path.parent.mkdir(parents=True, exist_ok=True)
        if window.grab().save(str(path), "PNG"):
            result["code"] = 0
            print(f"Saved {path}")
        else:
            print(f"Could not write {path}", file=sys.stderr)
        window.close()
        app.quit()

    window.exchange_shown.connect(send_next)
    window.profiles_loaded.connect(send_next, Qt.ConnectionType.SingleShotConnection)
    QTimer.singleShot(30000, lambda: (print("Timed out waiting for the sandbox exchange",
                                            file=sys.stderr), app.exit(1)))
    window.show()
    app.exec()
    window.desk.connections.close_all()
    setup.sandbox.stop()
    # On Windows an open file cannot be deleted, and the history's connections on the
    # worker threads stay open until those threads end: what is left waits in %TEMP%.
    # (An error here was a traceback, which a windowed .exe shows in a dialog and waits.)
    shutil.rmtree(home, ignore_errors=True)
    return result["code"]


if __name__ == "__main__":
    sys.exit(main())
