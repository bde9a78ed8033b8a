"""The production question: one wording, what the person confirms is what goes out."""

from __future__ import annotations

from core.batch_file import check_rows, read_batch
from core.confirmation import production_batch, production_send
from core.exchange import StatusUpdate
from core.profiles import Profile

PORTAL = Profile("Acme live", "bitrix24", "https://acme.bitrix24.com", {"code": "sms"},
                 production=True)


def test_a_production_send_names_the_customer_the_message_and_the_status() -> None:
    asked = production_send(PORTAL, StatusUpdate(" m-1 ", "delivered", "by hand"), "Delivered")
    assert asked is not None and asked.go == "Send to production"
    assert "Bitrix24 acme.bitrix24.com" in asked.text and "(profile Acme live)" in asked.text
    assert "Message id:  m-1\n" in asked.text and "New status:  Delivered" in asked.text
    assert asked.text.endswith("Description:  by hand")
    assert asked.as_prompt().endswith("Send to production?")
    assert production_send(PORTAL.with_changes(production=False),
                           StatusUpdate("m-1", "delivered")) is None


def test_a_production_batch_counts_the_rows_it_sends() -> None:
    rows = "message_id,status\n" + "".join(f"m-{n},delivered\n" for n in range(1200))
    batch = check_rows(read_batch(rows.encode(), "big.csv"), PORTAL)
    asked = production_batch(PORTAL, batch)
    assert asked is not None and asked.go == "Send 1,200 rows to production"
    assert "Rows to send:  1,200 (of big.csv)" in asked.text


def test_a_batch_of_one_row_says_row() -> None:
    batch = check_rows(read_batch("message_id,status\nm1,sent\n", "one.csv"), PORTAL)
    asked = production_batch(PORTAL, batch)
    assert asked is not None and asked.go == "Send 1 row to production"


def test_a_file_for_several_customers_names_each_production_one_and_its_rows() -> None:
    from core.batch_file import read_batch
    from core.confirmation import production_customers

    test = Profile("Test portal", "bitrix24", "https://test.bitrix24.com",
                   options={"code": "sms"})
    batch = read_batch(f"profile,message_id,status\n{PORTAL.name},m-1,delivered\n"
                       f"{PORTAL.name},m-2,delivered\nTest portal,m-3,delivered\n", "two.csv")
    assert production_customers([test], batch) is None
    asked = production_customers([PORTAL, test], batch)
    assert asked is not None and asked.go == "Send 2 rows to production"
    assert f"(profile {PORTAL.name}):  2 rows" in asked.text
    assert "Test portal" not in asked.text and "2 of 3" in asked.text
