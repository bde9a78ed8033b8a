"""Simulated SoPrincipal.svc: AuthenticateUsernamePassword hands out a ticket.

SoPrincipal is not in the Messaging WSDL, so its body is checked by hand against the
structure the spec describes: ``AuthenticateUsernamePassword`` holding ``UserName`` then
``Password``, both in the Services86 namespace, text only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lxml import etree

from sandbox import soap
from sandbox.soap import S86_NS, XSI_NS, ExceptionInfo, SoapRejected, s86
from sandbox.wire import Incoming, Reply

if TYPE_CHECKING:
    from sandbox.superoffice import SuperOfficeSandbox

PRINCIPAL_ACTION = ("http://www.superoffice.net/ws/crm/NetServer/Services86/SoPrincipal/"
                    "AuthenticateUsernamePassword")
OPERATION = "AuthenticateUsernamePassword"
LOGIN_FIELDS = ("UserName", "Password")

ASSOCIATE_ID = 5
FULL_NAME = "Sandbox Support User"


def handle_principal(so: SuperOfficeSandbox, req: Incoming) -> Reply:
    """Answer AuthenticateUsernamePassword the way the spec describes."""
    try:
        request = soap.read_request(req, {PRINCIPAL_ACTION: OPERATION})
        headers = so.validated_headers(request)
        username, password = _read_login(request.body)
    except SoapRejected as rejected:
        return rejected.reply

    _, token = headers["ApplicationToken"]
    if token != so.app_token:
        error = ExceptionInfo(
            message="The application token is missing or not valid for this tenant.",
            friendly_text="The application token was not accepted.",
            exception_type="SecurityException",
            source="SuperOffice.CRM.Security",
        )
        return _answer(None, error)
    if username != so.username or password != so.password:
        return _answer(None)
    return _answer(so.issue_ticket("password"))


def _read_login(body: etree._Element) -> tuple[str | None, str | None]:
    """UserName and Password, or a DeserializationFailed fault naming what is wrong."""
    if (body.text or "").strip():
        _refuse("AuthenticateUsernamePassword holds text outside its elements.")
    seen: list[str] = []
    values: dict[str, str | None] = {}
    for child in body:
        if not isinstance(child.tag, str):
            continue
        qname = etree.QName(child)
        if qname.namespace != S86_NS or qname.localname not in LOGIN_FIELDS:
            _refuse(f"Element {child.tag} is not expected. Expected is one of "
                    f"UserName, Password in namespace {S86_NS}.")
        if qname.localname in seen or (seen and LOGIN_FIELDS.index(qname.localname)
                                        < LOGIN_FIELDS.index(seen[-1])):
            _refuse(f"Element {qname.localname} is out of order or repeated; the order is "
                    "UserName, Password.")
        if len(child) or (child.tail or "").strip():
            _refuse(f"Element {qname.localname} must hold text only.")
        for attribute in child.attrib:
            if not attribute.startswith(f"{{{XSI_NS}}}"):
                _refuse(f"Attribute {attribute} is not allowed on {qname.localname}.")
        seen.append(qname.localname)
        nil = child.get(f"{{{XSI_NS}}}nil") in ("true", "1")
        values[qname.localname] = None if nil else child.text or ""
    return values.get("UserName"), values.get("Password")


def _refuse(problem: str) -> None:
    raise SoapRejected(soap.deserialization_failed(OPERATION, problem))


def _answer(ticket: str | None, error: ExceptionInfo | None = None) -> Reply:
    """AuthenticateResponse: Response (SoPrincipalCarrier), Credentials, AuthenticationSucceeded."""
    response = etree.Element(s86("AuthenticateResponse"), nsmap={None: S86_NS, "i": XSI_NS})
    if ticket is None:
        soap.nil(s86("Response"), response)
        soap.nil(s86("Credentials"), response)
    else:
        carrier = etree.SubElement(response, s86("Response"))
        etree.SubElement(carrier, s86("AssociateId")).text = str(ASSOCIATE_ID)
        etree.SubElement(carrier, s86("Associate")).text = "SANDBOX"
        etree.SubElement(carrier, s86("FullName")).text = FULL_NAME
        etree.SubElement(carrier, s86("PersonId")).text = "12"
        etree.SubElement(carrier, s86("ContactId")).text = "2"
        credentials = etree.SubElement(response, s86("Credentials"))
        etree.SubElement(credentials, s86("Ticket")).text = ticket
    etree.SubElement(response, s86("AuthenticationSucceeded")).text = (
        "true" if ticket is not None else "false")
    return Reply.xml(200, soap.envelope(soap.response_headers(error), response))
