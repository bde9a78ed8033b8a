"""Counts in words, the same in the window and on the command line ("1 row", "2 rows"),
and input text made safe to print on a terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")


def counted(count: int, one: str, many: str = "") -> str:
    """``count`` with the noun that fits it, thousands separated: counted(1, "row") is
    "1 row", counted(1200, "retry", "retries") is "1,200 retries"."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"


def shown(text: str) -> str:
    """``text`` safe to print on a terminal: each control character (an ESC would start a
    terminal sequence) as a visible escape, e.g. ``\\x01``; other letters unchanged."""
    return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)
