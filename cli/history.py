"""``statusdesk-cli history``: the audit trail, filtered, as text, JSON or CSV.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import UTC, datetime

from core.csv_out import history_csv
from core.history import History, HistoryFilter
from core.visible import json_text, visible


def since_utc(text: str) -> str:
    """A date (YYYY-MM-DD) or date and time, in local time, as the history's UTC text."""
    try:
        when = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"--since {text!r}: write a date as YYYY-MM-DD, or "
                         "YYYY-MM-DDTHH:MM.") from None
    if when.tzinfo is None:
        when = when.astimezone()  # the person means their own clock
    return when.astimezone(UTC).isoformat(timespec="milliseconds")


def show_history(*, profile: str, since: str, failed: bool, limit: int, as_json: bool,
                 as_csv: bool, text: str = "") -> int:
    which = HistoryFilter(text=text, profile=profile, outcome="failed" if failed else "",
                          since=since_utc(since) if since else "", limit=limit)
    entries = History().search(which)
    if as_csv:
        sys.stdout.write(visible(history_csv(entries), layout=True))  # its rows, as text
    elif as_json:
        print(json_text([asdict(entry) for entry in entries]))
    elif not entries:
        print("Nothing in the history matches.")
    else:
        for e in entries:
            local = datetime.fromisoformat(e.time).astimezone().strftime("%Y-%m-%d %H:%M:%S")
            what = f"{e.message_id} -> {e.status}" if e.message_id else f"({e.operation})"
            code = f" [{e.outcome_code}]" if e.outcome_code else ""
            # Rows written before core made the words visible may still hold raw controls.
            print(visible(f"{local}  {e.who}  {e.profile}  {what}  {e.outcome_kind}{code}: "
                          f"{e.outcome_summary}"))
    return 0
