"""Hand-written requests for the sandbox tests: literal envelopes, plain httpx.

Deliberately independent of core.systems and core.transport: the sandbox is the referee
for those, so its tests must not lean on them.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

from core.sandbox.wsdl_schema import default_schema, validate_element

SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
S86 = "http://www.superoffice.net/ws/crm/NetServer/Services86"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ACTION = "http://www.superoffice.net/ws/crm/NetServer/Services86/Messaging/"
LOGIN_ACTION = ("http://www.superoffice.net/ws/crm/NetServer/Services86/SoPrincipal/"
                "AuthenticateUsernamePassword")
MESSAGING = "/Remote/Services86/Messaging.svc"
PRINCIPAL = "/Remote/Services86/SoPrincipal.svc"
TEXT_XML = "text/xml; charset=utf-8"


def soap_headers(app_token: str | None, ticket: str | None) -> str:
    parts = []
    if app_token is not None:
        parts.append(f"<m:ApplicationToken>{escape(app_token)}</m:ApplicationToken>")
    if ticket is not None:
        parts.append(f"<m:Credentials><m:Ticket>{escape(ticket)}</m:Ticket></m:Credentials>")
    return "".join(parts)


def envelope(body: str, headers: str = "", ns: str = SOAP11) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<s:Envelope xmlns:s="{ns}" xmlns:m="{S86}" xmlns:a="{ARRAYS}" xmlns:i="{XSI}">'
        f"<s:Header>{headers}</s:Header>"
        f"<s:Body>{body}</s:Body>"
        "</s:Envelope>"
    ).encode()


def set_status_body(plugin: str, external_id: str, status: str = "3",
                    description: str = "Delivered to handset") -> str:
    return (
        "<m:SetDeliveryStatus>"
        f"<m:Plugin>{escape(plugin)}</m:Plugin>"
        f"<m:ExternalMessageId>{escape(external_id)}</m:ExternalMessageId>"
        f"<m:Status>{escape(status)}</m:Status>"
        f"<m:StatusDescription>{escape(description)}</m:StatusDescription>"
        "</m:SetDeliveryStatus>"
    )


def soap_post(client, url: str, payload: bytes, operation: str = "SetDeliveryStatus", *,
              content_type: str = TEXT_XML, action: str | None = None):
    """POST to Messaging.svc with a quoted SOAPAction for ``operation`` unless ``action``."""
    soap_action = action if action is not None else f'"{ACTION}{operation}"'
    return client.post(url + MESSAGING, content=payload,
                       headers={"Content-Type": content_type, "SOAPAction": soap_action})


def parse(response) -> etree._Element:
    return etree.fromstring(response.content)


def header(root: etree._Element, name: str) -> etree._Element | None:
    return root.find(f"{{{SOAP11}}}Header/{{{S86}}}{name}")


def is_nil(element: etree._Element | None) -> bool:
    return element is not None and element.get(f"{{{XSI}}}nil") == "true"


def fault(response) -> tuple[str, str]:
    """(faultcode as written, faultstring) of a SOAP 1.1 fault answer."""
    root = parse(response)
    node = root.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault")
    assert node is not None, response.text
    return node.findtext("faultcode"), node.findtext("faultstring")


def faultcode_qname(response) -> tuple[str, str]:
    """The faultcode resolved to (namespace, local name)."""
    root = parse(response)
    code = root.find(f"{{{SOAP11}}}Body/{{{SOAP11}}}Fault/faultcode")
    prefix, local = code.text.split(":")
    return code.nsmap[prefix], local


def assert_valid_response(response) -> etree._Element:
    """Every header and the body element of a non-fault answer validate against the WSDL."""
    root = parse(response)
    assert root.tag == f"{{{SOAP11}}}Envelope"
    schema = default_schema()
    parts = list(root.find(f"{{{SOAP11}}}Header")) + list(root.find(f"{{{SOAP11}}}Body"))
    assert parts
    for element in parts:
        assert validate_element(schema, element) == [], etree.tostring(element)
    return root
