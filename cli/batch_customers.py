"""``statusdesk-cli batch FILE.csv``: a file with a ``profile`` column, each row sent to the
profile it names, the customers side by side (core.customer_runs).

Rows naming no profile are listed with the other invalid rows and never sent. ``--rate``
and ``--burst`` are each profile's pace; ``--plan`` applies to the profiles of the system
that has that plan (the others keep their system's pace).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from cli.batch import BatchStopped, check_results, plan_pace, read, run_batch
from core.confirmation import Confirmation, production_customers
from core.customer_runs import CustomersRun
from core.desk import Desk
from core.profiles import Profile
from core.systems import get_system


def customers_batch(args: argparse.Namespace, desk: Desk,
                    confirm: Callable[[Confirmation], None],
                    lock: Callable[[CustomersRun], None]) -> int:
    """The run of a file for several customers; ``confirm`` asks about production
    profiles, ``lock`` takes every profile's lock (each raises what the CLI prints)."""
    batch = read(args.file, sys.stdin)
    if not batch.by_profile:
        raise BatchStopped(f"{batch.name} has no profile column: name the profile to send "
                           "its rows to (statusdesk-cli batch NAME FILE), or add a column "
                           "profile that names one for each row.")

    batch = desk.check_with_team(desk.check_by_profile(batch), resend=args.resend)
    if args.results:
        check_results(args.results, args.file)
    profiles = [desk.profiles.get(name) for name in dict.fromkeys(r.profile for r in batch.valid)]
    if args.plan is not None and not any(
            args.plan in {plan.name for plan in get_system(p.system).plans} for p in profiles):
        raise BatchStopped(f"--plan {args.plan}: the systems of this file's profiles have no "
                           "plan of that name (Bitrix24's: standard, enterprise).")

    def pace(profile: Profile) -> tuple[float | None, int | None]:
        plans = {plan.name for plan in get_system(profile.system).plans}
        plan = args.plan if args.plan in plans else None
        return plan_pace(profile, plan, args.rate, args.burst)

    run = desk.customers_batch(batch, pace=pace)
    lock(run)  # every profile's share, before asking: a second run is refused at once
    try:
        question = production_customers(profiles, batch)
        if question is not None and not args.yes:
            confirm(question)
        return run_batch(desk, None, batch, rate=args.rate, burst=args.burst,
                         resume=args.resume, as_json=args.json, results=args.results,
                         run=run, out=sys.stdout, err=sys.stderr)
    finally:
        run.lock.release()
