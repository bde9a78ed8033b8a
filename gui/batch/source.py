"""The rows of a batch: read from a file or pasted text, checked for a profile, in jobs.

Keeps the file as read (``raw``) so that choosing another profile checks it again, and
asks the history which rows a previous run already finished for this profile and file
(``earlier``: what Resume skips). A file with a profile column is checked row by row for
the profile each names, whatever profile is chosen; ``customers`` are then the profiles
its rows go to, and ``earlier`` the rows each of them finished.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from gui.jobs import Job, Jobs
from gui.widgets.errors import explain

if TYPE_CHECKING:
    from core.batch_file import BatchFile
    from core.desk import Desk
    from core.profiles import Profile

Checked = tuple["BatchFile", "BatchFile", set[int], str, list["Profile"]]


class BatchSource(QObject):
    checked = Signal()  # new rows (or the same rows checked for another profile)
    earlier_changed = Signal()  # after a run: which rows are done now
    problem = Signal(str)  # the rows cannot be used; says why and what to do

    def __init__(self, desk: Desk, jobs: Jobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.desk, self.jobs = desk, jobs
        self.raw: BatchFile | None = None
        self.batch: BatchFile | None = None
        self.earlier: set[int] = set()
        self.customers: list[Profile] = []  # a profile column: the profiles rows go to
        self.note = ""  # e.g. the history could not be asked about earlier runs
        self.job: Job | None = None

    def load_file(self, path: Path, profile: Profile) -> None:
        self._prepare(lambda: (path.read_bytes(), path.name), profile, f"Reading {path.name}")

    def load_text(self, text: str, profile: Profile) -> None:
        self._prepare(lambda: (text, "pasted rows"), profile, "Reading the pasted rows")

    def recheck(self, profile: Profile) -> None:
        raw = self.raw
        if raw is not None:
            self._start("Checking the rows", lambda: self._check(raw, profile))

    def refresh_earlier(self, profile: Profile) -> None:
        batch = self.batch
        if batch is None:
            return

        customers = self.customers

        def work() -> tuple[set[int], str]:
            return self._done_rows(batch, [profile] if not batch.by_profile else customers)

        def found(result: tuple[set[int], str]) -> None:
            if self.batch is batch:
                self.earlier, self.note = result
                self.earlier_changed.emit()

        self.jobs.start("Asking the history", work, found, cancellable=False)

    # -- in job threads -------------------------------------------------------------------

    def _prepare(self, read: Callable[[], tuple[bytes | str, str]], profile: Profile,
                 label: str) -> None:
        def work() -> Checked:
            from core.batch_file import read_batch

            data, name = read()
            return self._check(read_batch(data, name), profile)

        self._start(label, work)

    def _check(self, raw: BatchFile, profile: Profile) -> Checked:
        from core.batch_file import check_rows

        if raw.by_profile:
            batch = self.desk.check_by_profile(raw)
            names = dict.fromkeys(row.profile for row in batch.valid)
            customers = [self.desk.profiles.get(name) for name in names]
        else:
            batch, customers = check_rows(raw, profile), []
        # Rows a teammate set to the same status already are skipped (the team history).
        batch = self.desk.check_with_team(batch, None if raw.by_profile else profile)
        earlier, note = self._done_rows(batch, customers or [profile])
        return raw, batch, earlier, note, customers

    def _done_rows(self, batch: BatchFile, profiles: list[Profile]) -> tuple[set[int], str]:
        from core.history import HistoryError

        done: set[int] = set()
        try:
            for profile in profiles:
                mine = {row.row for row in batch.valid
                        if not batch.by_profile or row.profile == profile.name}
                done |= self.desk.history.rows_done(profile.name, batch.batch_id) & mine
        except HistoryError as exc:
            return set(), f"Earlier runs of this file cannot be looked up: {exc}"
        return done, ""

    # -- back on the UI thread ------------------------------------------------------------

    def _start(self, label: str, work: Callable[[], Checked]) -> None:
        if self.job is not None:
            self.jobs.cancel(self.job)
        self.job = self.jobs.start(label, work, self._done, self._failed, cancellable=False)

    def _done(self, result: Checked) -> None:
        self.job = None
        self.raw, self.batch, self.earlier, self.note, self.customers = result
        self.checked.emit()

    def _failed(self, exc: BaseException) -> None:
        from core.batch_file import BatchFileError

        self.job = None
        self.raw, self.batch, self.earlier, self.customers = None, None, set(), []
        if isinstance(exc, BatchFileError):
            self.problem.emit(f"{exc} Nothing was sent.")
        else:
            told = explain(exc, "Reading the rows")
            self.problem.emit(f"{told.headline} {told.advice}".strip())
