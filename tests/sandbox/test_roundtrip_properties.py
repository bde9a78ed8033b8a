"""Property checks: whatever a client may legitimately send is stored exactly."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sandbox import Sandbox
from tests.sandbox.helpers import envelope, header, parse, set_status_body, soap_headers, soap_post

# Characters XML 1.0 can carry; \r is normalised by every XML parser, so leave it out.
xml_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00",
                                 min_codepoint=0x20) | st.sampled_from("\t\n"), max_size=60)
int32 = st.integers(min_value=-(2**31), max_value=2**31 - 1)


@pytest.fixture(scope="module")
def shared_sandbox():
    with Sandbox() as sb:
        yield sb


@settings(max_examples=40, deadline=None)
@given(status=int32, description=xml_text)
def test_soap_status_and_description_round_trip(shared_sandbox, client, status, description):
    sb = shared_sandbox
    c = sb.credentials
    body = set_status_body(c.so_plugin, "SO-1005", status=str(status), description=description)
    response = soap_post(client, sb.superoffice_url,
                         envelope(body, soap_headers(c.so_app_token, c.so_ticket)))
    assert header(parse(response), "Succeeded").text == "true"
    assert sb.superoffice.status_of(c.so_plugin, "SO-1005") == (status, description)


@settings(max_examples=40, deadline=None)
@given(status=int32, description=st.text(max_size=60))
def test_rest_status_and_description_round_trip(shared_sandbox, client, status, description):
    sb = shared_sandbox
    c = sb.credentials
    response = client.post(
        sb.superoffice_url + "/api/v1/Agents/Messaging/SetDeliveryStatus",
        json={"Plugin": c.so_plugin, "ExternalMessageId": "SO-1001", "Status": status,
              "StatusDescription": description},
        headers={"Authorization": f"SOTicket {c.so_ticket}", "SO-AppToken": c.so_app_token})
    assert response.status_code == 204, response.text
    assert sb.superoffice.status_of(c.so_plugin, "SO-1001") == (status, description)
