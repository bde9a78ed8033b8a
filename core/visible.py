"""Text from the remote side, made safe to show: control characters as visible escapes.

A server's words (a header, a body, Bitrix24's ``error_description``, a SOAP faultstring)
may carry escape sequences: printed raw, a hostile server clears the terminal and prints a
fake "OK", retitles the window, or reorders a line with a right-to-left override. Every
such character is shown as an escape instead, the way Python writes it (``\\x1b``,
``\\x9b``, ``\\u202e``, and ``\\r``, ``\\n``, ``\\t``): C0 controls, DEL, C1 controls (one
character each: U+009B is a CSI of its own), and the bidirectional marks, embeddings,
overrides and isolates, and the line and paragraph separators.

``visible`` is the one function that does it: the text views (core.rendering), the
outcome's words of every call (core.sending, ``visible_words``: so the history, the window
and the command line get them so) and the command line's output all use it.
``json_text`` is JSON's own way for output that must stay JSON.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from core.exchange import Outcome

_C0 = "".join(map(chr, range(0x20)))
_OTHERS = ("\x7f" + "".join(map(chr, range(0x80, 0xA0)))
           + "\u061c\u200e\u200f\u2028\u2029\u202a\u202b\u202c\u202d\u202e"
           + "\u2066\u2067\u2068\u2069")
_LAYOUT = "\t\n\r"  # kept as they are in bodies (a carriage return only before "\n")
_SHORT = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}

_ANY = re.compile(f"[{re.escape(_C0 + _OTHERS)}]")
_BUT_LAYOUT = re.compile(
    f"[{re.escape(''.join(c for c in _C0 if c not in _LAYOUT) + _OTHERS)}]|\r(?!\n)")
# Looking for each character on its own is a fast memchr-like scan; a character class in a
# regular expression over a 10 MB body takes a tenth of a second (with the GIL held).
_SUSPECTS = tuple(_C0 + _OTHERS)
_SUSPECTS_BUT_LAYOUT = tuple(c for c in _SUSPECTS if c not in _LAYOUT)
_IN_JSON = re.compile(f"[{re.escape(_OTHERS)}]")  # what json.dumps leaves raw


def visible(text: str, *, layout: bool = False) -> str:
    """``text`` with every control character written as a visible escape. ``layout``: tab,
    newline and a carriage return before a newline stay (a body's lines)."""
    if not text:
        return text
    if not layout:
        return _ANY.sub(_escape, text) if any(c in text for c in _SUSPECTS) else text
    lone_return = "\r" in text and text.count("\r") != text.count("\r\n")
    if lone_return or any(c in text for c in _SUSPECTS_BUT_LAYOUT):
        return _BUT_LAYOUT.sub(_escape, text)
    return text


def json_text(value: Any) -> str:
    """``value`` as one line of JSON (non-ASCII text as itself) in which no character a
    terminal acts on stands raw: JSON escapes C0 itself; DEL, C1 and the bidirectional
    controls get ``\\uXXXX`` escapes too, so the value a program reads is unchanged."""
    import json  # here: the window paints before it needs JSON

    text = json.dumps(value, ensure_ascii=False)
    if not any(c in text for c in _OTHERS):
        return text
    return _IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _escape(found: re.Match[str]) -> str:
    char = found.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible_words(outcome: Outcome) -> Outcome:
    """The outcome with its words made visible: they often quote the server (an error's
    description, a fault's text, a provider code), and every front end shows them."""
    return replace(
        outcome,
        summary=visible(outcome.summary),
        code=visible(outcome.code),
        advice=visible(outcome.advice),
        detail=visible(outcome.detail, layout=True),
        moved_to=visible(outcome.moved_to),
    )
