"""Keeping the facts table in step with stored measurements: at ingest, at start, and on demand."""

from __future__ import annotations

import base64
import json

from probe.analysis.facts import FACT_COLUMNS, Fact, fact_of
from probe.analysis.overview_state import mark_dirty
from probe.collector.db import Connection
from probe.models.measurement import Measurement

INSERT_FACT = f"INSERT INTO facts ({', '.join(FACT_COLUMNS)}) VALUES ({', '.join('?' * len(FACT_COLUMNS))})"


def insert_fact(conn: Connection, fact: Fact) -> None:
    conn.execute(INSERT_FACT, fact.row())
    mark_dirty(conn, [fact])


def payload_of(envelope: str) -> bytes:
    return base64.b64decode(json.loads(envelope)["payload"])


def reindex(conn: Connection, *, rebuild: bool = False, batch: int = 5000) -> int:
    """Extract facts for measurements that have none (every measurement with `rebuild`); returns how many.
    Runs inside the caller's transaction."""
    if rebuild:
        conn.execute("DELETE FROM facts")
    # Facts rebuilt here have no network evidence until the collector's start recomputes it: the overview
    # table is refilled from scratch after that (probe.analysis.overview_state.start_fill).
    conn.execute("DELETE FROM overview_meta")
    conn.execute("DELETE FROM pair_state")
    done = 0
    after = 0
    while True:
        rows = conn.execute(
            "SELECT m.seq, m.envelope, m.asn, m.tier FROM measurements m "
            "WHERE m.seq > ? AND NOT EXISTS (SELECT 1 FROM facts f WHERE f.seq = m.seq) ORDER BY m.seq LIMIT ?",
            [after, batch],
        ).fetchall()
        if not rows:
            return done
        for seq, envelope, asn, tier in rows:
            m = Measurement.model_validate_json(payload_of(envelope))
            insert_fact(conn, fact_of(m, seq=seq, observed_asn=asn, tier=tier))
        # Network evidence and time brackets need the collector's key and records: unknown (NULL, never
        # counted) until the collector recomputes them at start (probe.collector.trust).
        conn.executemany(
            "UPDATE facts SET evidence = NULL, time_ok = NULL WHERE seq = ?", [(row[0],) for row in rows]
        )
        done += len(rows)
        after = rows[-1][0]


def behind(conn: Connection) -> bool:
    """Whether some measurement has no fact (a database from before facts, or one repaired by hand)."""
    measurements = conn.execute("SELECT count(*) FROM measurements").fetchone()[0]
    return bool(measurements != conn.execute("SELECT count(*) FROM facts").fetchone()[0])
