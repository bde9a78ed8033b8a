"""Start-up time and idle memory of `statusdesk --smoke` against a bare PySide6 window.

Both are separate processes that open a main window and exit after its first paint, so
the ratio shows what StatusDesk adds on top of Qt itself. Each is run with --report: it
prints "painted" at its first paint (the time that line arrives is the start-up time; the
whole run, exit included, is timed too) and its resident memory (RSS) when leaving. For
memory, both stay open --settle seconds after the first paint first (StatusDesk loads its
profiles and history then). Runs alternate between the two so that disk cache and CPU
frequency treat them alike. Nothing is asserted: the numbers are printed.

    python benchmarks/startup.py [--runs N] [--settle S] [--platform offscreen|xcb]
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # the gui modules are read from here

# gui/app.py's own Qt imports (importing Qt builds its ~90 enum classes: about 15 ms that
# every real Qt program pays), a window of the size StatusDesk opens at (its backing store
# is memory too), and the same --settle/--report protocol as `statusdesk --smoke`.
# SAME_QT_IMPORTS becomes every Qt name StatusDesk imports before its first paint (PySide
# sets a class up, enums and all, when it is first imported), or nothing for the bare
# window with gui/app.py's imports only.
BARE_WINDOW = """
import os, sys
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
# SAME_QT_IMPORTS

settle = float(sys.argv[sys.argv.index("--settle") + 1]) if "--settle" in sys.argv else 0.0
report = "--report" in sys.argv

def done():
    if report:
        with open("/proc/self/statm", encoding="ascii") as statm:
            pages = int(statm.read().split()[1])
        print(f"rss_kb={pages * os.sysconf('SC_PAGE_SIZE') // 1024}", flush=True)
    app.exit(0)

class FirstPaint(QObject):
    painted = False

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not self.painted:
            self.painted = True
            if report:
                print("painted", flush=True)
            if settle > 0:
                QTimer.singleShot(round(settle * 1000), done)
            else:
                done()
        return False

app = QApplication(sys.argv[:1])
window = QMainWindow()
window.setCentralWidget(QLabel("bare"))
window.resize(1280, 800)
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


BARE, BARE_APP_IMPORTS, STATUSDESK = ("bare window, same Qt imports",
                                      "bare window, app.py's imports", "statusdesk --smoke")


def same_qt_imports(env: dict[str, str]) -> str:
    """The import lines of every Qt name StatusDesk's modules import at module level, of
    the gui modules loaded at its first paint (as `--smoke` lists them)."""
    done = subprocess.run([*statusdesk_command(), "--settle", "0"], capture_output=True,
                          text=True, env={**env, "STATUSDESK_SMOKE_MODULES": "1"}, timeout=60)
    prefix = "modules at first paint:"
    listed = [line.removeprefix(prefix).split() for line in done.stdout.splitlines()
              if line.startswith(prefix)]
    if done.returncode != 0 or not listed:
        raise SystemExit(f"statusdesk --smoke did not list its modules:\n{done.stderr}")
    names: dict[str, set[str]] = {}
    for module in listed[0]:
        path = ROOT / (module.replace(".", "/") + ".py")
        if not module.startswith("gui.") or not path.exists():
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:  # module level only
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("PySide6"):
                names.setdefault(node.module, set()).update(a.name for a in node.names)
    return "\n".join(f"from {module} import {', '.join(sorted(found))}"
                     for module, found in sorted(names.items()))


@dataclass
class Run:
    first_paint: float  # seconds from launch to the first paint
    total: float  # seconds from launch to exit
    rss_kb: int  # resident memory when leaving (after --settle)


def run_once(command: list[str], env: dict[str, str], settle: float = 0.0) -> Run:
    """One run with --report: when it painted (as its 'painted' line arrives), when it
    ended, and its resident memory then."""
    started = time.perf_counter()
    # stderr into the same pipe: an unread second pipe could fill up and stall the child
    child = subprocess.Popen([*command, "--report", "--settle", str(settle)], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    painted = None
    lines = []
    for line in child.stdout:
        if line.strip() == "painted" and painted is None:
            painted = time.perf_counter() - started
        lines.append(line.strip())
    child.wait()
    total = time.perf_counter() - started
    rss = [int(line.removeprefix("rss_kb=")) for line in lines if line.startswith("rss_kb=")]
    if child.returncode != 0 or painted is None or not rss:
        printed = "\n".join(lines)
        raise SystemExit(f"{' '.join(command)} failed ({child.returncode}):\n{printed}")
    return Run(painted, total, rss[0])


def measure(runs: int, platform: str, settle: float) -> dict[str, list[Run]]:
    """Per run: time to first paint and in all (no settle), and settled RSS (separate runs
    with ``settle``), for the bare window and for StatusDesk, alternating."""
    with tempfile.TemporaryDirectory(prefix="statusdesk-bench-") as home:
        # Byte-code cached as in an installed app (pip compiles at install time); the cache
        # goes to the temp folder, not the source tree.
        env = {**os.environ, "QT_QPA_PLATFORM": platform, "STATUSDESK_HOME": home,
               "PYTHONPYCACHEPREFIX": str(Path(home) / "pycache")}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        same = BARE_WINDOW.replace("# SAME_QT_IMPORTS", same_qt_imports(env))
        commands = {BARE: [sys.executable, "-c", same],
                    BARE_APP_IMPORTS: [sys.executable, "-c", BARE_WINDOW],
                    STATUSDESK: statusdesk_command()}
        for command in commands.values():  # warm the disk and byte-code caches, untimed
            run_once(command, env)
        found: dict[str, list[Run]] = {name: [] for name in commands}
        for _ in range(runs):
            for name, command in commands.items():
                found[name].append(run_once(command, env))
        for _ in range(max(1, runs // 2)):
            for name, command in commands.items():
                settled = run_once(command, env, settle)
                found[name].append(Run(0.0, 0.0, settled.rss_kb))
    return found


def medians(runs: list[Run]) -> Run:
    timed = [run for run in runs if run.total > 0]
    settled = [run for run in runs if run.total == 0]
    return Run(statistics.median(r.first_paint for r in timed),
               statistics.median(r.total for r in timed),
               round(statistics.median(r.rss_kb for r in settled)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--settle", type=float, default=1.5,
                        help="seconds after the first paint before RSS is read")
    parser.add_argument("--platform", default=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    args = parser.parse_args()
    found = {name: medians(runs) for name, runs in
             measure(args.runs, args.platform, args.settle).items()}
    ours = found[STATUSDESK]
    print(f"{args.runs} runs each, alternating, QT_QPA_PLATFORM={args.platform}; medians")
    print(f"  {'':28} {'first paint':>12} {'whole run':>10} {'RSS settled':>12}")
    for name, run in found.items():
        print(f"  {name:28} {run.first_paint * 1000:9.1f} ms {run.total * 1000:7.1f} ms "
              f"{run.rss_kb / 1024:9.1f} MB")
    for name in (BARE, BARE_APP_IMPORTS):
        base = found[name]
        print(f"  {'ratio to ' + name.split(', ')[1]:28} "
              f"{ours.first_paint / base.first_paint:5.2f}x {ours.total / base.total:9.2f}x "
              f"{ours.rss_kb / base.rss_kb:11.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
