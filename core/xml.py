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
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode")


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
