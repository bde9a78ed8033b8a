"""Batch throughput on the sandbox with no rate limit, and what the history costs per call.

Three ways of sending the same N status updates to a sandbox portal running in another
process (so it does not share our interpreter), measured in one run, alternating:

- baseline: raw httpx posting the exact bytes StatusDesk would send, one after another;
- batch, no history: core.batch.BatchRun with a history that keeps nothing;
- batch: core.batch.BatchRun with the real SQLite history (WAL, full sync).

Printed: rows per second, each as a ratio against the baseline, and the history's cost per
call (batch minus batch-without-history). Nothing is asserted.

    python benchmarks/batch.py [--rows N] [--rounds R]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.batch import BatchRun  # noqa: E402
from core.batch_file import check_rows, read_batch  # noqa: E402
from core.exchange import StatusUpdate  # noqa: E402
from core.history import History  # noqa: E402
from core.profiles import Profile  # noqa: E402
from core.sandbox.credentials import B24_SETUP  # noqa: E402
from core.systems import get_system  # noqa: E402

SERVER = ("import sys; from core.sandbox import Sandbox; s = Sandbox(0); s.start(); "
          "print(s.origin, flush=True); sys.stdin.read()")


class Keys:
    def __init__(self, token: str) -> None:
        self.values = {"access-token": token}

    def read_all(self, profile, fields):
        return {f: self.values[f] for f in fields if f in self.values}

    def set(self, profile, field, value):
        self.values[field] = value

    def set_many(self, profile, values):
        self.values.update(values)


class NoHistory:
    def record(self, exchange, batch=None):
        return None

    def rows_done(self, profile, batch_id):
        return set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    server = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        origin = server.stdout.readline().strip()
        control = httpx.post(f"{origin}/_sandbox/control", json={
            "bitrix24_rate_limit": {"drain_per_second": 1e9, "burst": 10**9},
            "bitrix24_seed_messages": args.rows}, timeout=30).json()
        ids = control["seeded"]["bitrix24"]
        profile = Profile("bench", "bitrix24", f"{origin}/bitrix24",
                          options={"code": B24_SETUP.code, "auth": "oauth"})
        batch = check_rows(read_batch("message_id,status\n" + "".join(
            f"{i},delivered\n" for i in ids)), profile)
        with tempfile.TemporaryDirectory() as folder:
            history = History(Path(folder) / "history.sqlite3")
            ways = {
                "baseline: raw httpx, same bytes": lambda: raw(profile, ids),
                "batch, no history": lambda: run(profile, batch, NoHistory()),
                "batch (SQLite history)": lambda: run(profile, batch, history),
            }
            times: dict[str, list[float]] = {name: [] for name in ways}
            for _ in range(args.rounds):
                for name, way in ways.items():
                    started = time.perf_counter()
                    way()
                    times[name].append(time.perf_counter() - started)
        report(times, args.rows)
    finally:
        server.stdin.close()
        server.terminate()
        server.wait(5)


def raw(profile: Profile, ids: list[str]) -> None:
    system = get_system("bitrix24")
    requests = [system.build_request(StatusUpdate(i, "delivered"), profile,
                                     {"access-token": B24_SETUP.access_token}) for i in ids]
    with httpx.Client(trust_env=False) as client:
        for request in requests:
            response = client.request(request.method, request.url,
                                      headers=list(request.headers), content=request.body)
            assert response.status_code == 200, response.text


def run(profile: Profile, batch, history) -> None:
    summary = BatchRun(profile, Keys(B24_SETUP.access_token), batch, history,
                       rate=1e9, burst=10**9).run()
    assert summary.done == len(batch.valid), summary


def report(times: dict[str, list[float]], rows: int) -> None:
    median = {name: statistics.median(values) for name, values in times.items()}
    base = median["baseline: raw httpx, same bytes"]
    print(f"{rows} rows per run, median of {len(next(iter(times.values())))} runs")
    print(f"{'way':36} {'rows/s':>8} {'ms/row':>8} {'time vs baseline':>17}")
    for name, seconds in median.items():
        print(f"{name:36} {rows / seconds:8.0f} {seconds / rows * 1000:8.2f} "
              f"{seconds / base:16.2f}x")
    with_history, without = median["batch (SQLite history)"], median["batch, no history"]
    per_call = (with_history - without) / rows * 1000
    print(f"history write per call: {per_call:.2f} ms "
          f"(batch with history / without: {with_history / without:.2f}x)")


if __name__ == "__main__":
    main()
