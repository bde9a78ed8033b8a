"""Files as Windows treats them: an open file cannot be replaced or deleted, text mode
turns "\\n" into "\\r\\n", timestamps before 1970 do not exist. These run on every OS, and
on the Windows Python under Wine (tests/packaging/test_windows_python.py)."""

from __future__ import annotations

import threading
import time

from core.csv_out import history_csv
from core.history import History
from core.profiles import Profile, ProfileStore
from tests.core.test_history import make


def test_profiles_are_saved_while_another_program_reads_the_file(tmp_path) -> None:
    """A second StatusDesk (the window beside the CLI), an editor or a virus scanner may
    hold profiles.json open for a moment; on Windows that blocks replacing it."""
    store = ProfileStore(tmp_path)
    store.add(Profile("first", "bitrix24", "https://a.example", {"code": "c"}))
    reader = store.path.open(encoding="utf-8")
    released = threading.Timer(0.3, reader.close)
    released.start()
    try:
        store.add(Profile("second", "bitrix24", "https://b.example", {"code": "c"}))
    finally:
        released.join()
        reader.close()
    assert [p.name for p in ProfileStore(tmp_path).load()] == ["first", "second"]
    assert not list(tmp_path.glob(".profiles.*"))  # no temporary file left behind


def test_two_desks_write_one_history(tmp_path) -> None:
    """Two processes' worth of connections on one history file (WAL, busy timeout)."""
    path = tmp_path / "history.sqlite3"
    first, second = History(path), History(path)

    def record(history: History, prefix: str) -> None:
        for n in range(15):
            history.record(make("Acme", f"{prefix}-{n}"))
            time.sleep(0.001)

    threads = [threading.Thread(target=record, args=(h, p))
               for h, p in ((first, "a"), (second, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(History(path).recent(limit=100)) == 30


def test_history_csv_has_one_line_break_per_row(tmp_path) -> None:
    history = History(tmp_path / "history.sqlite3")
    history.record(make("Acme", "m-1"))
    text = history_csv(history.recent())
    target = tmp_path / "out.csv"
    target.write_text(text, encoding="utf-8", newline="")  # as the CLI and window write it
    data = target.read_bytes()
    assert b"\r\r\n" not in data and data.count(b"\r\n") == 2


def test_keeping_history_for_a_century_prunes_nothing(tmp_path) -> None:
    """The cutoff lies before 1970: Windows' fromtimestamp() refuses negative times."""
    history = History(tmp_path / "history.sqlite3")
    history.record(make("Acme", "m-1"))
    assert history.prune(36500) == 0
    assert history.prune(10_000_000) == 0


def test_desks_opening_a_new_history_together_all_write(tmp_path) -> None:
    """Eight desks' first record on one new file, at once (30 new files): SQLite refuses
    the switch to WAL at once ("database is locked", no busy wait) while another connection
    makes it. Before the fix about one file in 20 lost a desk's row."""
    failed: list[BaseException] = []
    for attempt in range(30):
        path = tmp_path / f"history-{attempt}.sqlite3"
        start = threading.Barrier(8)

        def first_record(n: int, path=path, start=start) -> None:
            history = History(path)
            start.wait()
            try:
                history.record(make("Acme", f"m-{n}"))
            except BaseException as exc:  # noqa: BLE001 - counted below
                failed.append(exc)
            history.close()

        threads = [threading.Thread(target=first_record, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failed == [] and len(History(path).recent()) == 8
