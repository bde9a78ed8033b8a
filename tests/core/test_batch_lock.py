"""One run at a time of a batch file for a profile: the operating system's file lock.

Real runs against the sandbox over loopback HTTP, a real history file, and real processes
(one holds the lock, then is killed with SIGKILL: the lock must not outlive it).
"""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from core.batch import BatchRun
from core.batch_file import check_rows, read_batch
from core.batch_lock import BatchBusy, BatchLock
from core.history import History
from core.profiles import Profile
from tests.helpers.secrets import DictSecrets

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def b24(sandbox) -> Profile:
    return Profile("b24", "bitrix24", sandbox.bitrix24_url, timeout=5.0,
                   options={"code": sandbox.credentials.b24_code, "auth": "oauth"})


def test_a_second_run_of_the_same_file_and_profile_is_refused_and_rows_go_once(
        sandbox, b24, tmp_path) -> None:
    sandbox.bitrix24.set_rate_limit(drain_per_second=10_000, burst=1_000)
    ids = sandbox.bitrix24.seed_messages(6)
    batch = check_rows(read_batch("message_id,status\n" + "".join(f"{i},sent\n" for i in ids),
                                  "outage.csv"), b24)
    secrets = DictSecrets({"access-token": sandbox.credentials.b24_access_token})
    history = History(tmp_path / "history.sqlite3")
    first = BatchRun(b24, secrets, batch, history, rate=20, burst=1)
    second = BatchRun(b24, secrets, batch, History(tmp_path / "history.sqlite3"), rate=20,
                      burst=1)
    started = threading.Event()
    summaries = []
    worker = threading.Thread(target=lambda: summaries.append(
        first.run(lambda _: started.set())))
    worker.start()
    assert started.wait(10)
    with pytest.raises(BatchBusy) as refused:
        second.run()
    worker.join(20)
    message = refused.value.message
    assert f"process {os.getpid()}" in message
    assert getpass.getuser() in message and socket.gethostname() in message
    assert "outage.csv is already being sent to profile 'b24'" in message
    assert "every row twice" in message
    assert summaries[0].done == 6
    assert [sandbox.bitrix24.updates_of(i) for i in ids] == [1] * 6  # not twice
    # Once the first has ended, the file may be sent again (resuming finds it all done).
    assert second.run(resume=True).skipped == 6


def test_another_profile_or_another_file_is_not_held_up(tmp_path) -> None:
    with BatchLock(tmp_path, "a", "batch1", "x.csv"):
        with BatchLock(tmp_path, "b", "batch1", "x.csv"), \
                BatchLock(tmp_path, "a", "batch2", "y.csv"):
            pass
        with pytest.raises(BatchBusy), BatchLock(tmp_path, "a", "batch1", "x.csv"):
            pass


def test_a_killed_holder_leaves_no_lock_behind(tmp_path) -> None:
    code = ("import sys, time\n"
            "from pathlib import Path\n"
            "from core.batch_lock import BatchLock\n"
            f"lock = BatchLock(Path({str(tmp_path)!r}), 'p', 'b', 'rows.csv')\n"
            "lock.acquire()\n"
            "print('locked', flush=True)\n"
            "time.sleep(60)\n")
    holder = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(BatchBusy) as refused:
            BatchLock(tmp_path, "p", "b", "rows.csv").acquire()
        assert refused.value.holder is not None and refused.value.holder.pid == holder.pid
        assert f"process {holder.pid} (-c) of user {getpass.getuser()}" in refused.value.message
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
    deadline = time.monotonic() + 5
    lock = BatchLock(tmp_path, "p", "b", "rows.csv")
    while True:  # the kernel drops the lock with the process
        try:
            lock.acquire()
            break
        except BatchBusy:
            assert time.monotonic() < deadline, "the killed process's lock stayed"
            time.sleep(0.05)
    lock.release()
