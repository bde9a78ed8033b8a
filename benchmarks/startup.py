"""Start-up time of `statusdesk --smoke` against a bare PySide6 window, in one run.

Both are separate processes that open a main window, wait for its first paint and exit,
so the ratio shows what StatusDesk adds on top of Qt itself. Runs alternate between the
two so that disk cache and CPU frequency treat them alike. Nothing is asserted: the
numbers are printed.

    python benchmarks/startup.py [--runs N] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_WINDOW = """
import sys
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            QTimer.singleShot(0, app.quit)
        return False

app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QLabel("bare"))
watcher = FirstPaint()
window.installEventFilter(watcher)
window.show()
sys.exit(app.exec())
"""


def statusdesk_command() -> list[str]:
    script = Path(sys.executable).with_name("statusdesk")
    if script.exists():
        return [str(script), "--smoke"]
    found = shutil.which("statusdesk")
    return [found, "--smoke"] if found else [sys.executable, "-m", "gui.app", "--smoke"]


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="statusdesk-bench-") as home:
        # Byte-code cached as in an installed app (pip compiles at install time); the cache
        # goes to the temp folder, not the source tree.
        env = {**os.environ, "QT_QPA_PLATFORM": args.platform, "STATUSDESK_HOME": home,
               "PYTHONPYCACHEPREFIX": str(Path(home) / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        commands = {
            "bare PySide6 window": [sys.executable, "-c", BARE_WINDOW],
            "statusdesk --smoke": statusdesk_command(),
        }
        for command in commands.values():  # warm the disk and byte-code caches, untimed
            timed(command, env)
        times: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.runs):
            for name, command in commands.items():
                times[name].append(timed(command, env))
    print(f"Start-up to first paint, {args.runs} runs each, QT_QPA_PLATFORM={args.platform}")
    for name, values in times.items():
        print(f"  {name:22} median {statistics.median(values) * 1000:7.1f} ms   "
              f"min {min(values) * 1000:7.1f} ms   max {max(values) * 1000:7.1f} ms")
    ratio = statistics.median(times["statusdesk --smoke"]) / statistics.median(
        times["bare PySide6 window"])
    print(f"  ratio statusdesk / bare (medians): {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
