"""One run at a time of a batch file for a profile: an operating-system lock on a file.

Two runs of the same file for the same profile at once would send every row twice, at
twice the pace the customer's system was promised. So a run takes a lock first, and a
second run is refused at once, told who holds it (process, program, user, host, since
when).

The lock is the operating system's own (``flock`` on Linux and macOS, ``msvcrt.locking``
on Windows) on a small file in ``batch-locks`` beside the history (the history is what
``--resume`` reads, so runs that share it share the locks). The system drops it when the
process ends, however it ends (``kill -9``, a crash, a power cut): a killed run never
leaves it behind, and no one must delete a stale file. The files stay (one per file and
profile, a line each): deleting one on release would let two later runs lock two
different files of the same name.

The standard library suffices; ``filelock`` and ``portalocker`` would do the locking but
truncate the file when they open it, wiping the holder's line that the refused run reads.
"""

from __future__ import annotations

import contextlib
import getpass
import hashlib
import json
import os
import socket
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

FOLDER = "batch-locks"
# Windows locks byte ranges, and a locked range cannot even be read by another process:
# the lock is on one byte far past the holder's line, which stays readable.
_WINDOWS_LOCK_OFFSET = 1 << 30
_MAX_LINE = 4096


@dataclass(frozen=True)
class Holder:
    """Who runs the batch now, as that run wrote it down."""

    pid: int
    program: str
    user: str
    host: str
    since: str  # ISO time, UTC

    @classmethod
    def this_process(cls) -> Holder:
        try:
            user = getpass.getuser()
        except (OSError, KeyError, ImportError):  # no user name in the environment
            user = "unknown"
        program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "StatusDesk"
        return cls(os.getpid(), program, user, socket.gethostname(),
                   datetime.now(UTC).isoformat(timespec="seconds"))

    def words(self) -> str:
        try:
            since = datetime.fromisoformat(self.since).strftime("%Y-%m-%d %H:%M:%S UTC")
        except ValueError:
            since = self.since
        return (f"process {self.pid} ({self.program}) of user {self.user} on host "
                f"{self.host}, since {since}")


class BatchBusy(Exception):
    """Another run of this batch file for this profile is going on; nothing was sent."""

    def __init__(self, batch_name: str, profile: str, holder: Holder | None) -> None:
        who = holder.words() if holder else "another run (it has only just started)"
        # Each front end adds its step (wait, or stop that run; then resume).
        self.message = (f"{batch_name} is already being sent to profile {profile!r} by "
                        f"{who}; two runs at once would send every row twice.")
        super().__init__(self.message)
        self.holder = holder


class BatchLock:
    """The lock of one batch file (by its id) for one profile. Reentrant for the same
    object (a front end may take it before asking to confirm; the run takes it again);
    another object, in this process or any other, is refused while it is held."""

    def __init__(self, folder: Path, profile: str, batch_id: str, batch_name: str) -> None:
        key = hashlib.sha256(f"{profile}\0{batch_id}".encode()).hexdigest()[:24]
        self.path = folder / FOLDER / f"batch-{key}.lock"
        self.profile, self.batch_name = profile, batch_name
        self._fd: int | None = None
        self._depth = 0

    @property
    def held(self) -> bool:
        return self._depth > 0

    def acquire(self) -> None:
        """Take the lock, or raise BatchBusy naming who holds it (OSError: the folder
        cannot be written)."""
        if self._depth == 0:
            self._take()
        self._depth += 1

    def release(self) -> None:
        if self._depth == 0:
            return
        self._depth -= 1
        if self._depth == 0 and self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                _unlock(fd)
            os.close(fd)

    def __enter__(self) -> BatchLock:
        self.acquire()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.release()

    def _take(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)
        try:
            locked = _try_lock(fd)
            if not locked:
                holder = _read_holder(fd)
                raise BatchBusy(self.batch_name, self.profile, holder)
            line = json.dumps(Holder.this_process().__dict__, ensure_ascii=False) + "\n"
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, line.encode("utf-8"))  # what follows the first line is ignored
        except BaseException:
            os.close(fd)  # a refused run's descriptor; closing it leaves the holder's lock
            raise
        self._fd = fd


def _read_holder(fd: int) -> Holder | None:
    os.lseek(fd, 0, os.SEEK_SET)
    first = os.read(fd, _MAX_LINE).split(b"\n", 1)[0]
    try:
        data = json.loads(first.decode("utf-8"))
        return Holder(int(data["pid"]), str(data["program"]), str(data["user"]),
                      str(data["host"]), str(data["since"]))
    except (ValueError, KeyError, TypeError):  # not written yet, or by a newer version
        return None


if sys.platform == "win32":
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int) -> None:
        os.lseek(fd, _WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_UN)
