"""The inspector opening a 10 MB response: the longest UI-thread stall, in-process.

A 5 ms QTimer ticks on the UI thread while the window opens a history entry whose response
body is 10 MB of SOAP (XML) or JSON, on one line as servers send it; the largest gap
between two ticks is the longest time the window could not repaint or react. Opening is
the real path: a history row opened in a job, then ExchangeView drawn by the inspector.
After it has loaded (and highlighted), the person switches the response to the other view
and scrolls to the end; those count too. The same timer on the idle window is the floor.
Nothing is asserted.

    python benchmarks/inspector.py [--size MB] [--kind xml|json|both]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QElapsedTimer, QObject, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from core.exchange import (  # noqa: E402
    Exchange,
    Outcome,
    OutcomeKind,
    OutgoingRequest,
    ReceivedResponse,
    StatusUpdate,
    Timings,
)

TICK_MS = 5
SOAP_ITEM = ("<DeliveryStatus><MessagingId>{n}</MessagingId><ExternalId>SO-{n}</ExternalId>"
             "<Status>Delivered</Status><Description>Delivered to handset at 2026-11-01T10:"
             "{m:02d}:00Z via gateway &quot;eu-1&quot;</Description><Attempts>{a}</Attempts>"
             "</DeliveryStatus>")
SOAP_HEAD = ('<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.'
             'xmlsoap.org/soap/envelope/"><s:Header><SucceededHeader xmlns="http://www.'
             'superoffice.net/ws/crm/NetServer/Services86"><Succeeded>true</Succeeded>'
             '</SucceededHeader></s:Header><s:Body><GetDeliveryStatusResponse xmlns="http://'
             'www.superoffice.net/ws/crm/NetServer/Services86"><Response>')
SOAP_TAIL = "</Response></GetDeliveryStatusResponse></s:Body></s:Envelope>"


def soap_body(size: int) -> bytes:
    parts, length, n = [SOAP_HEAD], len(SOAP_HEAD) + len(SOAP_TAIL), 0
    while length < size:
        item = SOAP_ITEM.format(n=n, m=n % 60, a=n % 4 + 1)
        parts.append(item)
        length += len(item)
        n += 1
    return ("".join(parts) + SOAP_TAIL).encode()


def json_body(size: int) -> bytes:
    items, length, n = [], 40, 0
    while length < size:
        item = {"ID": str(n), "MESSAGE_ID": f"b24-{n:08d}", "STATUS": "delivered",
                "TEXT": "Delivered to handset via gateway \"eu-1\"", "ATTEMPTS": n % 4 + 1,
                "PAID": n % 3 == 0, "ERROR": None, "COST": 0.0125}
        items.append(item)
        length += len(json.dumps(item, separators=(",", ":"))) + 1
        n += 1
    return json.dumps({"result": items, "total": n, "time": {"start": 1.0}},
                      separators=(",", ":")).encode()


def big_exchange(kind: str, size: int) -> Exchange:
    body = soap_body(size) if kind == "xml" else json_body(size)
    content_type = "text/xml; charset=utf-8" if kind == "xml" else "application/json"
    request = OutgoingRequest("POST", "https://crm.example.com/Remote/Services86/Messaging.svc",
                              (("Content-Type", content_type), ("Authorization", "***ticket***")),
                              b"<request/>" if kind == "xml" else b"{}")
    response = ReceivedResponse(200, "OK", "HTTP/1.1", (("Content-Type", content_type),
                                                       ("Content-Length", str(len(body)))), body)
    return Exchange(profile="bench", system="superoffice", operation="GetDeliveryStatus",
                    request=request, response=response,
                    timings=Timings("2026-11-01T10:00:00.000+00:00", 420.0, 80.0),
                    outcome=Outcome(OutcomeKind.DONE, "Read 10 MB of statuses."),
                    update=StatusUpdate("SO-1", "2"), tenant="crm.example.com")


class GapMeter(QObject):
    """The largest gap between ticks of a 5 ms timer on the UI thread."""

    def __init__(self) -> None:
        super().__init__()
        self.timer = QTimer(self)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.last = 0.0
        self.largest = 0.0

    def start(self) -> None:
        self.clock.start()
        self.last, self.largest = 0.0, 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        self.largest = max(self.largest, now - self.last)
        self.last = now

    def stop(self) -> float:
        self._tick()  # a stall that lasts until now counts too
        self.timer.stop()
        return self.largest


def spin(app: QApplication, until, timeout: float = 120.0) -> float:
    """Process events until ``until()`` is true; the seconds it took."""
    started = time.perf_counter()
    while not until():
        if time.perf_counter() - started > timeout:
            raise SystemExit("timed out waiting for the inspector")
        app.processEvents()
        time.sleep(0.001)
    return time.perf_counter() - started


def wait(app: QApplication, seconds: float) -> None:
    end = time.perf_counter() + seconds
    spin(app, lambda: time.perf_counter() >= end)


def measure(kinds: list[str], size: int) -> dict[str, dict[str, float]]:
    """Per body kind: idle floor, open stall, switch+scroll stall, time to fully loaded."""
    from core.desk import Desk, MemorySecrets
    from gui.app import make_app
    from gui.window.main_window import MainWindow

    app = make_app()
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="statusdesk-bench-") as home:
        desk = Desk(Path(home), secrets=MemorySecrets())
        # The whole answer, as a history kept with a cap above its size shows it (the
        # default keeps 64 KiB of each body).
        desk.set_history_body_cap(2 * size + 1024)
        entries = {kind: desk.history.record(big_exchange(kind, size)).id for kind in kinds}
        window = MainWindow(desk)
        window.remember_state = False
        window.resize(1280, 800)
        loaded: list[bool] = []
        window.profiles_loaded.connect(lambda: loaded.append(True))
        window.show()
        spin(app, lambda: bool(loaded))
        wait(app, 0.5)
        for kind in kinds:
            results[kind] = open_entry(app, window, entries[kind])
        window.close()
        window.jobs.wait_idle(10)
        desk.history.close()
    return results


def busy(window) -> bool:
    """The inspector is still taking in text."""
    return window.inspector.loading


def open_entry(app: QApplication, window, entry_id: int) -> dict[str, float]:
    """Open one history entry as a person would, then look at the other view."""
    meter = GapMeter()
    window.inspector.show_message("info", "Ready", clear=True)
    window.inspector.response.set_mode(1)  # Pretty, the default
    wait(app, 0.3)
    meter.start()
    wait(app, 1.0)
    idle = meter.stop()

    shown: list[object] = []
    window.exchange_shown.connect(shown.append)
    meter.start()
    started = time.perf_counter()
    window.history_actions.open_entry(entry_id)
    spin(app, lambda: bool(shown) and not busy(window))
    ready = time.perf_counter() - started
    wait(app, 0.3)
    opened = meter.stop()
    window.exchange_shown.disconnect(shown.append)

    meter.start()
    pane = window.inspector.response
    for mode in (0, 1):  # Raw: the body as one 10 MB line; then Pretty again
        pane.set_mode(mode)
        wait(app, 0.2)
        spin(app, lambda: not busy(window))
        bar = pane.current_editor().verticalScrollBar()
        bar.setValue(bar.maximum())
        wait(app, 0.3)
    switched = meter.stop()
    return {"idle_ms": idle, "open_ms": opened, "switch_ms": switched, "ready_s": ready}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=float, default=10.0, help="body size in MB")
    parser.add_argument("--kind", choices=("xml", "json", "both"), default="both")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()
    kinds = ["xml", "json"] if args.kind == "both" else [args.kind]
    results = measure(kinds, int(args.size * 1024 * 1024))
    if args.json:
        print(json.dumps(results), flush=True)
        os._exit(0)  # PySide6 6.12 could crash tearing down (pyproject excludes it)
    print(f"Inspector opening a {args.size:g} MB response, longest UI-thread stall "
          f"({TICK_MS} ms timer), QT_QPA_PLATFORM={os.environ['QT_QPA_PLATFORM']}")
    for kind, found in results.items():
        print(f"  {kind:5} idle {found['idle_ms']:6.1f} ms   opening {found['open_ms']:7.1f} ms"
              f"   raw/pretty + scroll {found['switch_ms']:7.1f} ms   "
              f"fully loaded after {found['ready_s']:.2f} s")
    sys.stdout.flush()
    os._exit(0)  # as above


if __name__ == "__main__":
    sys.exit(main())
