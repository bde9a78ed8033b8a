"""The batch's pace: a token bucket that never lets more through than asked, and backoff."""

from __future__ import annotations

import threading

import pytest

from core.pacing import Backoff, PaceError, RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_rate_never_faster() -> None:
    clock = Clock()
    limiter = RateLimiter(2.0, burst=3, clock=clock)
    assert [limiter.delay() for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.delay() == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.delay() == 0.0
    assert limiter.delay() == pytest.approx(0.5)
    clock.now += 60  # a long idle fills the bucket to the burst, not beyond
    assert [limiter.delay() for _ in range(4)][-1] == pytest.approx(0.5)


def test_calls_over_a_second_match_the_rate_in_real_time() -> None:
    limiter, stop = RateLimiter(50.0, burst=1), threading.Event()
    import time

    start = time.monotonic()
    for _ in range(26):
        assert limiter.acquire(stop)
    assert time.monotonic() - start >= 0.49  # 25 waits of 1/50 s after the first call


def test_acquire_ends_when_stopped() -> None:
    limiter, stop = RateLimiter(0.01, burst=1), threading.Event()
    assert limiter.acquire(stop)
    stop.set()
    assert limiter.acquire(stop) is False


def test_rate_and_burst_must_make_sense() -> None:
    with pytest.raises(ValueError):
        RateLimiter(0)
    with pytest.raises(ValueError):
        RateLimiter(1, burst=0)


def test_backoff_grows_is_capped_and_bounded() -> None:
    backoff = Backoff(first=1.0, longest=5.0, attempts=5)
    assert [backoff.pause(n) for n in range(1, 6)] == [1.0, 2.0, 4.0, 5.0, None]
    assert backoff.pause(1, at_least=12.5) == 12.5  # e.g. until the operating limit resets


@pytest.mark.parametrize("rate", [float("nan"), float("inf"), float("-inf"), -1.0, 0.0, 0])
def test_a_rate_that_is_no_pace_is_refused(rate) -> None:
    # NaN compares false with everything: "rate <= 0" let it through and every wait was
    # NaN seconds long, i.e. none (30 rows in 0.8 s).
    with pytest.raises(PaceError) as caught:
        RateLimiter(rate)
    assert caught.value.option == "rate" and "more than 0" in str(caught.value)


@pytest.mark.parametrize("burst", [0, -3, 1.5, float("nan"), True])
def test_a_burst_that_is_no_whole_number_of_calls_is_refused(burst) -> None:
    with pytest.raises(PaceError) as caught:
        RateLimiter(1.0, burst)
    assert caught.value.option == "burst"


def test_a_batch_run_refuses_rate_0_instead_of_taking_the_default() -> None:
    from core.batch import BatchRun
    from core.batch_file import check_rows, read_batch
    from core.profiles import Profile

    profile = Profile("b", "bitrix24", "https://acme.bitrix24.com", options={"code": "sms"})
    batch = check_rows(read_batch("message_id,status\nm1,sent\n"), profile)
    for rate, burst in ((0, None), (float("nan"), None), (None, 0)):
        with pytest.raises(PaceError):
            BatchRun(profile, None, batch, None, rate=rate, burst=burst)  # type: ignore[arg-type]
