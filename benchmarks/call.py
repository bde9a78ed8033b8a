"""One status update through core against raw httpx posting the same bytes, in one run.

The sandbox portal runs in another process (so it does not share our interpreter). Both
ways reuse one HTTP connection, as the window does (core.connections.Connections):

- baseline: raw httpx posting the exact bytes StatusDesk sends (same URL, headers, body);
- StatusDesk: core.desk.Desk.send, what the window and the CLI run: validate, the history
  row written before the request leaves, build, send, parse, mask, the row completed
  (core.history, SQLite WAL, synchronous=FULL: two commits per call); and
  core.sending.send_status alone, which shows how much of the difference is the history.

Rounds alternate between the two; each round sends ``--calls`` updates. Printed: the
median time per call and the ratio. Nothing is asserted.

    python benchmarks/call.py [--system superoffice|bitrix24] [--calls N] [--rounds R]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.desk import Desk, MemorySecrets  # noqa: E402
from core.exchange import OutgoingRequest, StatusUpdate  # noqa: E402
from core.profiles import Profile  # noqa: E402
from core.sending import send_status  # noqa: E402
from core.transport import Connection  # noqa: E402
from sandbox.credentials import (  # noqa: E402
    B24_SETUP,
    SO_APP_TOKEN,
    SO_PLUGIN,
    SO_TENANT,
    SO_TICKET,
)

SERVER = ("import sys; from sandbox import Sandbox; s = Sandbox(0); s.start(); "
          "print(s.origin, flush=True); sys.stdin.read()")
BASELINE, SEND_ONLY, STATUSDESK = ("raw httpx, same bytes", "send_status, no history",
                                   "desk.send (+ history row)")
KEY_NAMES = ("ticket", "app-token", "access-token")


class Keys:
    """Secrets in memory: the keyring is not what this measures."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = dict(values)

    def read_all(self, profile, fields):
        return {f: self.values[f] for f in fields if f in self.values}

    def set(self, profile, field, value):
        self.values[field] = value

    def set_many(self, profile, values):
        self.values.update(values)


class Sandbox:
    """The sandbox in a child process, seeded through its control endpoint."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", SERVER], cwd=ROOT, text=True,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.origin = self.process.stdout.readline().strip()
        if not self.origin:
            raise SystemExit("the sandbox did not start")

    def seed(self, system: str, count: int) -> list[str]:
        control = httpx.post(f"{self.origin}/_sandbox/control", json={
            "bitrix24_rate_limit": {"drain_per_second": 1e9, "burst": 10**9},
            f"{system}_seed_messages": count}, timeout=30).json()
        return [str(i) for i in control["seeded"][system]]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.terminate()
        self.process.wait(5)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def setup(origin: str, system: str) -> tuple[Profile, Keys]:
    if system == "superoffice":
        profile = Profile("bench", "superoffice", f"{origin}/superoffice/{SO_TENANT}",
                          options={"plugin": SO_PLUGIN, "transport": "soap"})
        return profile, Keys({"ticket": SO_TICKET, "app-token": SO_APP_TOKEN})
    profile = Profile("bench", "bitrix24", f"{origin}/bitrix24",
                      options={"code": B24_SETUP.code, "auth": "oauth"})
    return profile, Keys({"access-token": B24_SETUP.access_token})


def status_for(system: str) -> str:
    return "2" if system == "superoffice" else "delivered"


def measure(system: str = "superoffice", calls: int = 200,
            rounds: int = 5) -> dict[str, list[float]]:
    """Seconds per call, one value per round, for the baseline and for StatusDesk."""
    with Sandbox() as sandbox, tempfile.TemporaryDirectory() as folder:
        ids = sandbox.seed(system, calls)
        profile, keys = setup(sandbox.origin, system)
        updates = [StatusUpdate(i, status_for(system)) for i in ids]
        connection = Connection(profile)
        # The exact bytes core sends (headers httpx adds included), unmasked.
        wire = [wire_request(profile, keys, update) for update in updates]
        client = httpx.Client(trust_env=False)

        def baseline() -> None:
            for request in wire:
                response = client.request(request.method, request.url,
                                          headers=list(request.headers), content=request.body)
                assert response.status_code == 200, response.text

        def send_only() -> None:
            for update in updates:
                exchange = send_status(profile, update, keys, connection)
                assert exchange.ok, exchange.outcome

        desk = Desk(Path(folder), MemorySecrets())
        desk.secrets.set_many(profile.name, keys.read_all(profile.name, list(KEY_NAMES)))

        def statusdesk() -> None:  # what the window and the CLI run: the row before and after
            for update in updates:
                result = desk.send(profile, update)
                assert result.ok and result.entry is not None, result.outcome

        ways: dict[str, Callable[[], None]] = {
            BASELINE: baseline, SEND_ONLY: send_only, STATUSDESK: statusdesk}
        for way in ways.values():  # warm up: imports, connections, the history file
            way()
        times: dict[str, list[float]] = {name: [] for name in ways}
        for _ in range(rounds):
            for name, way in ways.items():
                started = time.perf_counter()
                way()
                times[name].append((time.perf_counter() - started) / calls)
        client.close()
        connection.close()
        desk.close()
    return times


def wire_request(profile: Profile, keys: Keys, update: StatusUpdate) -> OutgoingRequest:
    from core.systems import get_system

    system = get_system(profile.system)
    secrets = keys.read_all(profile.name, [s.key for s in system.secret_fields(profile)])
    return system.build_request(update, profile, secrets)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--system", choices=("superoffice", "bitrix24"), default="superoffice")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    times = measure(args.system, args.calls, args.rounds)
    base = statistics.median(times[BASELINE])
    print(f"{args.system}: {args.calls} calls per round, median of {args.rounds} rounds")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"  {name:24} {median * 1000:7.3f} ms/call   {median / base:5.2f}x")


if __name__ == "__main__":
    main()
