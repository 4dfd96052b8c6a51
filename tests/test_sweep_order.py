"""The sweep starts the URLs that took longest last time first: the order, and the durations the store gives."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from probe.measure.sweep import by_expected_cost
from probe.store import Store
from tests.collector_rig import Prober, utc


def test_a_url_that_waited_on_its_timeouts_last_time_goes_first() -> None:
    urls = ["a", "b", "slow", "c", "new", "slower"]
    costs = {"a": 0.2, "b": 0.3, "slow": 4.5, "c": 0.1, "slower": 9.0}
    # "new" was never measured: counted at the median of the known (0.3), ahead of the faster ones.
    assert by_expected_cost(urls, str, costs) == ["slower", "slow", "b", "new", "a", "c"]


def test_with_no_history_the_list_order_is_kept() -> None:
    urls = [f"https://site{i}.example/" for i in range(50)]
    assert by_expected_cost(urls, str, {}) == urls


@given(
    st.lists(st.text(min_size=1, max_size=4), unique=True, max_size=30),
    st.dictionaries(st.text(min_size=1, max_size=4), st.floats(0, 1e4, allow_nan=False), max_size=30),
)
def test_the_order_is_a_permutation_most_expensive_first(urls: list[str], costs: dict[str, float]) -> None:
    ordered = by_expected_cost(urls, str, costs)
    assert sorted(ordered) == sorted(urls)
    known = [costs[u] for u in urls if u in costs]
    fill = statistics.median(known) if known else 0.0
    expected = [costs.get(u, fill) for u in ordered]
    assert expected == sorted(expected, reverse=True)
    # Equal costs keep the list's order (stable): nothing reorders what the history cannot tell apart.
    for cost in set(expected):
        tied = [u for u in ordered if costs.get(u, fill) == cost]
        assert tied == [u for u in urls if costs.get(u, fill) == cost]


def test_the_store_gives_the_latest_duration_of_each_url(tmp_path: Path) -> None:
    prober = Prober(tmp_path)
    now = datetime.now(UTC)

    def measured(url: str, started: datetime, seconds: float) -> None:
        m = prober.measurement(
            url, started_at=utc(started), finished_at=utc(started + timedelta(seconds=seconds))
        )
        store.save(m)

    with Store(tmp_path / "probe.db") as store:
        measured("https://slow.example/", now - timedelta(hours=6), 0.4)
        measured("https://slow.example/", now - timedelta(hours=1), 4.5)  # the latest counts
        measured("https://fast.example/", now - timedelta(hours=1), 0.25)
        measured("https://old.example/", now - timedelta(days=60), 9.0)  # before `since`: forgotten
        interrupted = prober.measurement(
            "https://fast.example/", started_at=utc(now), finished_at=utc(now + timedelta(seconds=30))
        )
        store.save(interrupted, interrupted=True)  # an interrupted run says nothing of the cost
        durations = store.last_durations(utc(now - timedelta(days=30)))
    assert durations.keys() == {"https://slow.example/", "https://fast.example/"}
    assert abs(durations["https://slow.example/"] - 4.5) < 0.01
    assert abs(durations["https://fast.example/"] - 0.25) < 0.01
