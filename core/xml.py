"""Safe XML reading and readable XML writing.

Everything read from the network goes through ``parse``: no entity expansion, no DTD,
no network access, no huge trees. A hostile or broken answer becomes an ``XMLError``.

lxml (about 4 MB) is imported when XML is first read or written, not with this module:
the window and the CLI import the target systems long before any XML is on hand.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lxml import etree


def __getattr__(name: str) -> Any:
    """``XMLError`` is lxml's XMLSyntaxError, looked up when first used (see the module)."""
    if name == "XMLError":
        from lxml import etree

        globals()["XMLError"] = etree.XMLSyntaxError
        return etree.XMLSyntaxError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def safe_parser() -> etree.XMLParser:
    """A parser that never expands entities, loads DTDs or touches the network."""
    from lxml import etree

    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_blank_text=False,
    )


def parse(data: bytes) -> etree._Element:
    """Parse bytes into an element; raises XMLError with lxml's reason."""
    from lxml import etree

    return etree.fromstring(data, parser=safe_parser())


def serialize(root: etree._Element) -> bytes:
    from lxml import etree

    return etree.tostring(root, xml_declaration=True, encoding="utf-8")


def pretty(data: bytes) -> str:
    """Indented text of an XML document, or raises XMLError."""
    from lxml import etree

    root = parse(data)
    indent(root, space="  ")
    text = etree.tostring(root, encoding="unicode")
    _free_in_steps(root)
    return text


def _free_in_steps(root: etree._Element, step: int = 256) -> None:
    """Free a big tree a slice at a time: lxml frees a whole tree in one go with the
    interpreter lock held (25 ms for a 10 MB answer). An element with many children (a
    list of records) loses them ``step`` at a time; the others are looked into."""
    todo = [root]
    while todo:
        element = todo.pop()
        count = len(element)  # lxml counts children one by one: once, not per slice
        if count > step:
            for _ in range(0, count, step):
                del element[:step]
        else:
            todo.extend(element)


def indent(root: etree._Element, space: str = "  ") -> None:
    """What ``etree.indent(root, space)`` does, in Python, one element at a time.

    lxml's own indent holds the interpreter lock for all of the tree (41 ms for a 10 MB
    answer), so the window's thread cannot paint meanwhile; here the lock changes hands
    on the way. Parsing and serializing release it by themselves. Same result: a test
    compares the two on generated trees.
    """
    if len(root) == 0:
        return
    indents = ["\n", "\n" + space]
    todo = [(root, 1)]  # elements that have children, and the level of those children
    while todo:
        element, level = todo.pop()
        if len(indents) <= level:
            indents.append(indents[-1] + space)
        inner = indents[level]
        if not element.text or not element.text.strip():
            element.text = inner
        last = None
        for item in element:
            if len(item):
                todo.append((item, level + 1))
            if not item.tail or not item.tail.strip():
                item.tail = inner
            last = item
        if last is not None and not last.tail.strip():
            last.tail = indents[level - 1]


def local(tag: object) -> str:
    """The local name of an element tag ('{ns}Name' -> 'Name'); '' for comments etc."""
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def child(element: etree._Element | None, name: str) -> etree._Element | None:
    """The first child with this local name, whatever its namespace."""
    if element is None:
        return None
    for item in element:
        if local(item.tag) == name:
            return item
    return None


def text_of(element: etree._Element | None, name: str) -> str:
    found = child(element, name)
    if found is None or found.text is None:
        return ""
    return found.text.strip()
