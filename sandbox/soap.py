"""SOAP 1.1 plumbing of the simulated NetServer, shaped like WCF's BasicHttpBinding.

Reading follows the order WCF does: the HTTP content type (encoder), the envelope
(well-formed, no DTD, SOAP 1.1), then the SOAPAction (dispatcher), then the body
(formatter). Each failure answers the way that layer of WCF answers, so a client that
handles the sandbox handles the real server's kinds of failure too.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from core.xml import safe_parser
from sandbox.wire import Incoming, Reply
from sandbox.wsdl_schema import SOAP11_ENV_NS, SOAP12_ENV_NS

S86_NS = "http://www.superoffice.net/ws/crm/NetServer/Services86"
ARRAYS_NS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
ADDRESSING_NONE_NS = "http://schemas.microsoft.com/ws/2005/05/addressing/none"
DISPATCHER_NS = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"

MAX_BODY_BYTES = 1024 * 1024


class SoapRejected(Exception):
    """Raised while reading a request; carries the finished answer."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


@dataclass(frozen=True)
class SoapRequest:
    """A SOAP 1.1 request that passed the encoder and dispatcher checks."""

    operation: str
    headers: list[etree._Element]
    body: etree._Element


def s86(name: str) -> str:
    return f"{{{S86_NS}}}{name}"


def soap_action(req: Incoming) -> str | None:
    """The SOAPAction without its quotes; None when missing or not quoted."""
    raw = req.header("SOAPAction")
    if raw is None:
        return None
    raw = raw.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] == '"':
        return raw[1:-1]
    return None


def read_request(req: Incoming, actions: dict[str, str]) -> SoapRequest:
    """Check transport and envelope, map the SOAPAction to an operation name.

    ``actions`` maps action URIs to operation names (the body element's local name).
    """
    if req.method != "POST":
        raise SoapRejected(Reply.text(405, "Method not allowed: SOAP services take POST.",
                                      [("Allow", "POST")]))
    media_type, params = req.media_type()
    charset = params.get("charset", "utf-8").lower()
    if media_type != "text/xml" or charset not in ("utf-8", "utf8"):
        received = req.header("Content-Type") or "(none)"
        raise SoapRejected(Reply.text(
            415,
            f"Cannot process the message because the content type '{received}' was not the "
            "expected type 'text/xml; charset=utf-8'. (BasicHttpBinding speaks SOAP 1.1; "
            "application/soap+xml is SOAP 1.2.)",
        ))
    envelope = _parse(req.body)
    header_el, body_el = _split_envelope(envelope)

    raw_action = req.header("SOAPAction")
    action = soap_action(req)
    if action not in actions:
        shown = raw_action if raw_action is not None else ""
        raise SoapRejected(action_not_supported(shown))
    operation = actions[action]

    children = [c for c in body_el if isinstance(c.tag, str)]
    if len(children) != 1 or children[0].tag != s86(operation):
        found = children[0].tag if children else "(empty Body)"
        raise SoapRejected(deserialization_failed(
            operation,
            f"Expected to find element '{operation}' in namespace '{S86_NS}' as the only "
            f"child of Body (SOAPAction says {operation}); found {found} "
            f"({len(children)} element(s)).",
        ))
    headers = [c for c in header_el if isinstance(c.tag, str)] if header_el is not None else []
    return SoapRequest(operation, headers, children[0])


def _parse(body: bytes) -> etree._Element:
    if not body.strip():
        raise SoapRejected(Reply.text(400, "Bad Request: the request body is empty."))
    try:
        root = etree.fromstring(body, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise SoapRejected(
            Reply.text(400, f"Bad Request: the XML is not well-formed ({exc}).")) from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None:
        raise SoapRejected(Reply.text(400, "Bad Request: DTD is prohibited in this XML "
                                           "document (entities are not expanded)."))
    return root


def _split_envelope(root: etree._Element) -> tuple[etree._Element | None, etree._Element]:
    qname = etree.QName(root)
    if qname.localname != "Envelope":
        raise SoapRejected(Reply.text(400, f"Bad Request: the root element is {root.tag}, not a "
                                           "SOAP 1.1 Envelope."))
    if qname.namespace != SOAP11_ENV_NS:
        hint = " (that is SOAP 1.2)" if qname.namespace == SOAP12_ENV_NS else ""
        raise SoapRejected(fault(
            "VersionMismatch",
            f"The envelope namespace '{qname.namespace}'{hint} does not match the "
            f"expected SOAP 1.1 namespace '{SOAP11_ENV_NS}'.",
        ))
    header_el = body_el = None
    for child in root:
        if not isinstance(child.tag, str):
            continue
        if child.tag == f"{{{SOAP11_ENV_NS}}}Header" and header_el is None and body_el is None:
            header_el = child
        elif child.tag == f"{{{SOAP11_ENV_NS}}}Body" and body_el is None:
            body_el = child
        else:
            raise SoapRejected(Reply.text(
                400,
                f"Bad Request: unexpected element {child.tag} directly under Envelope. SOAP 1.1 "
                "allows only Header then Body there; ApplicationToken and Credentials go "
                "inside Header.",
            ))
    if body_el is None:
        raise SoapRejected(Reply.text(400, "Bad Request: the Envelope has no Body."))
    return header_el, body_el


def envelope(headers: list[etree._Element], body: etree._Element) -> bytes:
    """Serialise a SOAP 1.1 envelope the way WCF writes it (prefix ``s``)."""
    env = etree.Element(f"{{{SOAP11_ENV_NS}}}Envelope", nsmap={"s": SOAP11_ENV_NS})
    if headers:
        header = etree.SubElement(env, f"{{{SOAP11_ENV_NS}}}Header")
        header.extend(headers)
    etree.SubElement(env, f"{{{SOAP11_ENV_NS}}}Body").append(body)
    data: bytes = etree.tostring(env, xml_declaration=False, encoding="utf-8")
    return data


def fault(code: str, text: str, *, code_ns: str | None = None,
          detail: etree._Element | None = None, status: int = 500) -> Reply:
    """A SOAP 1.1 Fault. ``code_ns`` None means the envelope namespace (s:Client, ...)."""
    body = etree.Element(f"{{{SOAP11_ENV_NS}}}Fault")
    if code_ns is None:
        faultcode = etree.SubElement(body, "faultcode")
        faultcode.text = f"s:{code}"
    else:
        faultcode = etree.SubElement(body, "faultcode", nsmap={"a": code_ns})
        faultcode.text = f"a:{code}"
    faultstring = etree.SubElement(body, "faultstring")
    faultstring.set(f"{{{XML_NS}}}lang", "en-US")
    faultstring.text = text
    if detail is not None:
        etree.SubElement(body, "detail").append(detail)
    return Reply.xml(status, envelope([], body))


def action_not_supported(action: str) -> Reply:
    return fault(
        "ActionNotSupported",
        f"The message with Action '{action}' cannot be processed at the receiver, due to a "
        "ContractFilter mismatch at the EndpointDispatcher. This may be because of either a "
        "contract mismatch (mismatched Actions between sender and receiver) or a "
        "binding/security mismatch between the sender and the receiver. Check that sender "
        "and receiver have the same contract and the same binding (including security "
        "requirements, e.g. Message, Transport, None). The SOAPAction header must be present "
        "and quoted.",
        code_ns=ADDRESSING_NONE_NS,
    )


def deserialization_failed(part: str, problem: str) -> Reply:
    return fault(
        "DeserializationFailed",
        "The formatter threw an exception while trying to deserialize the message: There "
        f"was an error while trying to deserialize parameter {S86_NS}:{part}. The "
        f"InnerException message was '{problem}'.",
        code_ns=DISPATCHER_NS,
    )


def nil(tag: str, parent: etree._Element | None = None) -> etree._Element:
    """An ``i:nil="true"`` element; standalone ones (headers) get WCF's ``h:`` prefix."""
    if parent is None:
        namespace = etree.QName(tag).namespace
        nsmap = {"h": namespace, "i": XSI_NS} if namespace else {"i": XSI_NS}
        element = etree.Element(tag, nsmap=nsmap)
    else:
        element = etree.SubElement(parent, tag)
    element.set(f"{{{XSI_NS}}}nil", "true")
    return element


def text_element(tag: str, value: str | None,
                 parent: etree._Element | None = None) -> etree._Element:
    """A string element; None becomes ``i:nil="true"``."""
    if value is None:
        return nil(tag, parent)
    element = etree.Element(tag) if parent is None else etree.SubElement(parent, tag)
    element.text = value
    return element


@dataclass(frozen=True)
class ExceptionInfo:
    """The fields of SoExceptionInfo the sandbox fills in."""

    message: str
    friendly_text: str
    exception_type: str
    source: str = "SuperOffice.Services86"
    stack_trace: str | None = None
    inner: ExceptionInfo | None = None

    def element(self, tag: str = "ExceptionInfo") -> etree._Element:
        """Children in the schema's order: Message, StackTrace, FriendlyText, ..."""
        info = etree.Element(s86(tag), nsmap={None: S86_NS, "i": XSI_NS})
        text_element(s86("Message"), self.message, info)
        text_element(s86("StackTrace"), self.stack_trace, info)
        text_element(s86("FriendlyText"), self.friendly_text, info)
        text_element(s86("ExceptionType"), self.exception_type, info)
        text_element(s86("Source"), self.source, info)
        if self.inner is None:
            nil(s86("InnerException"), info)
        else:
            info.append(self.inner.element("InnerException"))
        nil(s86("Parameters"), info)
        return info


def response_headers(error: ExceptionInfo | None = None) -> list[etree._Element]:
    """The four response headers of every Services86 operation, in the WSDL's order.

    Like WCF, absent values are sent as nil elements: a nil ExceptionInfo means success.
    """
    succeeded = etree.Element(s86("Succeeded"), nsmap={"h": S86_NS})
    succeeded.text = "false" if error is not None else "true"
    exception = error.element() if error is not None else nil(s86("ExceptionInfo"))
    return [exception, nil(s86("ExtraInfo")), succeeded, nil(s86("TimeZone"))]


def child_text(parent: etree._Element, name: str) -> tuple[bool, str | None]:
    """(present, text) of a Services86 child; nil or missing gives None, empty gives ''."""
    element = parent.find(s86(name))
    if element is None:
        return False, None
    if element.get(f"{{{XSI_NS}}}nil") in ("true", "1"):
        return True, None
    return True, element.text or ""
