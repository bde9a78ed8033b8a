"""Colours for HTTP messages: start line, header names, and an XML or JSON body.

Works on the text the inspector shows (raw or pretty): the first block is the request or
status line, header blocks follow until the first empty one, then the body. Masked secrets
(``***ticket***``) stand out so nobody mistakes them for real values. Colours follow the
palette, so light and dark themes both read well.
"""

from __future__ import annotations

import re

from PySide6.QtGui import (
    QColor,
    QFont,
    QPalette,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextDocument,
)

HEAD, BODY = 1, 2
MAX_HIGHLIGHTED_CHARS = 400_000  # beyond this, plain text keeps the window quick

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


class HttpHighlighter(QSyntaxHighlighter):
    def __init__(self, document: QTextDocument, palette: QPalette) -> None:
        super().__init__(document)
        self.body_kind = "text"
        self.enabled = True
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
        self.rehighlight()

    def set_body_kind(self, kind: str, *, enabled: bool = True) -> None:
        """kind is "xml", "json" or "text"; call before the document's text changes."""
        self.body_kind = kind
        self.enabled = enabled

    def highlightBlock(self, text: str) -> None:  # noqa: N802 (Qt's name)
        if not self.enabled:
            return
        block = self.currentBlock().blockNumber()
        previous = self.previousBlockState()
        if block == 0:
            self.setFormat(0, len(text), self._formats["start"])
            self.setCurrentBlockState(HEAD)
        elif previous == HEAD and text:
            name, colon, _ = text.partition(":")
            if colon:
                self.setFormat(0, len(name), self._formats["header"])
            self.setCurrentBlockState(HEAD)
        else:
            self.setCurrentBlockState(BODY)
            rules = {"xml": _XML_RULES, "json": _JSON_RULES}.get(self.body_kind, ())
            for name, pattern in rules:
                for match in pattern.finditer(text):
                    group = 1 if pattern.groups and name == "value" else 0
                    start, end = match.span(group)
                    self.setFormat(start, end - start, self._formats[name])
        for match in _PLACEHOLDER.finditer(text):
            self.setFormat(match.start(), match.end() - match.start(), self._formats["secret"])

