"""The batch's pace: a token bucket that never lets more through than asked, and backoff."""

from __future__ import annotations

import threading

import pytest

from core.pacing import Backoff, RateLimiter


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
