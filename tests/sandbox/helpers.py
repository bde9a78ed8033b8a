"""Hand-written requests for the sandbox tests: literal envelopes, plain httpx.

Deliberately independent of core.systems and core.transport: the sandbox is the referee
for those, so its tests must not lean on them.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from xml.sax.saxutils import escape

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey
from cryptography.hazmat.primitives.hashes import SHA256
from lxml import etree

from sandbox.wsdl_schema import default_schema, validate_element

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
AUTHENTICATE = "/api/PartnerSystemUser/Authenticate"
CLAIM = "http://schemes.superoffice.net/identity/"
CLIENTS = 8  # concurrent clients of the bulk tests
B24_STATUS_UPDATE = "messageservice.message.status.update"
REST_SET_STATUS = "/api/v1/Agents/Messaging/SetDeliveryStatus"


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


def login(sb, client, username: str, password: str, app_token: str | None = None,
          body: str | None = None, action: str = f'"{LOGIN_ACTION}"'):
    """SoPrincipal AuthenticateUsernamePassword, written out by hand."""
    token = sb.credentials.so_app_token if app_token is None else app_token
    body = body or ("<m:AuthenticateUsernamePassword>"
                    f"<m:UserName>{username}</m:UserName><m:Password>{password}</m:Password>"
                    "</m:AuthenticateUsernamePassword>")
    payload = envelope(body, f"<m:ApplicationToken>{token}</m:ApplicationToken>")
    return client.post(sb.superoffice_url + PRINCIPAL, content=payload,
                       headers={"Content-Type": TEXT_XML, "SOAPAction": action})


def password_ticket(sb, client) -> str:
    """A ticket from a good SoPrincipal login."""
    c = sb.credentials
    root = parse(login(sb, client, c.so_username, c.so_password))
    ticket = root.findtext(f".//{{{S86}}}Credentials/{{{S86}}}Ticket")
    assert ticket, etree.tostring(root)
    return ticket


def app_key(sb) -> RSAPrivateKey:
    """The demo application's private key, read from the credentials like a client would."""
    key = serialization.load_pem_private_key(sb.credentials.so_private_key.encode(), None)
    assert isinstance(key, RSAPrivateKey)
    return key


def sign_system_token(token: str, key: RSAPrivateKey, when: float) -> str:
    """``<token>.<yyyyMMddHHmm>.<base64 RSA-SHA256 signature>``, the time in UTC."""
    stamp = datetime.fromtimestamp(when, tz=UTC).strftime("%Y%m%d%H%M")
    signature = key.sign(f"{token}.{stamp}".encode(), PKCS1v15(), SHA256())
    return f"{token}.{stamp}.{base64.b64encode(signature).decode()}"


def system_user_request(sb, *, signed: str | None = None, when: float | None = None,
                        **overrides) -> dict[str, object]:
    """A good PartnerSystemUser/Authenticate body, signed at ``when`` (sandbox clock)."""
    c = sb.credentials
    body: dict[str, object] = {
        "SignedSystemToken": signed or sign_system_token(
            c.so_system_user_token, app_key(sb), sb.clock.now() if when is None else when),
        "ApplicationToken": c.so_app_token,
        "ContextIdentifier": c.so_tenant,
        "ReturnTokenType": "JWT",
    }
    body.update(overrides)
    return body


def authenticate(sb, client, body: object):
    """POST a body (dict, or raw bytes as given) to the Online login service."""
    url = sb.superoffice_login_url + AUTHENTICATE
    if isinstance(body, bytes):
        return client.post(url, content=body, headers={"Content-Type": "application/json"})
    return client.post(url, json=body)


def system_user_ticket(sb, client) -> str:
    """A ticket from a good system-user sign-in (read from the JWT, unverified)."""
    answer = authenticate(sb, client, system_user_request(sb)).json()
    assert answer["IsSuccessful"] is True, answer
    return jwt_parts(answer["Token"])[1][CLAIM + "ticket"]


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_parts(token: str) -> tuple[dict, dict, bytes]:
    """(header, claims, signature) of a compact JWT, without checking anything."""
    header_b64, claims_b64, signature_b64 = token.split(".")
    return (json.loads(b64url_decode(header_b64)), json.loads(b64url_decode(claims_b64)),
            b64url_decode(signature_b64))


def verify_jwt(token: str, public_pem: str) -> dict:
    """The claims of an RS256 JWT whose signature verifies with ``public_pem``."""
    key = serialization.load_pem_public_key(public_pem.encode())
    assert isinstance(key, RSAPublicKey)
    signing_input, _, signature = token.rpartition(".")
    key.verify(b64url_decode(signature), signing_input.encode(), PKCS1v15(), SHA256())
    return jwt_parts(token)[1]


def set_status_with(sb, client, ticket: str, external_id: str = "SO-1002"):
    """SetDeliveryStatus over SOAP with ``ticket``; returns the response."""
    body = set_status_body(sb.credentials.so_plugin, external_id)
    return soap_post(client, sb.superoffice_url,
                     envelope(body, soap_headers(sb.credentials.so_app_token, ticket)))


def succeeded(response) -> bool:
    """True when a Messaging answer is HTTP 200 with the Succeeded header true."""
    if response.status_code != 200:
        return False
    return header(parse(response), "Succeeded").text == "true"


def in_parallel(jobs: Iterable, work: Callable[[httpx.Client, object], object]) -> list:
    """Run ``work(client, job)`` for every job on CLIENTS threads, each with its own client."""
    local = threading.local()
    clients: list[httpx.Client] = []
    lock = threading.Lock()

    def run(job):
        if not hasattr(local, "client"):
            local.client = httpx.Client(timeout=10)
            with lock:
                clients.append(local.client)
        return work(local.client, job)

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            return list(pool.map(run, jobs))
    finally:
        for c in clients:
            c.close()


def b24_update(sb, client, message_id: str, status: str = "delivered", **kwargs):
    """One status update as the docs write it (upper-case params, ``auth`` in the body)."""
    c = sb.credentials
    return client.post(f"{sb.bitrix24_url}/rest/{B24_STATUS_UPDATE}",
                       json={"CODE": c.b24_code, "MESSAGE_ID": message_id, "STATUS": status,
                             "auth": c.b24_access_token}, **kwargs)


def error_of(response) -> str | None:
    """The Bitrix24 error code of an answer, None for HTTP 200."""
    return None if response.status_code == 200 else response.json()["error"]


def so_update(sb, client, external_id: str, status: str = "3", **kwargs):
    """SetDeliveryStatus over SOAP 1.1 with the demo ticket; ``kwargs`` go to httpx."""
    c = sb.credentials
    payload = envelope(set_status_body(c.so_plugin, external_id, status),
                       soap_headers(c.so_app_token, c.so_ticket))
    return client.post(sb.superoffice_url + MESSAGING, content=payload, headers={
        "Content-Type": TEXT_XML, "SOAPAction": f'"{ACTION}SetDeliveryStatus"'}, **kwargs)


def so_rest_update(sb, client, external_id: str, status: int = 3, **kwargs):
    """SetDeliveryStatus on the REST agent route with the demo ticket (204 on success)."""
    c = sb.credentials
    return client.post(sb.superoffice_url + REST_SET_STATUS, json={
        "Plugin": c.so_plugin, "ExternalMessageId": external_id, "Status": status,
        "StatusDescription": "bulk"}, headers={"Authorization": f"SOTicket {c.so_ticket}",
                                               "SO-AppToken": c.so_app_token}, **kwargs)
