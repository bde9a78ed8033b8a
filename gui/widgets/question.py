"""One question before something that cannot be taken back (production, deleting rows).

Window-modal and opened with ``open()``, so the event loop (and any run in progress)
goes on while the person reads; Cancel is the default button.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget

# What a controller is given to ask: ask(title, text, yes, on_yes) -> the open question.
Ask = Callable[[str, str, str, Callable[[], object]], QMessageBox]


def ask(parent: QWidget, title: str, text: str, yes: str, on_yes: Callable[[], object],
        name: str = "confirmation") -> QMessageBox:
    box = QMessageBox(QMessageBox.Icon.Warning, title, text, parent=parent)
    box.setObjectName(name)
    go = box.addButton(yes, QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.finished.connect(lambda _: box.clickedButton() is go and on_yes())
    box.open()
    return box
