"""A batch file for several customers (a profile column): each row to its profile, the
customers side by side, each with its own pace, retries, Resume and lock. Real loopback
SuperOffice and Bitrix24 (the sandbox), a real SQLite history, secrets in memory."""

from __future__ import annotations

import csv
import io
import threading

import pytest

from core.batch_file import read_batch
from core.batch_lock import BatchBusy, BatchLock
from core.csv_out import batch_results_csv
from core.desk import Desk
from core.profiles import Profile
from tests.helpers.secrets import DictSecrets


@pytest.fixture
def desk(sandbox, tmp_path) -> Desk:
    creds = sandbox.credentials
    desk = Desk(tmp_path, DictSecrets({"ticket": creds.so_ticket,
                                       "app-token": creds.so_app_token,
                                       "access-token": creds.b24_access_token}))
    desk.profiles.add(Profile("Acme SO", "superoffice", sandbox.superoffice_url, timeout=5.0,
                              options={"plugin": creds.so_plugin}, presets={"Delivered": 3}))
    for name in ("Beta B24", "Beta B24 too"):  # two profiles of one customer system
        desk.profiles.add(Profile(name, "bitrix24", sandbox.bitrix24_url, timeout=5.0,
                                  options={"code": creds.b24_code, "auth": "oauth"}))
    sandbox.bitrix24.set_rate_limit(drain_per_second=10_000, burst=1_000)
    return desk


def two_customers(sandbox, n: int = 6, extra: str = "") -> tuple[str, list[str], list[str]]:
    so = sandbox.superoffice.seed_messages(n)
    b24 = sandbox.bitrix24.seed_messages(n)
    lines = ["profile,message_id,status"]
    for so_id, b24_id in zip(so, b24, strict=True):  # interleaved, as a sheet sorted by time
        lines += [f"Acme SO,{so_id},Delivered", f"Beta B24,{b24_id},delivered"]
    return "\n".join(lines) + "\n" + extra, so, b24


def test_each_row_goes_to_its_profile_side_by_side_and_is_summed_up_per_customer(
        sandbox, desk) -> None:
    text, so, b24 = two_customers(sandbox, extra="Nobody,x-1,delivered\n"
                                                 "Beta B24,x-2,delivered\n,x-3,delivered\n")
    so_id = so[0]
    text += f"Acme SO,{so_id},Delivered\nBeta B24,{so_id},delivered\n"
    batch = desk.check_by_profile(read_batch(text, "outage.csv"))
    problems = {row.row: row.problem for row in batch.invalid}
    assert "No profile is named 'Nobody'" in problems[14]
    assert "The profile is empty" in problems[16]
    assert problems[17].startswith("Same message id as row 2")  # same customer, twice
    assert 18 not in problems  # the same id at another customer is another message
    assert batch.profiles == ("Acme SO", "Beta B24", "Nobody")

    order: list[str] = []
    run = desk.customers_batch(batch, rate=20, burst=1)
    summary = run.run(lambda result: order.append(result.row.profile))
    assert set(run.runs) == {"Acme SO", "Beta B24"}
    assert all(sandbox.superoffice.updates_of(i) == 1 for i in so)
    assert all(sandbox.bitrix24.updates_of(i) == 1 for i in b24)
    # Side by side: Bitrix24's rows did not wait for SuperOffice's to end, nor the reverse.
    assert order.index("Beta B24") < len(order) - order[::-1].index("Acme SO") - 1
    assert order.index("Acme SO") < len(order) - order[::-1].index("Beta B24") - 1
    acme, beta = summary.customers["Acme SO"], summary.customers["Beta B24"]
    assert (acme.done, acme.failed) == (6, 0)
    assert (beta.done, beta.failed) == (6, 2)  # x-2 and SO-… are no messages of the portal
    assert (summary.rows, summary.done, summary.failed, summary.invalid) == (14, 12, 2, 3)


def test_results_have_a_profile_column_and_resume_skips_each_customers_done_rows(
        sandbox, desk) -> None:
    text, so, b24 = two_customers(sandbox)
    batch = desk.check_by_profile(read_batch(text, "outage.csv"))
    run = desk.customers_batch(batch, rate=50, burst=1)
    finished = []

    def on_row(result) -> None:
        finished.append(result)
        if len(finished) == 5:
            run.cancel()  # every customer stops after its call in flight

    first = run.run(on_row)
    assert first.cancelled and 5 <= first.done <= 6  # the other worker's call in flight
    assert sum(sandbox.superoffice.updates_of(i) for i in so) + sum(
        sandbox.bitrix24.updates_of(i) for i in b24) == first.done
    rows = list(csv.DictReader(io.StringIO(batch_results_csv(batch, finished).lstrip("\ufeff"))))
    assert {r["profile"] for r in rows} == {"Acme SO", "Beta B24"} and len(rows) == 12
    assert sum(r["outcome"] == "done" for r in rows) == first.done

    again = desk.customers_batch(batch, rate=200, burst=5).run(resume=True)
    assert (again.skipped, again.done) == (first.done, 12 - first.done)
    assert [sandbox.superoffice.updates_of(i) for i in so] == [1] * 6
    assert [sandbox.bitrix24.updates_of(i) for i in b24] == [1] * 6


def test_a_customer_another_run_is_sending_refuses_the_whole_file_before_sending(
        sandbox, desk) -> None:
    text, so, b24 = two_customers(sandbox, n=2)
    batch = desk.check_by_profile(read_batch(text, "outage.csv"))
    other = BatchLock(desk.history_path.parent, "Beta B24", batch.batch_id, batch.name)
    with other, pytest.raises(BatchBusy, match="Beta B24"):
        desk.customers_batch(batch).run()
    assert sum(map(sandbox.superoffice.updates_of, so)) == 0
    assert sum(map(sandbox.bitrix24.updates_of, b24)) == 0
    assert desk.customers_batch(batch, rate=100).run().done == 4  # released, all of them


def test_profiles_of_one_customer_system_take_turns_and_pause_holds_every_worker(
        sandbox, desk) -> None:
    ids = sandbox.bitrix24.seed_messages(8)
    so = sandbox.superoffice.seed_messages(4)
    text = "profile,message_id,status\n" + "".join(
        f"{'Beta B24' if n % 2 else 'Beta B24 too'},{i},delivered\n" for n, i in enumerate(ids))
    text += "".join(f"Acme SO,{i},Delivered\n" for i in so)
    batch = desk.check_by_profile(read_batch(text, "same-portal.csv"))
    run = desk.customers_batch(batch, rate=20, burst=1)
    assert len(run.groups) == 2  # the portal's two profiles share one worker
    order: list[str] = []
    while_paused: list[int] = []

    def sent() -> int:
        return sum(map(sandbox.bitrix24.updates_of, ids)) + sum(
            map(sandbox.superoffice.updates_of, so))

    def carry_on() -> None:
        while_paused.append(sent())
        run.resume()

    def on_row(result) -> None:
        order.append(result.row.profile)
        if len(order) == 2:
            run.pause()  # both workers: at most the other's call in flight still goes
            threading.Timer(0.5, carry_on).start()

    summary = run.run(on_row)
    assert summary.done == 12 and while_paused and while_paused[0] <= 3
    portal = [name for name in order if name != "Acme SO"]
    assert portal == sorted(portal, key=("Beta B24 too", "Beta B24").index)  # one, then other


def test_the_estimate_is_the_largest_customers_share_not_the_sum() -> None:
    from core.customer_runs import busiest, estimate

    profiles = [Profile(f"c{n}", "bitrix24", f"https://c{n}.bitrix24.com",
                        options={"code": "sms"}) for n in range(20)]
    text = "profile,message_id,status\n" + "".join(
        f"c{n},m{row},delivered\n" for n in range(20) for row in range(70 if n else 250))
    batch = read_batch(text, "twenty.csv")
    # Bitrix24's 2/s, bursts of 10: the largest share (250 rows) takes 2 minutes; the
    # twenty one after the other would take 26 minutes.
    assert estimate(batch, profiles) == "about 2 minutes"
    assert busiest([120, 30, 30], workers=1) == 180
    assert busiest([6, 6, 3], workers=2) == 9  # largest first, to the least busy
