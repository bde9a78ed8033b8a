"""Help: the keyboard shortcuts (read off the window's own actions, so the list cannot
go stale) and About (version, the keyring in use, where profiles and history live)."""

from __future__ import annotations

import platform
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction

    from core.desk import Desk
    from gui.jobs import Jobs

# Keys that belong to one field or list rather than to a window action.
IN_PLACE = (
    ("Enter / Shift+Enter", "Next / previous match, in Find"),
    ("Esc", "Clear Find (when nothing is running)"),
    ("Alt+Left / Alt+Right", "Fold / unfold the element at the caret, in a Pretty view"),
    ("Alt+Shift+Left / Alt+Shift+Right", "Fold all / unfold all, in a Pretty view"),
    ("Enter", "Preview, in the message id or status field"),
    ("Tab / Shift+Tab", "Move between fields"),
)


def shortcut_rows(actions: list[QAction]) -> list[tuple[str, str]]:
    """(keys, what) for every action of the window that has a shortcut, in menu order."""
    rows = []
    for act in actions:
        keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in act.shortcuts()]
        if keys:
            rows.append((" or ".join(keys), act.text().replace("&", "").rstrip("…")))
    return rows + list(IN_PLACE)


class _TextDialog(QDialog):
    def __init__(self, title: str, html: str, parent: QWidget | None) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # made anew at each opening
        self.setWindowTitle(title)
        self.text = QLabel(html)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.text.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


class ShortcutsDialog(_TextDialog):
    def __init__(self, actions: list[QAction], parent: QWidget | None = None) -> None:
        rows = "".join(f"<tr><td><b>{escape(keys)}</b>&nbsp;&nbsp;</td><td>{escape(what)}</td>"
                       "</tr>" for keys, what in shortcut_rows(actions))
        super().__init__("Keyboard shortcuts", f"<table cellspacing='4'>{rows}</table>", parent)
        self.setObjectName("shortcutsDialog")


class AboutDialog(_TextDialog):
    """The keyring is asked in a job: a locked or slow one must not freeze the window."""

    def __init__(self, desk: Desk, jobs: Jobs, settings: QSettings,
                 parent: QWidget | None = None) -> None:
        from PySide6 import __version__ as pyside_version

        from core import __version__

        self._facts = [
            ("Version", f"StatusDesk {__version__}"),
            ("Runs on", f"Python {platform.python_version()}, PySide6 {pyside_version}, "
                        f"{platform.system()} {platform.release()}"),
            ("Keyring", "checking…"),
            ("Profiles", str(desk.profiles.path)),
            ("History", str(desk.history_path)),
            ("Window settings", settings.fileName()),
        ]
        super().__init__("About StatusDesk", "", parent)
        self.setObjectName("aboutDialog")
        self._show()
        jobs.start("Checking the keyring", desk.secrets.check, self._keyring,
                   lambda exc: self._keyring(f"not usable: {exc}"), cancellable=False)

    def _keyring(self, name: str) -> None:
        self._facts[2] = ("Keyring", name)
        try:
            self._show()
        except RuntimeError:  # closed (and deleted) before the keyring answered
            pass

    def fact(self, label: str) -> str:
        return dict(self._facts)[label]

    def _show(self) -> None:
        rows = "".join(f"<tr><td><b>{escape(label)}</b>&nbsp;&nbsp;</td><td>{escape(value)}"
                       "</td></tr>" for label, value in self._facts)
        self.text.setText("<p>Corrects delivery statuses in customers' CRMs (SuperOffice, "
                          f"Bitrix24) and shows what went over the wire.</p><table>{rows}"
                          "</table>")
