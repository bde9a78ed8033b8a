"""Counts in words, the same in the window and on the command line ("1 row", "2 rows").
(Text made safe to print on a terminal: core.visible.)"""

from __future__ import annotations


def counted(count: int, one: str, many: str = "") -> str:
    """``count`` with the noun that fits it, thousands separated: counted(1, "row") is
    "1 row", counted(1200, "retry", "retries") is "1,200 retries"."""
    return f"{count:,} {one if count == 1 else (many or one + 's')}"

