"""Reading an evidence bundle's measurements from the collector's database (read only): its rows (the
stored envelope and receipt), the selection rule in SQL (bundle_files.in_filters in Python), the probes'
control measurements, and the earlier measurements a bundle cut with `since` holds (bundle_context).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from probe.analysis.bundle_context import Context, choose
from probe.analysis.bundle_files import WINDOW
from probe.analysis.facts import CONTROL_CATEGORY, FACT_COLUMNS, Fact
from probe.analysis.query import Filters
from probe.analysis.timeline import WINDOW_HOURS, build, excluded_slots
from probe.collector.db import Connection


@dataclass(frozen=True)
class Row:
    uid: str
    log_index: int
    envelope: str
    receipt: str
    key_id: str
    payload_sha256: str
    asn: int | None
    received_at: str
    tier: str


ROW_SQL = (
    "SELECT m.uid, m.log_index, m.envelope, m.receipt, m.key_id, m.payload_sha256, m.asn, m.received_at, "
    "m.tier FROM facts f JOIN measurements m ON m.seq = f.seq"
)


def selection(filters: Filters) -> tuple[str, list[object]]:
    scope = Filters(asn=filters.asn, since=filters.since, until=filters.until)
    where, params = scope.where()
    where = where.replace("asn", "f.asn").replace("hour", "f.hour")
    if filters.domain is not None:
        # the site and its subdomains (a domain holds no % or _ that LIKE would take as a pattern)
        where = (where + " AND " if where else " WHERE ") + "(f.domain = ? OR f.domain LIKE ?)"
        params += [filters.domain, "%." + filters.domain]
    return where, params


def read_rows(conn: Connection, sql: str, params: Sequence[object]) -> Iterator[Row]:
    cursor = conn.execute(sql, params)
    while batch := cursor.fetchmany(2000):
        for r in batch:
            yield Row(*r)


def control_rows(
    conn: Connection, filters: Filters, keys: Sequence[str], size: int, windows: Sequence[int] = ()
) -> Iterator[Row]:
    """The control measurements of the probes `keys` in the period of `filters`, or, with `windows`, in
    those windows (their start hours) only."""
    where, params = Filters(since=filters.since, until=filters.until).where()
    where = where.replace("hour", "f.hour")
    where = (where + " AND " if where else " WHERE ") + "f.category = ? AND m.log_index < ?"
    params += [CONTROL_CATEGORY, size]
    if windows:
        hours = WINDOW_HOURS[WINDOW]
        where += f" AND f.hour - f.hour % {hours} IN ({','.join('?' * len(windows))})"
        params += list(windows)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        yield from read_rows(
            conn,
            f"{ROW_SQL}{where} AND f.key_id IN ({','.join('?' * len(chunk))}) ORDER BY m.uid",
            [*params, *chunk],
        )


FACT_SQL = (
    f"SELECT {', '.join('m.log_index' if c == 'seq' else 'f.' + c for c in FACT_COLUMNS)} "
    "FROM facts f JOIN measurements m ON m.seq = f.seq"
)


def context_of(
    conn: Connection, filters: Filters, size: int, horizon: int | None
) -> tuple[Context, list[Fact]]:
    """Which measurements from before `since` to bundle (probe.analysis.bundle_context), decided from the
    timeline of the whole history in the log, read from the facts table (no envelope is opened); and the
    measurements before `since` it chose from."""
    assert filters.since is not None
    where, params = selection(replace(filters, since=None))
    facts = [Fact(*r) for r in conn.execute(f"{FACT_SQL}{where} AND m.log_index < ?", [*params, size])]
    keys = sorted({f.key_id for f in facts})
    controls: list[Fact] = []
    scope, scope_params = Filters(until=filters.until).where()
    scope = scope.replace("hour", "f.hour")
    scope = (scope + " AND " if scope else " WHERE ") + "f.category = ? AND m.log_index < ?"
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        rows = conn.execute(
            f"{FACT_SQL}{scope} AND f.key_id IN ({','.join('?' * len(chunk))})",
            [*scope_params, CONTROL_CATEGORY, size, *chunk],
        )
        controls.extend(Fact(*r) for r in rows)
    history = build(facts, WINDOW, excluded_slots(controls, WINDOW), horizon=horizon)
    hour = int(filters.since.timestamp()) // 3600
    return choose(history, hour), [f for f in facts if f.hour < hour]


def rows_of(conn: Connection, uids: Sequence[str]) -> Iterator[Row]:
    """The rows of these measurements, by uid."""
    for start in range(0, len(uids), 500):
        chunk = uids[start : start + 500]
        yield from read_rows(
            conn,
            f"{ROW_SQL} WHERE m.uid IN ({','.join('?' * len(chunk))}) ORDER BY m.uid",
            chunk,
        )
