"""Settings: the theme (system, light, dark; shown at once, kept on OK); how long the
history is kept, pruning it now, and how much of each body a history row keeps (a longer
body keeps its first part, its size and SHA-256).

History is kept for ever unless the person chooses a number of days; then rows older than
that are deleted when StatusDesk starts, or at once with "Prune now" (after a question).
Pruning is the only way anything in the history is ever deleted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gui.settings import (
    MAX_BODY_CAP_KIB,
    body_cap_kib,
    keep_days,
    set_body_cap_kib,
    set_keep_days,
)
from gui.theme import THEMES, apply_theme, set_theme, theme
from gui.widgets.question import ask

if TYPE_CHECKING:
    from gui.history.team import TeamHistoryLink

SUGGESTED_DAYS = 365


class SettingsDialog(QDialog):
    """``prune_wanted(days)``: the person said yes to pruning; ``show_pruned`` gets the line
    saying how it went."""

    prune_wanted = Signal(int)

    def __init__(self, settings: QSettings, parent: QWidget | None = None,
                 team: TeamHistoryLink | None = None) -> None:
        """``team``: the window's link to the team history (its box is shown then)."""
        super().__init__(parent)
        self.settings = settings
        self.question: QMessageBox | None = None
        self.setWindowTitle("Settings")
        self.setObjectName("settingsDialog")
        days = keep_days(settings)
        self.keep_box = QCheckBox("&Keep history for")
        self.keep_box.setChecked(days > 0)
        self.days = QSpinBox()
        self.days.setObjectName("keepDays")
        self.days.setRange(1, 36500)
        self.days.setSuffix(" days")
        self.days.setValue(days or SUGGESTED_DAYS)
        self.days.setEnabled(days > 0)
        self.keep_box.toggled.connect(self._toggled)
        self.prune_button = QPushButton("&Prune now…")
        self.prune_button.setEnabled(days > 0)
        self.prune_button.setToolTip("Delete the rows older than this many days now")
        self.prune_button.clicked.connect(self.ask_prune)
        self.result_label = QLabel("")
        self.result_label.setObjectName("pruneResult")
        self.result_label.setWordWrap(True)
        about = QLabel("When this is off, every call is kept for ever. When it is on, rows "
                       "older than this are deleted each time StatusDesk starts. Nothing "
                       "else ever deletes the history.")
        about.setWordWrap(True)
        row = QHBoxLayout()
        row.addWidget(self.keep_box)
        row.addWidget(self.days)
        row.addStretch(1)
        row.addWidget(self.prune_button)
        self.body_cap = QSpinBox()
        self.body_cap.setObjectName("bodyCap")
        self.body_cap.setRange(1, MAX_BODY_CAP_KIB)
        self.body_cap.setSuffix(" KiB")
        self.body_cap.setValue(body_cap_kib(settings))
        self.body_cap.setToolTip("A longer request or answer keeps its first part in the "
                                 "history, with its full size and SHA-256")
        cap_label = QLabel("Keep at most")
        cap_label.setBuddy(self.body_cap)
        cap_row = QHBoxLayout()
        cap_row.addWidget(cap_label)
        cap_row.addWidget(self.body_cap)
        cap_row.addWidget(QLabel("of each body"))
        cap_row.addStretch(1)
        group = QGroupBox("History")
        group_layout = QVBoxLayout(group)
        group_layout.addLayout(row)
        group_layout.addWidget(about)
        group_layout.addWidget(self.result_label)
        group_layout.addLayout(cap_row)
        self.theme_before = theme(settings)
        self.theme_box = QComboBox()
        self.theme_box.setObjectName("theme")
        for key, name in THEMES.items():
            self.theme_box.addItem(name, key)
        self.theme_box.setCurrentIndex(max(0, self.theme_box.findData(self.theme_before)))
        self.theme_box.setToolTip("System follows your desktop; Light and Dark are the same "
                                  "on every computer. Shown at once, kept when you press OK.")
        self.theme_box.currentIndexChanged.connect(
            lambda _: self._show_theme(self.chosen_theme()))
        theme_label = QLabel("&Theme")
        theme_label.setBuddy(self.theme_box)
        looks = QGroupBox("Appearance")
        looks_row = QHBoxLayout(looks)
        looks_row.addWidget(theme_label)
        looks_row.addWidget(self.theme_box)
        looks_row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(looks)
        layout.addWidget(group)
        self.team_box = None
        if team is not None:
            from gui.history.team_box import TeamHistoryBox

            self.team_box = TeamHistoryBox(team)
            layout.addWidget(self.team_box)
        layout.addStretch(1)
        layout.addWidget(buttons)
        self.resize(560, 310 if team is None else 550)

    def chosen_days(self) -> int:
        return self.days.value() if self.keep_box.isChecked() else 0

    def _toggled(self, on: bool) -> None:
        self.days.setEnabled(on)
        self.prune_button.setEnabled(on)

    def chosen_theme(self) -> str:
        return str(self.theme_box.currentData())

    @staticmethod
    def _show_theme(name: str) -> None:
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, name)

    def accept(self) -> None:
        set_theme(self.settings, self.chosen_theme())
        set_keep_days(self.settings, self.chosen_days())
        set_body_cap_kib(self.settings, self.body_cap.value())
        if self.team_box is not None and self.team_box.changed():
            # Closes once the team history is chosen; stays open, saying why, if not.
            self.team_box.apply(self._team_chosen)
            return
        super().accept()

    def _team_chosen(self, ok: bool) -> None:
        if ok:
            QDialog.accept(self)

    def reject(self) -> None:
        self._show_theme(self.theme_before)  # Cancel: the theme it had
        super().reject()

    def ask_prune(self) -> None:
        days = self.chosen_days()
        if not days:
            return
        self.question = ask(
            self, "Prune the history?",
            f"Delete every history row older than {days} days?\n\nThey cannot be brought "
            "back. Export them first (History, Export CSV…) if you may need them.",
            "Delete old rows", lambda: self.prune(days), name="pruneQuestion")

    def prune(self, days: int) -> None:
        self.question = None
        self.prune_button.setEnabled(False)
        self.result_label.setText("Pruning…")
        self.prune_wanted.emit(days)

    def show_pruned(self, text: str) -> None:
        self.result_label.setText(text)
        self.prune_button.setEnabled(self.keep_box.isChecked())
