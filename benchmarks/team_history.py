"""What the team history costs, in one run against its baseline (nothing is asserted).

A real PostgreSQL server is started for the run (tests.helpers.postgres: Debian's
``postgresql``, on 127.0.0.1, password authentication, TLS offered) and the sandbox's
SuperOffice serves the calls:

1. one send through core.desk.Desk.send with the history this machine's (baseline)
   against the same send with the history the team's (the row delivered to PostgreSQL
   after the call: a connection over TLS with a SCRAM password, one INSERT), median
   per call, rounds alternating;
2. an outage's backlog: ``--backlog`` rows recorded while the server was away, then
   delivered in one go (rows per second).

    python benchmarks/team_history.py [--calls N] [--rounds R] [--backlog N]
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.desk import Desk, MemorySecrets  # noqa: E402
from core.exchange import StatusUpdate  # noqa: E402
from sandbox import Sandbox  # noqa: E402
from sandbox.demo import demo_profiles  # noqa: E402
from tests.helpers.postgres import PostgresServer, pg_bin  # noqa: E402


def _desk(sandbox: Sandbox, who: str) -> tuple[Desk, object]:
    profile, secrets = demo_profiles(sandbox)[0]
    store = MemorySecrets()
    for field, value in secrets.items():
        store.set(profile.name, field, value)
    return Desk(Path(tempfile.mkdtemp(prefix="statusdesk-bench.")), store, who=who), profile


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--backlog", type=int, default=2000)
    args = parser.parse_args()
    programs = pg_bin()
    if programs is None:
        print("PostgreSQL is not installed: scripts/install-system-deps --test")
        return 1
    folder = Path(tempfile.mkdtemp(prefix="statusdesk-pg."))
    server = PostgresServer(folder, programs)
    server.init()
    server.start()
    try:
        server.new_database("bench", "bench_user", "bench-password")
        url = server.url("bench_user", "bench")
        with Sandbox() as sandbox:
            local, profile = _desk(sandbox, "local")
            team, _ = _desk(sandbox, "team")
            team.team.use(url, "bench-password")
            ids = sandbox.superoffice_messages
            times: dict[str, list[float]] = {"local": [], "team": []}
            for _ in range(args.rounds):
                for name, desk in (("local", local), ("team", team)):
                    for n in range(args.calls):
                        started = time.perf_counter()
                        result = desk.send(profile, StatusUpdate(ids[n % len(ids)], "2"))
                        times[name].append(time.perf_counter() - started)
                        assert result.ok, result.outcome
            base = statistics.median(times["local"])
            with_team = statistics.median(times["team"])
            print(f"1. one send, history this machine's: {base * 1000:.1f} ms; the team's: "
                  f"{with_team * 1000:.1f} ms (ratio {with_team / base:.2f})")

            # The backlog: copies of one recorded row, each its own UUID, all waiting.
            with sqlite3.connect(team.history_path) as db:
                columns = [row[1] for row in db.execute("PRAGMA table_info(exchanges)")
                           if row[1] not in ("id", "uuid")]
                names = ", ".join(columns)
                for _ in range(args.backlog):
                    db.execute(f"INSERT INTO exchanges ({names}, uuid) SELECT {names}, "
                               "lower(hex(randomblob(16))) FROM exchanges LIMIT 1")
                db.execute("UPDATE exchanges SET uuid = substr(uuid,1,8)||'-'||"
                           "substr(uuid,9,4)||'-4'||substr(uuid,14,3)||'-8'||"
                           "substr(uuid,18,3)||'-'||substr(uuid,21,12), outbox = 1 "
                           "WHERE length(uuid) = 32")
            started = time.perf_counter()
            delivery = team.team.deliver(patient=True)
            spent = time.perf_counter() - started
            assert delivery is not None and delivery.waiting == 0, delivery
            print(f"2. a backlog of {delivery.sent:,} rows delivered in {spent:.2f} s "
                  f"({delivery.sent / spent:,.0f} rows/s)")
            local.close()
            team.close()
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
