"""When to try an upload again, and what a collector's status code means for an outbox item.

Pure: no I/O, no clock, no global random state. The caller passes `now` and a `random.Random`, so tests
decide both. Backoff is exponential with "full jitter" (a uniform delay in [0, min(max, base * 2^n)]),
which spreads the retries of many probes after an outage instead of having them return together.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Literal

__all__ = ["Fate", "backoff_cap_s", "classify_status", "next_attempt", "parse_retry_after", "retry_delay_s"]

Fate = Literal["done", "dead", "retry"]

# 2**64 times any sensible base is far above any cap; stop doubling there so large counts cannot overflow.
_MAX_DOUBLINGS = 64


def backoff_cap_s(attempts: int, *, base_s: float, max_s: float) -> float:
    """The longest delay after `attempts` failed attempts: base * 2^attempts, at most `max_s`."""
    if attempts < 0:
        raise ValueError(f"attempts is {attempts}; it cannot be negative")
    if base_s <= 0 or max_s <= 0:
        raise ValueError("base_s and max_s must be positive")
    return min(max_s, base_s * 2.0 ** min(attempts, _MAX_DOUBLINGS))


def retry_delay_s(
    attempts: int,
    *,
    base_s: float,
    max_s: float,
    rng: random.Random,
    retry_after_s: float | None = None,
) -> float:
    """Seconds to wait before the next attempt, in [0, max_s].

    A collector's Retry-After is a floor (it asked us not to come back sooner), itself held to `max_s`
    so a wrong header cannot park an item for years.
    """
    delay = rng.uniform(0.0, backoff_cap_s(attempts, base_s=base_s, max_s=max_s))
    if retry_after_s is not None and retry_after_s > 0:
        delay = max(delay, min(retry_after_s, max_s))
    return delay


def next_attempt(
    attempts: int,
    now: datetime,
    *,
    base_s: float,
    max_s: float,
    rng: random.Random,
    retry_after_s: float | None = None,
) -> datetime:
    """When to try again after `attempts` failed attempts (0 for the first failure)."""
    delay = retry_delay_s(attempts, base_s=base_s, max_s=max_s, rng=rng, retry_after_s=retry_after_s)
    return now + timedelta(seconds=delay)


def classify_status(status: int) -> Fate:
    """What an ingest status means: stored (done), rejected for good (dead), or try again later (retry).

    201 and 200 are stored (200: it was already). 409 (same uid, other bytes) and every other 4xx but
    429 will fail the same way again. 429, 5xx and anything unexpected are retried: an item is given up
    only when the collector said so.
    """
    if status in (200, 201):
        return "done"
    if status == 429:
        return "retry"
    if 400 <= status < 500:
        return "dead"
    return "retry"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header given in seconds; None when absent or in another form."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 and seconds == seconds else None  # NaN is not a delay
