"""``statusdesk-cli history use``: the team's history on PostgreSQL, or this machine's;
what waits for the team history; the question before a second correction.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from core.desk import Desk
from core.profiles import Profile
from core.team_config import check_url
from core.team_history import TeamHistoryError
from core.team_link import Delivery
from core.visible import visible

EXIT_USAGE = 2
EXIT_NETWORK = 3
EXIT_CREDENTIALS = 4


def use_history(desk: Desk, address: str, read_password: Callable[[], str]) -> int:
    """``history use local`` or ``history use postgresql://USER@HOST:PORT/DB``."""
    if address.strip().lower() == "local":
        was = desk.team.use_local()
        print("The history is this machine's again" + (
            " (the team history keeps the rows it has; the password was forgotten)."
            if was else " (it was already)."))
        waiting = desk.history.waiting() if desk.has_history() else 0
        if waiting:
            print(f"{waiting:,} rows made for the team history were never delivered; they "
                  "are delivered when you choose it again.", file=sys.stderr)
        return 0
    database = check_url(address)  # before asking for a password
    password = read_password()
    if not password:
        print("statusdesk-cli: No password was given: pipe it on standard input (or type it "
              "at the hidden prompt). Nothing was changed.", file=sys.stderr)
        return EXIT_USAGE
    try:
        found = desk.team.use(database.url, password)
    except TeamHistoryError as exc:
        print(f"statusdesk-cli: {visible(str(exc))}\nNothing was changed: the history is "
              "still the one it was.", file=sys.stderr)
        return EXIT_CREDENTIALS if exc.credentials else EXIT_NETWORK
    print(f"The history is now the team's. {found.words()}")
    print("The password is kept in the keyring; calls made while the server cannot be "
          "reached wait on this machine and are delivered when it is back.")
    say_waiting(desk.team.deliver(patient=True))
    return 0


def say_waiting(delivery: Delivery | None) -> None:
    """One line on standard error when rows wait for the team history."""
    if delivery is not None and delivery.words():
        print(f"Note: {visible(delivery.words())}", file=sys.stderr)


def earlier_question(desk: Desk, profile: Profile, message_id: str) -> str:
    """Who set this message's status in the last 24 hours (team history), in words; ""
    when nobody did. A team history that cannot be asked is said on standard error."""
    earlier = desk.earlier_corrections(profile, [message_id])
    if earlier.problem:
        print(f"Warning: {visible(earlier.problem)}", file=sys.stderr)
    return earlier.question(message_id)
