"""How fast a batch may send, and how long to wait before trying a row again.

``RateLimiter`` is a token bucket: at most ``burst`` calls at once, then ``rate`` per
second, never faster. ``Backoff`` gives the growing pauses between attempts of one row.
Both wait on a ``threading.Event`` so that Cancel ends a wait at once.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


class PaceError(ValueError):
    """A rate or burst that is no pace; ``option`` is "rate" or "burst"."""

    def __init__(self, option: str, message: str) -> None:
        super().__init__(message)
        self.option = option


def check_pace(rate: float | None, burst: int | None) -> None:
    """Raise PaceError unless the rate is a finite number of calls per second above 0 and
    the burst a whole number of at least 1 (None: the system's default, always fine).
    NaN compares false with everything and infinity never waits: both would switch the
    limiter off."""
    if rate is not None and not (isinstance(rate, int | float) and math.isfinite(rate)
                                 and rate > 0):
        raise PaceError("rate", f"The rate must be a number of calls per second more than 0 "
                                f"(not {rate!r}).")
    if burst is not None and (isinstance(burst, bool) or not isinstance(burst, int)
                              or burst < 1):
        raise PaceError("burst", f"The burst must be a whole number of calls, at least 1 "
                                 f"(not {burst!r}).")


class RateLimiter:
    """Token bucket; thread-safe. ``clock`` is injectable for tests of the arithmetic."""

    def __init__(self, rate: float, burst: int = 1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        check_pace(rate, burst)
        self.rate, self.burst = float(rate), int(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()

    def delay(self) -> float:
        """Take a token if one is there (0.0), else how long until one will be."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0.0
            return (1 - self._tokens) / self.rate

    def acquire(self, stop: threading.Event) -> bool:
        """Wait for a token; False when ``stop`` was set first."""
        while not stop.is_set():
            wait = self.delay()
            if wait == 0.0:
                return True
            stop.wait(wait)
        return False


@dataclass(frozen=True)
class Backoff:
    """Pauses before attempt 2, 3, ...: first, then doubling, at most ``longest`` seconds."""

    first: float = 1.0
    longest: float = 30.0
    attempts: int = 5  # in all, the first one included

    def pause(self, failed_attempts: int, at_least: float = 0.0) -> float | None:
        """Seconds to wait after that many failed attempts; None when no attempt is left."""
        if failed_attempts >= self.attempts:
            return None
        grown = min(self.longest, self.first * 2 ** (failed_attempts - 1))
        return max(grown, at_least)
