"""How fast a batch may send, and how long to wait before trying a row again.

``RateLimiter`` is a token bucket: at most ``burst`` calls at once, then ``rate`` per
second, never faster. It also learns: told that the system refused a call as over its
limit (``refused``), it slows down to stay under the limit that refusal showed, for the rest
of the run. ``Backoff`` gives the growing pauses between attempts of one row. Both wait on
a ``threading.Event`` so that Cancel ends a wait at once. ``PacePlan`` names a documented
limit (Bitrix24's plans); ``duration_words`` says how long a batch will take.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

# The share of the limit a run keeps to once it found it: the margin absorbs the jitter of
# the calls' arrival times (Bitrix24 fast_bitrix24 cuts its pace after a 5xx in the same way).
UNDER_LIMIT = 0.95


@dataclass(frozen=True)
class PacePlan:
    """A documented limit of a system's plan, offered as a preset (``--plan NAME``)."""

    name: str  # what the CLI takes
    title: str  # what the window shows
    rate: float  # calls per second
    burst: int


@dataclass(frozen=True)
class Learned:
    """The pace a run keeps to after a refusal: ``rate`` calls/s, ``burst`` at once."""

    rate: float
    burst: int


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
    """Token bucket; thread-safe. ``clock`` is injectable for tests of the arithmetic.

    Beside its own bucket it keeps an estimate of the system's (a leaky bucket, as
    Bitrix24's is: one unit per call admitted, draining at ``drain`` per second). A refusal
    means that bucket was full: the level estimated then is the burst it allows, and when a
    later refusal comes while the estimate says there was room, the calls admitted between
    the two refusals over the time between them is the rate it drains at.
    """

    def __init__(self, rate: float, burst: int = 1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        check_pace(rate, burst)
        self.rate, self.burst = float(rate), int(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._stamp = clock()
        self._lock = threading.Lock()
        self.drain = self.rate  # the system's drain, as far as known
        self._level = 0.0  # the system's bucket, estimated
        self._level_stamp = self._stamp
        self._admitted = 0  # calls let through, not refused
        self._refusals: list[tuple[float, int]] = []  # when, admitted by then
        self.learned: Learned | None = None

    def delay(self) -> float:
        """Take a token if one is there (0.0), else how long until one will be."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                self._admitted += 1
                self._level = self._drained(now) + 1
                return 0.0
            return (1 - self._tokens) / self.rate

    def refused(self) -> Learned | None:
        """The last call was refused as over the system's limit: from now on keep under the
        limit this shows (a slower rate, a smaller burst, the bucket emptied, since the
        system's is full). Returns the new pace when it changed, else None.

        The first refusal shows the burst: the level estimated then. A later one that comes
        while the estimate says there was room shows that the system drains slower than
        thought: it was full at both refusals, so it drained fewer than the calls admitted
        in between plus one; the lowest such bound is the drain from then on (a bound, never
        an underestimate: one more refusal rather than a run slower than it need be).
        """
        with self._lock:
            now = self._clock()
            self._admitted -= 1  # that call did not fill the system's bucket
            level = max(0.0, self._drained(now) - 1)
            rate, burst = self.rate, self.burst
            if not self._refusals:
                burst = min(burst, max(1, int(level)))
                rate = min(rate, self.drain * UNDER_LIMIT)
            elif level < burst - 1:  # there should have been room: it drains slower
                for when, admitted in (self._refusals[0], self._refusals[-1]):
                    if now > when:
                        self.drain = min(self.drain, (self._admitted - admitted + 1)
                                         / (now - when))
                rate = min(rate, self.drain * UNDER_LIMIT)
            self._refusals.append((now, self._admitted))
            del self._refusals[1:-1]  # the first and the last are all it needs
            self._level, self._level_stamp = max(level, float(burst)), now
            self._tokens, self._stamp = 0.0, now
            if (rate, burst) == (self.rate, self.burst):
                return None
            self.rate, self.burst = rate, burst
            self.learned = Learned(rate, burst)
            return self.learned

    def _drained(self, now: float) -> float:
        level = max(0.0, self._level - (now - self._level_stamp) * self.drain)
        self._level_stamp = now
        return level

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


def pacing_seconds(rows: int, rate: float, burst: int) -> float:
    """The least time ``rows`` calls take at this pace: the burst at once, then the rate."""
    return max(0, rows - burst) / rate if rows > 0 else 0.0


def duration_words(seconds: float) -> str:
    """"about 25 minutes", "about 1 hour 10 minutes", "about 40 seconds"."""
    if seconds < 1:
        return "under a second"
    if seconds < 90:
        return f"about {round(seconds)} second{'s' if round(seconds) != 1 else ''}"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} minutes"
    hours, minutes = divmod(minutes, 60)
    hour_words = f"{hours} hour{'s' if hours != 1 else ''}"
    return f"about {hour_words} {minutes} minutes" if minutes else f"about {hour_words}"
