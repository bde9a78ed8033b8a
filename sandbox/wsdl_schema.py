"""The XML schema inside the Services86 Messaging WSDL, as an lxml validator.

The WSDL is the contract SuperOffice's WCF server enforces, so the sandbox validates
what arrives against it and our client tests validate what they send against the same
file. Two details make lxml need help: the schemas live inside ``<wsdl:types>`` rather
than in .xsd files, and the Services86 schema imports the Arrays namespace without a
``schemaLocation`` (WCF resolves it from the same WSDL). ``load_schema`` wires that
import to the sibling schema through a private resolver, never over the network.
"""

from __future__ import annotations

import copy
import threading
from functools import lru_cache
from pathlib import Path

from lxml import etree

from core.xml import safe_parser

XS_NS = "http://www.w3.org/2001/XMLSchema"
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP11_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV_NS = "http://www.w3.org/2003/05/soap-envelope"

DEFAULT_WSDL = Path(__file__).with_name("Services86-Messaging.wsdl")

_IMPORT_SCHEME = "statusdesk-wsdl-schema:"


class _SiblingSchemaResolver(etree.Resolver):
    """Answers our private import URLs with the schema text taken from the WSDL."""

    def __init__(self, schemas: dict[str, bytes]) -> None:
        super().__init__()
        self._schemas = schemas

    def resolve(self, system_url: str | None, public_id: str | None,
                context: object) -> object:
        """lxml's hook: our schema text for a private import URL, None for any other."""
        if system_url and system_url.startswith(_IMPORT_SCHEME):
            data = self._schemas.get(system_url[len(_IMPORT_SCHEME):])
            if data is not None:
                return self.resolve_string(data, context)
        return None


def load_schema(wsdl_path: Path | None = None) -> etree.XMLSchema:
    """Build one XMLSchema from every ``xs:schema`` in the WSDL's ``<wsdl:types>``.

    The first schema is the root; imports of the other schemas' namespaces get a
    private ``schemaLocation`` that our resolver answers. Raises ``ValueError`` when
    the WSDL holds no schema and ``etree.XMLSchemaParseError`` when it is invalid.
    """
    path = Path(wsdl_path) if wsdl_path is not None else DEFAULT_WSDL
    wsdl = etree.parse(str(path), safe_parser())
    schema_elements = wsdl.getroot().findall(f"{{{WSDL_NS}}}types/{{{XS_NS}}}schema")
    if not schema_elements:
        raise ValueError(f"{path} has no xs:schema inside wsdl:types")

    by_namespace: dict[str, etree._Element] = {}
    for element in schema_elements:
        by_namespace[element.get("targetNamespace", "")] = _standalone_schema(element)

    def wire_imports(schema: etree._Element) -> None:
        for imp in schema.findall(f"{{{XS_NS}}}import"):
            namespace = imp.get("namespace", "")
            if imp.get("schemaLocation") is None and namespace in by_namespace:
                imp.set("schemaLocation", _IMPORT_SCHEME + namespace)

    for schema in by_namespace.values():
        wire_imports(schema)
    texts = {ns: etree.tostring(el) for ns, el in by_namespace.items()}

    parser = safe_parser()
    parser.resolvers.add(_SiblingSchemaResolver(texts))
    root_ns = schema_elements[0].get("targetNamespace", "")
    root = etree.fromstring(texts[root_ns], parser)
    return etree.XMLSchema(root.getroottree())


def _standalone_schema(element: etree._Element) -> etree._Element:
    """Copy an embedded schema with every in-scope prefix declared on its root.

    QName values such as ``type="tns:Carrier"`` rely on prefixes declared on
    ``wsdl:definitions``; a plain copy would lose them.
    """
    standalone = etree.Element(element.tag, attrib=dict(element.attrib), nsmap=element.nsmap)
    standalone.text = element.text
    for child in element:
        standalone.append(copy.deepcopy(child))
    return standalone


@lru_cache(maxsize=1)
def default_schema() -> etree.XMLSchema:
    """The schema of the WSDL shipped with the sandbox, built once per process."""
    return load_schema()


_SOAP_ATTRIBUTE_NAMESPACES = (SOAP11_ENV_NS, SOAP12_ENV_NS)
# An XMLSchema keeps its error log on the object, so one validation at a time.
_VALIDATION_LOCK = threading.Lock()


def validate_element(schema: etree.XMLSchema, element: etree._Element) -> list[str]:
    """Validate one element (a header child or a body child) as a document of its own.

    Returns the schema's error messages, empty when valid. SOAP envelope attributes
    on the element itself (``mustUnderstand``, ``actor``, ``role``, ``encodingStyle``)
    belong to the envelope, not to the schema type, so they are dropped before checking.
    Safe to call from several threads (validations are serialised).
    """
    standalone = copy.deepcopy(element)
    for name in list(standalone.attrib):
        if name.startswith("{") and name[1:].split("}", 1)[0] in _SOAP_ATTRIBUTE_NAMESPACES:
            del standalone.attrib[name]
    document = etree.ElementTree(standalone)
    with _VALIDATION_LOCK:
        if schema.validate(document):
            return []
        return [f"line {e.line}: {e.message}" for e in schema.error_log]
