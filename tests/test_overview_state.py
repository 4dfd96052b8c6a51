"""The overview kept at ingest (probe.analysis.overview_state) tells what the rules tell from the facts:
on the known history, on random facts, for a state older than the overview's 14 days, and after ingest."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sqlite3
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probe.analysis import overview_state
from probe.analysis.facts import Fact, epoch_hour
from probe.analysis.index import insert_fact
from probe.analysis.query import Filters, excluded_windows, hour_of, iter_facts, matrix
from probe.analysis.timeline import Current, build, current
from probe.collector.schema import migrate
from probe.collector.storage import NewMeasurement
from tests.analysis_rig import DAYS, START
from tests.storage_backends import MakeStorage, make_storage  # noqa: F401 (fixture)


def direct(conn: sqlite3.Connection, at: datetime, days: int = 14) -> list[Current]:
    """The oracle: every pair measured in the `days` before `at`, decided from its whole history."""
    read = Filters(until=at)
    everything = current(
        build(iter_facts(conn, read), "day", excluded_windows(conn, read, "day"), horizon=hour_of(at))
    )
    begin = at - timedelta(days=days)
    shown = {(f.domain, f.asn) for f in iter_facts(conn, Filters(since=begin, until=at), order="seq")}
    return sorted((c for c in everything if (c.domain, c.asn) in shown), key=lambda c: (c.domain, c.asn or 0))


def fill(conn: sqlite3.Connection, now: datetime) -> None:
    while (
        overview_state.refresh(conn, now) or conn.execute("SELECT COUNT(*) FROM overview_dirty").fetchone()[0]
    ):
        pass
    assert overview_state.ready(conn)


def test_the_table_equals_the_rules_on_the_known_history(history_dir: Path, tmp_path: Path) -> None:
    shutil.copy(history_dir / "collector.db", tmp_path / "c.db")
    conn = sqlite3.connect(tmp_path / "c.db", isolation_level=None)
    at = START + timedelta(days=DAYS - 1)
    assert not overview_state.ready(conn)  # never filled: the overview is computed per view
    fill(conn, at)
    begin = at - timedelta(days=14)
    from_table = overview_state.overview(conn, begin, at)
    assert from_table and from_table == direct(conn, at)
    # and the per-view computation agrees on every pair's state
    assert [(c.domain, c.asn, c.state) for c in from_table] == [
        (c.domain, c.asn, c.state) for c in sorted(matrix(conn, at), key=lambda c: (c.domain, c.asn or 0))
    ]


BASE = epoch_hour("2026-09-01T00:00:00Z")
PROBES = {"p1": "vouched", "p2": "unverified", "p3": "unverified", "p4": "vouched"}


def make_fact(
    seq: int, domain: str, asn: int | None, probe: str, hour: int, outcome: str, extra: tuple[str, str, int]
) -> Fact:
    category, evidence, time_ok = extra
    at = datetime.fromtimestamp(hour * 3600 + seq % 3600, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return Fact(
        seq=seq,
        uid=f"{seq:032x}",
        domain=domain,
        url=f"https://{domain}/",
        asn=asn,
        cc="KH",
        category=category,
        started_at=at,
        hour=hour,
        outcome=outcome,
        method="dns.nxdomain" if outcome == "blocked" else None,
        confidence="likely" if outcome == "blocked" else None,
        rule_id="test",
        key_id=probe,
        tier=PROBES[probe],
        evidence=evidence,
        time_ok=time_ok,
        key_since=BASE - 24 * 30,
    )


facts_strategy = st.lists(
    st.tuples(
        st.sampled_from(["a.example", "b.example", "ctrl.example"]),
        st.sampled_from([1, 2, None]),
        st.sampled_from(list(PROBES)),
        st.integers(0, 24 * 25),
        st.sampled_from(["blocked", "blocked", "accessible", "down", "inconclusive"]),
        st.sampled_from(
            [
                ("NEWS", "attested", 1),
                ("NEWS", "observed", 1),
                ("NEWS", "claimed", 1),
                ("NEWS", "observed", 0),
            ]
        ),
    ),
    max_size=80,
)


def memory() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    migrate(conn, "sqlite")
    return conn


@settings(max_examples=40, deadline=None)
@given(facts_strategy, st.integers(0, 24 * 26))
def test_the_table_equals_the_rules_on_random_facts(rows: list[tuple], when: int) -> None:  # type: ignore[type-arg]
    conn = memory()
    now = datetime.fromtimestamp((BASE + when) * 3600 + 1800, UTC)
    half = len(rows) // 2
    for seq, (domain, asn, probe, hour, outcome, extra) in enumerate(rows[:half], 1):
        if domain == "ctrl.example":
            extra = ("CTRL", extra[1], extra[2])
        insert_fact(conn, make_fact(seq, domain, asn, probe, BASE + hour, outcome, extra))
    fill(conn, now)
    # then more facts arrive after the fill, and time passes: only what they touched is recomputed
    for seq, (domain, asn, probe, hour, outcome, extra) in enumerate(rows[half:], half + 1):
        if domain == "ctrl.example":
            extra = ("CTRL", extra[1], extra[2])
        insert_fact(conn, make_fact(seq, domain, asn, probe, BASE + hour, outcome, extra))
    later = now + timedelta(days=2)
    # a view before the background pass has caught up decides the pending pairs itself: it never lags
    assert overview_state.overview(conn, later - timedelta(days=14), later) == direct(conn, later)
    fill(conn, later)
    assert overview_state.overview(conn, later - timedelta(days=14), later) == direct(conn, later)


def blocked_since(days_ago: int, now: datetime) -> list[Fact]:
    out = []
    seq = 0
    first = hour_of(now) - 24 * (days_ago + 10)
    for day in range(days_ago + 10):
        outcome = "accessible" if day < 10 else "blocked"
        for probe in ("p1", "p4"):
            for h in (2, 9, 15):
                seq += 1
                out.append(
                    make_fact(
                        seq,
                        "www.rfa.org",
                        38623,
                        probe,
                        first + 24 * day + h,
                        outcome,
                        ("NEWS", "attested", 1),
                    )
                )
    return out


def test_a_pair_blocked_for_40_days_shows_its_true_start() -> None:
    conn = memory()
    now = datetime.now(UTC)
    for f in blocked_since(40, now):
        insert_fact(conn, f)
    fill(conn, now)
    (cell,) = matrix(conn)
    assert cell.state == "blocked" and cell.published and cell.since is not None
    assert cell.since.kind == "blocking_start" and cell.since.start_known
    assert cell.since.first_seen is not None and cell.since.last_contradicting is not None
    started = datetime.fromisoformat(cell.since.first_seen.at.replace("Z", "+00:00"))
    assert timedelta(days=39) < now - started <= timedelta(days=40)


def test_a_rules_change_refills_the_table() -> None:
    conn = memory()
    now = datetime.now(UTC)
    for f in blocked_since(20, now):
        insert_fact(conn, f)
    fill(conn, now)
    conn.execute("UPDATE overview_meta SET value = 'older' WHERE name IN ('ready', 'filling')")
    assert not overview_state.ready(conn)
    assert len(matrix(conn)) == 1  # computed per view meanwhile
    fill(conn, now)
    assert overview_state.overview(conn, now - timedelta(days=14), now) == direct(conn, now)


def test_ingest_updates_the_table(make_storage: MakeStorage, tmp_path: Path) -> None:  # noqa: F811
    storage = make_storage(tmp_path)
    now = datetime.now(UTC)
    facts = blocked_since(5, now)

    def item(f: Fact) -> NewMeasurement:
        return NewMeasurement(
            payload_sha256=f"{f.seq:064x}",
            uid=f.uid,
            key_id=f.key_id,
            asn=f.asn,
            tier=f.tier,
            received_at=f.started_at,
            started_at=f.started_at,
            envelope="{}",
            receipt=f'{{"n":{f.seq}}}',
            url=f.url,
            fact=f,
        )

    async def run() -> None:
        accessible = [f for f in facts if f.outcome == "accessible"]
        await storage.store([item(f) for f in accessible])
        while await storage.write(lambda c: overview_state.refresh(c, now)):
            pass
        (before,) = await storage.read(matrix)
        assert before.state == "accessible" and await storage.read(overview_state.ready)
        await storage.store([item(f) for f in facts if f.outcome == "blocked"])
        assert (
            await storage.read(lambda c: c.execute("SELECT COUNT(*) FROM overview_dirty").fetchone()[0]) > 0
        )
        while await storage.write(lambda c: overview_state.refresh(c, now)):
            pass
        (after,) = await storage.read(matrix)
        assert after.state == "blocked" and after.since is not None and after.since.kind == "blocking_start"

    try:
        asyncio.run(run())
    finally:
        storage.close()


def test_a_collector_with_facts_fills_the_table_and_says_so_once(
    history_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.collector_rig import collector

    assert history_dir == tmp_path / "collector"  # the rig's data dir: the collector starts on the history
    caplog.set_level(logging.INFO, logger="saksi.collector")
    with collector(tmp_path):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            conn = sqlite3.connect(f"file:{history_dir / 'collector.db'}?mode=ro", uri=True)
            try:
                if overview_state.ready(conn):
                    break
            finally:
                conn.close()
            time.sleep(0.2)
    conn = sqlite3.connect(f"file:{history_dir / 'collector.db'}?mode=ro", uri=True)
    assert overview_state.ready(conn)
    pairs = conn.execute("SELECT COUNT(*) FROM (SELECT DISTINCT domain, asn FROM facts)").fetchone()[0]
    assert conn.execute("SELECT COUNT(*) FROM pair_state").fetchone()[0] == pairs > 0
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("overview:")]
    assert said[0].startswith("overview: filling its table") and said.count(said[0]) == 1
    assert "overview: table filled" in said
