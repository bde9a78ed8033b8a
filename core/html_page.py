"""The title of an HTML page where a system's own answer should be (a proxy's or a login
page): read as bytes, never parsed, so any page is safe to look at."""

from __future__ import annotations

from core.exchange import ReceivedResponse

HTML_TITLE_MAX = 100  # characters of a page's title worth showing in one sentence
_HTML_SNIFF = 64 * 1024  # only the start of a page is looked at, however large it is
_HTML_TYPES = ("text/html", "application/xhtml+xml")


def html_title(response: ReceivedResponse) -> str | None:
    """The title of an answer that is an HTML page ('' when it has none); None otherwise.

    An HTML page says so in its Content-Type, or starts with <!doctype html or <html (any
    case). The title is the page's own text between <title> and </title>, taken as it is:
    no entity is expanded, nothing is parsed, and it is cut to HTML_TITLE_MAX characters.
    """
    start = response.body[:_HTML_SNIFF].lstrip(b"\xef\xbb\xbf \t\r\n")
    media_type = (response.header("content-type") or "").split(";", 1)[0].strip().lower()
    if media_type not in _HTML_TYPES and not start[:14].lower().startswith(
            (b"<!doctype html", b"<html")):
        return None
    lowered = start.lower()
    opening = lowered.find(b"<title")
    while opening >= 0 and lowered[opening + 6:opening + 7] not in (b">", b" ", b"\t", b"\r",
                                                                     b"\n", b"/"):
        opening = lowered.find(b"<title", opening + 6)  # <titlebar> is not a title
    closing_angle = lowered.find(b">", opening) if opening >= 0 else -1
    if closing_angle < 0:
        return ""
    end = lowered.find(b"</title", closing_angle)
    raw = start[closing_angle + 1:end if end >= 0 else closing_angle + 1 + 4 * HTML_TITLE_MAX]
    text = raw[:4 * HTML_TITLE_MAX].decode("utf-8", errors="replace")
    text = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if len(text) > HTML_TITLE_MAX:
        text = text[:HTML_TITLE_MAX - 1].rstrip() + "…"
    return text
