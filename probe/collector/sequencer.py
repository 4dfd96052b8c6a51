"""The log sequencer: appends new statements to the Merkle tree and signs a checkpoint, atomically.

One job, run by the storage's single writer (on PostgreSQL, by the one collector holding the sequencer's
advisory lock): read the statements not yet in the log (by row number; a row that several collectors
committed out of that order simply joins the next round),
append their leaves (storing every completed subtree hash), compute the new root, check a consistency
proof from the previous checkpoint, sign the new checkpoint, and commit all of it in one transaction. While a witness's fork report is
open (table signing_halts, probe.collector.witnessing) it signs nothing.
The log can therefore never sign a checkpoint inconsistent with one it signed before.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime

from probe.collector.db import Connection, take_sequencer
from probe.collector.signing import CollectorKey
from probe.log import Checkpoint, CompactRange, consistency_proof, leaf_hash, verify_consistency
from probe.sign.jcs import canonical

BATCH = 50_000


class DbHashes:
    """probe.log's HashSource over the log_nodes table: one lookup per complete aligned subtree."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def range_hash(self, start: int, end: int) -> bytes:
        level = (end - start).bit_length() - 1
        row = self.conn.execute(
            "SELECT hash FROM log_nodes WHERE level = ? AND idx = ?", [level, start >> level]
        ).fetchone()
        if row is None:
            raise LookupError(f"no stored subtree for leaves [{start}, {end})")
        return bytes(row[0])


class SigningHalted(Exception):
    """A witness reported a fork; the sequencer signs nothing until an operator clears the halt."""


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str


def statement_bytes(payload_sha256: str, key_id: str, asn: int | None, received_at: str) -> bytes:
    """The RFC 8785 bytes of a LogStatement (built as a dict: this runs once per log entry)."""
    statement = {"asn": asn, "key_id": key_id, "payload_sha256": payload_sha256, "received_at": received_at}
    return canonical(statement)


def latest(conn: Connection) -> SignedCheckpoint | None:
    row = conn.execute("SELECT size, root, note FROM checkpoints ORDER BY size DESC LIMIT 1").fetchone()
    return SignedCheckpoint(int(row[0]), bytes(row[1]), str(row[2])) if row else None


def sequence(conn: Connection, key: CollectorKey) -> SignedCheckpoint | None:
    """Append what is new and sign a checkpoint; None when nothing was new, or when another collector
    holds the sequencer's lock (PostgreSQL). Runs inside a transaction."""
    if not take_sequencer(conn):
        return None
    halted = conn.execute("SELECT 1 FROM signing_halts WHERE cleared_at IS NULL LIMIT 1").fetchone()
    if halted is not None:
        raise SigningHalted(
            "a witness reported a fork of this log: no checkpoint is signed until an operator runs "
            "`probe collector resume` (see `probe collector witnesses`)"
        )
    rows = conn.execute(
        "SELECT seq, payload_sha256, key_id, asn, received_at FROM measurements WHERE log_index IS NULL "
        "ORDER BY seq LIMIT ?",
        [BATCH],
    ).fetchall()
    if not rows:
        return None
    previous = latest(conn)
    hashes = DbHashes(conn)
    tree = CompactRange.from_source(previous.size, hashes) if previous else CompactRange()
    if previous and tree.root() != previous.root:
        raise RuntimeError("the stored tree does not match the last checkpoint; refusing to sign")
    nodes: list[tuple[int, int, bytes]] = []
    updates: list[tuple[int, int]] = []
    for seq, digest, key_id, asn, received_at in rows:
        index = tree.size
        for node in tree.append(leaf_hash(statement_bytes(digest, key_id, asn, received_at))):
            nodes.append((node.level, node.index, node.hash))
        updates.append((index, seq))
    conn.executemany("INSERT INTO log_nodes VALUES (?,?,?)", nodes)
    conn.executemany("UPDATE measurements SET log_index = ? WHERE seq = ?", updates)
    root = tree.root()
    if previous and previous.size > 0:
        proof = consistency_proof(previous.size, tree.size, hashes)
        verify_consistency(previous.size, tree.size, previous.root, root, proof)
    note = key.notes.sign(Checkpoint(key.origin, tree.size, root).text())
    signed_at = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    conn.execute("INSERT INTO checkpoints VALUES (?,?,?,?)", [tree.size, root, note, signed_at])
    return SignedCheckpoint(tree.size, root, note)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
