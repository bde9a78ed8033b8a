"""StatusDesk's four speed figures, measured in one run, printed as one table.

1. start-up: `statusdesk --smoke` against a bare PySide6 window with the same Qt imports
   (separate processes, alternating runs; benchmarks/startup.py): time to the first
   paint, and the whole run with its exit;
2. one call: core send_status plus the history write against raw httpx posting the same
   bytes to the same loopback sandbox in another process (benchmarks/call.py);
3. idle memory: resident memory (RSS) after the first paint, settled, for the pair of 1.;
4. the inspector opening a 10 MB response: the longest UI-thread stall, from a 5 ms
   QTimer's largest gap, in a fresh process (benchmarks/inspector.py);
5. a long batch through statusdesk-cli with the real keyring, no rate limit: rows/s and
   peak memory at 2,000 and 20,000 rows, against the base commit's code run the same way
   (benchmarks/batch_scale.py);
6. a rate-limited batch against a portal whose burst is below the runner's: refused
   calls after the first and the achieved share of the portal's rate, same baseline;
7. two customers in one file (a profile column, 48 rows at 4/s each) against the same rows
   sent as two runs one after the other (benchmarks/customers_batch.py).

Every ratio is against a baseline measured in the same run; the stall's baseline is the
same timer on the idle window. Nothing is asserted: the goals are printed beside the
figures.

    python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import batch_scale  # noqa: E402
import call  # noqa: E402
import customers_batch  # noqa: E402
import startup  # noqa: E402

GOALS = {"start-up": 1.3, "call": 1.2, "memory": 1.3, "stall_ms": 100.0}
SETTLE = 1.5  # seconds after the first paint before the resident memory is read


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import PySide6
    from PySide6.QtCore import qVersion

    return (f"{cpu}, {os.cpu_count()} cores; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}; PySide6 {PySide6.__version__}, "
            f"Qt {qVersion()}")


def stalls(size_mb: float) -> dict[str, dict[str, float]]:
    """benchmarks/inspector.py in its own process (a fresh QApplication, offscreen)."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, str(HERE / "inspector.py"), "--size", str(size_mb),
                           "--json"], env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise SystemExit(f"benchmarks/inspector.py failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def row(name: str, ours: str, base: str, ratio: str, goal: str, met: bool | None) -> str:
    verdict = "" if met is None else ("met" if met else "MISSED")
    return f"{name:46} {ours:>10} {base:>10} {ratio:>7}  {goal:>9}  {verdict}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs (a rough look)")
    parser.add_argument("--size", type=float, default=10.0, help="response size in MB for 4.")
    args = parser.parse_args()
    runs, calls, rounds = (3, 50, 3) if args.quick else (9, 200, 7)
    began = time.perf_counter()

    windows = startup.measure(runs, "offscreen", settle=SETTLE)
    bare, minimal, ours = (startup.medians(windows[name]) for name in
                           (startup.BARE, startup.BARE_APP_IMPORTS, startup.STATUSDESK))
    calls_by_system = {system: call.measure(system, calls, rounds)
                       for system in ("superoffice", "bitrix24")}
    inspector = stalls(args.size)
    rows, small, limited = (4_000, 1_000, 150) if args.quick else (20_000, 2_000, 300)
    batches = batch_scale.measure(rows, small, limited, 10.0, batch_scale.BASE)
    customers = customers_batch.measure(48, 4.0, 1 if args.quick else 3)

    print(f"StatusDesk speed, {time.strftime('%Y-%m-%d %H:%M')}")
    print(f"Machine: {machine()}; QT_QPA_PLATFORM=offscreen")
    print()
    print(f"{'figure':46} {'StatusDesk':>10} {'baseline':>10} {'ratio':>7}  {'goal':>9}")
    ratio = ours.first_paint / bare.first_paint
    print(row("1. start-up to first paint (bare window)", f"{ours.first_paint * 1000:.0f} ms",
              f"{bare.first_paint * 1000:.0f} ms", f"{ratio:.2f}x", "<= 1.3x",
              ratio <= GOALS["start-up"]))
    ratio = ours.first_paint / minimal.first_paint
    print(row("   bare window with app.py's Qt imports only", "",
              f"{minimal.first_paint * 1000:.0f} ms", f"{ratio:.2f}x", "", None))
    ratio = ours.total / bare.total
    print(row("   the whole --smoke run, exit included", f"{ours.total * 1000:.0f} ms",
              f"{bare.total * 1000:.0f} ms", f"{ratio:.2f}x", "", None))
    for system, found in calls_by_system.items():
        mine = statistics.median(found[call.STATUSDESK])
        base = statistics.median(found[call.BASELINE])
        alone = statistics.median(found[call.SEND_ONLY])
        print(row(f"2. one call + history, {system} (raw httpx)", f"{mine * 1000:.2f} ms",
                  f"{base * 1000:.2f} ms", f"{mine / base:.2f}x", "<= 1.2x",
                  mine / base <= GOALS["call"]))
        print(row("   the call alone, without the history write", f"{alone * 1000:.2f} ms",
                  f"{base * 1000:.2f} ms", f"{alone / base:.2f}x", "", None))
    ratio = ours.rss_kb / bare.rss_kb
    print(row(f"3. idle memory, RSS {SETTLE:g} s after paint (bare)",
              f"{ours.rss_kb / 1024:.1f} MB", f"{bare.rss_kb / 1024:.1f} MB", f"{ratio:.2f}x",
              "<= 1.3x", ratio <= GOALS["memory"]))
    ratio = ours.rss_kb / minimal.rss_kb
    print(row("   bare window with app.py's Qt imports only", "",
              f"{minimal.rss_kb / 1024:.1f} MB", f"{ratio:.2f}x", "", None))
    for kind, found in inspector.items():
        stall = max(found["open_ms"], found["switch_ms"])
        print(row(f"4. {args.size:g} MB {kind.upper()} answer: longest stall (idle)",
                  f"{stall:.0f} ms", f"{found['idle_ms']:.0f} ms", "", "<= 100 ms",
                  stall <= GOALS["stall_ms"]))
    ours_b, base_b = batches.values()
    big, little = ours_b[f"unlimited {rows}"], ours_b[f"unlimited {small}"]
    old_big, old_little = base_b[f"unlimited {rows}"], base_b[f"unlimited {small}"]
    print(row(f"5. batch of {rows:,} rows, no limit: rows/s ({batch_scale.BASE})",
              f"{big.rows_s:.0f}", f"{old_big.rows_s:.0f}", f"{big.rows_s / old_big.rows_s:.2f}x",
              ">= 300/s", big.rows_s >= batch_scale.GOALS["rows_s"]))
    print(row(f"   peak RSS at {rows:,} rows", f"{big.peak_mb:.0f} MB", f"{old_big.peak_mb:.0f} MB",
              f"{big.peak_mb / old_big.peak_mb:.2f}x", "<= 150 MB",
              big.peak_mb <= batch_scale.GOALS["rss_mb"]))
    print(row(f"   peak RSS growth {small:,} -> {rows:,} rows",
              f"{big.peak_mb - little.peak_mb:+.0f} MB",
              f"{old_big.peak_mb - old_little.peak_mb:+.0f} MB", "", "flat",
              big.peak_mb - little.peak_mb <= 10))
    for key, title in (("burst below", "6. portal burst 5 < runner's 10: refused after 1st"),
                       ("wrong plan", "   runner 2.5x faster, burst 250 > 50: refused")):
        mine, old = ours_b[key], base_b[key]
        print(row(title, str(max(0, mine.refusals - 1)), str(max(0, old.refusals - 1)), "",
                  "0" if key == "burst below" else "",
                  mine.refusals <= 1 if key == "burst below" else None))
        portal_burst = 5 if key == "burst below" else 50
        got, had = (batch_scale.share(r, 20.0, portal_burst) for r in (mine, old))
        print(row("   achieved rate / the portal's", f"{got:.0%}", f"{had:.0%}", "", ">= 90 %",
                  got >= batch_scale.GOALS["share"]))
    after, side = (statistics.median(s for s, _ in found) for found in customers.values())
    print(row("7. two customers side by side (one after other)", f"{side:.2f} s",
              f"{after:.2f} s", f"{side / after:.2f}x", "< 0.75x",
              side / after < customers_batch.GOAL))
    print()
    print(f"1. and 3.: medians of {runs} and {max(1, runs // 2)} alternating runs, separate "
          "processes, an empty profile folder; the bare window imports every Qt name "
          "StatusDesk's modules import before its first paint. --smoke is a real start: the "
          "keyring check after the first paint included.")
    print(f"2.: median per-call time of {rounds} alternating rounds of {calls} calls, one "
          "reused connection each; history = SQLite, WAL, synchronous=FULL.")
    for kind, found in inspector.items():
        print(f"4. {kind}: opening {found['open_ms']:.0f} ms, then Raw/Pretty and scrolling to "
              f"the end {found['switch_ms']:.0f} ms; all of it in after {found['ready_s']:.1f} s.")
    print(f"5. and 6.: statusdesk-cli batch --json --results of this tree and of "
          f"{batch_scale.BASE} (git archive), each in its own process, real keyring, one "
          f"sandbox process per run; rows/s from the 'Sending' line to the end; peak RSS "
          f"from wait4; 6.: Bitrix24's leaky bucket 10x faster (20/s), {limited} rows.")
    print(f"({time.perf_counter() - began:.0f} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
