"""Timeline speed on a year of data: 1,000,000 signed measurements, 200 domains, 10 ASNs (bench/history.py).

Figures (each the median of --runs runs after one cold run, which is printed too):
- the timeline of one domain across all ASNs for the whole year, day windows (and hour windows, for scale),
  as the library computes it (`probe.analysis.query.timeline`) and as the API serves it over HTTP
  (`GET /api/v1/timeline`, a real collector on loopback, JSON included);
- the overview matrix (`probe.analysis.query.matrix`, `GET /api/v1/overview`): every (domain, ASN)'s state;
- the overview at 1,000 and at 100,000 measurements (500 pairs, facts written straight to a new database),
  as served from the table kept at ingest (probe.analysis.overview_state) and as computed per view from
  14 days of facts (`--overview-only` runs just this).
Target: each under one second; the table's figure the same at both sizes.

    python bench/timeline.py [--measurements N] [--runs R] [--data-dir DIR] [--overview-only]
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.history import END, ensure
from probe.analysis import overview_state
from probe.analysis.facts import Fact
from probe.analysis.index import insert_fact
from probe.analysis.query import Filters, matrix, timeline
from probe.collector.app import create_app
from probe.collector.schema import migrate
from probe.config import Settings
from probe.control.service import ServerThread

TARGET_S = 1.0


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, Any]:
    started = time.perf_counter()
    result = fn()
    cold = time.perf_counter() - started
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return cold, statistics.median(times), result


def report(name: str, cold: float, median: float, detail: str) -> None:
    verdict = "MET" if median < TARGET_S else "MISSED"
    print(
        f"{name:<48} median {median * 1000:8.1f} ms  (cold {cold * 1000:8.1f} ms)  {detail}  "
        f"target < {TARGET_S:.0f} s: {verdict}"
    )


def overview_scaling(runs: int) -> None:
    """The overview's latency from the table kept at ingest, beside the per-view computation."""
    now = datetime.now(UTC)
    first = int(now.timestamp()) // 3600 - 24 * 60
    for total in (1_000, 100_000):
        conn = sqlite3.connect(":memory:", isolation_level=None)
        migrate(conn, "sqlite")
        for seq in range(1, total + 1):
            pair = seq % 500
            hour = first + (seq * 24 * 60) // total
            insert_fact(
                conn,
                Fact(
                    seq=seq,
                    uid=f"{seq:032x}",
                    domain=f"site{pair // 10:02}.example",
                    url=f"https://site{pair // 10:02}.example/",
                    asn=64500 + pair % 10,
                    cc="KH",
                    category="NEWS",
                    started_at=datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                    hour=hour,
                    outcome="blocked" if pair % 7 == 0 and hour > first + 24 * 10 else "accessible",
                    method="dns.nxdomain" if pair % 7 == 0 and hour > first + 24 * 10 else None,
                    confidence="likely" if pair % 7 == 0 and hour > first + 24 * 10 else None,
                    rule_id="bench",
                    key_id=f"k{seq % 4}",
                    tier="vouched",
                    evidence="attested",
                    key_since=first - 24 * 30,
                ),
            )
        started = time.perf_counter()
        while overview_state.refresh(conn, now, limit=500):
            pass
        fill = time.perf_counter() - started
        cold, median, cells = timed(lambda c=conn: matrix(c), runs)  # type: ignore[misc]
        report(
            f"overview from the table, {total:,} measurements",
            cold,
            median,
            f"{len(cells):,} cells (table filled in {fill:.1f} s)",
        )
        cold, median, cells = timed(lambda c=conn: matrix(c, now), runs)  # type: ignore[misc]
        report(f"overview per view, {total:,} measurements", cold, median, f"{len(cells):,} cells")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--measurements", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data-dir", type=Path, help="a collector data dir (default: the cached history)")
    parser.add_argument("--overview-only", action="store_true", help="only the overview at 1k and 100k")
    args = parser.parse_args()
    overview_scaling(args.runs)
    if args.overview_only:
        return
    data = args.data_dir or ensure(args.measurements)
    conn = sqlite3.connect(f"file:{data / 'collector.db'}?mode=ro", uri=True)
    total = conn.execute("SELECT count(*) FROM facts").fetchone()[0]
    domains, asns = conn.execute("SELECT count(DISTINCT domain), count(DISTINCT asn) FROM facts").fetchone()
    first, last = conn.execute("SELECT min(started_at), max(started_at) FROM facts").fetchone()
    print(
        f"data: {total:,} measurements, {domains} domains, {asns} ASNs, {first[:10]} to {last[:10]} ({data})"
    )
    year = Filters.parse(domain="www.rfa.org")
    for window in ("day", "hour"):
        cold, median, tl = timed(lambda w=window: timeline(conn, year, w), args.runs)  # type: ignore[misc]
        rows = sum(1 for _ in conn.execute("SELECT 1 FROM facts WHERE domain = 'www.rfa.org'"))
        report(
            f"timeline www.rfa.org x all ASNs, year, {window}",
            cold,
            median,
            f"{rows:,} measurements -> {len(tl.cells):,} cells, {len(tl.events)} events",
        )
    cold, median, cells = timed(lambda: matrix(conn, END), args.runs)
    report("overview matrix (last 14 days)", cold, median, f"{len(cells):,} (domain, ASN) cells")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(collector={"data_dir": data}, store={"path": Path(tmp) / "unused.db"})
        server = ServerThread(
            uvicorn.Config(create_app(settings), host="127.0.0.9", port=0, log_level="warning")
        )
        server.start()
        try:
            with httpx.Client(base_url=f"http://127.0.0.9:{server.port}", timeout=60) as client:

                def get(path: str, **params: str) -> httpx.Response:
                    r = client.get(path, params=params)
                    r.raise_for_status()
                    return r

                cold, median, r = timed(lambda: get("/api/v1/timeline", domain="www.rfa.org"), args.runs)
                report(
                    "GET /api/v1/timeline?domain=www.rfa.org (day)", cold, median, f"{len(r.content):,} bytes"
                )
                at = END.strftime("%Y-%m-%d")
                cold, median, r = timed(lambda: get("/api/v1/overview", at=at), args.runs)
                report("GET /api/v1/overview", cold, median, f"{len(r.content):,} bytes")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
