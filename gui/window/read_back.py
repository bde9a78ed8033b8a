"""Read a status back from the customer's system (SuperOffice GetDeliveryStatus).

SuperOffice finds messages here by its own messaging ids, not by the external id a status
is sent with; the dialog says so. The call runs as a job and its exchange is shown in the
inspector like a send's.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from core.profiles import Profile

_SEPARATORS = re.compile(r"[\s,;]+")
MAX_IDS = 50


def can_read_back(profile: Profile | None) -> bool:
    """Whether the profile's system has a documented way to read a status back."""
    if profile is None:
        return False
    from core.systems import get_system
    from core.systems.base import status_reader

    return status_reader(get_system(profile.system)) is not None


def messaging_ids(text: str) -> list[int]:
    """Whole numbers separated by spaces or commas; ValueError says what is wrong."""
    parts = [part for part in _SEPARATORS.split(text.strip()) if part]
    if not parts:
        raise ValueError("Type at least one messaging id.")
    if len(parts) > MAX_IDS:
        raise ValueError(f"At most {MAX_IDS} messaging ids at a time.")
    ids = []
    for part in parts:
        if not part.isdigit() or int(part) == 0:
            raise ValueError(f"{part!r} is not a messaging id: they are positive whole "
                             "numbers. The external message id (like the one you send "
                             "statuses with) cannot be looked up here.")
        ids.append(int(part))
    return list(dict.fromkeys(ids))


class ReadBackDialog(QDialog):
    """Asks for SuperOffice's messaging ids; ``ids`` holds them once accepted."""

    def __init__(self, profile: Profile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Read status back: {profile.name}")
        self.setObjectName("readBackDialog")
        self.ids: list[int] = []
        explanation = QLabel(
            "SuperOffice looks messages up by its own <b>messaging id</b>: SuperOffice's "
            "number for the message. It is <i>not</i> the external message id you send "
            "statuses with. Several ids: separate them with spaces or commas.")
        explanation.setWordWrap(True)
        explanation.setTextFormat(Qt.TextFormat.RichText)
        self.field = QLineEdit()
        self.field.setObjectName("messagingIds")
        self.field.setPlaceholderText("e.g. 1234, 1240")
        label = QLabel("SuperOffice &messaging ids")
        label.setBuddy(self.field)
        self.problem = QLabel("")
        self.problem.setObjectName("readBackProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #d93025;")
        self.problem.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.read_button = buttons.addButton("&Read", QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(explanation)
        layout.addWidget(label)
        layout.addWidget(self.field)
        layout.addWidget(self.problem)
        layout.addStretch(1)
        layout.addWidget(buttons)
        # Enter reads; only once the buttons are in the dialog can one be its default.
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setAutoDefault(False)
        self.read_button.setDefault(True)
        self.resize(480, 220)

    def accept(self) -> None:
        try:
            self.ids = messaging_ids(self.field.text())
        except ValueError as exc:
            self.problem.setText(str(exc))
            self.problem.show()
            self.field.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        super().accept()
