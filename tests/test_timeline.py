"""Timeline rules (probe.analysis.rules), windows and events (probe.analysis.timeline), on hand-made facts
and on the known history of tests/analysis_rig.py, through the query layer and the collector's API."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probe.analysis.facts import Fact, epoch_hour
from probe.analysis.query import FilterError, Filters, matrix, timeline
from probe.analysis.rules import decide, probe_excluded
from probe.analysis.timeline import build
from probe.collector.signing import CollectorKey
from probe.collector.storage import SqliteStorage
from probe.collector.trust import recompute
from probe.lab.history import DEFAULT_ORIGIN
from tests.analysis_rig import ASNS, DAYS, RFA_BLOCKED, START, VOD_BLOCKED, VOD_UNBLOCKED
from tests.collector_rig import collector

H0 = epoch_hour("2026-10-01T00:00:00Z")


def fact(
    outcome: str = "blocked",
    probe: str = "p1",
    hour: int = H0,
    method: str | None = "dns.nxdomain",
    confidence: str | None = "likely",
    *,
    seq: int = 0,
    category: str | None = "NEWS",
    domain: str = "www.rfa.org",
    tier: str = "vouched",
    evidence: str = "observed",
    time_ok: int = 1,
) -> Fact:
    iso = datetime.fromtimestamp(hour * 3600 + (seq % 60) * 60, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return Fact(
        seq=seq,
        uid=f"{seq:032x}",
        domain=domain,
        url=f"https://{domain}/",
        asn=38623,
        cc="KH",
        category=category,
        started_at=iso,
        hour=hour,
        outcome=outcome,
        method=method if outcome == "blocked" else None,
        confidence=confidence if outcome == "blocked" else None,
        rule_id="test",
        key_id=probe,
        tier=tier,
        evidence=evidence,
        time_ok=time_ok,
    )


def _with_seq(f: Fact, seq: int) -> Fact:
    return replace(f, seq=seq, uid=f"{seq:032x}")


# --- window rules ------------------------------------------------------------------------------------


def test_three_blocked_from_two_probes_is_blocked_likely() -> None:
    d = decide([fact(probe="p1"), fact(probe="p1", seq=1), fact(probe="p2", seq=2)])
    assert (d.state, d.rule_id, d.method, d.confidence) == (
        "blocked",
        "window.blocked",
        "dns.nxdomain",
        "likely",
    )
    assert d.probes == 2 and d.counts == {"blocked": 3}


def test_one_confirmed_measurement_makes_the_window_confirmed() -> None:
    d = decide([fact(probe="p1"), fact(probe="p2", seq=1), fact(probe="p2", seq=2, confidence="confirmed")])
    assert d.confidence == "confirmed"


def test_one_unverified_probe_never_publishes_however_many_hours() -> None:
    """Changed in 2026-12 (issue 10): one probe in three separate hours used to be enough; now one probe
    alone publishes only when it is vouched, or with a second attested probe."""
    alone = [fact(probe="p1", hour=H0 + i, seq=i, tier="unverified", evidence="attested") for i in range(5)]
    assert decide(alone).rule_id == "window.uncorroborated"
    vouched = [fact(probe="p1", seq=i) for i in range(3)]
    assert decide(vouched).state == "blocked"


def test_methods_must_agree() -> None:
    split = [fact(probe=f"p{i}", seq=i, method="dns.nxdomain" if i < 3 else "tls.reset") for i in range(5)]
    d = decide(split)
    assert (d.state, d.rule_id) == ("inconclusive", "window.uncorroborated")


def test_accessible_share_limit() -> None:
    blocked = [fact(probe=f"p{i % 2}", seq=i) for i in range(4)]
    assert decide([*blocked, fact("accessible", probe="p9", seq=9)]).state == "blocked"  # 20 %
    two = [fact("accessible", probe="p9", seq=9), fact("accessible", probe="p8", seq=8)]
    d = decide([*blocked, *two])  # 33 %
    assert (d.state, d.rule_id) == ("inconclusive", "window.mixed")


def test_one_forged_measurement_cannot_flip_a_window() -> None:
    honest = [fact("accessible", probe=f"p{i}", seq=i) for i in range(6)]
    assert decide([*honest, fact(probe="forger", seq=99, confidence="confirmed")]).state == "accessible"
    blocked = [fact(probe=f"p{i % 3}", seq=i) for i in range(6)]
    assert decide([*blocked, fact("accessible", probe="forger", seq=99)]).state == "blocked"


def test_accessible_down_and_mixed() -> None:
    assert decide([fact("accessible", seq=i) for i in range(5)]).rule_id == "window.accessible"
    assert decide([fact("down", seq=i) for i in range(5)]).rule_id == "window.down"
    mixed = [fact("down", seq=1), fact("accessible", seq=2), fact("inconclusive", seq=3), fact("down", seq=4)]
    assert decide(mixed).rule_id == "window.mixed"


def test_excluded_probes_do_not_count() -> None:
    assert probe_excluded(4, 4) and not probe_excluded(4, 3) and not probe_excluded(0, 0)
    good = [fact("accessible", probe="good", seq=5 + i) for i in range(3)]
    facts = [fact(probe="bad", seq=i) for i in range(3)] + good
    d = decide(facts, frozenset({"bad"}))
    assert (d.state, d.excluded) == ("accessible", 3)
    assert decide(facts[:3], frozenset({"bad"})).rule_id == "window.excluded"


def test_too_few_measurements_say_nothing() -> None:
    assert decide([fact("accessible"), fact("accessible", seq=1)]).rule_id == "window.sparse"
    assert decide([fact("down")]).state == "inconclusive"


def test_tiers_count_distinct_probes() -> None:
    facts = [fact(probe="a", seq=1), fact(probe="a", seq=2), fact(probe="b", seq=3, tier="unverified")]
    assert decide(facts).tiers == {"vouched": 1, "unverified": 1}


outcomes = st.sampled_from(["blocked", "accessible", "down", "inconclusive"])
fact_lists = st.lists(
    st.builds(
        lambda o, p, h, m, c: fact(o, probe=p, hour=H0 + h, method=m, confidence=c),
        outcomes,
        st.sampled_from(["p1", "p2", "p3"]),
        st.integers(0, 23),
        st.sampled_from(["dns.nxdomain", "tls.reset"]),
        st.sampled_from(["likely", "confirmed", "possible"]),
    ),
    max_size=30,
)


@given(fact_lists, st.randoms())
def test_decision_ignores_order(facts: list[Fact], rnd: object) -> None:
    shuffled = list(facts)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert decide(facts) == decide(shuffled)


@given(fact_lists)
def test_blocked_windows_meet_every_threshold(facts: list[Fact]) -> None:
    d = decide(facts)
    if d.state == "blocked":
        total = sum(d.counts.values())
        assert d.counts["blocked"] >= 3
        assert d.counts.get("accessible", 0) <= 0.2 * total
        same = sum(f.method == d.method for f in facts if f.outcome == "blocked")
        assert same >= 0.8 * d.counts["blocked"]


@given(st.integers(5, 40))
def test_a_single_unverified_probe_never_blocks(n: int) -> None:
    lone = [
        fact(probe="lone", seq=i, hour=H0 + i % 24, tier="unverified", evidence="attested") for i in range(n)
    ]
    assert decide(lone).state != "blocked"


# --- events ------------------------------------------------------------------------------------------


def day(n: int, outcome: str, probes: tuple[str, ...] = ("p1", "p2", "p3")) -> list[Fact]:
    return [fact(outcome, probe=p, hour=H0 + 24 * n + i) for i, p in enumerate(probes)]


def test_a_change_is_published_after_two_windows_with_its_bounds() -> None:
    days = [
        *day(0, "accessible"),
        *day(1, "accessible"),
        *day(2, "blocked"),
        *day(3, "blocked"),
        *day(4, "blocked"),
    ]
    facts = [_with_seq(f, i) for i, f in enumerate(days)]
    tl = build(facts, "day")
    assert [c.state for c in tl.cells] == ["accessible", "accessible", "blocked", "blocked", "blocked"]
    first, start = tl.events
    assert (first.kind, first.from_state, first.to_state) == ("state_at_start", None, "accessible")
    assert (start.kind, start.from_state, start.to_state, start.method) == (
        "blocking_start",
        "accessible",
        "blocked",
        "dns.nxdomain",
    )
    assert (
        start.last_contradicting is not None and start.first_seen is not None and start.last_seen is not None
    )
    assert start.last_contradicting.uid == facts[5].uid  # the last accessible one, day 1
    assert start.first_seen.uid == facts[6].uid  # the first blocked one, day 2
    assert start.last_seen.uid == facts[-1].uid
    assert start.ongoing and not first.ongoing
    assert start.published_at.startswith("2026-10-05")  # the end of day 3, the second blocked window


def test_one_window_is_not_a_change_and_inconclusive_breaks_a_run() -> None:
    days = [*day(0, "accessible"), *day(1, "accessible"), *day(2, "blocked"), *day(3, "accessible")]
    tl = build([_with_seq(f, i) for i, f in enumerate(days)], "day")
    assert [e.to_state for e in tl.events] == ["accessible"]
    mixed = [*day(0, "blocked"), *[fact("accessible", probe="p1", hour=H0 + 24)], *day(2, "blocked")]
    mixed += [fact("blocked", probe="x", hour=H0 + 24), fact("down", probe="y", hour=H0 + 24)]
    tl = build([_with_seq(f, i) for i, f in enumerate(mixed)], "day")
    assert "inconclusive" in [c.state for c in tl.cells]
    assert tl.events == []


# --- the known history, through the database and the API ---------------------------------------------


def connect(history_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{history_dir / 'collector.db'}?mode=ro", uri=True)


def test_history_events_bound_the_true_dates(history_dir: Path) -> None:
    conn = connect(history_dir)
    tl = timeline(conn, Filters.parse(domain="vodkhmer.news"), "day")
    on = [e for e in tl.events if e.asn == 38623]
    kinds = [e.kind for e in on]
    assert kinds == ["state_at_start", "blocking_start", "blocking_end"]
    start, end = on[1], on[2]
    assert start.method == "tls.reset"
    assert start.last_contradicting and start.first_seen
    assert start.last_contradicting.at < VOD_BLOCKED.isoformat().replace("+00:00", "Z") <= start.first_seen.at
    assert end.last_contradicting and end.first_seen
    assert end.last_contradicting.at < VOD_UNBLOCKED.isoformat().replace("+00:00", "Z") <= end.first_seen.at
    # Other networks never saw it blocked.
    assert all(e.to_state == "accessible" for e in tl.events if e.asn != 38623)


def test_history_rfa_blocked_everywhere_with_counts(history_dir: Path) -> None:
    conn = connect(history_dir)
    tl = timeline(conn, Filters.parse(domain="www.rfa.org", since=str(RFA_BLOCKED.date())), "day")
    late = [c for c in tl.cells if c.start >= epoch_hour(RFA_BLOCKED.isoformat()) + 24]
    assert late and all(c.state == "blocked" and c.decision.method == "dns.bogon" for c in late)
    assert all(c.decision.confidence == "confirmed" and c.decision.probes == 2 for c in late)
    assert {c.asn for c in late} == set(ASNS)
    row = late[0].row()
    assert row["probes_vouched"] == 1 and row["probes_unverified"] == 1  # the history's tiers alternate
    now = matrix(conn, START.replace(day=START.day + DAYS - 1))
    states = {(c.domain, c.asn): c.state for c in now}
    assert all(states[("www.rfa.org", a)] == "blocked" for a in ASNS)
    assert states[("vodkhmer.news", 38623)] == "accessible"


def test_filters_reject_bad_values() -> None:
    with pytest.raises(FilterError, match="asn"):
        Filters.parse(asn="Metfone")
    with pytest.raises(FilterError, match="since"):
        Filters.parse(since="last week")
    with pytest.raises(FilterError, match="before"):
        Filters.parse(since="2026-10-02", until="2026-10-01")
    assert Filters.parse(asn="AS38623").asn == 38623


def test_missing_facts_are_rebuilt_when_the_collector_starts(history_dir: Path) -> None:
    db = history_dir / "collector.db"
    before = connect(history_dir).execute("SELECT * FROM facts ORDER BY seq").fetchall()
    with sqlite3.connect(db) as conn:
        conn.execute("DELETE FROM facts WHERE seq % 3 = 0")
    SqliteStorage(db).close()
    # Rebuilt facts wait for the collector's own records (network evidence, time bracket) at its start.
    assert connect(history_dir).execute("SELECT count(*) FROM facts WHERE evidence IS NULL").fetchone()[0] > 0
    with sqlite3.connect(db) as conn:
        recompute(conn, CollectorKey.load_or_create(history_dir, DEFAULT_ORIGIN))
    assert connect(history_dir).execute("SELECT * FROM facts ORDER BY seq").fetchall() == before


def test_timeline_api(history_dir: Path, tmp_path: Path) -> None:
    with collector(tmp_path) as rig, rig.client() as client:
        r = client.get("/api/v1/timeline", params={"domain": "vodkhmer.news", "asn": "AS38623"})
        assert r.status_code == 200
        body = r.json()
        assert body["filters"]["asn"] == 38623 and body["rules_version"]
        assert {c["asn"] for c in body["cells"]} == {38623}
        assert [e["kind"] for e in body["events"]] == ["state_at_start", "blocking_start", "blocking_end"]
        hourly = client.get("/api/v1/timeline", params={"domain": "vodkhmer.news", "window": "hour"}).json()
        assert len(hourly["cells"]) > len(body["cells"])
        ev = client.get("/api/v1/events", params={"domain": "www.rfa.org", "country": "kh"}).json()
        assert {e["asn"] for e in ev["events"] if e["kind"] == "blocking_start"} == set(ASNS)
        bad = client.get("/api/v1/timeline", params={"window": "week"})
        assert bad.status_code == 400 and bad.json()["reason"] == "bad_filter"
        typo = client.get("/api/v1/events", params={"domian": "www.rfa.org"})
        assert typo.status_code == 400 and "'domian'" in typo.json()["detail"]
        over = client.get("/api/v1/overview", params={"at": "2026-09-24"}).json()
        cells = {(c["domain"], c["asn"]): c for c in over["cells"]}
        assert cells[("www.rfa.org", 17976)]["state"] == "blocked"
        assert cells[("www.rfa.org", 17976)]["since"]["kind"] == "blocking_start"


def test_a_date_filter_does_not_move_an_events_dates(history_dir: Path) -> None:
    conn = connect(history_dir)
    whole = timeline(conn, Filters.parse(domain="vodkhmer.news", asn="38623"), "day")
    start = next(e for e in whole.events if e.kind == "blocking_start")
    later = timeline(conn, Filters.parse(domain="vodkhmer.news", asn="38623", since="2026-09-08"), "day")
    # The blocking began before the filter's start: it is still reported, with its real dates.
    assert later.events[0] == start
    assert [e.kind for e in later.events] == ["blocking_start", "blocking_end"]
    assert min(c.start for c in later.cells) == epoch_hour("2026-09-08T00:00:00Z")


def test_windows_past_the_query_time_are_incomplete(history_dir: Path) -> None:
    conn = connect(history_dir)
    found = timeline(
        conn,
        Filters.parse(domain="www.rfa.org", asn="17976"),
        "day",
        now=datetime(2026, 9, 10, 12, tzinfo=UTC),
    )
    flags = {c.row()["start"][:10]: c.complete for c in found.cells}
    assert flags["2026-09-09"] is True and flags["2026-09-10"] is False
    cut = timeline(conn, Filters.parse(domain="www.rfa.org", until="2026-09-05T06:00:00Z"), "day")
    assert [c.complete for c in cut.cells if c.row()["start"].startswith("2026-09-05")] == [False] * len(ASNS)


def test_the_matrix_tells_a_start_before_its_window_as_the_site_page_does(history_dir: Path) -> None:
    conn = connect(history_dir)
    at = START + timedelta(days=DAYS - 1)
    now = {(c.domain, c.asn): c for c in matrix(conn, at, days=14)}
    rfa = now[("www.rfa.org", 38623)]
    assert rfa.state == "blocked" and rfa.since is not None
    # blocked since before the 14 days read: the real start, from the pair's whole history
    whole = timeline(
        conn, Filters.parse(domain="www.rfa.org", asn="38623", until=at.isoformat()), "day", now=at
    )
    assert rfa.since == whole.events[-1]
    assert rfa.since.kind == "blocking_start" and rfa.since.start_known
    assert rfa.since.first_seen is not None
    assert rfa.since.first_seen.at >= RFA_BLOCKED.isoformat().replace("+00:00", "Z")
    vod = now[("vodkhmer.news", 38623)]
    assert vod.since is not None and vod.since.kind == "blocking_end" and vod.since.start_known


outcomes = st.sampled_from(["blocked", "accessible", "down", "inconclusive"])


@given(
    st.lists(st.tuples(outcomes, st.sampled_from(["p1", "p2", "p3"]), st.integers(0, 23)), max_size=12),
    st.lists(
        st.tuples(outcomes, st.sampled_from(["x1", "x2", "p1"]), st.sampled_from(["claimed", "out_of_time"])),
        min_size=1,
        max_size=30,
    ),
)
def test_claimed_and_out_of_bracket_measurements_never_change_a_state(
    counted: list[tuple[str, str, int]], ignored: list[tuple[str, str, str]]
) -> None:
    """Issue 10: whatever a probe only claims, or dates outside its bracket, and however many vouched keys
    send it, the window's state is what the counted measurements say."""
    base = [fact(o, probe=p, hour=H0 + h, seq=i) for i, (o, p, h) in enumerate(counted)]
    noise = [
        fact(o, probe=p, seq=100 + i, **({"evidence": "claimed"} if why == "claimed" else {"time_ok": 0}))
        for i, (o, p, why) in enumerate(ignored)
    ]
    before, after = decide(base), decide([*base, *noise])
    assert (after.state, after.rule_id, after.method) == (before.state, before.rule_id, before.method)
    assert after.basis["claimed"] + after.basis["out_of_time"] == len(noise)


def test_one_site_is_one_cell_whatever_its_spelling() -> None:
    """Case and a trailing dot in a URL's host name the same site: never a second cell."""
    from probe.analysis.facts import domain_of

    assert domain_of("https://WWW.RFA.ORG./x") == domain_of("https://www.rfa.org/") == "www.rfa.org"
    assert domain_of("http://[::1") == ""  # not parseable: names no site, and never raises
