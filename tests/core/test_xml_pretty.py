"""The Pretty view of XML: core.xml.indent lays a tree out exactly as lxml's indent does."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from core import xml

TEXTS = st.one_of(st.none(), st.sampled_from(["", " ", "\n  ", "x", " y ", "\t\n", "a\nb"]))


@st.composite
def trees(draw: st.DrawFn, depth: int = 0) -> etree._Element:
    """Elements (namespaced or not), comments and processing instructions, with texts and
    tails that are missing, blank or meaningful."""
    kind = draw(st.sampled_from(["element"] * 4 + ["comment", "instruction"])) \
        if depth else "element"
    if kind == "comment":
        node = etree.Comment(draw(st.sampled_from(["c", " note "])))
    elif kind == "instruction":
        node = etree.ProcessingInstruction("pi", "x")
    else:
        node = etree.Element(draw(st.sampled_from(["a", "b", "{urn:x}c", "{urn:y}d"])))
        node.text = draw(TEXTS)
        if depth < 5:
            for _ in range(draw(st.integers(0, 3))):
                node.append(draw(trees(depth + 1)))
    if depth:
        node.tail = draw(TEXTS)
    return node


@settings(max_examples=1000, deadline=None)
@given(tree=trees(), space=st.sampled_from(["  ", "\t", "    "]))
def test_indent_lays_out_as_lxml_does(tree: etree._Element, space: str) -> None:
    ours, lxmls = copy.deepcopy(tree), copy.deepcopy(tree)
    xml.indent(ours, space)
    etree.indent(lxmls, space)
    assert etree.tostring(ours) == etree.tostring(lxmls)


def test_pretty_soap_answer() -> None:
    body = (b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>'
            b'<R xmlns="urn:so"><Status>2</Status><!-- n --><Text> kept </Text></R>'
            b"</s:Body></s:Envelope>")
    assert xml.pretty(body) == (
        '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">\n'
        "  <s:Body>\n"
        '    <R xmlns="urn:so">\n'
        "      <Status>2</Status>\n"
        "      <!-- n -->\n"
        "      <Text> kept </Text>\n"
        "    </R>\n"
        "  </s:Body>\n"
        "</s:Envelope>"
    )


def test_pretty_long_list_matches_lxml() -> None:
    """A list of records long enough to be freed in slices (core.xml._free_in_steps)."""
    items = "".join(f"<Item><Id>{n}</Id><Rows>{'<R/>' * (n % 3)}</Rows></Item>"
                    for n in range(1500))
    body = f'<List xmlns="urn:x">{items}</List>'.encode()
    expected = etree.fromstring(body)
    etree.indent(expected, space="  ")
    assert xml.pretty(body) == etree.tostring(expected, encoding="unicode")
