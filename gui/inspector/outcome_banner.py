"""The outcome in plain words, on top of the traffic: what happened and what to do.

The remote system's own error name (SOAP faultcode / ExceptionInfo, Bitrix24 error code)
is shown as selectable text so it can be copied and searched for; long details (stack
traces, notes, the transport's own words) are one click away. Every text is plain (a
server's words are never read as HTML) with control characters shown as visible escapes
(core.visible), also for exchanges recorded before core made their words visible.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRectF, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QResizeEvent,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from core.visible import visible
from gui.inspector.highlighter import is_dark

LEVEL_COLOURS = {
    "ok": "#1e9e50",
    "error": "#d93025",
    "warning": "#e8a317",
    "info": "#2f80ed",
    "busy": "#2f80ed",
}
LEVEL_MARKS = {"ok": "✔", "error": "✖", "warning": "⚠", "info": "ℹ", "busy": "⋯"}
TEXT_LINES = 3  # lines of headline and advice the banner always has room for
DETAILS_LINES = 12  # the details box grows with its text up to this, then scrolls
KIND_TITLES = {
    "done": "Done",
    "refused": "Refused",
    "bad_input": "Not sent",
    "transport": "No usable answer",
    "credentials": "Credentials problem",
}


class OutcomeBanner(QFrame):
    action_chosen = Signal()  # the button offered with the outcome (see offer) was pressed

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("outcomeBanner")
        self.level = "info"
        self.mark = QLabel()
        self.mark.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignHCenter)
        self.mark.setMinimumWidth(22)
        font = self.mark.font()
        font.setPointSizeF(font.pointSizeF() * 1.4)
        self.mark.setFont(font)
        self.headline = QLabel()
        self.headline.setTextFormat(Qt.TextFormat.PlainText)
        self.headline.setObjectName("outcomeHeadline")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        bold = self.headline.font()
        bold.setBold(True)
        self.headline.setFont(bold)
        self.code = QLabel()
        self.code.setTextFormat(Qt.TextFormat.PlainText)
        self.code.setObjectName("outcomeCode")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.advice = QLabel()
        self.advice.setTextFormat(Qt.TextFormat.PlainText)
        self.advice.setWordWrap(True)
        self.advice.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.toggle = QToolButton()
        self.toggle.setText("Details")
        self.toggle.setCheckable(True)
        self.toggle.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.toggle.setArrowType(Qt.ArrowType.RightArrow)
        self.toggle.setAutoRaise(True)
        self.toggle.toggled.connect(self._show_details)
        self.action = QPushButton()
        self.action.setObjectName("outcomeAction")
        self.action.setAutoDefault(False)
        self.action.clicked.connect(self.action_chosen)
        self.action.hide()
        self.details = QPlainTextEdit()
        self.details.setObjectName("outcomeDetails")
        self.details.setReadOnly(True)
        self.details.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.details.hide()
        for widget in (self.code, self.advice, self.action, self.toggle):  # hidden, they keep
            policy = widget.sizePolicy()  # their room: the banner keeps its height
            policy.setRetainSizeWhenHidden(True)
            widget.setSizePolicy(policy)

        # Headline and advice share room for TEXT_LINES lines; the code and the buttons sit
        # beside them, so the banner is as tall for "Done" as for a refusal with advice.
        words = QWidget()
        text = QVBoxLayout(words)
        text.setContentsMargins(0, 0, 0, 0)
        text.setSpacing(3)
        text.addWidget(self.headline)
        text.addWidget(self.advice)
        text.addStretch(1)
        words.setMinimumHeight(TEXT_LINES * self.fontMetrics().lineSpacing() + 3)
        buttons = QHBoxLayout()
        buttons.setSpacing(6)
        buttons.addStretch(1)
        buttons.addWidget(self.action)
        buttons.addWidget(self.toggle)
        side = QVBoxLayout()
        side.setSpacing(3)
        side.addWidget(self.code, 0, Qt.AlignmentFlag.AlignRight)
        side.addStretch(1)
        side.addLayout(buttons)
        row = QHBoxLayout()
        row.setSpacing(8)
        row.addWidget(self.mark)
        row.addWidget(words, 1)
        row.addLayout(side)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(10, 8, 10, 8)
        outer.setSpacing(6)
        outer.addLayout(row)
        outer.addWidget(self.details)
        self.show_message("info", "Nothing sent yet.",
                          "Preview (Ctrl+P) shows the request; Send (Ctrl+Enter) puts it on "
                          "the wire. Both appear below, secrets masked.")

    # -- what to show -----------------------------------------------------------------

    def show_message(self, level: str, headline: str, advice: str = "", code: str = "",
                     details: str = "") -> None:
        self.level = level
        headline, code, advice, details = (visible(text, layout=True)
                                           for text in (headline, code, advice, details))
        self.mark.setText(LEVEL_MARKS.get(level, ""))
        self.headline.setText(headline)
        self.code.setText(f"Error code: {code}" if code else "")
        self.code.setVisible(bool(code))
        self.advice.setText(advice)
        self.advice.setVisible(bool(advice))
        self.details.setPlainText(details)
        self.toggle.setVisible(bool(details))
        self.toggle.setChecked(False)
        self._show_details(False)
        self.action.hide()
        self._paint_level()

    def offer(self, text: str, tip: str = "") -> None:
        """One thing the user can do about this outcome, as a button (action_chosen)."""
        self.action.setText(text)
        self.action.setToolTip(tip)
        self.action.show()

    def show_outcome(self, kind: str, summary: str, code: str = "", advice: str = "",
                     details: str = "", *, cancelled: bool = False) -> None:
        """``cancelled``: the person stopped the call; a warning, whichever kind."""
        level = "ok" if kind == "done" else (
            "warning" if kind == "bad_input" or cancelled else "error")
        # core's words for a cancelled call begin "Cancelled" already.
        headline = summary if cancelled else f"{KIND_TITLES.get(kind, kind)}: {summary}"
        advice_text = f"What to do: {advice}" if advice else ""
        self.show_message(level, headline, advice_text, code, details)

    def text(self) -> str:
        """Everything the banner says, for tests and the clipboard."""
        parts = [self.headline.text(), self.code.text(), self.advice.text()]
        return "\n".join(p for p in parts if p)

    # -- looks ------------------------------------------------------------------------

    def _show_details(self, shown: bool) -> None:
        self.details.setVisible(shown)
        self.toggle.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        if shown:
            self._fit_details()

    def _fit_details(self) -> None:
        """As tall as its text, wrapped as the box wraps it, up to DETAILS_LINES lines."""
        box = self.details
        margin = box.document().documentMargin()
        width = max(40.0, box.contentsRect().width() - 2 * margin)
        option = box.document().defaultTextOption()
        lines = 0
        for text in (box.toPlainText() or " ").split("\n"):
            layout = QTextLayout(text, box.font())
            layout.setTextOption(option)
            layout.beginLayout()
            while lines <= DETAILS_LINES:
                line = layout.createLine()
                if not line.isValid():
                    break
                line.setLineWidth(width)
                lines += 1
            layout.endLayout()
        lines = max(1, min(DETAILS_LINES, lines))
        frame = box.height() - box.contentsRect().height()
        box.setFixedHeight(lines * box.fontMetrics().lineSpacing() + round(2 * margin) + frame
                           + 2)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 (Qt's name)
        super().resizeEvent(event)
        if self.details.isVisible():
            self._fit_details()

    def _paint_level(self) -> None:
        palette = self.mark.palette()
        palette.setColor(QPalette.ColorRole.WindowText, QColor(self.accent()))
        self.mark.setPalette(palette)
        self.update()

    def accent(self) -> str:
        return LEVEL_COLOURS.get(self.level, LEVEL_COLOURS["info"])

    def tint(self) -> QColor:
        """The background: the palette's base colour with a little of the level's colour."""
        accent, base = QColor(self.accent()), self.palette().color(QPalette.ColorRole.Base)
        mix = 0.22 if is_dark(self.palette()) else 0.10
        return QColor(
            round(base.red() * (1 - mix) + accent.red() * mix),
            round(base.green() * (1 - mix) + accent.green() * mix),
            round(base.blue() * (1 - mix) + accent.blue() * mix),
        )

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 (Qt's name)
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        accent = QColor(self.accent())
        box = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(QPen(accent, 1))
        painter.setBrush(self.tint())
        painter.drawRoundedRect(box, 4, 4)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(accent)
        painter.drawRoundedRect(QRectF(box.left(), box.top(), 5, box.height()), 2, 2)
        painter.end()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 (Qt's name)
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.update()
