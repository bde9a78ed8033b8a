"""Shown instead of the form while there are no profiles: one click to a working demo."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget


class WelcomePanel(QWidget):
    start_demo = Signal()
    add_profile = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePanel")
        title = QLabel("<h2>Welcome to StatusDesk</h2>")
        text = QLabel(
            "There are no profiles yet. A profile is one customer system: its address, "
            "options, and credentials kept in your system keyring.<br><br>"
            "To try it out first, start the <b>built-in sandbox</b>: a simulated SuperOffice "
            "and Bitrix24 on this computer. StatusDesk creates a demo profile for each and "
            "stores their demo credentials in the keyring; then pick a message id and Send."
        )
        text.setWordWrap(True)
        text.setTextFormat(Qt.TextFormat.RichText)
        self.demo_button = QPushButton("Start the sandbox and create demo profiles")
        self.demo_button.setObjectName("startDemo")
        self.demo_button.setDefault(True)
        self.demo_button.clicked.connect(self.start_demo)
        self.add_button = QPushButton("Add a real profile…")
        self.add_button.clicked.connect(self.add_profile)
        self.note = QLabel("")
        self.note.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addSpacing(8)
        layout.addWidget(self.demo_button)
        layout.addWidget(self.add_button)
        layout.addWidget(self.note)
        layout.addStretch(1)

    def set_note(self, text: str) -> None:
        self.note.setText(text)
