"""Pause and Cancel while a run only waits for its next slot of the pace (issue 16, item 11):
nothing more goes out. Real loopback Bitrix24, a real history file."""

from __future__ import annotations

import threading
import time

from core.batch import BatchRun
from core.history import History
from tests.core.test_batch import b24, batch_of, secrets  # noqa: F401 (fixtures)

RATE = 2.0  # one slot every 0.5 s: the pause and the cancel come in the middle of a wait


def sent(sandbox, ids: list[str]) -> int:
    counts = sandbox.bitrix24.update_counts()
    return sum(counts.get(i, 0) for i in ids)


def test_a_pause_while_waiting_for_the_slot_sends_nothing_more(sandbox, b24, secrets,  # noqa: F811
                                                                tmp_path) -> None:
    ids = sandbox.bitrix24.seed_messages(4, start=700)
    run = BatchRun(b24, secrets, batch_of(b24, ids), History(tmp_path / "h.sqlite3"),
                   rate=RATE, burst=1)
    first = threading.Event()
    box: dict[str, object] = {}

    def on_row(_result) -> None:
        first.set()

    worker = threading.Thread(target=lambda: box.setdefault("summary", run.run(on_row)),
                              daemon=True)
    worker.start()
    try:
        assert first.wait(5)
        time.sleep(0.1)  # the run now waits ~0.4 s for the slot of row 2
        run.pause()
        time.sleep(1.0)  # two slots' time: paused, none of them is taken
        assert sent(sandbox, ids) == 1
        run.resume()  # Continue: the rest goes, at the pace
        worker.join(10)
    finally:
        run.cancel()
        worker.join(5)
    summary = box["summary"]
    assert summary.done == 4 and sent(sandbox, ids) == 4


def test_a_cancel_while_waiting_for_the_slot_ends_the_run_at_once(sandbox, b24, secrets,  # noqa: F811
                                                                   tmp_path) -> None:
    ids = sandbox.bitrix24.seed_messages(4, start=720)
    run = BatchRun(b24, secrets, batch_of(b24, ids), History(tmp_path / "h.sqlite3"),
                   rate=RATE, burst=1)

    def on_row(_result) -> None:
        threading.Timer(0.1, run.cancel).start()

    summary = run.run(on_row)
    assert summary.cancelled and summary.done == 1
    time.sleep(0.6)  # past the slot the run was waiting for
    assert sent(sandbox, ids) == 1
