"""The pure retry policy: backoff with full jitter, capped; what each status means; Retry-After."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probe.upload.policy import (
    backoff_cap_s,
    classify_status,
    next_attempt,
    parse_retry_after,
    retry_delay_s,
)

NOW = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
bases = st.floats(min_value=0.001, max_value=3600, allow_nan=False)
maxes = st.floats(min_value=0.001, max_value=7 * 86400, allow_nan=False)
attempts = st.integers(min_value=0, max_value=10_000)


@given(attempts, bases, maxes, st.integers(0, 2**32))
def test_delay_is_within_zero_and_the_cap(n: int, base: float, cap: float, seed: int) -> None:
    delay = retry_delay_s(n, base_s=base, max_s=cap, rng=random.Random(seed))
    assert 0 <= delay <= backoff_cap_s(n, base_s=base, max_s=cap) <= cap


@given(attempts, bases, maxes)
def test_caps_grow_monotonically_until_the_maximum(n: int, base: float, cap: float) -> None:
    this, following = backoff_cap_s(n, base_s=base, max_s=cap), backoff_cap_s(n + 1, base_s=base, max_s=cap)
    assert this <= following <= cap
    if following < cap:
        assert following == pytest.approx(2 * this)


@given(attempts, bases, maxes, st.floats(min_value=0, max_value=1e12), st.integers(0, 2**32))
def test_retry_after_is_a_floor_held_to_the_maximum(
    n: int, base: float, cap: float, after: float, seed: int
) -> None:
    delay = retry_delay_s(n, base_s=base, max_s=cap, rng=random.Random(seed), retry_after_s=after)
    assert min(after, cap) <= delay <= cap


def test_jitter_spreads_retries_over_the_whole_window() -> None:
    rng = random.Random(7)
    delays = [retry_delay_s(5, base_s=30, max_s=6 * 3600, rng=rng) for _ in range(2000)]
    cap = 30 * 32
    assert max(delays) <= cap
    # Full jitter: uniform over [0, cap], so both halves of the window are used about equally.
    low = sum(d < cap / 2 for d in delays)
    assert 850 < low < 1150


def test_next_attempt_is_now_plus_the_delay_and_is_reproducible() -> None:
    a = next_attempt(0, NOW, base_s=30, max_s=600, rng=random.Random(1))
    b = next_attempt(0, NOW, base_s=30, max_s=600, rng=random.Random(1))
    assert a == b
    assert NOW <= a <= NOW + timedelta(seconds=30)
    later = next_attempt(100, NOW, base_s=30, max_s=600, rng=random.Random(1))
    assert later <= NOW + timedelta(seconds=600)


@pytest.mark.parametrize(
    ("status", "fate"),
    [
        (201, "done"),
        (200, "done"),
        (409, "dead"),
        (400, "dead"),
        (403, "dead"),
        (413, "dead"),
        (415, "dead"),
        (422, "dead"),
        (429, "retry"),
        (500, "retry"),
        (503, "retry"),
        (502, "retry"),
        (302, "retry"),  # anything unexpected is retried, never given up
    ],
)
def test_classify_status(status: int, fate: str) -> None:
    assert classify_status(status) == fate


def test_negative_attempts_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        backoff_cap_s(-1, base_s=1, max_s=2)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        (None, None),
        ("5", 5.0),
        (" 120 ", 120.0),
        ("-3", None),
        ("nan", None),
        ("Wed, 21 Oct 2015 07:28:00 GMT", None),
    ],
)
def test_parse_retry_after(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds
