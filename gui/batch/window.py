"""The batch window: one status for many messages, from a CSV file or pasted rows.

Steps: choose the profile; load a file or paste rows; every row is checked and shown
(invalid ones marked, never sent); set the pace; Send (a production profile asks once,
naming the tenant and the number of rows). The run goes on in a worker thread
(gui.batch.runner) with live per-row outcomes, Pause/Continue and Cancel; every finished
row is in the history at once. A file partly done before for this profile offers Resume.
A file with a profile column sends each row to the profile it names, the customers side by
side, each at its system's pace (core.customer_runs); the table shows each row's profile.
Reading, checking and exporting are jobs; the window never waits on the disk or network.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from core.pacing import duration_words, pacing_seconds
from core.wording import counted
from gui.batch.pace import PaceBox
from gui.batch.results import ask_results_path, export_results, summary_text
from gui.batch.rows_box import BatchRowsBox, row_of
from gui.batch.runner import BatchRunner
from gui.batch.source import BatchSource
from gui.batch.table import PROFILE, BatchTable
from gui.profiles.picker import ProfilePicker
from gui.widgets.errors import explain
from gui.widgets.question import ask

if TYPE_CHECKING:
    from core.batch import BatchSummary, RowResult
    from core.desk import Desk
    from core.profiles import Profile
    from gui.jobs import Jobs
    from gui.notices import Notices


class BatchWindow(QDialog):
    """``rows_recorded()``: finished rows were kept in the history (the list may catch up).
    Lines for the main window's status bar go to ``notices``."""

    rows_recorded = Signal()

    def __init__(self, desk: Desk, jobs: Jobs, notices: Notices,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.desk, self.jobs, self.notices = desk, jobs, notices
        self.setObjectName("batchWindow")
        self.setWindowTitle("Batch — StatusDesk")
        self.setModal(False)
        self.model = BatchTable(self)
        self.source = BatchSource(desk, jobs, self)
        self.source.checked.connect(self._checked)
        self.source.earlier_changed.connect(self._earlier_changed)
        self.source.problem.connect(self._problem)
        self.runner = BatchRunner(self)
        self.runner.rows_done.connect(self._rows_done)
        self.runner.waiting.connect(self._waiting)
        self.runner.pace_changed.connect(self._pace_changed)
        self.runner.finished.connect(self._finished)
        self.runner.failed.connect(self._failed)
        self.finished_rows: list[RowResult] = []
        self.question: QMessageBox | None = None
        self._build()
        self._set_running(False)
        self.resize(1000, 680)

    def _build(self) -> None:
        self.picker = ProfilePicker()
        self.picker.profile_chosen.connect(self._profile_chosen)
        profile_label = QLabel("&Profile")
        profile_label.setBuddy(self.picker)
        self.target = QLabel("")
        self.target.setObjectName("batchTarget")
        self.rows_box = BatchRowsBox(self.model)
        self.rows_box.file_chosen.connect(self.load_file)
        self.rows_box.text_pasted.connect(self.check_pasted)
        self.file_label, self.counts = self.rows_box.file_label, self.rows_box.counts
        self.paste, self.check_button = self.rows_box.paste, self.rows_box.check_button
        self.table = self.rows_box.table
        self.pace = PaceBox()
        self.progress = QProgressBar()
        self._set_progress(0)  # no rows yet: no count (Qt's own would read "0 of 100")
        self.notice = QLabel("")
        self.notice.setObjectName("batchNotice")
        self.pace_note = QLabel("")
        self.pace_note.setObjectName("batchPaceNote")
        self.pace_note.setWordWrap(True)
        self.pace_note.setStyleSheet("color: #b36b00;")
        self.pace_note.hide()
        self.summary = QLabel("")
        self.summary.setObjectName("batchSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.send_button = QPushButton("&Send")
        self.send_button.setObjectName("batchSend")
        self.send_button.clicked.connect(lambda: self.ask_run(resume=False))
        self.resume_button = QPushButton("Resu&me")
        self.resume_button.setObjectName("batchResume")
        self.resume_button.clicked.connect(lambda: self.ask_run(resume=True))
        self.pause_button = QPushButton("P&ause")
        self.pause_button.clicked.connect(self.pause_or_continue)
        self.cancel_button = QPushButton("Cance&l run")
        self.cancel_button.setToolTip("Stop after the call in flight (Esc); Resume carries on")
        self.cancel_button.clicked.connect(self.cancel_run)
        self.export_button = QPushButton("&Export results…")
        self.export_button.clicked.connect(self.ask_export_path)
        self.close_button = QPushButton("Close")
        self.close_button.clicked.connect(self.close)

        layout = QVBoxLayout(self)
        layout.addLayout(row_of(profile_label, (self.picker, 1), self.target))
        layout.addWidget(self.rows_box, 1)
        layout.addWidget(self.pace)
        layout.addLayout(row_of((self.progress, 1), (self.notice, 1)))
        layout.addWidget(self.pace_note)
        layout.addWidget(self.summary)
        layout.addLayout(row_of(self.send_button, self.resume_button, self.pause_button,
                                self.cancel_button, None, self.export_button,
                                self.close_button))

    # -- choosing the profile and the rows ------------------------------------------------

    def open_for(self, profiles: list[Profile], system_titles: dict[str, str],
                 profile: Profile | None) -> None:
        """Show the window, offering ``profiles`` (``profile`` chosen) unless a run goes on."""
        if not self.runner.running:
            self.picker.set_profiles(profiles, system_titles,
                                     profile.name if profile is not None else None)
        if self.isVisible():
            self.raise_()  # brought back from behind the main window
        self.show()
        self.activateWindow()

    def profile(self) -> Profile | None:
        return self.picker.current_profile()

    def _profile_chosen(self, _name: str) -> None:
        from core.systems import get_system

        profile = self.profile()
        if profile is None:
            self.target.setText("")
            return
        system = get_system(profile.system)
        self.pace.set_system(system.title, system.pace, system.plans)
        self._show_target()
        self.source.recheck(profile)

    def _by_profile(self) -> bool:
        batch = self.source.batch
        return batch is not None and batch.by_profile

    def _show_target(self) -> None:
        """Where the rows go: the chosen profile's system, or a file's customers."""
        from core.systems import get_system

        def live(production: bool) -> str:
            return "  <b style='color:#d93025'>● PRODUCTION</b>" if production else ""

        profile, customers = self.profile(), self.source.customers
        if self._by_profile():
            names = ", ".join(f"{p.name} ({get_system(p.system).title})" for p in customers)
            self.target.setText(f"{counted(len(customers), 'customer')}: {names}"
                                f"{live(any(p.production for p in customers))}")
        elif profile is not None:
            system = get_system(profile.system)
            self.target.setText(f"{system.title} · {system.tenant(profile)}"
                                f"{live(profile.production)}")

    def load_file(self, path: Path) -> None:
        profile = self.profile()
        if profile is not None:
            self.file_label.setText(f"Reading {path.name}…")
            self.source.load_file(path, profile)

    def check_pasted(self, text: str) -> None:
        profile = self.profile()
        if profile is not None:
            self.file_label.setText("Pasted rows")
            self.source.load_text(text, profile)

    def _checked(self) -> None:
        batch, earlier = self.source.batch, self.source.earlier
        self.model.set_batch(batch, earlier)
        self.table.setColumnHidden(PROFILE, not self._by_profile())
        self._show_target()
        self.finished_rows = []
        self.summary.setText("")
        self.notice.setText("")
        self._set_progress(len(batch.valid) if batch is not None else 0)
        if batch is None:
            return
        self.file_label.setText(f"{batch.name} (batch {batch.batch_id})")
        self._earlier_changed()

    def _earlier_changed(self) -> None:
        batch, earlier = self.source.batch, self.source.earlier
        if batch is None:
            return
        self.model.set_earlier(earlier)
        valid, left = len(batch.valid), len(batch.valid) - len(earlier)
        self.pace.set_rows(valid)  # the estimate is for Send's rows
        skipped = len(batch.set_already)
        lines = [f"{counted(len(batch.rows), 'row')}: {valid:,} to send, "
                 f"{len(batch.invalid):,} invalid (marked, never sent)"
                 + (f", {skipped:,} set to that status by a teammate already (skipped)"
                    if skipped else "") + "."]
        if earlier and left == 0:
            lines.append(f"All {valid:,} were done before for this profile; Send would send "
                         "them all again.")
        elif earlier:
            lines.append(f"{len(earlier):,} of them were done before for this profile: Resume "
                         f"sends the {left:,} left; Send sends all {valid:,} again.")
        if batch.by_profile:
            from core.customer_runs import estimate

            took = estimate(batch, self.source.customers)
            lines.append(f"Each row goes to the profile it names: "
                         f"{counted(len(self.source.customers), 'customer')} side by side, "
                         f"each at its system's pace: Send takes {took}.")
        lines += [f"Note: {note}" for note in (*batch.notes, self.source.note) if note]
        self.counts.setText("\n".join(lines))
        self._set_running(self.runner.running)  # a run may have started meanwhile

    def _problem(self, text: str) -> None:
        self.model.set_batch(None)
        self.table.setColumnHidden(PROFILE, True)
        self._set_progress(0)
        self.file_label.setText("")
        self.counts.setText(text)
        self._set_running(self.runner.running)

    # -- running --------------------------------------------------------------------------

    def ask_run(self, resume: bool) -> None:
        profile, batch = self.profile(), self.source.batch
        if profile is None or batch is None or self.runner.running or not batch.valid:
            return
        from core.confirmation import production_batch, production_customers

        earlier = self.source.earlier if resume else set()  # Resume skips them: not counted
        sent = replace(batch, rows=tuple(row for row in batch.rows if row.row not in earlier))
        question = production_customers(self.source.customers, sent) if batch.by_profile \
            else production_batch(profile, sent)
        if question is None:
            self.start(resume)
            return
        self.question = ask(self, question.title, question.text, question.go,
                            lambda: self.start(resume))

    def start(self, resume: bool) -> None:
        self.question = None
        profile, batch, desk = self.profile(), self.source.batch, self.desk
        if profile is None or batch is None or self.runner.running:
            return
        rate, burst = self.pace.values()
        self.model.clear_results()
        if not resume:
            self.model.set_earlier(set())
        self.finished_rows = []
        self._set_progress(len(batch.valid))
        self.summary.setText("")
        self.pace_note.hide()
        rows = len(batch.valid) - (len(self.source.earlier) if resume else 0)
        if batch.by_profile:
            customers = counted(len(self.source.customers), "customer")
            self.notice.setText(f"Sending {rows:,} rows to {customers} side by side, each "
                                "at its system's pace…")
            self._set_running(True)
            self.runner.start(lambda: desk.customers_batch(batch), resume)
            return
        took = duration_words(pacing_seconds(rows, rate, burst))
        self.notice.setText(f"Sending {rows:,} rows at most {rate:g} calls/s: {took}…")
        self._set_running(True)
        self.runner.start(lambda: desk.batch(profile, batch, rate=rate, burst=burst), resume)

    def _set_progress(self, rows: int) -> None:
        """The bar before a run: "0 of N rows" for the rows of the file, nothing without."""
        self.progress.setRange(0, max(rows, 1))
        self.progress.setValue(0)
        self.progress.setFormat(("%v of %m row" if rows == 1 else "%v of %m rows") if rows
                                else "")
        self.progress.setTextVisible(bool(rows))

    def pause_or_continue(self) -> None:
        if not self.runner.running:
            return
        if self.runner.paused:
            self.runner.carry_on()
            self.notice.setText("Carrying on…")
        else:
            self.runner.pause()
            self.notice.setText("Paused after the call in flight. Continue carries on.")
        self._set_running(True)

    def cancel_run(self) -> None:
        if self.runner.running:
            self.runner.cancel()
            self.cancel_button.setEnabled(False)
            self.pause_button.setEnabled(False)
            self.notice.setText("Stopping after the call in flight…")

    def _rows_done(self, results: list[RowResult]) -> None:
        self.finished_rows.extend(results)
        last = self.model.add_results(results)
        self.progress.setValue(len(self.finished_rows))
        if last >= 0:
            self.table.scrollTo(self.model.index(last, 0))
        self.rows_recorded.emit()

    def _pace_changed(self, note: str) -> None:
        self.pace_note.setText(note)
        self.pace_note.show()
        self.notices.say(note, 10000)

    def _waiting(self, row: int, reason: str, seconds: float) -> None:
        when = "under a second" if seconds < 0.5 else f"{seconds:.0f} s"
        self.notice.setText(f"Row {row}: {reason}, again in {when}")
        self.model.set_waiting(row, f"Waiting: {reason}, again in {when}")

    def _finished(self, summary: BatchSummary) -> None:
        batch = self.source.batch
        self.summary.setText(summary_text(summary, len(batch.invalid) if batch else 0))
        self.notice.setText("Stopped." if summary.cancelled or summary.stopped else "Finished.")
        self._after_run()

    def _failed(self, exc: BaseException) -> None:
        from core.batch_lock import BatchBusy

        if isinstance(exc, BatchBusy):  # refused before anything was sent
            self.summary.setText(f"Not started: {exc.message} Wait for that run to end (or "
                                 "stop it), then Resume sends the rows left.")
            self.notice.setText("Not started.")
            self.notices.say("The batch was not started: another run of it is going on.")
            self._after_run()
            return
        told = explain(exc, "The batch")
        self.summary.setText(f"{told.headline} Nothing more was sent. {told.advice}".strip())
        self.notice.setText("Stopped.")
        self._after_run()

    def _after_run(self) -> None:
        self._set_running(False)
        self.rows_recorded.emit()
        profile = self.profile()
        if profile is not None:
            self.source.refresh_earlier(profile)  # offers Resume for the rows left

    def _set_running(self, running: bool) -> None:
        batch = self.source.batch
        count = len(batch.valid) if batch is not None else 0
        has_rows = bool(count) and self.profile() is not None
        left = has_rows and len(self.source.earlier) < count
        self.rows_box.set_sources_enabled(not running)
        self.picker.setEnabled(not running)
        self.pace.setEnabled(not running)
        self.pace.setVisible(not self._by_profile())  # each customer at its system's pace
        self.send_button.setEnabled(not running and has_rows)
        self.send_button.setText(f"&Send {counted(count, 'row')}" if count else "&Send")
        self.resume_button.setVisible(bool(self.source.earlier) and left)
        self.resume_button.setEnabled(not running)
        if self.resume_button.isVisible():
            self.resume_button.setText(f"Resu&me ({count - len(self.source.earlier):,} left)")
        self.pause_button.setEnabled(running)
        self.pause_button.setText("Co&ntinue" if self.runner.paused else "P&ause")
        self.cancel_button.setEnabled(running)
        self.export_button.setEnabled(not running and bool(self.finished_rows))

    # -- results --------------------------------------------------------------------------

    def ask_export_path(self) -> None:
        path = ask_results_path(self, self.source.batch)
        if path is not None:
            self.export_results(path)

    def export_results(self, path: Path) -> None:
        if self.source.batch is not None:
            export_results(self.jobs, self.source.batch, list(self.finished_rows), path,
                           self.notice.setText)

    # -- closing --------------------------------------------------------------------------

    def reject(self) -> None:
        """Esc stops a run (after the call in flight), as it stops a send in the window."""
        if self.runner.running:
            self.cancel_run()
        else:
            super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt's name)
        """Closing while a run goes on only hides the window (QDialog's own close would
        reject, which here cancels the run)."""
        if self.runner.running:
            self.notices.say("The batch goes on in the background; Batch… (Ctrl+B) shows it.",
                             10000)
            event.accept()
            return
        super().closeEvent(event)

    def stop_for_good(self) -> None:
        """The main window is closing: cut the call in flight (its row stays to be sent on
        Resume) and let the run record that."""
        if self.runner.running:
            self.runner.stop_now()
            self.runner.wait(5.0)
