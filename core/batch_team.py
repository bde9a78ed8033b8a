"""A batch checked against the team history before it goes: a row whose message a
teammate set to the same status in the last 24 hours is skipped (unless sent again on
purpose), and a row that changes what a teammate set says so in the check's notes."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from core.systems import get_system

if TYPE_CHECKING:
    from core.batch_file import BatchFile, BatchRow
    from core.profiles import Profile
    from core.team_link import EarlierCorrections

Earlier = Callable[["Profile", list[str]], "EarlierCorrections"]


def teammates_first(batch: BatchFile, profile_of: Callable[[BatchRow], Profile],
                    earlier: Earlier, *, resend: bool = False) -> BatchFile:
    """``batch`` with the rows a teammate set already marked (``BatchRow.set_already``)
    and a note for each row that changes a teammate's status; ``resend``: none skipped."""
    from core.team_link import earlier_words

    groups: dict[str, tuple[Profile, list[BatchRow]]] = {}
    for row in batch.valid:
        profile = profile_of(row)
        groups.setdefault(profile.name, (profile, []))[1].append(row)
    marked: dict[int, BatchRow] = {}
    notes: list[str] = []
    for profile, rows in groups.values():
        found = earlier(profile, [row.message_id.strip() for row in rows])
        if found.problem:
            notes.append(found.problem)
        system = get_system(profile.system)
        for row in rows:
            entry = found.found.get(row.message_id.strip())
            if entry is None:
                continue
            status = system.as_sent(row.update, profile).status
            words = earlier_words(entry)
            if entry.status != status:
                notes.append(f"Row {row.row}: {words} This row sets it to {status!r}.")
            elif resend:
                notes.append(f"Row {row.row}: {words} It is sent again, as asked.")
            else:
                marked[row.row] = replace(row, set_already=f"{words} Skipped: it has this "
                                                           "status already.")
    if not marked and not notes:
        return batch
    return replace(batch, rows=tuple(marked.get(row.row, row) for row in batch.rows),
                   notes=(*batch.notes, *notes))
