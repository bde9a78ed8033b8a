"""The traffic of a call made from a dialog (a connection test, a sign-in), shown on top of
that dialog: the main window's inspector would sit behind it, out of sight."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from gui.inspector.exchange_view import view_of_exchange
from gui.inspector.inspector import TrafficInspector

if TYPE_CHECKING:
    from core.exchange import Exchange
    from gui.jobs import Jobs


def traffic_title(exchange: Exchange) -> str:
    """What a call made from the Profiles dialog was, for titles."""
    return "Sign-in" if exchange.operation == "sign-in" else "Connection test"


class TrafficDialog(QDialog):
    def __init__(self, jobs: Jobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("trafficDialog")
        self.inspector = TrafficInspector(jobs)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.inspector, 1)
        layout.addWidget(close)
        self.resize(980, 620)

    def show_exchange(self, exchange: Exchange, title: str) -> None:
        self.setWindowTitle(f"{title}: request and response")
        self.inspector.show_view(view_of_exchange(exchange, title))
        self.open()
