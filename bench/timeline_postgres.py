"""Timeline speed on PostgreSQL: the year of bench/timeline.py (bench/history.py, 1,000,000 signed
measurements) loaded into a fresh database on a throwaway PostgreSQL server (probe/lab/postgres.py).

Loading: `probe.collector.migrate.copy_sqlite_to_postgres` (every table, bytes unchanged) when it exists,
or with `--loader facts` (or when the copy refuses the database: a history cached by an older collector
version has columns the current schema lacks) only the `facts` table (all the timeline reads), copied with
COPY into the schema the collector creates; the printout says which. Then ANALYZE. Loading is timed apart and not part of the figures.

Figures, as in bench/timeline.py (each the median of --runs runs after one cold run, printed too), all
through `PgStorage(dsn).read(...)`: the timeline of one domain across all ASNs for the whole year (day and
hour windows) and the overview matrix. Target: each under one second. `--explain` prints EXPLAIN ANALYZE
of the SQL each figure issues.

    python bench/timeline_postgres.py [--measurements N] [--runs R] [--loader migrate|facts] [--explain]
                                      [--data-dir DIR]
    python bench/timeline_postgres.py --dsn postgresql://...   # a database loaded before: no server, no load
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.history import END, ensure
from bench.timeline import report, timed
from probe.analysis.facts import CONTROL_CATEGORY, FACT_COLUMNS
from probe.analysis.query import MATRIX_DAYS, SELECT_FACTS, Filters, matrix, timeline
from probe.collector.db import Connection
from probe.collector.pg_storage import PgStorage
from probe.lab import postgres


def load_facts(sqlite_path: Path, dsn: str) -> int:
    """Copy the `facts` table alone, with COPY, into the schema PgStorage creates; returns the rows."""
    import psycopg

    PgStorage(dsn, pool_size=1).close()  # the collector's schema, indexes included
    source = sqlite3.connect(f"file:{sqlite_path}?mode=ro", uri=True)
    rows = 0
    columns = ", ".join(FACT_COLUMNS)
    with (
        psycopg.connect(dsn) as conn,
        conn.cursor() as cur,
        cur.copy(f"COPY facts ({columns}) FROM STDIN") as copy,
    ):
        cursor = source.execute(f"SELECT {columns} FROM facts ORDER BY seq")
        while batch := cursor.fetchmany(10_000):
            for row in batch:
                copy.write_row(row)
            rows += len(batch)
    source.close()
    return rows


def load(sqlite_path: Path, dsn: str, loader: str) -> str:
    """Fill the database; returns what was done, for the printout."""
    started = time.perf_counter()
    what = ""
    if loader == "migrate":
        from probe.collector.migrate import MigrationError, copy_sqlite_to_postgres

        try:
            report = copy_sqlite_to_postgres(sqlite_path, dsn)
            what = (
                f"copy_sqlite_to_postgres, every table and checked ({report.rows:,} rows: "
                + ", ".join(f"{table} {rows:,}" for table, rows in report.tables.items())
                + f"; {len(report.checks)} checks passed)"
            )
        except MigrationError as exc:  # one transaction: nothing was kept
            print(f"copy_sqlite_to_postgres refused this database ({exc}): loading the facts table alone")
            started = time.perf_counter()
    if not what:
        rows = load_facts(sqlite_path, dsn)
        what = f"facts only, COPY ({rows:,} rows)"
    copied = time.perf_counter() - started
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("ANALYZE")
    return f"{what} in {copied:.1f} s, ANALYZE {time.perf_counter() - started - copied:.1f} s"


@contextmanager
def database(args: argparse.Namespace, sqlite_path: Path) -> Iterator[str]:
    if args.dsn:
        print(f"database: {args.dsn} (given: not loaded again)")
        yield args.dsn
        return
    with postgres.server("shared_buffers=256MB") as server:
        dsn = postgres.fresh_database(server.dsn)
        print(f"server: {postgres.version()}, throwaway cluster, shared_buffers=256MB, fsync on")
        print(f"loaded: {load(sqlite_path, dsn, args.loader)}")
        yield dsn


def explain(storage: PgStorage, run: Callable[[Any], Any], sql: str, params: list[object]) -> None:
    def plan(conn: Connection) -> list[str]:
        return [str(r[0]) for r in conn.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}", params).fetchall()]

    for line in run(storage.read(plan)):
        print(f"    {line}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--measurements", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--loader",
        choices=("migrate", "facts"),
        default="migrate",
        help="migrate: probe.collector.migrate.copy_sqlite_to_postgres (every table); facts: the facts table "
        "alone",
    )
    parser.add_argument("--data-dir", type=Path, help="a collector data dir (default: the cached history)")
    parser.add_argument("--dsn", help="a database already loaded: no server is started, nothing loaded")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of each query's SQL")
    args = parser.parse_args()
    sqlite_path = (args.data_dir or ensure(args.measurements)) / "collector.db"
    loop = asyncio.new_event_loop()
    run = loop.run_until_complete
    with database(args, sqlite_path) as dsn:
        storage = PgStorage(dsn)
        try:

            def one(sql: str, params: list[object] | None = None) -> Any:
                return run(storage.read(lambda conn: conn.execute(sql, params or []).fetchone()))

            total, domains, asns, first, last = one(
                "SELECT count(*), count(DISTINCT domain), count(DISTINCT asn), min(started_at), "
                "max(started_at) FROM facts"
            )
            print(
                f"data: {total:,} measurements, {domains} domains, {asns} ASNs, {first[:10]} to {last[:10]}"
            )
            year = Filters.parse(domain="www.rfa.org")
            rows = one("SELECT count(*) FROM facts WHERE domain = ?", ["www.rfa.org"])[0]
            for window in ("day", "hour"):
                cold, median, tl = timed(
                    lambda w=window: run(storage.read(lambda conn: timeline(conn, year, w))),  # type: ignore[misc]
                    args.runs,
                )
                report(
                    f"timeline www.rfa.org x all ASNs, year, {window}",
                    cold,
                    median,
                    f"{rows:,} measurements -> {len(tl.cells):,} cells, {len(tl.events)} events",
                )
            if args.explain:
                print("  EXPLAIN ANALYZE, the timeline's facts (the same SQL for both windows):")
                explain(
                    storage,
                    run,
                    f"{SELECT_FACTS} WHERE domain = ? ORDER BY domain, asn, hour, seq",
                    ["www.rfa.org"],
                )
                print("  EXPLAIN ANALYZE, the timeline's control facts:")
                explain(storage, run, f"{SELECT_FACTS} WHERE category = ? ORDER BY seq", [CONTROL_CATEGORY])
            cold, median, cells = timed(lambda: run(storage.read(lambda conn: matrix(conn, END))), args.runs)
            report(
                f"overview matrix (last {MATRIX_DAYS} days)",
                cold,
                median,
                f"{len(cells):,} (domain, ASN) cells",
            )
            if args.explain:
                window = Filters(since=END - timedelta(days=MATRIX_DAYS), until=END)
                where, params = window.where()
                print("  EXPLAIN ANALYZE, the matrix's facts:")
                explain(storage, run, f"{SELECT_FACTS}{where} ORDER BY domain, asn, hour, seq", params)
                controls = Filters(category=CONTROL_CATEGORY, since=window.since, until=window.until)
                where, params = controls.where()
                print("  EXPLAIN ANALYZE, the matrix's control facts:")
                explain(storage, run, f"{SELECT_FACTS}{where} ORDER BY seq", params)
        finally:
            storage.close()
            loop.close()


if __name__ == "__main__":
    main()
