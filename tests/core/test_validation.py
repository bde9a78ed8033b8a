"""Bad input is refused before sending, with a message that names the field."""

from __future__ import annotations

import pytest

from core.exchange import StatusUpdate
from core.profiles import Profile
from core.systems import get_system
from core.systems.base import InvalidInput

SO = Profile("so", "superoffice", "https://sod.superoffice.com/Cust1",
             {"plugin": "sms"}, presets={"Delivered": 3})
B24 = Profile("b24", "bitrix24", "https://acme.bitrix24.com", {"code": "sms_gw"})


@pytest.mark.parametrize(
    ("profile", "update", "field", "words"),
    [
        (SO, StatusUpdate("  ", "3"), "message_id", "empty"),
        (SO, StatusUpdate("m1", "2147483648"), "status", "out of range"),
        (SO, StatusUpdate("m1", "-2147483649"), "status", "out of range"),
        (SO, StatusUpdate("m1", "delivered-ish"), "status", "preset"),
        (SO.with_changes(base_url="ftp://x/y"), StatusUpdate("m1", "3"), "url", "http"),
        (SO.with_changes(options={}), StatusUpdate("m1", "3"), "plugin", "plugin"),
        (SO.with_changes(options={"plugin": "p", "transport": "carrier-pigeon"}),
         StatusUpdate("m1", "3"), "transport", "soap"),
        (B24, StatusUpdate("", "delivered"), "message_id", "empty"),
        (B24, StatusUpdate("x" * 129, "delivered"), "message_id", "128"),
        (B24, StatusUpdate("abc", "Delivered"), "status", "case-sensitive"),
        (B24, StatusUpdate("abc", "read"), "status", "queued, sent, delivered"),
        (B24.with_changes(options={"code": "bad code!"}), StatusUpdate("a", "sent"), "code",
         "CODE"),
        (B24.with_changes(options={}), StatusUpdate("a", "sent"), "code", "required"),
        (B24.with_changes(base_url="acme.bitrix24.com"), StatusUpdate("a", "sent"), "url",
         "http"),
    ],
)
def test_rejected_with_field_named(profile, update, field, words) -> None:
    with pytest.raises(InvalidInput) as caught:
        get_system(profile.system).validate(update, profile)
    assert caught.value.field == field
    assert words.lower() in caught.value.message.lower()


def test_limits_themselves_are_accepted() -> None:
    get_system("superoffice").validate(StatusUpdate("m", "2147483647"), SO)
    get_system("superoffice").validate(StatusUpdate("m", "-2147483648"), SO)
    get_system("superoffice").validate(StatusUpdate("m", "delivered"), SO)  # preset, any case
    get_system("bitrix24").validate(StatusUpdate("x" * 128, "undelivered"), B24)


def test_pasted_service_urls_are_trimmed_to_the_base() -> None:
    so, b24 = get_system("superoffice"), get_system("bitrix24")
    base = "https://sod.superoffice.com/Cust12345"
    assert so.normalize_base_url(base + "/Remote/Services86/Messaging.svc") == base
    assert so.normalize_base_url(base + "/api/v1/Agents/Messaging/SetDeliveryStatus") == base
    assert so.normalize_base_url(base + "/") == base
    assert b24.normalize_base_url("https://acme.bitrix24.com/rest/") == "https://acme.bitrix24.com"
    assert b24.normalize_base_url("https://acme.bitrix24.com/rest/1/abc/") == (
        "https://acme.bitrix24.com"
    )


@pytest.mark.parametrize(
    ("system", "update", "field"),
    [
        ("superoffice", StatusUpdate("", "3"), "message_id"),
        ("superoffice", StatusUpdate("SO-1001", "4294967296"), "status"),
        ("bitrix24", StatusUpdate("x" * 129, "sent"), "message_id"),
        ("bitrix24", StatusUpdate("65575980fa531ac284c2ee68f81ebebd", "SENT"), "status"),
    ],
)
def test_nothing_reaches_the_server_when_input_is_bad(sandbox, system, update, field) -> None:
    from core.sending import send_status
    from tests.helpers.secrets import DictSecrets

    creds = sandbox.credentials
    if system == "superoffice":
        profile = Profile("so", system, sandbox.superoffice_url, {"plugin": creds.so_plugin})
        secrets = DictSecrets({"ticket": creds.so_ticket, "app-token": creds.so_app_token})
    else:
        profile = Profile("b24", system, sandbox.bitrix24_url, {"code": creds.b24_code})
        secrets = DictSecrets({"access-token": creds.b24_access_token})
    with pytest.raises(InvalidInput) as caught:
        send_status(profile, update, secrets)
    assert caught.value.field == field
    assert list(sandbox.received) == []


@pytest.mark.parametrize("profile", [SO, B24], ids=["superoffice", "bitrix24"])
@pytest.mark.parametrize(
    ("update", "field", "words"),
    [
        (StatusUpdate("SO-\x011", "3"), "message_id", "message id contains a control "
         "character (U+0001) at position 4"),
        (StatusUpdate("\x00m1", "3"), "message_id", "control character (U+0000) at position 1"),
        (StatusUpdate("m1", "3", "on\x0bhandset"), "description", "description contains a "
         "control character (U+000B) at position 3"),
        (StatusUpdate("m\x9b1", "3"), "message_id", "(U+009B)"),
        (StatusUpdate("m\ud8001", "3"), "message_id", "not text (U+D800)"),
        (StatusUpdate("m\n1", "3"), "message_id", "(U+000A)"),
    ],
)
def test_control_characters_are_refused_by_every_system(profile, update, field, words) -> None:
    # The same rule for both: lxml cannot put them in XML at all, and JSON could carry
    # them to Bitrix24, but a NUL in a message id is a paste accident, not an id.
    if profile is B24:
        update = StatusUpdate(update.message_id, "delivered", update.description)
    with pytest.raises(InvalidInput) as caught:
        get_system(profile.system).validate(update, profile)
    assert caught.value.field == field
    assert words in caught.value.message


def test_a_description_may_have_tabs_and_line_breaks() -> None:
    get_system("superoffice").validate(StatusUpdate("m", "3", "two\r\nlines\tand a tab"), SO)
    get_system("bitrix24").validate(StatusUpdate("m", "sent", "two\nlines"), B24)
