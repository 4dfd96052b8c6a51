"""A bundle cut with `--since` holds only the earlier measurements that decide and date its events
(probe.analysis.bundle_context), however long the history before `since`: its events.json is still what
`probe export events --since` says, and `probe verify` recomputes it.

Two histories of the same site, 16 and 48 days long, each ending the same way: www.rfa.org blocked on
AS38623 from before the data begins (a state at start), unblocked 7 days before the end (a blocking_end
in force at `since`), and blocked on AS17976 from 2 days before `since` (a change still running into the
period), with www.example.com as the probes' control site."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from probe.analysis.bundle import collector_key, write_bundle
from probe.analysis.bundle_context import choose
from probe.analysis.bundle_files import bundle_timeline
from probe.analysis.bundle_verify import verify_bundle
from probe.analysis.export import export
from probe.analysis.facts import Fact
from probe.analysis.query import SELECT_FACTS, Filters
from probe.analysis.rules import PUBLISH_AFTER
from probe.analysis.timeline import build, excluded_slots
from probe.lab.history import Block, History, generate

DOMAIN = "www.rfa.org"
END = datetime(2026, 11, 1, tzinfo=UTC)
SINCE = END - timedelta(days=3)
# Windows a pair's context may hold (bundle_context): two publishing runs, a run in progress, the window
# holding `since`; and per event kept, at most three measurements for its dates alone.
MOST_WINDOWS = 2 * PUBLISH_AFTER + (PUBLISH_AFTER - 1) + 1


def history(days: int) -> History:
    start = END - timedelta(days=days)
    return History(
        domains=[DOMAIN, "www.example.com"],
        asns=(38623, 17976),
        start=start,
        days=days,
        blocks=[
            Block(DOMAIN, start - timedelta(days=1), END - timedelta(days=7), asn=38623, method="dns.bogon"),
            Block(DOMAIN, SINCE - timedelta(days=2), None, asn=17976, method="tls.reset"),
        ],
        categories={"www.example.com": "CTRL"},
        seed=11,
    )


def connect(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data_dir / 'collector.db'}?mode=ro", uri=True)


def bundle_of(data_dir: Path, tmp_path: Path, days: int) -> dict[str, Any]:
    """The bundle of www.rfa.org since SINCE: its events, manifest, size, and the context's windows."""
    path = tmp_path / f"since-{days}.zip"
    filters = Filters.parse(domain=DOMAIN, since=SINCE.isoformat())
    with connect(data_dir) as conn:
        write_bundle(conn, collector_key(data_dir), filters, path, lab_ok=True)
        _, chunks = export(conn, "events", "json", filters)
        exported = json.loads(b"".join(chunks))
        with zipfile.ZipFile(path) as z:
            events = json.loads(z.read("events.json"))["events"]
            manifest = json.loads(z.read("MANIFEST.json"))
            uids = sorted({n.split("/")[1] for n in z.namelist() if n.startswith("measurements/")})
        rows = conn.execute(
            f"SELECT uid, domain, asn, hour, category FROM facts WHERE uid IN ({','.join('?' * len(uids))})",
            uids,
        ).fetchall()
        earlier = conn.execute(
            "SELECT count(*) FROM facts WHERE domain = ? AND started_at < ?",
            [DOMAIN, SINCE.isoformat().replace("+00:00", "Z")],
        ).fetchone()[0]
    since_hour = int(SINCE.timestamp()) // 3600
    dates_only = set(manifest.get("context_dates_only", []))
    context = [r for r in rows if r[4] != "CTRL" and r[3] < since_hour]
    windows: dict[tuple[str, int], set[int]] = {}
    for uid, domain, asn, hour, _ in context:
        if uid not in dates_only:
            windows.setdefault((domain, asn), set()).add(hour // 24)
    return {
        "events": events,
        "exported": [{k: v for k, v in r.items() if k != "lab_data"} for r in exported],
        "manifest": manifest,
        "size": path.stat().st_size,
        "context": len(context),
        "earlier": earlier,
        "windows": windows,
        "dates_only": dates_only,
        "verified": verify_bundle(path),
    }


@pytest.fixture(scope="module")
def histories(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    found = {}
    for days in (16, 48):
        base = tmp_path_factory.mktemp(f"history{days}")
        generate(history(days), base / "collector")
        found[days] = base / "collector"
    return found


@pytest.fixture(scope="module")
def bundles(
    histories: dict[int, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[int, dict[str, Any]]:
    return {
        days: bundle_of(path, tmp_path_factory.mktemp(f"b{days}"), days) for days, path in histories.items()
    }


def test_a_since_bundle_dates_events_as_the_export(bundles: dict[int, dict[str, Any]]) -> None:
    for days, b in bundles.items():
        assert b["events"] == b["exported"], days
        kinds = {(e["asn"], e["kind"]) for e in b["events"]}
        assert (38623, "blocking_end") in kinds and (17976, "blocking_start") in kinds, kinds
        assert b["verified"].ok, (days, b["verified"].failed_count)
        assert b["manifest"]["counts"]["context"] == b["context"] == b["verified"].context


def test_a_long_history_does_not_grow_the_bundle(bundles: dict[int, dict[str, Any]]) -> None:
    short, long = bundles[16], bundles[48]
    assert long["earlier"] > 3 * short["earlier"]  # three times the history before `since`...
    for b in (short, long):
        assert all(len(days) <= MOST_WINDOWS for days in b["windows"].values()), b["windows"]
        assert len(b["dates_only"]) <= 3 * len(b["events"])
    # ...and about the same bundle: the context holds the same windows, whatever came before them
    assert long["context"] <= short["context"] * 1.3, (short["context"], long["context"])
    assert long["size"] <= short["size"] * 1.3, (short["size"], long["size"])
    assert long["context"] < long["earlier"] / 3


def test_the_context_decides_every_cut_as_the_whole_history(histories: dict[int, Path]) -> None:
    """At every `since` of the last twelve days (midnights and mid-day hours, so runs in progress, changes
    published the day before and windows cut in two are all met), the events and windows decided from the
    chosen context alone are those of the whole history."""
    with connect(histories[48]) as conn:
        rows = conn.execute(f"{SELECT_FACTS} ORDER BY seq").fetchall()
    facts = [Fact(*r) for r in rows]
    site = [f for f in facts if f.domain == DOMAIN]
    controls = [f for f in facts if f.category == "CTRL"]
    excluded = excluded_slots(controls, "day")
    whole = build(site, "day", excluded)
    cuts = [int((END - timedelta(hours=h)).timestamp()) // 3600 for h in range(12, 12 * 24, 12)]
    for hour in cuts:
        chosen = choose(whole, hour)
        earlier = [f for f in site if f.hour < hour and (chosen.wanted(f) or chosen.dated(f))]
        later = [f for f in site if f.hour >= hour]
        dates_only = frozenset(f.uid for f in earlier if chosen.dated(f))
        since = datetime.fromtimestamp(hour * 3600, UTC)
        bounded = bundle_timeline(later, controls, None, earlier, since, dates_only)
        expected = whole.since(hour)
        assert [e.row() for e in bounded.events] == [e.row() for e in expected.events], since
        assert [c.row() for c in bounded.cells] == [c.row() for c in expected.cells], since
        assert len(earlier) < len([f for f in site if f.hour < hour]) / 3, since
