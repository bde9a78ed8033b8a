"""Control characters from the remote side are shown as visible escapes (issue 15, item 8)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from core import rendering
from core.exchange import ReceivedResponse
from core.visible import json_text, visible
from tests.helpers.servers import HOSTILE, RAW_CONTROL


def test_every_control_character_is_written_as_an_escape() -> None:
    assert visible(HOSTILE) == ("\\x1b[2J\\x1b[HOK: Status updated\\x07\\rDone\\x9b31m"
                                "\\u202edetaolp")
    assert visible("a\tb\nc\x7f\x00\u2028") == "a\\tb\\nc\\x7f\\x00\\u2028"
    assert visible("Ordinary words, ÄÖ, Привет, 中文 ***ticket***") == \
        "Ordinary words, ÄÖ, Привет, 中文 ***ticket***"


def test_a_body_keeps_its_tabs_and_line_breaks() -> None:
    body = "line 1\r\n\tline 2\nline 3\rover\x1b[2K"
    assert visible(body, layout=True) == "line 1\r\n\tline 2\nline 3\\rover\\x1b[2K"


@given(st.text())
def test_what_is_shown_holds_no_control_and_stays_so(text: str) -> None:
    for layout in (False, True):
        shown = visible(text, layout=layout)
        assert RAW_CONTROL.search(shown) is None
        assert visible(shown, layout=layout) == shown
    assert "\n" not in visible(text) and "\t" not in visible(text)


@given(st.recursive(st.none() | st.text() | st.integers(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner)))
def test_json_stays_the_same_value_with_nothing_raw(value: object) -> None:
    text = json_text(value)
    assert json.loads(text) == value
    assert RAW_CONTROL.search(text) is None and "\n" not in text


def test_the_text_views_show_what_the_server_sent_escaped() -> None:
    response = ReceivedResponse(200, "OK", "HTTP/1.1", (("X-Hostile", "\x9b2J\x07"),),
                                json.dumps({"said": HOSTILE}, ensure_ascii=False).encode())
    for text in (rendering.raw_response(response), rendering.pretty_response(response)):
        assert RAW_CONTROL.search(text) is None, text
        assert "X-Hostile: \\x9b2J\\x07" in text and "\\u202e" in text
    plain = ReceivedResponse(502, "Bad Gateway", "HTTP/1.1", (), HOSTILE.encode())
    assert rendering.raw_response(plain).endswith("\n\n" + visible(HOSTILE))
