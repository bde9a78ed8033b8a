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
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from call import Keys, Sandbox, setup, wire_request  # noqa: E402

from core.batch import BatchRun  # noqa: E402
from core.batch_file import check_rows, read_batch  # noqa: E402
from core.exchange import StatusUpdate  # noqa: E402
from core.history import History  # noqa: E402
from core.profiles import Profile  # noqa: E402


class NoHistory:
    def begin(self, attempt, batch=None):
        return 0

    def finish(self, entry_id, exchange, batch=None, *, durable=True):
        return None

    def sync(self):
        return None

    def record(self, exchange, batch=None):
        return None

    def rows_done(self, profile, batch_id):
        return set()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with Sandbox() as sandbox, tempfile.TemporaryDirectory() as folder:
        ids = sandbox.seed("bitrix24", args.rows)
        profile, keys = setup(sandbox.origin, "bitrix24")
        batch = check_rows(read_batch("message_id,status\n" + "".join(
            f"{i},delivered\n" for i in ids)), profile)
        history = History(Path(folder) / "history.sqlite3")
        ways = {
            "baseline: raw httpx, same bytes": lambda: raw(profile, keys, ids),
            "batch, no history": lambda: run(profile, keys, batch, NoHistory()),
            "batch (SQLite history)": lambda: run(profile, keys, batch, history),
        }
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(args.rounds):
            for name, way in ways.items():
                started = time.perf_counter()
                way()
                times[name].append(time.perf_counter() - started)
        history.close()
    report(times, args.rows)


def raw(profile: Profile, keys: Keys, ids: list[str]) -> None:
    requests = [wire_request(profile, keys, StatusUpdate(i, "delivered")) for i in ids]
    with httpx.Client(trust_env=False) as client:
        for request in requests:
            response = client.request(request.method, request.url,
                                      headers=list(request.headers), content=request.body)
            assert response.status_code == 200, response.text


def run(profile: Profile, keys: Keys, batch, history) -> None:
    summary = BatchRun(profile, keys, batch, history, rate=1e9, burst=10**9).run()
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
