"""The overview's state, kept at ingest: one row per (domain, ASN) with its current published state.

Every stored fact marks its pair dirty in the transaction that stores it (`mark_dirty`; a control fact
also marks, through its key and day, the pairs that key measured that day, whose exclusion it may change).
A background pass (`refresh`) recomputes each dirty pair from its whole history with the same rules
(timeline.build, rules.decide) and stores the result in `pair_state`, so the overview reads one row per
pair shown, whatever the number of measurements, and a state that began long ago shows its real start.

A database whose table was never filled, or filled under other rules, is refilled in the background
(every pair marked dirty); until then the overview is computed from the facts as before (query.matrix).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from probe.analysis.facts import CONTROL_CATEGORY, FACT_COLUMNS, Fact
from probe.analysis.query import Filters, hour_of, within_period
from probe.analysis.rules import TIMELINE_RULES_VERSION, Decision
from probe.analysis.timeline import WINDOW_HOURS, Cell, Current, Event, Seen, build, current, excluded_slots
from probe.collector.db import Connection

NO_ASN = -1  # pair_state's key cannot hold NULL: a fact without an ASN is stored under -1
DAY = WINDOW_HOURS["day"]

OVERVIEW_SCHEMA = [
    # Written in the same transaction as the facts; emptied by `refresh`.
    """CREATE TABLE IF NOT EXISTS overview_dirty (
        id INTEGER PRIMARY KEY,
        domain TEXT NOT NULL,
        asn INTEGER,
        key_id TEXT,
        hour INTEGER
    ) STRICT""",
    # One pair's current state (timeline.Current as JSON), decided from its whole history.
    """CREATE TABLE IF NOT EXISTS pair_state (
        domain TEXT NOT NULL,
        asn INTEGER NOT NULL,
        last_hour INTEGER NOT NULL,
        refresh_at INTEGER,
        rules_version TEXT NOT NULL,
        state TEXT NOT NULL,
        PRIMARY KEY (domain, asn)
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS pair_state_last ON pair_state(last_hour)",
    "CREATE INDEX IF NOT EXISTS pair_state_refresh ON pair_state(refresh_at)",
    # `ready`: the rules version the whole table was last filled with ('' while it is being filled).
    "CREATE TABLE IF NOT EXISTS overview_meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT",
]


def mark_dirty(conn: Connection, facts: list[Fact]) -> None:
    """In the transaction that stores `facts`: their pairs (and, for control facts, key and day) are due."""
    seen: set[tuple[str, int | None, str | None, int | None]] = set()
    for f in facts:
        control = f.category == CONTROL_CATEGORY
        seen.add((f.domain, f.asn, f.key_id if control else None, f.hour - f.hour % DAY if control else None))
    for row in seen:
        conn.execute("INSERT INTO overview_dirty (domain, asn, key_id, hour) VALUES (?, ?, ?, ?)", list(row))


def ready(conn: Connection) -> bool:
    """True when every pair's row was filled under the current rules (the overview may read the table)."""
    row = conn.execute("SELECT value FROM overview_meta WHERE name = 'ready'").fetchone()
    return row is not None and str(row[0]) == TIMELINE_RULES_VERSION


def _meta(conn: Connection, name: str) -> str | None:
    row = conn.execute("SELECT value FROM overview_meta WHERE name = ?", [name]).fetchone()
    return str(row[0]) if row else None


def _set_meta(conn: Connection, name: str, value: str) -> None:
    conn.execute("DELETE FROM overview_meta WHERE name = ?", [name])
    conn.execute("INSERT INTO overview_meta (name, value) VALUES (?, ?)", [name, value])


def start_fill(conn: Connection) -> bool:
    """When the table was never filled under the current rules: mark every pair dirty. True if it did."""
    if _meta(conn, "filling") == TIMELINE_RULES_VERSION or ready(conn):
        return False
    conn.execute("DELETE FROM overview_dirty")
    conn.execute("INSERT INTO overview_dirty (domain, asn) SELECT DISTINCT domain, asn FROM facts")
    _set_meta(conn, "ready", "")
    _set_meta(conn, "filling", TIMELINE_RULES_VERSION)
    return True


def _pair_facts(conn: Connection, domain: str, asn: int | None) -> list[Fact]:
    same = "asn IS NULL" if asn is None else "asn = ?"
    params: list[object] = [domain] if asn is None else [domain, asn]
    rows = conn.execute(
        f"SELECT {', '.join(FACT_COLUMNS)} FROM facts WHERE domain = ? AND {same} ORDER BY hour, seq",
        params,
    ).fetchall()
    return [Fact(*r) for r in rows]


def _controls(conn: Connection, keys: set[str], before_hour: int) -> list[Fact]:
    out: list[Fact] = []
    for key in sorted(keys):
        rows = conn.execute(
            f"SELECT {', '.join(FACT_COLUMNS)} FROM facts WHERE key_id = ? AND category = ? AND hour < ? "
            "ORDER BY seq",
            [key, CONTROL_CATEGORY, before_hour],
        ).fetchall()
        out.extend(Fact(*r) for r in rows)
    return out


def decide_pair(
    conn: Connection, domain: str, asn: int | None, now: datetime
) -> tuple[Current | None, int, int | None]:
    """One pair decided from its whole history up to `now`, as query.matrix would with unbounded days:
    its current state (None when it has no fact yet), its last fact's hour, and the hour from which
    this answer is out of date though no fact arrives (its latest window closes, a later fact's time comes)."""
    until = -(-int(now.timestamp()) // 3600)  # as Filters.where: facts of the hour now lies in count
    period = Filters(until=now)
    facts: list[Fact] = []
    later: list[Fact] = []
    for f in _pair_facts(conn, domain, asn):
        (facts if f.hour < until - 1 or within_period(f.started_at, period) else later).append(f)
    # a later fact counts from its own time: look again when its hour begins (the next, if it has begun)
    future = min(max(f.hour, hour_of(now) + 1) for f in later) if later else None
    if not facts:
        return None, -1, future
    excluded = excluded_slots(_controls(conn, {f.key_id for f in facts}, until), "day")
    (state,) = current(build(facts, "day", excluded, horizon=hour_of(now)))
    latest = state.latest
    due = [h for h in (None if latest.complete else latest.start + DAY, future) if h is not None]
    return state, max(f.hour for f in facts), min(due) if due else None


@dataclass(frozen=True)
class Decided:
    domain: str
    asn: int | None
    state: Current | None
    last_hour: int
    due: int | None
    last_seq: int  # the pair's newest fact when it was decided


def _last_seq(conn: Connection, domain: str, asn: int | None) -> int:
    same = "asn IS NULL" if asn is None else "asn = ?"
    row = conn.execute(
        f"SELECT MAX(seq) FROM facts WHERE domain = ? AND {same}", [domain] if asn is None else [domain, asn]
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _store(conn: Connection, d: Decided) -> None:
    key = NO_ASN if d.asn is None else d.asn
    conn.execute("DELETE FROM pair_state WHERE domain = ? AND asn = ?", [d.domain, key])
    if d.state is None and d.due is None:
        return
    encoded = "null" if d.state is None else json.dumps(_encode(d.state), separators=(",", ":"))
    conn.execute(
        "INSERT INTO pair_state VALUES (?, ?, ?, ?, ?, ?)",
        [d.domain, key, d.last_hour, d.due, TIMELINE_RULES_VERSION, encoded],
    )


def recompute(conn: Connection, domain: str, asn: int | None, now: datetime) -> None:
    """Store one pair's row (decide_pair); a pair without facts up to now keeps a row only to be revisited."""
    _store(conn, Decided(domain, asn, *decide_pair(conn, domain, asn, now), last_seq=0))


def _pairs_of(conn: Connection, rows: list[Any]) -> set[tuple[str, int | None]]:
    """The pairs dirty entries stand for: a control fact's key and day stand for what it measured then."""
    pairs: set[tuple[str, int | None]] = set()
    for _, domain, asn, key_id, hour in rows:
        pairs.add((str(domain), None if asn is None else int(asn)))
        if key_id is not None and hour is not None:
            pairs.update(
                (str(d), None if a is None else int(a))
                for d, a in conn.execute(
                    "SELECT DISTINCT domain, asn FROM facts WHERE key_id = ? AND hour >= ? AND hour < ?",
                    [key_id, int(hour), int(hour) + DAY],
                ).fetchall()
            )
    return pairs


def _stale(conn: Connection, now: datetime, limit: int) -> set[tuple[str, int | None]]:
    return {
        (str(domain), None if int(asn) == NO_ASN else int(asn))
        for domain, asn in conn.execute(
            "SELECT domain, asn FROM pair_state WHERE refresh_at <= ? ORDER BY refresh_at LIMIT ?",
            [hour_of(now), limit],
        ).fetchall()
    }


@dataclass(frozen=True)
class Pass:
    ids: list[int]  # the dirty entries read
    decided: list[Decided]


def plan(conn: Connection, now: datetime, limit: int = 200) -> Pass:
    """The reading half of a pass (a read connection: the writer is never held while pairs are decided):
    up to `limit` dirty entries' pairs and the pairs whose latest window has closed since, decided."""
    rows = conn.execute(
        "SELECT id, domain, asn, key_id, hour FROM overview_dirty ORDER BY id LIMIT ?", [limit]
    ).fetchall()
    pairs = _pairs_of(conn, rows) | _stale(conn, now, limit)
    decided = [
        Decided(domain, asn, *decide_pair(conn, domain, asn, now), last_seq=_last_seq(conn, domain, asn))
        for domain, asn in sorted(pairs, key=lambda p: (p[0], p[1] or 0))
    ]
    return Pass([int(r[0]) for r in rows], decided)


def apply(conn: Connection, done: Pass) -> int:
    """The writing half: store what `plan` decided, except a pair that got a fact since (another pass
    decides it: its mark is still there), clear the entries it read, and mark the table ready once the
    fill is done. Returns how many pairs it stored."""
    if start_fill(conn):
        return 0  # the table is being refilled (rules changed, or reindex): every pair is marked again
    stored = 0
    for d in done.decided:
        if d.last_seq == _last_seq(conn, d.domain, d.asn):
            _store(conn, d)
            stored += 1
    for ident in done.ids:
        conn.execute("DELETE FROM overview_dirty WHERE id = ?", [ident])
    if _meta(conn, "filling") == TIMELINE_RULES_VERSION and not ready(conn):
        left = conn.execute("SELECT COUNT(*) FROM overview_dirty").fetchone()
        if not left or int(left[0]) == 0:
            _set_meta(conn, "ready", TIMELINE_RULES_VERSION)
    return stored


def refresh(conn: Connection, now: datetime, limit: int = 200) -> int:
    """One pass on one connection (plan, then apply); returns how many pairs it stored."""
    start_fill(conn)
    return apply(conn, plan(conn, now, limit))


# Pairs the table has not caught up with yet that a view decides itself; beyond this many (a burst of
# ingest the background pass has not reached) the view is computed from the facts (query.matrix).
PENDING_CAP = 50


def overview(conn: Connection, begin: datetime, now: datetime) -> list[Current] | None:
    """The overview's pairs measured since `begin`, from the table (see `ready`), with the pairs it
    has not caught up with decided here, so a view never lags ingest. None: too many pending."""
    rows = conn.execute(
        "SELECT id, domain, asn, key_id, hour FROM overview_dirty ORDER BY id LIMIT ?", [PENDING_CAP + 1]
    ).fetchall()
    if len(rows) > PENDING_CAP:
        return None
    pending = _pairs_of(conn, rows) | _stale(conn, now, PENDING_CAP + 1)
    if len(pending) > PENDING_CAP:
        return None
    found: dict[tuple[str, int | None], Current] = {}
    for (state,) in conn.execute(
        "SELECT state FROM pair_state WHERE last_hour >= ? AND rules_version = ?",
        [hour_of(begin), TIMELINE_RULES_VERSION],
    ).fetchall():
        c = _decode(json.loads(str(state)))
        found[(c.domain, c.asn)] = c
    for domain, asn in pending:
        fresh, _, _ = decide_pair(conn, domain, asn, now)
        found.pop((domain, asn), None)
        if fresh is not None:
            found[(domain, asn)] = fresh
    # the latest window's last fact is the pair's last: measured in the period as query.iter_facts tells it
    since = Filters(since=begin)
    shown = (c for c in found.values() if within_period(c.latest.last_at, since))
    return sorted(shown, key=lambda c: (c.domain, c.asn or 0))


def _encode(c: Current) -> dict[str, Any]:
    return asdict(c)


def _decision(d: dict[str, Any]) -> Decision:
    return Decision(**d)


def _seen(s: dict[str, Any] | None) -> Seen | None:
    return Seen(**s) if s is not None else None


def _decode(d: dict[str, Any]) -> Current:
    cell = dict(d["latest"])
    latest = Cell(**{**cell, "decision": _decision(cell["decision"])})
    since: Event | None = None
    if d["since"] is not None:
        e = dict(d["since"])
        since = Event(
            **{
                **e,
                "first_seen": _seen(e["first_seen"]),
                "last_seen": _seen(e["last_seen"]),
                "last_contradicting": _seen(e["last_contradicting"]),
                "basis": _decision(e["basis"]) if e["basis"] is not None else None,
            }
        )
    return Current(d["domain"], d["asn"], d["state"], d["published"], since, latest)
