"""The history panel: the audit trail, filtered; a chosen row opens in the inspector.

Only widgets: the search, export and "send again" work is done by gui.history.actions,
which this panel asks through signals. Filter by text (as you type), profile (also
profiles since removed), outcome and a date range in local days.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QDate, QEvent, QModelIndex, QObject, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from gui.history.table import HistoryTable, column_widths, fit_widths, least_widths
from gui.widgets.date_popup import calendar_in_window

if TYPE_CHECKING:
    from datetime import date

    from core.history import HistoryEntry, HistoryFilter

SHOWN = 1000  # rows a search brings into the table; Export CSV… writes every match
TYPING_PAUSE_MS = 250
OUTCOMES = (("All outcomes", ""), ("Succeeded", "ok"), ("Failed (any)", "failed"),
            ("Refused by the system", "refused"), ("Network or timeout", "transport"),
            ("Credentials", "credentials"), ("Not sent (bad input)", "bad_input"))


def utc_start_of(day: date) -> str:
    """Local midnight at the start of ``day``, as the history's UTC text."""
    from datetime import UTC, datetime, time  # not needed before a date is filtered on

    local = datetime.combine(day, time()).astimezone()
    return local.astimezone(UTC).isoformat(timespec="milliseconds")


def _day(qdate: QDate) -> date:
    """The calendar day (QDate.toPython is typed as returning object)."""
    from datetime import date

    return date(qdate.year(), qdate.month(), qdate.day())


class HistoryPanel(QWidget):
    entry_chosen = Signal(int)
    search_wanted = Signal(object)  # a core.history.HistoryFilter
    send_again_wanted = Signal(object)  # the HistoryEntry to put into the form
    export_wanted = Signal(object)  # the HistoryFilter whose rows to write
    results_shown = Signal()  # a search's rows are in the table

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HistoryTable(self)
        self._added: list[HistoryEntry] = []  # recorded while a search was under way
        self._quiet = False  # selection changes made by code open nothing
        self.team = ""  # the team history's server when the rows are the team's
        self._typing = QTimer(self, singleShot=True, interval=TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.search)
        self._build()

    def _build(self) -> None:
        self.filter_field = QLineEdit()
        self.filter_field.setObjectName("historyFilter")
        self.filter_field.setPlaceholderText("Filter: message id, status, text, code… (Ctrl+H)")
        self.filter_field.setClearButtonEnabled(True)
        self.filter_field.textChanged.connect(lambda _: self._typing.start())
        self.filter_field.returnPressed.connect(self._to_table)
        self.profile_box = QComboBox()
        self.profile_box.setObjectName("historyProfile")
        self.profile_box.setToolTip("Only this profile's rows (profiles since removed too)")
        self.profile_box.addItem("All profiles", "")
        self.who_box = QComboBox()
        self.who_box.setObjectName("historyWho")
        self.who_box.setToolTip("Only this person's calls")
        self.who_box.addItem("Everyone", "")
        self.outcome_box = QComboBox()
        self.outcome_box.setObjectName("historyOutcome")
        for label, value in OUTCOMES:
            self.outcome_box.addItem(label, value)
        self.dates_box = QCheckBox("Between")
        self.dates_box.setToolTip("Only rows from the first day to the last (local days, "
                                  "both included)")
        today = QDate.currentDate()
        self.since_edit, self.until_edit = QDateEdit(today.addDays(-7)), QDateEdit(today)
        for edit, tip in ((self.since_edit, "First day"), (self.until_edit, "Last day")):
            calendar_in_window(edit)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setToolTip(tip)
            edit.setEnabled(False)
            edit.dateChanged.connect(lambda _: self.search())
        self.dates_box.toggled.connect(self._dates_toggled)
        for box in (self.profile_box, self.who_box, self.outcome_box):
            box.currentIndexChanged.connect(lambda _: self.search())
        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.filter_field, 3)
        filters.addWidget(self.profile_box, 1)
        filters.addWidget(self.who_box, 1)
        filters.addWidget(self.outcome_box, 1)
        filters.addWidget(self.dates_box)
        filters.addWidget(self.since_edit)
        filters.addWidget(QLabel("and"))
        filters.addWidget(self.until_edit)

        self.table = QTableView()
        self.table.setObjectName("historyTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.table.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # long ids keep both ends
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setSortingEnabled(False)  # newest first, as the history gives them
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(
            self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(40)
        self._fitted_to = -1  # the width the columns were last fitted to
        self.table.viewport().installEventFilter(self)  # refit as the table's width changes
        self._fit_columns()
        self.table.setToolTip("")  # each row has its own: the outcome in full
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.activated.connect(self._open)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

        self.send_again_action = QAction("Send &again…", self)
        self.send_again_action.setShortcut(QKeySequence("Ctrl+D"))
        self.send_again_action.setStatusTip("Put the chosen row's profile, message id, status "
                                            "and description into the form; nothing is sent")
        self.send_again_action.triggered.connect(self.send_again)
        self.export_action = QAction("&Export history as CSV…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+Shift+E"))
        self.export_action.setStatusTip("Save every row the filter selects as a CSV file")
        self.export_action.triggered.connect(lambda: self.export_wanted.emit(self.filter()))
        self.send_again_button = QPushButton("Send again…")
        self.send_again_button.setObjectName("sendAgainButton")
        self.send_again_button.setToolTip("Fill the form from the chosen row (Ctrl+D); "
                                          "you check it and send")
        self.send_again_button.clicked.connect(self.send_again)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save the rows this filter selects (Ctrl+Shift+E)")
        self.export_button.clicked.connect(self.export_action.trigger)
        self.count = QLabel("")
        self.count.setObjectName("historyCount")
        self.title = QLabel("<b>History</b>")
        self.title.setObjectName("historyTitle")
        self.waiting = QLabel("")
        self.waiting.setObjectName("historyWaiting")
        self.waiting.setStyleSheet("color: #b36b00")
        self.waiting.hide()
        top = QHBoxLayout()
        top.addWidget(self.title)
        top.addWidget(self.count, 1)
        top.addWidget(self.waiting)
        top.addWidget(self.send_again_button)
        top.addWidget(self.export_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        self._update_actions()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt)
        if event.type() == QEvent.Type.Resize and watched is self.table.viewport():
            self._fit_columns()
        return False

    def _fit_columns(self) -> None:
        """Every column in view at 1024 px (Outcome, HTTP and Elapsed included) and the
        room of a wide window shared out; a column dragged wider stays until the table's
        width changes."""
        room = self.table.viewport().width()
        if room == self._fitted_to or room <= 0:
            return
        self._fitted_to = room
        metrics, header = self.table.fontMetrics(), self.table.horizontalHeader()
        widths = fit_widths(column_widths(metrics), least_widths(metrics), room)
        for column, width in enumerate(widths):
            header.resizeSection(column, width)

    def focus_filter(self) -> None:
        self.filter_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_field.selectAll()

    def focus_widgets(self) -> list[QWidget]:
        return [self.send_again_button, self.export_button, self.filter_field,
                self.profile_box, self.who_box, self.outcome_box, self.dates_box, self.since_edit,
                self.until_edit, self.table]

    # -- the filter -----------------------------------------------------------------------

    def filter(self, limit: int = SHOWN) -> HistoryFilter:
        from datetime import timedelta

        from core.history import HistoryFilter

        since = until = ""
        if self.dates_box.isChecked():
            first, last = _day(self.since_edit.date()), _day(self.until_edit.date())
            first, last = min(first, last), max(first, last)
            since, until = utc_start_of(first), utc_start_of(last + timedelta(days=1))
        return HistoryFilter(text=self.filter_field.text().strip(),
                             profile=str(self.profile_box.currentData() or ""),
                             who=str(self.who_box.currentData() or ""),
                             outcome=str(self.outcome_box.currentData() or ""),
                             since=since, until=until, limit=limit)

    def is_filtered(self) -> bool:
        which = self.filter()
        return bool(which.text or which.profile or which.who or which.outcome or which.since)

    def search(self) -> None:
        self._typing.stop()
        self._added = []
        self.search_wanted.emit(self.filter())

    def _dates_toggled(self, on: bool) -> None:
        self.since_edit.setEnabled(on)
        self.until_edit.setEnabled(on)
        self.search()

    # -- rows -----------------------------------------------------------------------------

    def show_results(self, profiles: list[str], known: set[str],
                     entries: list[HistoryEntry]) -> None:
        """A search's answer; ``known`` are the profiles that still exist."""
        self._set_profiles(profiles, known)
        chosen = self.current_entry()
        found = {e.id for e in entries}
        newer = [e for e in self._added if e.id not in found
                 and (not entries or e.id > entries[0].id)]
        self._added = []
        self._quiet = True
        self.model.set_entries([*newer, *entries])
        if chosen is not None and self.model.row_of(chosen.id) >= 0:
            self._select_row(self.model.row_of(chosen.id))
        self._quiet = False
        self._show_count(more=len(entries) >= SHOWN)
        self.results_shown.emit()

    def _show_count(self, more: bool = False) -> None:
        count = len(self.model.entries)
        self.count.setText(f"newest {count:,} shown: narrow the filter (Export CSV… writes "
                           "every match)" if more else f"{count:,} row{'s' if count != 1 else ''}")
        self._update_actions()

    def show_team(self, where: str) -> None:
        """The rows are the team's (at ``where``), or this machine's ("")."""
        self.team = where
        self.title.setText("<b>Team history</b>" if where else "<b>History</b>")
        self.title.setToolTip(f"Every desk's calls, from {where}" if where else
                              "The calls made on this machine")

    def show_waiting(self, words: str) -> None:
        """How many rows wait for the team history ("" : none)."""
        count = words.split(" ", 1)[0] if words else ""
        self.waiting.setText(f"⚠ {count} waiting for the team history" if words else "")
        self.waiting.setToolTip(words)
        self.waiting.setVisible(bool(words))

    def set_people(self, people: list[str]) -> None:
        box, chosen = self.who_box, str(self.who_box.currentData() or "")
        wanted = sorted(set(people) | ({chosen} if chosen else set()), key=str.lower)
        if [box.itemData(i) for i in range(1, box.count())] == wanted:
            return
        box.blockSignals(True)
        box.clear()
        box.addItem("Everyone", "")
        for name in wanted:
            box.addItem(name, name)
        box.setCurrentIndex(max(0, box.findData(chosen)))
        box.blockSignals(False)

    def add_entry(self, entry: HistoryEntry) -> None:
        """A new exchange on top, chosen (the inspector shows it already).

        With a filter set, or the team's rows shown (theirs have the server's ids), the
        search runs again instead: it knows whether the row belongs.
        """
        if self.is_filtered() or self.team:
            self.search()
            return
        self._added.append(entry)
        self._quiet = True
        self.model.prepend(entry, SHOWN)
        self._select_row(0)
        self._quiet = False
        self._show_count()

    def entry_ids(self) -> list[int]:
        return [entry.id for entry in self.model.entries]

    def current_entry(self) -> HistoryEntry | None:
        return self.model.entry(self.table.currentIndex().row())

    def _select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index)

    def _set_profiles(self, names: list[str], known: set[str]) -> None:
        box, chosen = self.profile_box, str(self.profile_box.currentData() or "")
        wanted = sorted(set(names) | known | ({chosen} if chosen else set()), key=str.lower)
        items = [(name, f"{name} (removed)" if known and name not in known else name)
                 for name in wanted]
        if [(box.itemData(i), box.itemText(i)) for i in range(1, box.count())] == items:
            return
        box.blockSignals(True)
        box.clear()
        box.addItem("All profiles", "")
        for name, label in items:
            box.addItem(label, name)
        box.setCurrentIndex(max(0, box.findData(chosen)))
        box.blockSignals(False)

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self._update_actions()
        if not self._quiet and current.isValid():
            self._open(current)

    def _open(self, index: QModelIndex) -> None:
        entry = self.model.entry(index.row())
        if entry is not None:
            self.entry_chosen.emit(entry.id)

    def _to_table(self) -> None:
        if self.model.entries:
            self.table.setFocus(Qt.FocusReason.OtherFocusReason)
            if not self.table.currentIndex().isValid():
                self._select_row(0)

    # -- actions on a row -----------------------------------------------------------------

    def _update_actions(self) -> None:
        entry = self.current_entry()
        can = entry is not None and bool(entry.message_id and entry.status)
        self.send_again_action.setEnabled(can)
        self.send_again_button.setEnabled(can)

    def send_again(self) -> None:
        entry = self.current_entry()
        if entry is not None and entry.message_id and entry.status:
            self.send_again_wanted.emit(entry)

    def _context_menu(self, where: QPoint) -> None:
        index = self.table.indexAt(where)
        if not index.isValid():  # the menu key: the current row
            index = self.table.currentIndex()
            if not index.isValid():
                return
            where = self.table.visualRect(index).center()
        self.table.setCurrentIndex(index)
        entry = self.model.entry(index.row())
        menu = QMenu(self)
        menu.addAction("Open in the inspector", lambda: self._open(index))
        menu.addAction(self.send_again_action)
        if entry is not None and entry.message_id:
            menu.addAction("Copy message id",
                           lambda: QGuiApplication.clipboard().setText(entry.message_id))
        menu.addSeparator()
        menu.addAction(self.export_action)
        menu.popup(self.table.viewport().mapToGlobal(where))
