"""Big message text cut into pieces the window can take in one short step each.

A 10 MB answer put into an editor at once freezes the window for seconds, and a 10 MB
line (minified XML or JSON, base64) takes seconds to lay out whenever it comes into
view. So the editor appends the text piece by piece, and lines longer than LONG_LINE are
shown as several display lines; ``joins`` remembers which display lines continue the
one before, so copying a selection gives back the text as it was. No Qt in this module.
"""

from __future__ import annotations

LONG_LINE = 4000  # characters per display line; longer lines continue on the next


def head_lines(text: str) -> int:
    """How many lines the start line and headers take (up to the first empty line)."""
    end = text.find("\n\n")
    return text.count("\n", 0, end) + 1 if end >= 0 else text.count("\n") + 1


class DisplayLines:
    """Hands out ``text`` in pieces of about ``budget`` characters, each ending at a line
    end (or at a cut in an over-long line). Each piece after the first starts a new
    display line: the editor puts a line break between pieces."""

    def __init__(self, text: str, long_line: int = LONG_LINE) -> None:
        self.text = text
        self.long_line = long_line
        self.pos = 0
        self.lines = 0  # display lines handed out so far
        self.joins: list[int] = []  # display lines that continue the one before
        self._cut = False  # the next piece continues a line cut at the end of the last
        self._started = False

    @property
    def done(self) -> bool:
        return self._started and self.pos >= len(self.text)

    def take(self, budget: int) -> str:
        """The next piece; "" with ``done`` true when the text is used up."""
        text, size, pos = self.text, len(self.text), self.pos
        if self.done:
            return ""
        self._started = True
        cut_next = False
        stop = min(size, pos + max(budget, 1))
        if stop < size:
            newline = text.rfind("\n", pos, stop)
            if newline >= 0:
                stop = newline
            else:  # one line fills the window: cut it, to be continued by the next piece
                stop = soft_cut(text, pos, min(size, pos + max(budget, self.long_line)))
                cut_next = stop < size
        segment = text[pos:stop]
        first = self.lines
        if self._cut:
            self.joins.append(first)
        lines = segment.split("\n")
        if max(map(len, lines)) > self.long_line:
            segment = self._cut_long(lines, first)
        count = segment.count("\n") + 1
        self.lines += count
        # The newline that ended this piece is the break the editor puts before the next.
        self.pos = stop if cut_next or stop >= size else stop + 1
        if stop < size and not cut_next and self.pos >= size:
            # The text ends with that newline: one last, empty display line follows.
            self.pos = size
            segment += "\n"
            self.lines += 1
        self._cut = cut_next
        return segment

    def _cut_long(self, lines: list[str], first: int) -> str:
        out: list[str] = []
        step = self.long_line
        for line in lines:
            if len(line) <= step:
                out.append(line)
                continue
            start = 0
            while len(line) - start > step:
                cut = soft_cut(line, start, start + step)
                out.append(line[start:cut])
                self.joins.append(first + len(out))
                start = cut
            out.append(line[start:])
        return "\n".join(out)


def soft_cut(text: str, start: int, end: int) -> int:
    """Where to cut text[start:end] off: after the last comma, ">" or space in its last
    quarter (so a display line ends where a person would break it), else at ``end``."""
    if end >= len(text):
        return len(text)
    floor = start + (end - start) * 3 // 4
    best = max(text.rfind(mark, floor, end) for mark in (",", ">", " "))
    return best + 1 if best >= floor else end


def join_display_lines(parts: list[str], first: int, joins: set[int]) -> str:
    """Display lines ``first``, ``first + 1``... back into the text they were cut from."""
    if not joins:
        return "\n".join(parts)
    out = [parts[0]] if parts else []
    for offset, part in enumerate(parts[1:], start=1):
        out.append(part if first + offset in joins else "\n" + part)
    return "".join(out)
