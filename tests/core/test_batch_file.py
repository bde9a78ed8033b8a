"""Batch files as spreadsheets write them, and every row judged like a single send."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.batch_file import BatchFileError, check_rows, read_batch
from core.profiles import Profile

B24 = Profile("B", "bitrix24", "https://acme.bitrix24.com",
              options={"code": "sms", "auth": "oauth"})
SO = Profile("S", "superoffice", "https://online.superoffice.com/Cust1",
             options={"plugin": "p"}, presets={"Delivered": 3})


def rows(text: str | bytes, profile: Profile = B24):
    return check_rows(read_batch(text, "t.csv"), profile)


def test_plain_header_and_rows_numbered_like_a_spreadsheet() -> None:
    batch = rows("message_id,status,description\nm1,delivered,first\nm2,failed,\n")
    assert [(r.row, r.message_id, r.status, r.description) for r in batch.rows] == [
        (2, "m1", "delivered", "first"), (3, "m2", "failed", "")]
    assert not batch.invalid and len(batch.batch_id) == 20


def test_semicolons_bom_quotes_and_line_breaks_as_excel_writes_them() -> None:
    data = ('\ufeffMessage ID;Status;Description\r\n"m;1";delivered;"He said ""hi""; ok"\r\n'
            'm2;sent;"two\r\nlines"\r\n\r\n').encode("utf-8")
    batch = rows(data)
    assert [(r.row, r.message_id, r.description) for r in batch.rows] == [
        (2, "m;1", 'He said "hi"; ok'), (3, "m2", "two\r\nlines")]


def test_columns_in_any_order_description_optional_and_windows_1252() -> None:
    batch = rows("status\tmessage_id\nsent\tcafé\n".encode("cp1252"))
    assert batch.rows[0].message_id == "café" and batch.rows[0].description == ""
    assert "Windows-1252" in batch.notes[0]


def test_excel_unicode_text_is_utf16_with_tabs() -> None:
    batch = rows("message_id\tstatus\r\nm1\tsent\r\n".encode("utf-16"))
    assert (batch.rows[0].message_id, batch.rows[0].status) == ("m1", "sent")


def test_invalid_rows_are_marked_not_dropped() -> None:
    batch = rows("message_id,status\nm1,delivered\nm2,Delivered\n,sent\nm3,\nm1,failed\n"
                 "m4,sent,extra,cells\n" + "x" * 129 + ",sent\n")
    problems = {r.row: r.problem for r in batch.invalid}
    assert [r.row for r in batch.valid] == [2]
    assert "case-sensitive" in problems[3]
    assert problems[4] == "The message id is empty." and problems[5] == "The status is empty."
    assert "Same message id as row 2" in problems[6]
    assert "needs quotes" in problems[7]
    assert "129 characters" in problems[8]


def test_superoffice_rows_take_presets_and_whole_numbers() -> None:
    batch = rows("message_id,status\nSO-1,Delivered\nSO-2,7\nSO-3,often\n", SO)
    assert [r.row for r in batch.valid] == [2, 3]
    assert "neither a whole number nor a preset" in batch.invalid[0].problem


@pytest.mark.parametrize(("text", "problem"), [
    ("", "is empty"),
    ("id,state\n1,sent\n", "missing message_id and status"),
    ("id,state\n1,sent\n", "a profile column sends each row to the profile it names"),
    ("message_id,status\n", "no rows"),
    (b"\x00\x01\x02 binary", "not a text file"),
])
def test_files_that_are_no_batch_say_what_to_fix(text, problem) -> None:
    with pytest.raises(BatchFileError, match=problem):
        read_batch(text, "t.csv")


def test_same_bytes_same_batch_id_other_bytes_other_id() -> None:
    one = read_batch("message_id,status\nm1,sent\n")
    assert read_batch("message_id,status\nm1,sent\n").batch_id == one.batch_id
    assert read_batch("message_id,status\nm1,failed\n").batch_id != one.batch_id


@given(st.binary(max_size=600) | st.text(max_size=600).map(str.encode))
@settings(max_examples=2000, deadline=None)
def test_any_bytes_give_rows_or_a_clear_error(data: bytes) -> None:
    try:
        batch = rows(b"message_id,status,description\n" + data)
    except BatchFileError as exc:
        assert str(exc)
    else:
        for row in batch.rows:
            assert row.row >= 2 and (row.problem or row.message_id)


def test_a_control_character_marks_its_row_invalid_and_the_others_stay_valid() -> None:
    batch = rows("message_id,status,description\nm1,3,ok\nm\x012,3,\nm3,3,a\x0bb\nm4,3,\n",
                 SO)
    assert [r.row for r in batch.valid] == [2, 5]
    problems = {r.row: r.problem for r in batch.invalid}
    assert "message id contains a control character (U+0001)" in problems[3]
    assert "description contains a control character (U+000B)" in problems[4]


def test_a_file_in_two_encodings_is_refused_naming_the_first_line_not_utf8() -> None:
    data = ("message_id,status,description\nm1,sent,café\n".encode()
            + "m2,sent,déjà\nm3,sent,ok\n".encode("cp1252"))
    with pytest.raises(BatchFileError) as caught:
        rows(data)
    message = str(caught.value)
    assert "t.csv mixes two encodings: line 2 is UTF-8, but line 3 is not (byte 0xE9" in message
    assert "save it again as CSV UTF-8" in message and "Nothing was sent" in message
    with_bom = "\ufeffmessage_id,status\nm1,sent\n".encode() + "m2,sent,€\n".encode("cp1252")
    with pytest.raises(BatchFileError, match="its byte order mark is UTF-8, but line 3"):
        rows(with_bom)


def test_a_file_all_in_windows_1252_is_still_read_as_excel_writes_it() -> None:
    data = "message_id;status;description\nm1;sent;café\nm2;sent;Jürgen € 5\n".encode("cp1252")
    batch = rows(data)
    assert [r.description for r in batch.rows] == ["café", "Jürgen € 5"]
    assert "Windows-1252" in batch.notes[0]


def test_a_nul_in_a_row_marks_that_row_not_the_whole_file() -> None:
    batch = rows(b"message_id,status\nm1,sent\nm\x002,sent\nm3,sent\n")
    assert [r.row for r in batch.valid] == [2, 4]
    assert "message id contains a control character (U+0000) at position 2" in (
        batch.invalid[0].problem)
    with pytest.raises(BatchFileError, match="not a text file"):  # a spreadsheet's .xlsx
        rows(b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00message_id\n")
