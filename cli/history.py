"""``statusdesk-cli history``: the audit trail, filtered, as text, JSON or CSV.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from datetime import UTC, datetime

from cli.team import say_waiting
from core.csv_out import history_csv
from core.desk import Desk
from core.history import HistoryFilter
from core.team_history import TeamHistoryError
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


def show_history(desk: Desk, *, profile: str, since: str, failed: bool, limit: int,
                 as_json: bool, as_csv: bool, text: str = "", who: str = "") -> int:
    """The team's rows when the history is the team's (what waits here is delivered first,
    and said on standard error), else this machine's."""
    which = HistoryFilter(text=text, profile=profile, outcome="failed" if failed else "",
                          since=since_utc(since) if since else "", who=who, limit=limit)
    say_waiting(desk.team.deliver(patient=True))
    try:
        entries = desk.team.shown().search(which)
    except TeamHistoryError as exc:
        print(f"Warning: {visible(str(exc))}\nShowing this machine's rows only.",
              file=sys.stderr)
        entries = desk.history.search(which)
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
            who = f"{e.who}@{e.machine}" if e.machine else e.who
            print(visible(f"{local}  {who}  {e.profile}  {what}  {e.outcome_kind}{code}: "
                          f"{e.outcome_summary}"))
    return 0
