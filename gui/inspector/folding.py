"""Where an indented XML or JSON body can fold: the lines an element or object spans.

Works line by line on the pretty text the inspector shows (core.rendering indents it):
a line that opens more elements (or objects, arrays) than it closes starts a region,
which ends at the line that closes it again. Nothing is parsed in advance, so a 10 MB
body costs only the lines a person folds. No Qt in this module.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A comment, CDATA, a processing instruction or a declaration opens nothing; a tag does.
_XML_TOKEN = re.compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<[?!][^>]*>|<(/?)[\w:.-]+[^<>]*?(/?)>")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def depth_change(line: str, kind: str) -> int:
    """How many more elements (XML) or objects and arrays (JSON) ``line`` opens than it
    closes; 0 for plain text."""
    if kind == "xml":
        change = 0
        for token in _XML_TOKEN.finditer(line):
            closing, empty = token.group(1), token.group(2)
            if closing:
                change -= 1
            elif closing is not None and not empty:
                change += 1
        return change
    if kind == "json":
        bare = _JSON_STRING.sub("", line) if '"' in line else line
        return bare.count("{") + bare.count("[") - bare.count("}") - bare.count("]")
    return 0


def region_end(lines: Iterable[str], kind: str, opened: int) -> int:
    """How many of ``lines`` (those after a line that opened ``opened`` levels) come before
    the one that closes them, or -1 when none does."""
    depth = opened
    for offset, line in enumerate(lines):
        depth += depth_change(line, kind)
        if depth <= 0:
            return offset
    return -1


def enclosing_start(lines_upwards: Iterable[str], kind: str) -> int:
    """Given the lines above a line, nearest first, how far up the line that opened the
    region around it is (1: the line just above), or -1 when it is at the top level."""
    depth = 0
    for distance, line in enumerate(lines_upwards, start=1):
        depth += depth_change(line, kind)
        if depth > 0:
            return distance
    return -1
