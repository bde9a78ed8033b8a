"""The WSDL's schema as a validator, for the sandbox and for client tests."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from sandbox.wsdl_schema import DEFAULT_WSDL, load_schema, validate_element

SPEC_WSDL = Path("/work/shared/spec/Services86-Messaging.wsdl")
S86 = "http://www.superoffice.net/ws/crm/NetServer/Services86"
ARRAYS = "http://schemas.microsoft.com/2003/10/Serialization/Arrays"


def element(xml: str) -> etree._Element:
    return etree.fromstring(xml)


def test_packaged_wsdl_is_the_spec_copy():
    if SPEC_WSDL.exists():
        assert DEFAULT_WSDL.read_bytes() == SPEC_WSDL.read_bytes()


def test_valid_set_delivery_status():
    schema = load_schema()
    good = element(f'<SetDeliveryStatus xmlns="{S86}"><Plugin>p</Plugin>'
                   "<ExternalMessageId>e</ExternalMessageId><Status>-5</Status>"
                   "<StatusDescription/></SetDeliveryStatus>")
    assert validate_element(schema, good) == []


def test_errors_are_reported():
    schema = load_schema(DEFAULT_WSDL)
    wrong = element(f'<SetDeliveryStatus xmlns="{S86}"><Status>five</Status></SetDeliveryStatus>')
    errors = validate_element(schema, wrong)
    assert errors and "xs:int" in errors[0]


def test_arrays_namespace_import_is_resolved():
    schema = load_schema(SPEC_WSDL if SPEC_WSDL.exists() else None)
    ok = element(f'<GetDeliveryStatus xmlns="{S86}" xmlns:a="{ARRAYS}"><MessagingIds>'
                 "<a:int>1</a:int><a:int>2</a:int></MessagingIds></GetDeliveryStatus>")
    assert validate_element(schema, ok) == []
    bad = element(f'<GetDeliveryStatus xmlns="{S86}" xmlns:a="{ARRAYS}"><MessagingIds>'
                  "<a:string>1</a:string></MessagingIds></GetDeliveryStatus>")
    assert validate_element(schema, bad)


def test_soap_envelope_attributes_on_headers_are_ignored():
    schema = load_schema()
    env = element('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/">'
                  f'<ApplicationToken xmlns="{S86}" s:mustUnderstand="1">t</ApplicationToken>'
                  "</s:Envelope>")
    assert validate_element(schema, env[0]) == []
    assert env[0].get("{http://schemas.xmlsoap.org/soap/envelope/}mustUnderstand") == "1"
