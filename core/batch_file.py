"""Rows for a batch: a CSV file (or pasted rows) read the way spreadsheets write them.

The header row names the columns: ``message_id,status,description`` (description optional,
names case-insensitive, in any order). Separators ``,`` ``;`` or tab, a UTF-8 BOM, quoted
fields with commas, quotes and line breaks inside are all taken. Rows are numbered as a
spreadsheet shows them (the header is row 1). Every row is then checked against the
profile, exactly as a single send would be; rows with a problem are kept, marked, and never
sent. A file is known by the hash of its bytes: that is what ``--resume`` looks up.

A ``profile`` column makes it a file for several customers: each row goes to the profile it
names (``check_rows_by_profile``; a name no profile has is the row's problem), and
``for_profile`` gives one customer's share, which runs, resumes and locks as a file of its
own would (same batch id, the file's row numbers).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from core.exchange import StatusUpdate
from core.profiles import Profile
from core.systems import get_system
from core.systems.base import InvalidInput

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
_COLUMNS = {"messageid": "message_id", "status": "status", "description": "description",
            "statusdescription": "description", "profile": "profile",
            "profilename": "profile"}
_NOT_NAME = re.compile(r"[^a-z]")


class BatchFileError(ValueError):
    """The file cannot be read as a batch at all; the message says how to fix it."""


@dataclass(frozen=True)
class BatchRow:
    row: int  # as a spreadsheet numbers it: the header is row 1
    message_id: str
    status: str
    description: str = ""
    problem: str = ""  # why this row will not be sent; empty when it is fine
    profile: str = ""  # the profile it goes to, in a file with a profile column
    # A teammate set this message to this status already (the team history): who and when.
    # The row is skipped, not sent, and is no error (core.batch_team).
    set_already: str = ""

    @property
    def update(self) -> StatusUpdate:
        return StatusUpdate(self.message_id, self.status, self.description)


@dataclass(frozen=True)
class BatchFile:
    name: str
    batch_id: str  # the hash of the file's bytes: the same file resumes the same batch
    rows: tuple[BatchRow, ...]
    notes: tuple[str, ...] = ()
    by_profile: bool = False  # a profile column: each row names the profile it goes to

    @property
    def profiles(self) -> tuple[str, ...]:
        """The profiles the rows name, in the order they first appear."""
        return tuple(dict.fromkeys(row.profile for row in self.rows if row.profile))

    @property
    def valid(self) -> tuple[BatchRow, ...]:
        """The rows to send: neither invalid nor set already by a teammate."""
        return tuple(row for row in self.rows if not (row.problem or row.set_already))

    @property
    def set_already(self) -> tuple[BatchRow, ...]:
        return tuple(row for row in self.rows if row.set_already and not row.problem)

    @property
    def invalid(self) -> tuple[BatchRow, ...]:
        return tuple(row for row in self.rows if row.problem)


def read_batch(data: bytes | str, name: str = "pasted rows") -> BatchFile:
    """Rows of a CSV file or pasted text; raises BatchFileError when it is no batch at all."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_BYTES:
        raise BatchFileError(f"{name} is {len(raw) // (1024 * 1024)} MB; a batch file may be "
                             f"at most {MAX_BYTES // (1024 * 1024)} MB. Split it.")
    text, notes = _decode(raw, name)
    first = next((line for line in io.StringIO(text) if line.strip()), "").strip("\r\n")
    if not first:
        raise BatchFileError(f"{name} is empty: it needs a header row "
                             "message_id,status,description and one row per message.")
    delimiter = max((";", ",", "\t"), key=first.count)
    records = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header, columns = _header(records, name)
        rows = list(_rows(records, header, columns, name))
    except csv.Error as exc:
        raise BatchFileError(f"{name} cannot be read as CSV ({exc}).") from None
    if not rows:
        raise BatchFileError(f"{name} has a header but no rows.")
    batch_id = hashlib.sha256(raw).hexdigest()[:20]
    return BatchFile(name, batch_id, tuple(rows), tuple(notes), "profile" in columns)


def check_rows(batch: BatchFile, profile: Profile) -> BatchFile:
    """The same file with each row's problem filled in, as a single send would judge it.

    A message id that repeats an earlier row's is a problem too: which status would win
    is not clear, and the person should decide.
    """
    return _check(batch, lambda _name: profile)


def check_rows_by_profile(batch: BatchFile,
                          find: Callable[[str], Profile | None]) -> BatchFile:
    """Each row checked for the profile it names (``find``: the profile of that name, or
    None); a name no profile has is the row's problem. The same message id for two
    profiles is two customers' messages: only a repeat for the same profile is one."""
    found: dict[str, Profile | None] = {name: find(name) for name in batch.profiles}
    return _check(batch, lambda name: found.get(name))


def for_profile(batch: BatchFile, name: str) -> BatchFile:
    """One customer's share of a file with a profile column (its rows, the file's id)."""
    return replace(batch, rows=tuple(row for row in batch.rows if row.profile == name))


def _check(batch: BatchFile, find: Callable[[str], Profile | None]) -> BatchFile:
    seen: dict[tuple[str, str], int] = {}
    checked = []
    for row in batch.rows:
        problem, profile = row.problem, find(row.profile)
        if not problem and profile is None:
            problem = (f"No profile is named {row.profile!r}: correct the name, or add the "
                       "profile first.")
        if not problem and profile is not None:
            try:
                get_system(profile.system).validate(row.update, profile)
            except InvalidInput as exc:
                problem = exc.message
        key = (row.profile, row.message_id.strip())
        if not problem and key in seen:
            problem = f"Same message id as row {seen[key]}: keep one of the two rows."
        seen.setdefault(key, row.row)
        checked.append(replace(row, problem=problem))
    return replace(batch, rows=tuple(checked))


def _decode(raw: bytes, name: str) -> tuple[str, list[str]]:
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):  # Excel's "Unicode text"
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    elif b"\x00" not in raw.split(b"\n", 1)[0]:  # NULs in a row: that row is refused
        try:
            return raw.decode("utf-8-sig"), []
        except UnicodeDecodeError as exc:
            _refuse_mixed(raw, exc, name)
        try:
            return raw.decode("cp1252"), [f"{name} is not UTF-8; it was read as Windows-1252 "
                                          "(Western European). Check accented letters."]
        except UnicodeDecodeError:
            pass
    raise BatchFileError(f"{name} is not a text file: save it from the spreadsheet as "
                         "CSV (UTF-8).")


def _refuse_mixed(raw: bytes, error: UnicodeDecodeError, name: str) -> None:
    """A file that is not all UTF-8 may still be all Windows-1252 (Excel's "CSV" on a
    Western Windows). But one with a UTF-8 BOM, or with UTF-8 letters on some lines, has
    rows from two sources: read as Windows-1252 its UTF-8 rows would be sent as mojibake
    ("café" as "cafÃ©"), read as UTF-8 the others cannot be. Refuse it, naming the first
    line that is not UTF-8 (the file's lines, as a text editor counts them)."""
    bad_line = raw.count(b"\n", 0, error.start) + 1
    utf8_line = 0
    if not raw.startswith(b"\xef\xbb\xbf"):
        for number, line in enumerate(raw.split(b"\n"), start=1):
            if line.isascii():
                continue
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                continue
            utf8_line = number
            break
        if not utf8_line:
            return  # no UTF-8 letters anywhere: all Windows-1252, as Excel writes it
    where = f"line {utf8_line}" if utf8_line else "its byte order mark"
    raise BatchFileError(
        f"{name} mixes two encodings: {where} is UTF-8, but line {bad_line} is not "
        f"(byte 0x{raw[error.start]:02X}; probably Windows-1252, pasted from another "
        "file). Nothing was sent. Open it in the spreadsheet and save it again as "
        "CSV UTF-8, then check the accented letters on that line.")


def _header(records: Iterable[list[str]], name: str) -> tuple[list[str], dict[str, int]]:
    for header in records:
        if any(cell.strip() for cell in header):
            break
    else:
        raise BatchFileError(f"{name} has no header row.")
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        column = _COLUMNS.get(_NOT_NAME.sub("", cell.strip().lower()))
        if column and column not in columns:
            columns[column] = index
    missing = [c for c in ("message_id", "status") if c not in columns]
    if missing:
        raise BatchFileError(
            f"{name}: the first row must be the header message_id,status,description "
            f"(description optional; a profile column sends each row to the profile it "
            f"names); found {', '.join(repr(c) for c in header[:5])}, "
            f"missing {' and '.join(missing)}.")
    return header, columns


def _rows(records: Iterable[list[str]], header: list[str], columns: dict[str, int],
          name: str) -> Iterable[BatchRow]:
    def cell(record: list[str], column: str) -> str:
        index = columns.get(column)
        return record[index] if index is not None and index < len(record) else ""

    count = 0
    for number, record in enumerate(records, start=2):
        if not any(value.strip() for value in record):
            continue  # blank lines at the end of a sheet
        count += 1
        if count > MAX_ROWS:
            raise BatchFileError(f"{name} has more than {MAX_ROWS:,} rows. Split it.")
        message_id, status = cell(record, "message_id").strip(), cell(record, "status").strip()
        profile = cell(record, "profile").strip()
        problem = ""
        if "profile" in columns and not profile:
            problem = "The profile is empty: name the profile this row goes to."
        elif not message_id:
            problem = "The message id is empty."
        elif not status:
            problem = "The status is empty."
        elif len(record) > len(header) and any(v.strip() for v in record[len(header):]):
            problem = (f"This row has {len(record)} cells but the header {len(header)}: a "
                       "separator inside a value needs quotes.")
        yield BatchRow(number, message_id, status, cell(record, "description"), problem,
                       profile)
