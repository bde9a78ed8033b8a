"""SuperOffice NetServer Services86 over SOAP: envelopes out, outcomes in.

The default is what the WSDL says (SOAP 1.1, ``text/xml``, quoted SOAPAction, headers in
``<s:Header>``, every element in the Services86 namespace, body children in WSDL order).
"SOAP 1.2 as documented" reproduces the documentation page's example for users who need
it byte for byte; WCF's BasicHttpBinding answers it with HTTP 415.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core import hints, xml
from core.exchange import Outcome, OutcomeKind, ReceivedResponse
from core.hints import Hint
from core.systems.base import html_page_outcome, http_outcome

if TYPE_CHECKING:  # lxml is imported by the functions that build XML (see core.xml)
    from lxml import etree

NS = "http://www.superoffice.net/ws/crm/NetServer/Services86"
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XSD = "http://www.w3.org/2001/XMLSchema"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"
SERVICE_PATH = "/Remote/Services86/Messaging.svc"
SIGN_IN_PATH = "/Remote/Services86/SoPrincipal.svc"
SIGN_IN_ACTION = f"{NS}/SoPrincipal/AuthenticateUsernamePassword"
# Services84-88 differ in the namespace and path only (core.systems.superoffice_services)

# The order of SetDeliveryStatus's children in the WSDL's xs:sequence.
SET_DELIVERY_STATUS_FIELDS = ("Plugin", "ExternalMessageId", "Status", "StatusDescription")


@dataclass(frozen=True)
class DeliveryStatus:
    """One answer of GetDeliveryStatus, keyed by SuperOffice's own messaging id."""

    messaging_id: int
    status: int
    description: str


class WrongPassword(ValueError):
    """NetServer answered AuthenticationSucceeded=false."""


def soap_action(operation: str, ns: str = NS) -> str:
    return f"{ns}/Messaging/{operation}"


def sign_in_action(ns: str = NS) -> str:
    return f"{ns}/SoPrincipal/AuthenticateUsernamePassword"


def _q(name: str, ns: str = NS) -> str:
    return f"{{{ns}}}{name}"


def envelope_11(
    operation: str, params: list[tuple[str, str]], ticket: str, app_token: str | None,
    ns: str = NS,
) -> bytes:
    """A SOAP 1.1 envelope as the WSDL's BasicHttpBinding expects it (``ns``: the
    Services version's namespace)."""
    from lxml import etree

    envelope, call = _envelope_11(operation, ticket, app_token, ns)
    for name, value in params:
        etree.SubElement(call, _q(name, ns)).text = value
    return xml.serialize(envelope)


def delivery_status_envelope(messaging_ids: list[int], ticket: str, app_token: str | None,
                             ns: str = NS) -> bytes:
    """GetDeliveryStatus: MessagingIds is a .NET ArrayOfint."""
    from lxml import etree

    envelope, call = _envelope_11("GetDeliveryStatus", ticket, app_token, ns)
    ids = etree.SubElement(call, _q("MessagingIds", ns), nsmap={"a": ARRAYS})
    for messaging_id in messaging_ids:
        etree.SubElement(ids, f"{{{ARRAYS}}}int").text = str(messaging_id)
    return xml.serialize(envelope)


def delivery_statuses(response: ReceivedResponse, ns: str = NS) -> tuple[DeliveryStatus, ...]:
    """The MessageDeliveryStatus items of a GetDeliveryStatus answer (empty when unreadable)."""
    try:
        root = xml.parse(response.body)
    except xml.XMLError:
        return ()
    found = []
    for item in root.iter(_q("MessageDeliveryStatus", ns)):
        try:
            found.append(DeliveryStatus(int(xml.text_of(item, "MessagingId")),
                                        int(xml.text_of(item, "Status")),
                                        xml.text_of(item, "StatusDescription")))
        except ValueError:
            continue
    return tuple(found)


def _envelope_11(
    operation: str, ticket: str, app_token: str | None, ns: str = NS
) -> tuple[etree._Element, etree._Element]:
    from lxml import etree

    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"s": SOAP11, "so": ns})
    header = etree.SubElement(envelope, f"{{{SOAP11}}}Header")
    if app_token:
        etree.SubElement(header, _q("ApplicationToken", ns)).text = app_token
    credentials = etree.SubElement(header, _q("Credentials", ns))
    etree.SubElement(credentials, _q("Ticket", ns)).text = ticket
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    return envelope, etree.SubElement(body, _q(operation, ns))


def sign_in_envelope(username: str, password: str, app_token: str | None,
                     ns: str = NS) -> bytes:
    """SoPrincipal.AuthenticateUsernamePassword: only ApplicationToken in the header."""
    from lxml import etree

    envelope = etree.Element(f"{{{SOAP11}}}Envelope", nsmap={"s": SOAP11, "so": ns})
    header = etree.SubElement(envelope, f"{{{SOAP11}}}Header")
    if app_token:
        etree.SubElement(header, _q("ApplicationToken", ns)).text = app_token
    body = etree.SubElement(envelope, f"{{{SOAP11}}}Body")
    call = etree.SubElement(body, _q("AuthenticateUsernamePassword", ns))
    etree.SubElement(call, _q("UserName", ns)).text = username
    etree.SubElement(call, _q("Password", ns)).text = password
    return xml.serialize(envelope)


def read_sign_in(response: ReceivedResponse, ns: str = NS) -> tuple[str, str]:
    """(ticket, who signed in) of a successful sign-in; raises ValueError saying why not."""
    outcome = read_soap_response(response, "Authenticate")
    if not outcome.ok:
        raise ValueError(outcome.summary)
    answer = next(xml.parse(response.body).iter(_q("AuthenticateResponse", ns)), None)
    if answer is None:
        raise ValueError(f"the answer has no AuthenticateResponse in the namespace {ns}")
    if xml.text_of(answer, "AuthenticationSucceeded").lower() != "true":
        raise WrongPassword("wrong username or password")
    ticket = xml.text_of(xml.child(answer, "Credentials"), "Ticket")
    if not ticket:
        raise ValueError("NetServer accepted the sign-in but sent no ticket")
    carrier = xml.child(answer, "Response")
    name = xml.text_of(carrier, "FullName") or xml.text_of(carrier, "Associate")
    associate = xml.text_of(carrier, "AssociateId")
    who = f"{name} (associate {associate})" if name and associate else name or "the user"
    return ticket, who


def envelope_12_as_documented(
    operation: str, params: list[tuple[str, str, str]], ticket: str, app_token: str | None,
    ns: str = NS,
) -> bytes:
    """The documentation page's example: SOAP 1.2, tokens directly under Envelope, xsi:type.

    ``params`` are (name, xsd type, value).
    """
    from lxml import etree

    envelope = etree.Element(
        f"{{{SOAP12}}}Envelope",
        nsmap={
            "SOAP-ENV": SOAP12,
            "SOAP-ENC": "http://www.w3.org/2003/05/soap-encoding",
            "xsi": XSI,
            "xsd": XSD,
            "NetServerServices862": "http://schemas.microsoft.com/2003/10/Serialization/Arrays",
            "NetServerServices861": "http://schemas.microsoft.com/2003/10/Serialization/",
            "Messaging": ns,
        },
    )
    etree.SubElement(envelope, _q("ApplicationToken", ns)).text = app_token or ""
    credentials = etree.SubElement(envelope, _q("Credentials", ns))
    etree.SubElement(credentials, _q("Ticket", ns)).text = ticket
    body = etree.SubElement(envelope, f"{{{SOAP12}}}Body")
    call = etree.SubElement(body, _q(operation, ns))
    for name, xsd_type, value in params:
        item = etree.SubElement(call, _q(name, ns))
        item.set(f"{{{XSI}}}type", f"xsd:{xsd_type}")
        item.text = value
    return xml.serialize(envelope)


def read_soap_response(response: ReceivedResponse, operation: str) -> Outcome:
    """Failure = non-2xx, SOAP Fault, Succeeded false, or an ExceptionInfo with a Message."""
    if response.status_code == 415:
        return Outcome(
            OutcomeKind.REFUSED,
            "NetServer refused the message format (HTTP 415 Unsupported Media Type).",
            code="HTTP 415",
            advice="This server speaks SOAP 1.1 (text/xml), as its WSDL says. Set the "
            "profile's transport to 'soap' instead of 'soap12'.",
        )
    problem = ""
    try:
        root = xml.parse(response.body) if response.body.strip() else None
    except xml.XMLError as exc:
        root, problem = None, f"the answer is not XML ({exc})"
    if root is None or xml.local(root.tag) != "Envelope":
        page = _html_page(response)
        if page is not None:
            return page
        if not response.is_success:  # not SOAP: the HTTP status is all there is to go on
            return _http_failure(response)
        if root is None:
            return _unreadable(response, problem or "the answer is empty")
        return _unreadable(response, f"the answer's root element is <{xml.local(root.tag)}>")

    header = xml.child(root, "Header")
    body = xml.child(root, "Body")
    fault = xml.child(body, "Fault")
    if fault is not None:
        return _fault_outcome(fault, response.status_code)
    exception = xml.child(header, "ExceptionInfo")
    if exception is not None and _exception_text(exception):
        return _exception_outcome(exception)
    succeeded = xml.text_of(header, "Succeeded").lower()
    if succeeded == "false":
        return Outcome(
            OutcomeKind.REFUSED,
            "SuperOffice answered Succeeded=false without saying why.",
            code="Succeeded=false",
            advice="Check the NetServer log for this call, or try again.",
        )
    if not response.is_success:
        return _http_failure(response)
    if xml.child(body, f"{operation}Response") is None:
        return _unreadable(response, f"the answer has no <{operation}Response>")
    return Outcome(OutcomeKind.DONE, f"SuperOffice accepted the call ({operation}).")


def focus_element(response: ReceivedResponse) -> str:
    """The element of a SOAP answer that says how the call went: the Fault, an
    ExceptionInfo with something in it, else the operation's answer in the Body ("" if
    none)."""
    root = xml.parse(response.body) if response.body.strip() else None
    if root is None or xml.local(root.tag) != "Envelope":
        return ""
    body = xml.child(root, "Body")
    if xml.child(body, "Fault") is not None:
        return "Fault"
    exception = xml.child(xml.child(root, "Header"), "ExceptionInfo")
    if exception is not None and _exception_text(exception):
        return "ExceptionInfo"
    answer = next((element for element in (body if body is not None else ())
                   if isinstance(element.tag, str)), None)
    return "" if answer is None else xml.local(answer.tag)


def plugin_names(response: ReceivedResponse, ns: str = NS) -> tuple[str, ...]:
    """The plugin names listed by a GetPlugins answer (empty when unreadable)."""
    try:
        root = xml.parse(response.body)
    except xml.XMLError:
        return ()
    names = []
    for element in root.iter(_q("ProviderInfo", ns)):
        name = xml.text_of(element, "Name")
        if name:
            names.append(name)
    return tuple(names)


def _exception_text(exception: etree._Element) -> str:
    return xml.text_of(exception, "FriendlyText") or xml.text_of(exception, "Message")


def _exception_detail(exception: etree._Element, depth: int = 0) -> str:
    lines = []
    for name in ("ExceptionType", "Message", "FriendlyText", "Source", "StackTrace"):
        value = xml.text_of(exception, name)
        if value:
            lines.append(f"{'  ' * depth}{name}: {value}")
    inner = xml.child(exception, "InnerException")
    if inner is not None and len(inner) and depth < 10:
        lines.append(f"{'  ' * depth}InnerException:")
        lines.append(_exception_detail(inner, depth + 1))
    return "\n".join(lines)


_CREDENTIAL_WORDS = ("ticket", "authenticat", "credential", "application token", "apptoken",
                     "security", "not logged", "unauthori")
_RESTRICTED_WORDS = ("restricted", "not available in online", "agent is not available")


def _kind_and_advice(text: str) -> tuple[OutcomeKind, str]:
    lowered = text.lower()
    if any(word in lowered for word in _RESTRICTED_WORDS):
        return OutcomeKind.REFUSED, (
            "The Messaging agent is 'Online Restricted': the Online app must have asked for "
            "it when it was registered. Ask the app's owner to request Messaging access."
        )
    if any(word in lowered for word in _CREDENTIAL_WORDS):
        return OutcomeKind.CREDENTIALS, (
            "Store a fresh ticket (tickets live 6 hours) and check the application token."
        )
    return OutcomeKind.REFUSED, "Check the plugin name and the external message id."


def _exception_outcome(exception: etree._Element) -> Outcome:
    text = _exception_text(exception)
    exception_type = xml.text_of(exception, "ExceptionType")
    kind, advice = _kind_and_advice(f"{text} {exception_type}")
    return Outcome(
        kind,
        f"SuperOffice refused the call: {text}",
        code=exception_type or "ExceptionInfo",
        advice=advice,
        hint=_hint(kind),
        detail=_exception_detail(exception),
    )


def _hint(kind: OutcomeKind) -> Hint | None:
    return hints.store("ticket") if kind is OutcomeKind.CREDENTIALS else None


def _fault_outcome(fault: etree._Element, status_code: int) -> Outcome:
    # SOAP 1.1: faultcode/faultstring/detail; SOAP 1.2: Code/Value, Reason/Text.
    code = xml.text_of(fault, "faultcode") or xml.text_of(xml.child(fault, "Code"), "Value")
    reason = xml.text_of(fault, "faultstring") or xml.text_of(xml.child(fault, "Reason"), "Text")
    detail_element = xml.child(fault, "detail")
    if detail_element is None:
        detail_element = xml.child(fault, "Detail")
    detail = ""
    if detail_element is not None:
        detail = " ".join(t.strip() for t in detail_element.itertext() if t.strip())
    kind, advice = _kind_and_advice(f"{code} {reason}")
    if "deserializ" in f"{code} {reason}".lower():
        advice = "NetServer could not read the request. Report this with the raw request."
    if "actionnotsupported" in code.lower():
        advice = "NetServer does not know this operation at this address: check the base URL."
    return Outcome(
        kind,
        f"SuperOffice answered with a SOAP Fault (HTTP {status_code}): {reason or code}",
        code=code or "Fault",
        advice=advice,
        detail=detail,
        hint=_hint(kind),
    )


def _http_failure(response: ReceivedResponse) -> Outcome:
    return http_outcome(
        response,
        "NetServer",
        credentials_advice="Store a fresh ticket and check the application token.",
        address_advice=_ADDRESS_ADVICE,
    )


_ADDRESS_ADVICE = "Check the profile's base URL, e.g. https://sod.superoffice.com/Cust12345"


def _html_page(response: ReceivedResponse) -> Outcome | None:
    return html_page_outcome(response, "NetServer", "SOAP", _ADDRESS_ADVICE)


def _unreadable(response: ReceivedResponse, why: str) -> Outcome:
    return Outcome(
        OutcomeKind.TRANSPORT,
        f"The answer (HTTP {response.status_code}) could not be read: {why}.",
        code="unreadable answer",
        advice="A proxy or login page may stand in the way: check the base URL and proxy.",
    )
