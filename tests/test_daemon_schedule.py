"""The daemon's schedule with an injected clock and seeded randomness: no test sleeps."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from probe.config import DaemonSettings, Watch
from probe.daemon.schedule import RunGate, active_watches, next_full_run, next_watch_run, watched_urls

T0 = datetime(2026, 7, 10, 8, 0, tzinfo=UTC)


@given(
    every=st.floats(0.5, 48),
    jitter=st.floats(0, 1),
    seed=st.integers(0, 2**32),
    elapsed_h=st.floats(0, 100),
)
def test_jitter_stays_within_its_bounds(every: float, jitter: float, seed: int, elapsed_h: float) -> None:
    policy = DaemonSettings(every_hours=every, jitter_fraction=jitter)
    now = T0 + timedelta(hours=elapsed_h)
    nxt = next_full_run(T0, now, policy, random.Random(seed))
    earliest = T0 + timedelta(hours=every)
    latest = earliest + timedelta(hours=every * jitter)
    assert nxt >= now  # never in the past
    assert nxt == now or earliest <= nxt <= latest


def test_jitter_spreads_probes() -> None:
    policy = DaemonSettings(every_hours=6, jitter_fraction=0.25)
    starts = {next_full_run(T0, T0, policy, random.Random(seed)) for seed in range(50)}
    assert len(starts) == 50
    assert max(starts) - min(starts) > timedelta(minutes=60)


def test_first_run_comes_soon() -> None:
    policy = DaemonSettings(every_hours=6, jitter_fraction=0.25)
    assert next_full_run(None, T0, policy, random.Random(1)) - T0 <= timedelta(minutes=9)


def test_runs_never_overlap() -> None:
    gate = RunGate()
    assert gate.try_start()
    assert not gate.try_start()
    assert gate.skipped == 1
    gate.finish()
    assert gate.try_start()


ELECTION = Watch(
    targets=["www.rfa.org", "https://kamnotra.io/"],
    starts_at=datetime(2026, 7, 20, tzinfo=UTC),
    ends_at=datetime(2026, 7, 25, tzinfo=UTC),
    every_hours=1,
)


def test_watch_window() -> None:
    before = datetime(2026, 7, 19, 12, tzinfo=UTC)
    assert active_watches(before, [ELECTION]) == []
    assert next_watch_run(None, before, ELECTION) == ELECTION.starts_at
    inside = datetime(2026, 7, 21, 10, tzinfo=UTC)
    assert active_watches(inside, [ELECTION]) == [ELECTION]
    assert next_watch_run(None, inside, ELECTION) == inside
    assert next_watch_run(inside, inside, ELECTION) == inside + timedelta(hours=1)
    assert next_watch_run(datetime(2026, 7, 24, 23, 30, tzinfo=UTC), inside, ELECTION) is None
    assert next_watch_run(None, datetime(2026, 7, 26, tzinfo=UTC), ELECTION) is None


def test_watch_selects_hosts_and_urls() -> None:
    urls = [
        "https://www.rfa.org/",
        "https://www.rfa.org/khmer/",
        "https://kamnotra.io/",
        "https://vodkhmer.news/",
    ]
    assert watched_urls(urls, ELECTION) == urls[:3]
