"""What the window does with its history: search, open, export, prune, "send again".

Every read and write of the history file is a job; the panel (gui.history.panel) only
draws. "Send again" fills the status form and sends nothing: the person checks and sends.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QSettings, Qt, QTimer, Signal

from gui.history.table import local_time
from gui.inspector.exchange_view import view_of_exchange
from gui.jobs import Job
from gui.settings import keep_days
from gui.widgets.errors import explain

if TYPE_CHECKING:
    from core.desk import Desk
    from core.history import History, HistoryEntry, HistoryFilter
    from core.team_history import TeamHistory

    # A search's answer: where the rows came from, its profiles and people, rows, a note.
    Found = tuple[History | TeamHistory, list[str], list[str], list[HistoryEntry], str]
    from gui.history.panel import HistoryPanel
    from gui.jobs import Jobs
    from gui.notices import Notices
    from gui.profiles.picker import ProfilePicker
    from gui.window.status_form import StatusForm

EVERY_ROW = 10_000_000  # an export writes every row the filter selects
REFRESH_PAUSE_MS = 700  # while a batch runs, the list catches up at most this often


class HistoryActions(QObject):
    """Lists, opens, exports and prunes the history the panel shows; fills the form again.

    ``shown(ExchangeView)``: an opened row to draw. ``pruned(line)``: what a prune asked
    for with ``prune`` did. Lines and messages go to ``notices``.
    """

    shown = Signal(object)
    pruned = Signal(str)

    def __init__(self, desk: Desk, jobs: Jobs, panel: HistoryPanel, picker: ProfilePicker,
                 form: StatusForm, notices: Notices, settings: QSettings,
                 parent: QObject | None = None) -> None:
        """``picker`` and ``form``: where "send again" fills a row in; ``settings``: how
        long the history is kept."""
        super().__init__(parent)
        self.desk, self.jobs, self.notices, self.settings = desk, jobs, notices, settings
        self.panel, self.picker, self.form = panel, picker, form
        self.search_job: Job | None = None
        self.open_job: Job | None = None
        # The history the shown rows came from (their ids are its own).
        self._listed: History | TeamHistory | None = None
        self._started = False
        self._soon = QTimer(self, singleShot=True, interval=REFRESH_PAUSE_MS)
        self._soon.timeout.connect(self.panel.search)
        self.panel.search_wanted.connect(self.search)
        self.panel.entry_chosen.connect(self.open_entry)
        self.panel.send_again_wanted.connect(self.send_again)
        self.panel.export_wanted.connect(self.ask_export_path)

    def _say_if_any(self, text: str) -> None:
        if text:
            self._say(text)

    def _say(self, text: str, ms: int = 8000) -> None:
        self.notices.say(text, ms)

    # -- searching --------------------------------------------------------------------------

    def start(self) -> None:
        """After the profiles are loaded: prune first if the person chose to, then list."""
        if self._started:
            self.panel.search()  # profiles changed: "(removed)" marks may change
            return
        self._started = True
        if not self.desk.has_history():
            # Nothing recorded yet: the empty list, without opening the history. Shown on
            # the next turn of the event loop, as a search's result would be.
            known = {profile.name for profile in self.picker.profiles()}
            QTimer.singleShot(0, self.panel, lambda: self.panel.show_results([], known, []))
            return
        days = keep_days(self.settings)
        if days:
            self._prune(days, self._say_if_any, quiet_if_none=True)
        else:
            self.panel.search()

    def refresh_soon(self) -> None:
        """New rows were recorded (a batch): list them shortly, not once per row."""
        if not self._soon.isActive():
            self._soon.start()

    def team_chosen(self, where: str) -> None:
        """The history became the team's (or this machine's again): list that one."""
        self.panel.show_team(where)
        self._started = True
        self.panel.search()

    def search(self, which: HistoryFilter) -> None:
        if self.search_job is not None:
            self.jobs.cancel(self.search_job)
        desk = self.desk
        known = {profile.name for profile in self.picker.profiles()}

        def work() -> Found:
            from core.team_history import TeamHistoryError

            note = ""
            history: History | TeamHistory = desk.history
            try:
                if desk.team_in_use():
                    history = desk.team.shown()
                rows = history.search(which)
            except TeamHistoryError as exc:  # the server is away: this machine's rows
                history, note = desk.history, f"{exc} Showing this machine's rows."
                rows = history.search(which)
            return history, history.profiles(), history.people(), rows, note

        def found(result: Found) -> None:
            self.search_job = None
            self._listed, profiles, people, entries, note = result
            self.panel.set_people(people)
            self.panel.show_results(profiles, known, entries)
            if note:
                self._say(note, 10000)

        def failed(exc: BaseException) -> None:
            self.search_job = None
            told = explain(exc, "Reading the history")
            self.panel.count.setText("the history cannot be read")
            self._say(told.headline, 0)

        self.search_job = self.jobs.start("Searching the history", work, found, failed,
                                          cancellable=False)

    # -- opening a row ----------------------------------------------------------------------

    def open_entry(self, entry_id: int) -> None:
        if self.open_job is not None:
            self.jobs.cancel(self.open_job)
        history, notices = self._listed or self.desk.history, self.notices

        def failed(exc: BaseException) -> None:
            told = explain(exc, "Opening the history entry")
            notices.tell(told.level, told.headline, told.advice)

        self.open_job = self.jobs.start(
            "Opening history entry",
            lambda: view_of_exchange(history.exchange(entry_id), "History"),
            self.shown.emit, failed, cancellable=False)

    # -- send again -------------------------------------------------------------------------

    def send_again(self, entry: HistoryEntry) -> None:
        """Fill the form from a row; the person checks it and sends (nothing is sent here)."""
        from core.systems import get_system

        if entry.profile not in {p.name for p in self.picker.profiles()}:
            self._say(f"Profile {entry.profile!r} no longer exists, so nothing was filled in. "
                      "Add it again (Profiles, Ctrl+,) to send to it.", 10000)
            return
        self.picker.select(entry.profile)
        form = self.form
        if form.profile is None or form.profile.name != entry.profile:
            return
        form.clear_invalid()
        left_out = []
        status = get_system(entry.system).typed_status(entry.status)
        for key, value in (("message_id", entry.message_id), ("status", status),
                           ("description", entry.description)):
            if key not in form.fields:
                if value:
                    left_out.append(key.replace("_", " "))
                continue
            form.set_value(key, value)
            if form.value(key) != value:
                form.show_invalid(key, f"The status {value!r} of that row is not one this "
                                  "profile offers: choose one.")
                return
        # A rebuilt form's fields are shown on the next turn of the event loop: focus then.
        field = form.fields["message_id"]
        QTimer.singleShot(0, lambda: field.setFocus(Qt.FocusReason.OtherFocusReason))
        note = f" ({', '.join(left_out)} left out: this system takes none)" if left_out else ""
        self._say(f"Filled in from the history row of {local_time(entry.time)}{note}. Nothing "
                  "was sent: check it, then Send (Ctrl+Enter).", 12000)

    # -- export -----------------------------------------------------------------------------

    def ask_export_path(self, which: HistoryFilter) -> None:
        from PySide6.QtWidgets import QFileDialog

        suggested = str(Path.home() / "statusdesk-history.csv")
        path, _ = QFileDialog.getSaveFileName(self.panel, "Export history as CSV", suggested,
                                              "CSV files (*.csv)")
        if path:
            self.export(Path(path), which)

    def export(self, path: Path, which: HistoryFilter) -> Job:
        """Write every row ``which`` selects (not only those shown) as a CSV file."""
        from dataclasses import replace

        desk = self.desk
        which = replace(which, limit=EVERY_ROW)

        def work() -> int:
            from core.csv_out import history_csv

            history = desk.team.shown() if desk.team_in_use() else desk.history
            entries = history.search(which)
            path.write_text(history_csv(entries), encoding="utf-8", newline="")
            return len(entries)

        def failed(exc: BaseException) -> None:
            self._say(f"Could not export the history: {explain(exc, 'Exporting').headline}", 0)

        return self.jobs.start(
            "Exporting the history", work,
            lambda count: self._say(f"Saved {count:,} history rows to {path}.", 10000),
            failed, cancellable=False)

    # -- pruning ----------------------------------------------------------------------------

    def prune(self, days: int) -> Job:
        """Delete rows older than ``days`` (the only deletion there is); ``pruned`` says how
        it went."""
        return self._prune(days, self.pruned.emit)

    def _prune(self, days: int, done: Callable[[str], object], quiet_if_none: bool = False
               ) -> Job:
        history = self.desk.history

        def pruned(count: int) -> None:
            if count or not quiet_if_none:
                done(f"Removed {count:,} history row{'s' if count != 1 else ''} older than "
                     f"{days} days.")
            else:
                done("")
            self.panel.search()

        def failed(exc: BaseException) -> None:
            done(f"The history was not pruned: {explain(exc, 'Pruning').headline}")
            self.panel.search()

        return self.jobs.start("Pruning the history", lambda: history.prune(days),
                               pruned, failed, cancellable=False)
