"""Colours for HTTP messages: start line, header names, and an XML or JSON body.

Works on the text the inspector shows (raw or pretty): the first line is the request or
status line, header lines follow until the first empty one, then the body. Masked secrets
(``***ticket***``) stand out so nobody mistakes them for real values. Colours follow the
palette, so light and dark themes both read well.

Only the lines on screen are coloured, just before they are painted (the editor calls
``colour_visible`` from its paintEvent): the cost follows what the person looks at, not
the size of the message, so a 10 MB answer is coloured as quickly as a small one. (A
QSyntaxHighlighter colours the whole document, in one go, whenever text is added.)
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from PySide6.QtGui import QColor, QFont, QPalette, QTextCharFormat, QTextLayout

if TYPE_CHECKING:
    from gui.inspector.message_text import MessageText

_LIGHT = {
    "start": "#1f2328", "header": "#0b57d0", "tag": "#0b57d0", "attr": "#8e24aa",
    "value": "#a0501c", "string": "#1e7b34", "number": "#c2185b", "literal": "#6a1b9a",
    "comment": "#6e7781", "secret_fg": "#7a4d00", "secret_bg": "#ffe9a8",
}
_DARK = {
    "start": "#f0f3f6", "header": "#79b8ff", "tag": "#79b8ff", "attr": "#d2a8ff",
    "value": "#ffab70", "string": "#85e89d", "number": "#f692ce", "literal": "#d2a8ff",
    "comment": "#8b949e", "secret_fg": "#ffdf5d", "secret_bg": "#4d3b00",
}

_PLACEHOLDER = re.compile(r"\*\*\*[\w#.-]+\*\*\*")
_XML_RULES = (
    ("comment", re.compile(r"<!--.*?-->")),
    ("tag", re.compile(r"<\?[\w:.-]+|\?>|</?[\w:.-]+|/?>")),
    ("attr", re.compile(r"(?<=\s)[\w:.-]+(?==)")),
    ("value", re.compile(r"=\s*(\"[^\"]*\"|'[^']*')")),
)
_JSON_RULES = (
    ("number", re.compile(r"(?<![\w.\"])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b")),
    ("literal", re.compile(r"\b(?:true|false|null)\b")),
    ("string", re.compile(r"\"(?:[^\"\\]|\\.)*\"")),
    ("header", re.compile(r"\"(?:[^\"\\]|\\.)*\"(?=\s*:)")),
)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.ColorRole.Base).lightness() < 128


class HttpHighlighter:
    """Colours the lines of one editor as they come into view."""

    def __init__(self, editor: MessageText, palette: QPalette) -> None:
        self.editor = editor
        self.body_kind = "text"
        self.head_lines = 1  # the start line and the headers: lines 0 .. head_lines - 1
        self._coloured: set[int] = set()  # block numbers whose colours are set
        self.set_palette(palette)

    def set_palette(self, palette: QPalette) -> None:
        colours = _DARK if is_dark(palette) else _LIGHT
        self._formats: dict[str, QTextCharFormat] = {}
        for name, colour in colours.items():
            if name.startswith("secret"):
                continue
            fmt = QTextCharFormat()
            fmt.setForeground(QColor(colour))
            if name in ("start", "header"):
                fmt.setFontWeight(QFont.Weight.DemiBold)
            if name == "comment":
                fmt.setFontItalic(True)
            self._formats[name] = fmt
        secret = QTextCharFormat()
        secret.setForeground(QColor(colours["secret_fg"]))
        secret.setBackground(QColor(colours["secret_bg"]))
        secret.setFontWeight(QFont.Weight.Bold)
        self._formats["secret"] = secret
        self._coloured.clear()  # coloured again, in the new colours, when painted
        self.editor.viewport().update()

    def set_body_kind(self, kind: str, head_lines: int = 1) -> None:
        """kind is "xml", "json" or "text"; call when the editor's text is replaced.
        ``head_lines``: the start line and headers on top (0: a body alone)."""
        self.body_kind = kind
        self.head_lines = max(0, head_lines)
        self._coloured.clear()

    def forget(self, block_number: int) -> None:
        """That line changed (text was appended to it): colour it again when painted."""
        self._coloured.discard(block_number)

    def colour_visible(self) -> None:
        """Colour the lines on screen that are not coloured yet."""
        editor = self.editor
        block = editor.firstVisibleBlock()
        offset = editor.contentOffset()
        bottom = editor.viewport().height()
        dirty_from = dirty_to = -1
        while block.isValid():
            number = block.blockNumber()
            if number not in self._coloured:
                self._coloured.add(number)
                laid_out = block.layout().lineCount() > 0
                block.layout().setFormats(self.ranges(number, block.text()))
                if laid_out:  # laid out before it had colours: lay it out again
                    if dirty_from < 0:
                        dirty_from = block.position()
                    dirty_to = block.position() + block.length()
            if editor.blockBoundingGeometry(block).translated(offset).top() > bottom:
                break
            block = editor.next_shown(block)
        if dirty_from >= 0:
            editor.document().markContentsDirty(dirty_from, dirty_to - dirty_from)

    def ranges(self, number: int, text: str) -> list[QTextLayout.FormatRange]:
        """The coloured stretches of line ``number``, whose text is ``text``."""
        found: list[tuple[int, int, str]] = []
        if number == 0 and self.head_lines:
            found.append((0, len(text), "start"))
        elif number < self.head_lines:
            name, colon, _ = text.partition(":")
            if colon:
                found.append((0, len(name), "header"))
        else:
            for name, pattern in {"xml": _XML_RULES, "json": _JSON_RULES}.get(
                    self.body_kind, ()):
                group = 1 if pattern.groups and name == "value" else 0
                for match in pattern.finditer(text):
                    start, end = match.span(group)
                    found.append((start, end - start, name))
        for match in _PLACEHOLDER.finditer(text):
            found.append((match.start(), match.end() - match.start(), "secret"))
        ranges = []
        for start, length, name in found:
            stretch = QTextLayout.FormatRange()
            stretch.start, stretch.length, stretch.format = start, length, self._formats[name]
            ranges.append(stretch)
        return ranges
