"""What the collector sets up at start for its trust model: the network names it shows (from its own
ip2asn table, never from probes) and the network evidence of measurements stored before it existed.

A database from before migration 3 (or facts rebuilt by `reindex`) has facts whose evidence is unknown
(NULL). They are recomputed here from what the collector kept: the envelope, the receipt's time, the
network it observed the upload from, the key's enrolment and the checkpoints it signed. What cannot be
confirmed is `claimed`. The collector says how many once in its log.
"""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

from pydantic import ValidationError

from probe.analysis.facts import epoch_hour
from probe.analysis.index import payload_of
from probe.asn import AsnTable
from probe.collector.attest import network_evidence, time_bracket
from probe.collector.db import MIGRATION_LOCK, Connection, is_postgres
from probe.collector.signing import CollectorKey
from probe.collector.storage import Storage
from probe.models.measurement import Measurement

log = logging.getLogger("saksi.collector")


def store_names(conn: Connection, asn: AsnTable) -> int:
    """Replace the `networks` table with this collector's ip2asn names and countries; returns how many.
    Without a table (none imported yet) the names stored before are kept."""
    if not len(asn):
        return 0
    _one_at_a_time(conn)
    rows: dict[int, tuple[str, str]] = {}
    for number in asn.asns():
        found = asn.network(number)
        if found is not None:
            rows[number] = (found.name[:256], found.cc[:8])
    conn.execute("DELETE FROM networks")
    if rows:
        conn.executemany(
            "INSERT INTO networks (asn, name, cc) VALUES (?, ?, ?)",
            [(n, name, cc) for n, (name, cc) in sorted(rows.items())],
        )
    return len(rows)


def recompute(
    conn: Connection, key: CollectorKey, batch: int = 2000, max_batches: int | None = None
) -> dict[str, int]:
    """Network evidence, time bracket, key age and country (from the `networks` table) for every fact
    whose evidence is unknown (at most `max_batches` batches); returns how many of each."""
    _one_at_a_time(conn)
    control_keys = {key.key_id: key.private.public_key()}
    countries = {int(n): str(cc) for n, cc in conn.execute("SELECT asn, cc FROM networks").fetchall()}
    anchors: dict[int, tuple[bytes, str] | None] = {}

    def anchor(size: int) -> tuple[bytes, str] | None:
        if size not in anchors:
            row = conn.execute("SELECT root, signed_at FROM checkpoints WHERE size = ?", [size]).fetchone()
            anchors[size] = (bytes(row[0]), str(row[1])) if row else None
        return anchors[size]

    totals: dict[str, int] = {}
    done = 0
    while max_batches is None or done < max_batches:
        done += 1
        rows = conn.execute(
            "SELECT f.seq, m.envelope, m.asn, m.key_id, m.received_at, p.enrolled_at FROM facts f "
            "JOIN measurements m ON m.seq = f.seq LEFT JOIN probes p ON p.key_id = m.key_id "
            "WHERE f.evidence IS NULL ORDER BY f.seq LIMIT ?",
            [batch],
        ).fetchall()
        if not rows:
            break
        updates: list[tuple[Any, ...]] = []
        for seq, envelope, observed, key_id, received_at, enrolled_at in rows:
            try:
                m = Measurement.model_validate_json(payload_of(envelope))
            except (ValidationError, ValueError, KeyError, json.JSONDecodeError):
                updates.append(("claimed", 0, 0, None, seq))  # unreadable today: never counted
                totals["unreadable"] = totals.get("unreadable", 0) + 1
                continue
            attestation = network_evidence(m, key_id, observed, control_keys)
            anchor_at = None
            if m.time_anchor is not None:
                found = anchor(m.time_anchor.tree_size)
                if found and base64.b64encode(found[0]).decode() == m.time_anchor.root_hash:
                    anchor_at = found[1]
            enrolled = enrolled_at or received_at
            bracket = time_bracket(m.started_at, received_at, enrolled, anchor_at, attestation)
            number = m.probe.asn if m.probe.asn is not None else observed
            updates.append(
                (
                    attestation.evidence,
                    int(bracket.inside),
                    epoch_hour(enrolled),
                    countries.get(number) if number is not None else None,
                    seq,
                )
            )
            totals[attestation.evidence] = totals.get(attestation.evidence, 0) + 1
        conn.executemany(
            "UPDATE facts SET evidence = ?, time_ok = ?, key_since = ?, cc = ? WHERE seq = ?", updates
        )
    return totals


def _one_at_a_time(conn: Connection) -> None:
    """Collectors starting together on one PostgreSQL database take turns (the migrations' lock)."""
    if is_postgres(conn):
        conn.execute("SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK])


async def start_trust(db: Storage, key: CollectorKey, asn: AsnTable) -> None:
    await db.write(lambda conn: store_names(conn, asn))
    totals: dict[str, int] = {}
    while True:  # one transaction per batch: a large database is worked through without one long lock
        found = await db.write(lambda conn: recompute(conn, key, max_batches=1))
        if not found:
            break
        for what, n in found.items():
            totals[what] = totals.get(what, 0) + n
    if totals:
        log.warning(
            "network evidence recomputed for %d measurements stored before it existed: %s; what could not "
            "be confirmed is 'claimed' and not counted in timelines",
            sum(totals.values()),
            ", ".join(f"{n} {what}" for what, n in sorted(totals.items())),
        )
