"""SuperOffice Messaging.svc over SOAP 1.1, as the WSDL and spec describe it."""

from __future__ import annotations

import pytest
from lxml import etree

from sandbox.wsdl_schema import default_schema, validate_element
from tests.sandbox.helpers import (
    ACTION,
    MESSAGING,
    S86,
    SOAP11,
    SOAP12,
    XSI,
    assert_valid_response,
    envelope,
    fault,
    faultcode_qname,
    header,
    is_nil,
    parse,
    set_status_body,
    soap_headers,
    soap_post,
)

WCF_DISPATCHER = "http://schemas.microsoft.com/net/2005/12/windowscommunicationfoundation/dispatcher"
WCF_ADDRESSING_NONE = "http://schemas.microsoft.com/ws/2005/05/addressing/none"


def good_headers(sb) -> str:
    return soap_headers(sb.credentials.so_app_token, sb.credentials.so_ticket)


def set_status(sb, client, **kwargs):
    body = set_status_body(sb.credentials.so_plugin, sb.superoffice_messages[0], **kwargs)
    return soap_post(client, sb.superoffice_url, envelope(body, good_headers(sb)))


def exception_info(response) -> dict[str, str | None]:
    info = header(parse(response), "ExceptionInfo")
    assert info is not None and not is_nil(info)
    return {etree.QName(c).localname: c.text for c in info}


def test_set_delivery_status_stores_status_and_answers_with_valid_envelope(sandbox, client):
    response = set_status(sandbox, client, status="3", description="Delivered to handset")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/xml")
    root = assert_valid_response(response)
    assert header(root, "Succeeded").text == "true"
    assert is_nil(header(root, "ExceptionInfo"))
    body = root.find(f"{{{SOAP11}}}Body/{{{S86}}}SetDeliveryStatusResponse")
    assert body is not None and len(body) == 0
    stored = sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1001")
    assert stored == (3, "Delivered to handset")


def test_negative_and_extreme_int_statuses_are_accepted(sandbox, client):
    assert set_status(sandbox, client, status="-2147483648").status_code == 200
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1001")[0] == -2147483648


def test_status_of_is_none_until_set(sandbox):
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1002") is None
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "nope") is None


def test_get_plugins_lists_the_sandbox_plugin(sandbox, client):
    payload = envelope("<m:GetPlugins/>", good_headers(sandbox))
    response = soap_post(client, sandbox.superoffice_url, payload, "GetPlugins")
    root = assert_valid_response(response)
    names = [n.text for n in root.iter(f"{{{S86}}}Name")]
    assert "statusdesk-sandbox" in names


def test_get_delivery_status_by_numeric_messaging_id(sandbox, client):
    set_status(sandbox, client, status="7", description="Failed at carrier")
    messaging_id = sandbox.superoffice.messaging_id("statusdesk-sandbox", "SO-1001")
    body = (f"<m:GetDeliveryStatus><m:MessagingIds><a:int>{messaging_id}</a:int>"
            "<a:int>999999</a:int></m:MessagingIds></m:GetDeliveryStatus>")
    response = soap_post(client, sandbox.superoffice_url,
                         envelope(body, good_headers(sandbox)), "GetDeliveryStatus")
    root = assert_valid_response(response)
    items = list(root.iter(f"{{{S86}}}MessageDeliveryStatus"))
    assert len(items) == 1
    assert items[0].findtext(f"{{{S86}}}Status") == "7"
    assert items[0].findtext(f"{{{S86}}}StatusDescription") == "Failed at carrier"
    assert items[0].findtext(f"{{{S86}}}MessagingId") == str(messaging_id)


def test_seed_style_xsi_type_attributes_are_accepted(sandbox, client):
    body = ('<m:SetDeliveryStatus xmlns:xsd="http://www.w3.org/2001/XMLSchema">'
            '<m:Plugin xsi:type="xsd:string">statusdesk-sandbox</m:Plugin>'
            '<m:ExternalMessageId xsi:type="xsd:string">SO-1002</m:ExternalMessageId>'
            '<m:Status xsi:type="xsd:int">1</m:Status>'
            '<m:StatusDescription xsi:type="xsd:string"></m:StatusDescription>'
            '</m:SetDeliveryStatus>').replace("xsi:", "i:")
    response = soap_post(client, sandbox.superoffice_url, envelope(body, good_headers(sandbox)))
    assert header(parse(response), "Succeeded").text == "true"
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1002") == (1, "")


def test_soap12_content_type_gets_415(sandbox, client):
    body = set_status_body("statusdesk-sandbox", "SO-1001")
    response = soap_post(client, sandbox.superoffice_url,
                         envelope(body, good_headers(sandbox), ns=SOAP12),
                         content_type=f'application/soap+xml; charset=utf-8; action="{ACTION}x"')
    assert response.status_code == 415
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1001") is None


def test_soap12_envelope_with_text_xml_is_version_mismatch(sandbox, client):
    body = set_status_body("statusdesk-sandbox", "SO-1001")
    response = soap_post(client, sandbox.superoffice_url,
                         envelope(body, good_headers(sandbox), ns=SOAP12))
    assert response.status_code == 500
    assert faultcode_qname(response) == (SOAP11, "VersionMismatch")


def test_seed_layout_with_headers_directly_under_envelope_is_refused(sandbox, client):
    payload = (f'<s:Envelope xmlns:s="{SOAP11}" xmlns:m="{S86}">'
               f'{good_headers(sandbox)}<s:Body>{set_status_body("statusdesk-sandbox", "SO-1")}'
               "</s:Body></s:Envelope>").encode()
    response = soap_post(client, sandbox.superoffice_url, payload)
    assert response.status_code == 400
    assert "inside Header" in response.text


@pytest.mark.parametrize("action", [None, "", f"{ACTION}SetDeliveryStatus",
                                    f'"{ACTION}CreateMessage"', '"urn:whatever"'])
def test_missing_unquoted_or_unknown_soapaction_is_action_not_supported(sandbox, client, action):
    payload = envelope(set_status_body("statusdesk-sandbox", "SO-1001"), good_headers(sandbox))
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if action is not None:
        headers["SOAPAction"] = action
    response = client.post(sandbox.superoffice_url + MESSAGING, content=payload, headers=headers)
    assert response.status_code == 500
    assert faultcode_qname(response) == (WCF_ADDRESSING_NONE, "ActionNotSupported")


def test_body_not_matching_soapaction_is_deserialization_failed(sandbox, client):
    payload = envelope("<m:GetPlugins/>", good_headers(sandbox))
    response = soap_post(client, sandbox.superoffice_url, payload, "SetDeliveryStatus")
    assert response.status_code == 500
    assert faultcode_qname(response) == (WCF_DISPATCHER, "DeserializationFailed")


def test_children_out_of_order_is_deserialization_failed(sandbox, client):
    body = ("<m:SetDeliveryStatus><m:ExternalMessageId>SO-1001</m:ExternalMessageId>"
            "<m:Plugin>statusdesk-sandbox</m:Plugin><m:Status>1</m:Status>"
            "</m:SetDeliveryStatus>")
    response = soap_post(client, sandbox.superoffice_url, envelope(body, good_headers(sandbox)))
    assert response.status_code == 500
    code, text = fault(response)
    assert faultcode_qname(response) == (WCF_DISPATCHER, "DeserializationFailed")
    assert "Plugin" in text and "not expected" in text


@pytest.mark.parametrize("status", ["delivered", "3.5", "2147483648", ""])
def test_status_not_an_xs_int_is_deserialization_failed(sandbox, client, status):
    response = set_status(sandbox, client, status=status)
    assert response.status_code == 500
    assert faultcode_qname(response)[1] == "DeserializationFailed"
    assert "xs:int" in fault(response)[1]
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1001") is None


def test_unqualified_children_are_deserialization_failed(sandbox, client):
    body = (f'<SetDeliveryStatus xmlns="{S86}"><Plugin xmlns="">statusdesk-sandbox</Plugin>'
            "</SetDeliveryStatus>")
    response = soap_post(client, sandbox.superoffice_url, envelope(body, good_headers(sandbox)))
    assert faultcode_qname(response)[1] == "DeserializationFailed"


def test_invalid_header_is_deserialization_failed(sandbox, client):
    zone = "<m:TimeZone><m:SoTimeZoneId>UTC</m:SoTimeZoneId></m:TimeZone>"
    headers = good_headers(sandbox) + zone
    body = set_status_body("statusdesk-sandbox", "SO-1001")
    response = soap_post(client, sandbox.superoffice_url, envelope(body, headers))
    assert faultcode_qname(response)[1] == "DeserializationFailed"


def test_unknown_must_understand_header_is_refused_but_plain_unknown_is_ignored(sandbox, client):
    body = set_status_body("statusdesk-sandbox", "SO-1001")
    extra = '<x:Trace xmlns:x="urn:example">1</x:Trace>'
    ok = soap_post(client, sandbox.superoffice_url, envelope(body, good_headers(sandbox) + extra))
    assert header(parse(ok), "Succeeded").text == "true"
    must = '<x:Trace xmlns:x="urn:example" s:mustUnderstand="1">1</x:Trace>'
    refused = soap_post(client, sandbox.superoffice_url,
                        envelope(body, good_headers(sandbox) + must))
    assert refused.status_code == 500
    assert faultcode_qname(refused) == (SOAP11, "MustUnderstand")


@pytest.mark.parametrize("ticket", ["7T:not-the-ticket", "", None])
def test_bad_ticket_default_style_is_200_with_exception_info(sandbox, client, ticket):
    body = set_status_body("statusdesk-sandbox", "SO-1001")
    headers = soap_headers(sandbox.credentials.so_app_token, ticket)
    response = soap_post(client, sandbox.superoffice_url, envelope(body, headers))
    assert response.status_code == 200
    root = assert_valid_response(response)
    assert header(root, "Succeeded").text == "false"
    info = exception_info(response)
    assert info["Message"] and info["FriendlyText"] and info["ExceptionType"]
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1001") is None


def test_bad_ticket_fault_style_is_http_500_fault(sandbox, client):
    sandbox.superoffice.bad_ticket_style = "fault"
    body = set_status_body("statusdesk-sandbox", "SO-1001")
    headers = soap_headers(sandbox.credentials.so_app_token, "7T:wrong")
    response = soap_post(client, sandbox.superoffice_url, envelope(body, headers))
    assert response.status_code == 500
    assert faultcode_qname(response) == (SOAP11, "Client")
    detail = parse(response).find(f".//detail/{{{S86}}}SoExceptionInfo")
    assert detail is not None and validate_element(default_schema(), detail) == []


def test_bad_ticket_style_rejects_unknown_values(sandbox):
    with pytest.raises(ValueError):
        sandbox.superoffice.bad_ticket_style = "teapot"


@pytest.mark.parametrize("token", ["wrong-token", None])
def test_wrong_or_missing_application_token_is_exception_info(sandbox, client, token):
    body = set_status_body("statusdesk-sandbox", "SO-1001")
    headers = soap_headers(token, sandbox.credentials.so_ticket)
    response = soap_post(client, sandbox.superoffice_url, envelope(body, headers))
    assert response.status_code == 200
    assert_valid_response(response)
    assert "application token" in exception_info(response)["Message"].lower()


def test_unknown_plugin_is_exception_info(sandbox, client):
    body = set_status_body("no-such-plugin", "SO-1001")
    response = soap_post(client, sandbox.superoffice_url, envelope(body, good_headers(sandbox)))
    assert response.status_code == 200
    assert_valid_response(response)
    assert header(parse(response), "Succeeded").text == "false"
    assert "no-such-plugin" in exception_info(response)["FriendlyText"]


def test_nil_plugin_is_unknown_plugin(sandbox, client):
    body = ('<m:SetDeliveryStatus><m:Plugin i:nil="true"/>'
            "<m:ExternalMessageId>SO-1001</m:ExternalMessageId></m:SetDeliveryStatus>")
    response = soap_post(client, sandbox.superoffice_url, envelope(body, good_headers(sandbox)))
    assert header(parse(response), "Succeeded").text == "false"


def test_unknown_external_id_has_inner_exception_chain(sandbox, client):
    body = set_status_body("statusdesk-sandbox", "SO-9999")
    response = soap_post(client, sandbox.superoffice_url, envelope(body, good_headers(sandbox)))
    root = assert_valid_response(response)
    inner = header(root, "ExceptionInfo").find(f"{{{S86}}}InnerException")
    assert inner is not None and not is_nil(inner)
    assert inner.findtext(f"{{{S86}}}ExceptionType")
    assert exception_info(response)["FriendlyText"] == "The message was not found."


def test_xxe_and_internal_entities_are_not_expanded(sandbox, client):
    payload = (
        '<?xml version="1.0"?>\n'
        '<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">'
        '<!ENTITY boom "boomboomboomboomboom">]>'
        f'<s:Envelope xmlns:s="{SOAP11}" xmlns:m="{S86}"><s:Header>{good_headers(sandbox)}'
        "</s:Header><s:Body><m:SetDeliveryStatus><m:Plugin>statusdesk-sandbox</m:Plugin>"
        "<m:ExternalMessageId>SO-1001</m:ExternalMessageId><m:Status>1</m:Status>"
        "<m:StatusDescription>&xxe;&boom;</m:StatusDescription></m:SetDeliveryStatus>"
        "</s:Body></s:Envelope>").encode()
    response = soap_post(client, sandbox.superoffice_url, payload)
    assert response.status_code == 400
    assert "root:" not in response.text and "boomboom" not in response.text
    assert sandbox.superoffice.status_of("statusdesk-sandbox", "SO-1001") is None


def test_malformed_xml_and_empty_body_are_400(sandbox, client):
    assert soap_post(client, sandbox.superoffice_url, b"<s:Envelope").status_code == 400
    assert soap_post(client, sandbox.superoffice_url, b"").status_code == 400


def test_oversized_request_is_413(sandbox, client):
    body = set_status_body("statusdesk-sandbox", "SO-1001", description="x" * (1024 * 1024))
    response = soap_post(client, sandbox.superoffice_url, envelope(body, good_headers(sandbox)))
    assert response.status_code == 413


def test_injected_fault_then_normal_again(sandbox, client):
    sandbox.superoffice.inject_fault("Database is on fire")
    first = set_status(sandbox, client)
    assert first.status_code == 500
    assert faultcode_qname(first) == (SOAP11, "Server")
    assert "Database is on fire" in fault(first)[1]
    sandbox.superoffice.inject_fault("Soft failure", style="succeeded_false")
    second = set_status(sandbox, client)
    assert second.status_code == 200 and exception_info(second)["Message"] == "Soft failure"
    assert header(parse(set_status(sandbox, client)), "Succeeded").text == "true"


def test_get_requests_the_wsdl(sandbox, client):
    response = client.get(sandbox.superoffice_url + MESSAGING + "?wsdl")
    assert response.status_code == 200
    assert b"BasicHttpBinding_Messaging" in response.content


def test_error_answers_for_other_operations_use_their_response_element(sandbox, client):
    payload = envelope("<m:GetPlugins/>", soap_headers(sandbox.credentials.so_app_token, "bad"))
    response = soap_post(client, sandbox.superoffice_url, payload, "GetPlugins")
    root = assert_valid_response(response)
    assert root.find(f"{{{SOAP11}}}Body/{{{S86}}}GetPluginsResponse") is not None
    assert root.find(f"{{{SOAP11}}}Header/{{{S86}}}ExceptionInfo").get(f"{{{XSI}}}nil") is None
