"""Long batches through the real command line, this tree against the base commit, one run.

Both trees run the same thing: ``statusdesk-cli batch`` (the CLI of that tree, its own
code on PYTHONPATH, in its own process) against one sandbox in another process, with the
real keyring (run it inside ``packaging/with-throwaway-keyring``), the real SQLite history,
``--results`` and ``--json`` (to /dev/null). The base tree is ``git archive`` of the
base commit (default db5e7bc, before issue 15's items 12 and 16), unpacked to a temporary
folder: the old code measured the same way, on the same machine, in the same run.

Figures:

1. no rate limit (the portal's bucket is set out of reach, the runner's --rate 1e6):
   rows per second from the "Sending" line to the end, and the process's peak resident
   memory (ru_maxrss from wait4) at ``--small`` and ``--rows`` rows: flat means the big
   run peaks no higher than the small one; history bytes per row;
2. a portal whose burst is below the runner's (Bitrix24's leaky bucket ``--speed`` times
   faster, burst 5, against the runner's default burst of 10 at the same rate): refused
   calls after the first, and the rate achieved as a share of the portal's (the rows the
   portal admits at best in that time: its burst at once, then its drain);
3. the same with the Enterprise preset's shape (burst 250, 2.5x the rate) against a
   standard portal (burst 50): the wrong plan chosen.

Nothing is asserted; goals are printed beside the figures.

    python benchmarks/batch_scale.py [--rows 20000] [--small 2000] [--limited 300]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from call import Sandbox  # noqa: E402

BASE = "db5e7bc"
CLI = "import sys; from cli.main import main; sys.exit(main())"
GOALS = {"rows_s": 300.0, "rss_mb": 150.0, "refused": 0, "share": 0.90}


@dataclass
class Run:
    rows: int
    seconds: float  # from the "Sending" line to the end
    peak_mb: float
    history_bytes: int
    refusals: int
    exit_code: int
    pace_lines: int

    @property
    def rows_s(self) -> float:
        return self.rows / self.seconds


def unpack_base(commit: str, into: Path) -> Path:
    data = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", commit],
                          check=True, capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        tar.extractall(into, filter="data")
    return into


class Tree:
    """One tree's CLI with its own STATUSDESK_HOME and a profile whose token is in the
    real keyring (removed at the end)."""

    def __init__(self, name: str, path: Path, home: Path) -> None:
        self.name, self.path, self.home = name, path, home
        self.profile = f"bench-{uuid.uuid4().hex[:8]}"
        self.env = {**os.environ, "PYTHONPATH": str(path), "STATUSDESK_HOME": str(home),
                    "PYTHONDONTWRITEBYTECODE": "1"}

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        done = subprocess.run([sys.executable, "-c", CLI, *args], cwd=self.path, env=self.env,
                              input=stdin, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise SystemExit(f"{self.name}: statusdesk-cli {' '.join(args)}: {done.stderr}")
        return done

    def use(self, origin: str) -> None:
        from sandbox.credentials import B24_SETUP

        self.cli("profile", "add", self.profile, "--system", "bitrix24", "--url",
                 f"{origin}/bitrix24", "--code", B24_SETUP.code, "--replace")
        self.cli("secret", "set", self.profile, "access-token", stdin=B24_SETUP.access_token)

    def forget(self) -> None:
        subprocess.run([sys.executable, "-c", CLI, "secret", "clear", self.profile],
                       cwd=self.path, env=self.env, capture_output=True, timeout=60)

    def batch(self, rows: Path, *pace: str) -> Run:
        history = self.home / "history.sqlite3"
        before = _size(history)
        process = subprocess.Popen(
            [sys.executable, "-c", CLI, "batch", self.profile, str(rows), *pace, "--json",
             "--results", str(self.home / "results.csv")],
            cwd=self.path, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            text=True)
        lines: list[tuple[float, str]] = []
        reader = threading.Thread(target=lambda: lines.extend(
            (time.perf_counter(), line) for line in process.stderr), daemon=True)
        reader.start()
        _, status, usage = os.wait4(process.pid, 0)
        ended = time.perf_counter()
        process.returncode = os.waitstatus_to_exitcode(status)
        reader.join(10)
        started = next((t for t, line in lines if line.startswith("Sending")), None)
        if started is None:
            raise SystemExit(f"{self.name}: the batch did not start: "
                             + "".join(line for _, line in lines))
        count = sum(1 for _ in rows.open(encoding="utf-8")) - 1
        return Run(count, ended - started, usage.ru_maxrss / 1024, _size(history) - before,
                   0, process.returncode,
                   sum("over its limit" in line for _, line in lines))


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.parent.glob(path.name + "*")) \
        if path.parent.exists() else 0


def rows_file(folder: Path, name: str, ids: list[str]) -> Path:
    path = folder / name
    path.write_text("message_id,status\n" + "".join(f"{i},delivered\n" for i in ids),
                    encoding="utf-8")
    return path


def control(origin: str, **settings: object) -> dict:
    """Change the sandbox (POST), or with no settings read its state (GET)."""
    url = f"{origin}/_sandbox/control"
    answer = httpx.post(url, json=settings, timeout=60) if settings else httpx.get(url)
    answer.raise_for_status()
    return answer.json()


def unlimited(tree: Tree, folder: Path, rows: int) -> Run:
    with Sandbox() as sandbox:
        ids = sandbox.seed("bitrix24", rows)  # the portal's bucket out of reach
        tree.use(sandbox.origin)
        return tree.batch(rows_file(folder, f"{tree.name}-{rows}.csv", ids),
                          "--rate", "1000000", "--burst", "1000000")


def limited(tree: Tree, folder: Path, rows: int, drain: float, portal_burst: int,
            rate: float, burst: int) -> Run:
    with Sandbox() as sandbox:
        ids = sandbox.seed("bitrix24", rows)
        control(sandbox.origin, bitrix24_rate_limit={"drain_per_second": drain,
                                                     "burst": portal_burst})
        tree.use(sandbox.origin)
        run = tree.batch(rows_file(folder, f"{tree.name}-limited.csv", ids),
                         "--rate", f"{rate:g}", "--burst", str(burst))
        run.refusals = control(sandbox.origin)["state"]["bitrix24_limit_refusals"]
        return run


def share(run: Run, drain: float, portal_burst: int) -> float:
    """The rate achieved against the best the portal allows in that time."""
    best = portal_burst + drain * run.seconds
    return min(run.rows, best) / best if best else 0.0


def file_peak_mb(rows: int) -> float:
    """The peak Python memory of reading and checking a file of that many rows (this
    tree, in this process): the part of a run's memory that is the input itself."""
    import tracemalloc

    from core.batch_file import check_rows, read_batch
    from core.profiles import Profile

    profile = Profile("b", "bitrix24", "http://127.0.0.1:1/bitrix24",
                      options={"code": "sms_gw", "auth": "oauth"})
    text = "message_id,status\n" + "".join(f"{i:032x},delivered\n" for i in range(rows))
    tracemalloc.start()
    try:
        check_rows(read_batch(text.encode(), "rows.csv"), profile)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def line(name: str, after: str, before: str, goal: str, met: bool | None) -> str:
    verdict = "" if met is None else ("met" if met else "MISSED")
    return f"{name:50} {after:>12} {before:>12}  {goal:>10}  {verdict}"


def measure(rows: int, small: int, limited_rows: int, speed: float,
            base: str) -> dict[str, dict[str, object]]:
    results: dict[str, dict[str, object]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        trees = [Tree("this tree", ROOT, folder / "home-after"),
                 Tree(f"base {base}", unpack_base(base, folder / "base"), folder / "home-base")]
        try:
            for tree in trees:
                results[tree.name] = {}
            for count in (small, rows):
                for tree in trees:
                    results[tree.name][f"unlimited {count}"] = unlimited(tree, folder, count)
            drain = 2.0 * speed
            for tree in trees:
                results[tree.name]["burst below"] = limited(
                    tree, folder, limited_rows, drain, 5, drain, 10)
                results[tree.name]["wrong plan"] = limited(
                    tree, folder, limited_rows, drain, 50, drain * 2.5, 250)
        finally:
            for tree in trees:
                tree.forget()
    return results


def report(results: dict[str, dict[str, object]], rows: int, small: int, speed: float) -> None:
    after, before = results.values()
    names = list(results)
    print(f"Long batches, statusdesk-cli batch --json --results, real keyring "
          f"({time.strftime('%Y-%m-%d %H:%M')})")
    print(line("figure", names[0], names[1], "goal", None))
    big, little = f"unlimited {rows}", f"unlimited {small}"
    a, b = after[big], before[big]
    print(line(f"1. {rows:,} rows, no limit: rows/s", f"{a.rows_s:.0f}", f"{b.rows_s:.0f}",
               ">= 300", a.rows_s >= GOALS["rows_s"]))
    print(line(f"   peak RSS at {rows:,} rows", f"{a.peak_mb:.0f} MB", f"{b.peak_mb:.0f} MB",
               "<= 150 MB", a.peak_mb <= GOALS["rss_mb"]))
    a2, b2 = after[little], before[little]
    print(line(f"   peak RSS at {small:,} rows", f"{a2.peak_mb:.0f} MB", f"{b2.peak_mb:.0f} MB",
               "", None))
    print(line(f"   growth {small:,} -> {rows:,} rows", f"{a.peak_mb - a2.peak_mb:+.0f} MB",
               f"{b.peak_mb - b2.peak_mb:+.0f} MB", "flat", a.peak_mb - a2.peak_mb <= 10))
    held = file_peak_mb(rows) - file_peak_mb(small)
    print(line("   of the growth: reading and checking the file", f"{held:+.0f} MB", "", "",
               None))
    print(line(f"   rows/s at {small:,} rows", f"{a2.rows_s:.0f}", f"{b2.rows_s:.0f}", "", None))
    print(line("   history bytes per row", f"{a.history_bytes / rows:.0f}",
               f"{b.history_bytes / rows:.0f}", "", None))
    drain = 2.0 * speed
    for key, title, portal_burst in (
            ("burst below", "2. portal burst 5 < runner's 10, same rate", 5),
            ("wrong plan", "3. runner 2.5x rate, burst 250 > portal's 50", 50)):
        a, b = after[key], before[key]
        print(line(f"{title}: refused after 1st", str(max(0, a.refusals - 1)),
                   str(max(0, b.refusals - 1)), "0" if key == "burst below" else "",
                   a.refusals <= 1 if key == "burst below" else None))
        sa, sb = share(a, drain, portal_burst), share(b, drain, portal_burst)
        print(line("   achieved rate / portal's", f"{sa:.0%}", f"{sb:.0%}",
                   ">= 90 %", sa >= GOALS["share"]))
        print(line("   pace lines printed / exit code", f"{a.pace_lines} / {a.exit_code}",
                   f"{b.pace_lines} / {b.exit_code}", "", None))
    print(f"2.-3.: Bitrix24's leaky bucket {speed:g}x faster than its 2 calls/s "
          f"({drain:g}/s), {after['burst below'].rows} rows; a fresh sandbox per run.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--small", type=int, default=2_000)
    parser.add_argument("--limited", type=int, default=300, help="rows of 2. and 3.")
    parser.add_argument("--speed", type=float, default=10.0,
                        help="how much faster than Bitrix24's 2/s the limited portal drains")
    parser.add_argument("--base", default=BASE, help="the commit to compare against")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    args = parser.parse_args()
    results = measure(args.rows, args.small, args.limited, args.speed, args.base)
    report(results, args.rows, args.small, args.speed)
    if args.json:
        print(json.dumps({tree: {k: vars(v) for k, v in runs.items()}  # type: ignore[arg-type]
                          for tree, runs in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
