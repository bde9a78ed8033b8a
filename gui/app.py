"""`statusdesk`: the window. `--smoke` opens it, lets it paint, exits 0. `--screenshot PATH`
renders it with sandbox exchanges in the inspector (for the README), touching neither the
user's profiles nor the keyring; `--size`, `--theme` and `--state` choose what it shows
(gui.window_picture).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

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
    parser.add_argument("--size", metavar="WxH", type=_size, default=None,
                        help="with --screenshot: the window's size, e.g. 1024x700 "
                             "(default 1360x860)")
    parser.add_argument("--theme", choices=("light", "dark"), default="",
                        help="with --screenshot: the theme (default: the system's)")
    parser.add_argument("--state", default="exchange",
                        choices=("first-start", "exchange", "error", "batch", "profiles"),
                        help="with --screenshot: what to show (default: exchange)")
    args = parser.parse_args(argv)
    if args.screenshot is None and (args.size or args.theme or args.state != "exchange"):
        parser.error("--size, --theme and --state go with --screenshot PATH")
    return args


def _size(text: str) -> tuple[int, int]:
    from gui.window_picture import window_size

    try:
        return window_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


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
        from gui.window_picture import SCREENSHOT_SIZE, screenshot

        return screenshot(app, args.screenshot, args.size or SCREENSHOT_SIZE, args.theme,
                          args.state)

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


if __name__ == "__main__":
    sys.exit(main())
