"""Two customers in one batch file, side by side, against the two run one after the other.

The same rows both ways, through the real command line (``statusdesk-cli``, this tree, each
run in its own process) against one sandbox in another process, with the real keyring (run
it inside ``packaging/with-throwaway-keyring``) and the real SQLite history:

- baseline: ``batch ACME acme.csv`` then ``batch BETA beta.csv`` (SuperOffice and Bitrix24,
  ``--rows`` / 2 rows each), one after the other, as a person does without a profile column;
- side by side: ``batch both.csv``, the same rows with a profile column, one run.

Each at ``--rate`` calls/s per customer, burst 1; rounds alternate. Printed: the time from
the "Sending" line to the end (and the whole process time, start-up included), the side by
side run as a ratio of the baseline's sum. Nothing is asserted; the goal (under 75 %) is
printed beside the figure.

    packaging/with-throwaway-keyring .venv/bin/python benchmarks/customers_batch.py
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from call import Sandbox  # noqa: E402

from sandbox.credentials import (  # noqa: E402
    B24_SETUP,
    SO_APP_TOKEN,
    SO_PLUGIN,
    SO_TENANT,
    SO_TICKET,
)

CLI = "import sys; from cli.main import main; sys.exit(main())"
GOAL = 0.75


class Desk:
    """This tree's CLI with its own STATUSDESK_HOME and two customers' profiles."""

    def __init__(self, home: Path, origin: str) -> None:
        self.home = home
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "STATUSDESK_HOME": str(home),
                    "PYTHONDONTWRITEBYTECODE": "1"}
        tag = uuid.uuid4().hex[:6]
        self.acme, self.beta = f"Acme {tag}", f"Beta {tag}"
        self.cli("profile", "add", self.acme, "--system", "superoffice", "--url",
                 f"{origin}/superoffice/{SO_TENANT}", "--plugin", SO_PLUGIN)
        self.cli("secret", "set", self.acme, "ticket", stdin=SO_TICKET)
        self.cli("secret", "set", self.acme, "app-token", stdin=SO_APP_TOKEN)
        self.cli("profile", "add", self.beta, "--system", "bitrix24", "--url",
                 f"{origin}/bitrix24", "--code", B24_SETUP.code)
        self.cli("secret", "set", self.beta, "access-token", stdin=B24_SETUP.access_token)

    def cli(self, *args: str, stdin: str = "") -> None:
        done = subprocess.run([sys.executable, "-c", CLI, *args], cwd=ROOT, env=self.env,
                              input=stdin, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"statusdesk-cli {' '.join(args)}: {done.stderr}")

    def forget(self) -> None:
        for name in (self.acme, self.beta):
            subprocess.run([sys.executable, "-c", CLI, "secret", "clear", name], cwd=ROOT,
                           env=self.env, capture_output=True, timeout=60)

    def batch(self, *args: str) -> tuple[float, float]:
        """Seconds from the "Sending" line to the end, and of the whole process."""
        began = time.perf_counter()
        process = subprocess.Popen([sys.executable, "-c", CLI, "batch", *args], cwd=ROOT,
                                   env=self.env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        lines: list[tuple[float, str]] = []
        reader = threading.Thread(target=lambda: lines.extend(
            (time.perf_counter(), line) for line in process.stderr), daemon=True)
        reader.start()
        process.wait(600)
        ended = time.perf_counter()
        reader.join(10)
        started = next((t for t, line in lines if line.startswith("Sending")), None)
        if started is None or process.returncode != 0:
            raise SystemExit(f"statusdesk-cli batch {' '.join(args)} (exit "
                             f"{process.returncode}): " + "".join(line for _, line in lines))
        return ended - started, ended - began


def measure(rows: int, rate: float, rounds: int) -> dict[str, list[tuple[float, float]]]:
    found: dict[str, list[tuple[float, float]]] = {"one after the other": [],
                                                   "side by side": []}
    with tempfile.TemporaryDirectory() as scratch, Sandbox() as sandbox:
        folder = Path(scratch)
        half = rows // 2
        so, b24 = sandbox.seed("superoffice", half), sandbox.seed("bitrix24", half)
        desk = Desk(folder / "home", sandbox.origin)
        try:
            acme, beta, both = folder / "acme.csv", folder / "beta.csv", folder / "both.csv"
            acme.write_text("message_id,status\n" + "".join(f"{i},3\n" for i in so),
                            encoding="utf-8")
            beta.write_text("message_id,status\n" + "".join(f"{i},delivered\n" for i in b24),
                            encoding="utf-8")
            both.write_text("profile,message_id,status\n" + "".join(
                f"{desk.acme},{a},3\n{desk.beta},{b},delivered\n"
                for a, b in zip(so, b24, strict=True)), encoding="utf-8")
            pace = ("--rate", f"{rate:g}", "--burst", "1")
            for _ in range(rounds):
                first, second = desk.batch(desk.acme, str(acme), *pace), \
                    desk.batch(desk.beta, str(beta), *pace)
                found["one after the other"].append((first[0] + second[0],
                                                     first[1] + second[1]))
                found["side by side"].append(desk.batch(str(both), *pace))
        finally:
            desk.forget()
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=48, help="rows in all, half each")
    parser.add_argument("--rate", type=float, default=4.0, help="calls/s per customer")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    found = measure(args.rows, args.rate, args.rounds)
    base, ours = (statistics.median(s for s, _ in found[k]) for k in found)
    base_all, ours_all = (statistics.median(w for _, w in found[k]) for k in found)
    ratio = ours / base
    print(f"Two customers, {args.rows} rows ({args.rows // 2} each), {args.rate:g}/s each, "
          f"burst 1; medians of {args.rounds} alternating rounds "
          f"({time.strftime('%Y-%m-%d %H:%M')})")
    print(f"{'':42} {'sending':>9} {'process':>9}")
    print(f"{'one after the other (two runs, summed)':42} {base:8.2f}s {base_all:8.2f}s")
    print(f"{'side by side (one file, profile column)':42} {ours:8.2f}s {ours_all:8.2f}s")
    print(f"{'ratio':42} {ratio:8.0%}  {ours_all / base_all:8.0%}   goal < {GOAL:.0%}: "
          f"{'met' if ratio < GOAL else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
