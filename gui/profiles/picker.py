"""The profile picker: profiles grouped under their system, production ones marked."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QComboBox, QWidget

from gui.widgets.dot import dot_icon

if TYPE_CHECKING:
    from core.profiles import Profile

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
PRODUCTION_COLOUR = "#d93025"
TEST_COLOUR = "#1e9e50"


class ProfilePicker(QComboBox):
    """Emits ``profile_chosen(name)``; group headings cannot be chosen."""

    profile_chosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("profilePicker")
        self.setMinimumContentsLength(14)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setToolTip("The customer system to send to (Ctrl+L); red marks production")
        self.model_ = QStandardItemModel(self)
        self.setModel(self.model_)
        self._profiles: dict[str, Profile] = {}
        self.currentIndexChanged.connect(self._chosen)

    def set_profiles(self, profiles: list[Profile], titles: dict[str, str],
                     select: str | None = None) -> None:
        """``titles`` maps system keys to their names, for the group headings."""
        self.blockSignals(True)
        self.model_.clear()
        self._profiles = {p.name: p for p in profiles}
        production, test = dot_icon(PRODUCTION_COLOUR), dot_icon(TEST_COLOUR)
        for system in sorted({p.system for p in profiles}, key=lambda s: titles.get(s, s)):
            heading = QStandardItem(titles.get(system, system))
            heading.setFlags(Qt.ItemFlag.NoItemFlags)
            font = heading.font()
            font.setBold(True)
            heading.setFont(font)
            self.model_.appendRow(heading)
            for profile in sorted((p for p in profiles if p.system == system),
                                  key=lambda p: p.name.lower()):
                text = f"  {profile.name}" + ("   (production)" if profile.production else "")
                item = QStandardItem(production if profile.production else test, text)
                item.setData(profile.name, NAME_ROLE)
                item.setToolTip(f"{profile.base_url}" + ("  PRODUCTION: sending asks first"
                                                         if profile.production else ""))
                if profile.production:
                    item.setForeground(QColor(PRODUCTION_COLOUR))
                self.model_.appendRow(item)
        self.blockSignals(False)
        names = [n for n in (select,) if n in self._profiles] or sorted(
            self._profiles, key=str.lower)[:1]
        if names:
            self.select(names[0])
        else:
            self.setCurrentIndex(-1)
            self.profile_chosen.emit("")

    def select(self, name: str) -> None:
        for row in range(self.model_.rowCount()):
            if self.model_.item(row).data(NAME_ROLE) == name:
                if self.currentIndex() == row:
                    self.profile_chosen.emit(name)
                else:
                    self.setCurrentIndex(row)
                return

    def current_profile(self) -> Profile | None:
        return self._profiles.get(self.currentData(NAME_ROLE) or "")

    def profiles(self) -> list[Profile]:
        return list(self._profiles.values())

    def _chosen(self, row: int) -> None:
        item = self.model_.item(row) if row >= 0 else None
        self.profile_chosen.emit(item.data(NAME_ROLE) if item is not None else "")
