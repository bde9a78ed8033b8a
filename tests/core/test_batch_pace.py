"""A batch learns the portal's limit from its first refusal and keeps under it, and reads
the credentials once per run: the runner against the sandbox's portal over loopback HTTP.
"""

from __future__ import annotations

import pytest

from core.batch import BatchRun
from core.pacing import Backoff, RateLimiter, duration_words, pacing_seconds
from core.profiles import Profile
from tests.core.test_batch import batch_of
from tests.helpers.secrets import DictSecrets

QUICK = Backoff(first=0.05, longest=0.5, attempts=5)


@pytest.fixture
def b24(sandbox) -> Profile:
    return Profile("b24", "bitrix24", sandbox.bitrix24_url, timeout=5.0,
                   options={"code": sandbox.credentials.b24_code, "auth": "oauth"})


@pytest.fixture
def secrets(sandbox) -> DictSecrets:
    return DictSecrets({"access-token": sandbox.credentials.b24_access_token})


@pytest.fixture
def history(tmp_path):
    from core.history import History

    return History(tmp_path / "history.sqlite3")


def test_a_portal_with_a_smaller_burst_refuses_once_then_never_again(
        sandbox, b24, secrets, history) -> None:
    # Bitrix24's bucket 20x faster (2/s -> 40/s) with a burst of 5, below the runner's 10:
    # the runner used to burst, be refused, pause, burst again (one 503 every few rows).
    sandbox.bitrix24.set_rate_limit(drain_per_second=40, burst=5)
    ids = sandbox.bitrix24.seed_messages(120)
    told: list[str] = []
    summary = BatchRun(b24, secrets, batch_of(b24, ids), history, rate=40, burst=10,
                       backoff=QUICK).run(on_pace=told.append)
    assert (summary.done, summary.failed) == (120, 0)
    assert sandbox.bitrix24.limit_refusals == 1, "refused again after the first"
    assert len(told) == 1 and told[0] == summary.pace_note
    assert "QUERY_LIMIT_EXCEEDED" in told[0] and "at most 38 calls/s" in told[0]
    assert all(n == 1 for n in sandbox.bitrix24.update_counts().values() if n)


def test_a_pace_faster_than_the_portal_finds_its_rate_in_a_few_refusals(
        sandbox, b24, secrets, history) -> None:
    # The Enterprise preset (5/s, 250) against a standard portal (2/s, 50), 20x faster.
    sandbox.bitrix24.set_rate_limit(drain_per_second=40, burst=50)
    ids = sandbox.bitrix24.seed_messages(200)
    told: list[str] = []
    summary = BatchRun(b24, secrets, batch_of(b24, ids), history, rate=100, burst=250,
                       backoff=QUICK).run(on_pace=told.append)
    assert (summary.done, summary.failed) == (200, 0)
    # The first shows the burst; each later one bounds the drain closer (the runner used to
    # be refused again every burst, about one call in ten).
    assert sandbox.bitrix24.limit_refusals <= 8, told
    assert 2 <= len(told) <= sandbox.bitrix24.limit_refusals  # said when the pace changed
    rate = float(told[-1].split("at most ")[1].split(" calls/s")[0])
    assert 30 <= rate <= 41  # about the portal's 40/s, not far under it


def test_refusals_teach_the_burst_then_the_drain() -> None:
    now = [0.0]
    limiter = RateLimiter(10.0, burst=20, clock=lambda: now[0])
    for _ in range(6):  # the portal took 5 at once, refused the 6th
        assert limiter.delay() == 0.0
    learned = limiter.refused()
    assert learned is not None and (learned.rate, learned.burst) == (9.5, 5)
    assert limiter.delay() > 0  # the portal is full: our bucket is emptied too
    # Then 10 more admitted over 4 s, and a refusal although there should have been room:
    # the portal drains 10 / 4 = 2.5 calls/s.
    for _ in range(11):
        now[0] += 0.4
        limiter.delay()
    learned = limiter.refused()
    assert learned is not None and learned.rate == pytest.approx(0.95 * (10 + 1) / 4.4)


def test_the_estimate_of_a_run() -> None:
    assert duration_words(pacing_seconds(3000, 2.0, 10)) == "about 25 minutes"
    assert duration_words(pacing_seconds(20_000, 5.0, 250)) == "about 1 hour 6 minutes"
    assert duration_words(pacing_seconds(30, 2.0, 10)) == "about 10 seconds"
    assert duration_words(pacing_seconds(5, 2.0, 10)) == "under a second"
