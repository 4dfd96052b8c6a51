"""Getting the log's checkpoints witnessed (C2SP tlog-witness), and stopping when a witness sees a fork.

After each new checkpoint the collector sends it to every configured witness with a consistency proof
from the size that witness last cosigned (learnt from a 409 answer the first time), verifies the
cosignature/v1 it returns against the witness's configured key and keeps it (table `cosignatures`).
A witness that is down, or refuses for a reason that is not a fork (400, 403, 404, 5xx), is logged and
asked again after collector.witness_retry_s. A witness that answers 422 (the checkpoint is not
consistent with what it cosigned before), or that has cosigned a larger tree of this log than this
collector ever signed, has seen a fork signed with this log's key: the collector records it in
`signing_halts`, with the witness's answer and the request as evidence, and signs no checkpoint until an
operator has looked and run `probe collector resume`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial

import httpx

from probe.collector.db import Connection
from probe.collector.sequencer import DbHashes, SignedCheckpoint, latest
from probe.collector.storage import Storage, StorageUnavailable
from probe.log import Checkpoint, NoteError, consistency_proof
from probe.log.cosignature import CosignatureVerifier
from probe.service_settings import WitnessEndpoint
from probe.witness.protocol import request_body

log = logging.getLogger("saksi.collector.witness")

FORK = "fork"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Witness:
    url: str
    verifier: CosignatureVerifier

    @property
    def key(self) -> str:
        return self.verifier.verifier_key()

    @classmethod
    def of(cls, endpoint: WitnessEndpoint) -> Witness:
        return cls(endpoint.url, CosignatureVerifier.from_vkey(endpoint.key))


# --- the database side (run inside the storage's transactions) ---------------------------------------


def halt_reason(conn: Connection) -> str | None:
    """Why signing is stopped (a witness reported a fork), or None."""
    row = conn.execute(
        "SELECT witness, reason, halted_at FROM signing_halts WHERE cleared_at IS NULL ORDER BY id LIMIT 1"
    ).fetchone()
    return f"{row[2]}: witness {row[0]} reported: {row[1]}" if row else None


def halt(conn: Connection, witness: str, reason: str, evidence: str) -> None:
    conn.execute(
        "INSERT INTO signing_halts (witness, reason, evidence, halted_at) VALUES (?,?,?,?)",
        [witness, reason, evidence, _now()],
    )


def resume(conn: Connection, note: str) -> int:
    """Clear every open halt with the operator's note; returns how many were cleared."""
    cursor = conn.execute(
        "UPDATE signing_halts SET cleared_at = ?, cleared_note = ? WHERE cleared_at IS NULL", [_now(), note]
    )
    return int(cursor.rowcount)


def progress(conn: Connection, witness: str) -> int | None:
    row = conn.execute("SELECT size FROM witness_progress WHERE witness = ?", [witness]).fetchone()
    return int(row[0]) if row else None


def set_progress(conn: Connection, witness: str, size: int, error: str | None) -> None:
    conn.execute(
        "INSERT INTO witness_progress VALUES (?,?,?,?) ON CONFLICT (witness) DO UPDATE SET size = excluded.size, "
        "last_error = excluded.last_error, attempted_at = excluded.attempted_at",
        [witness, size, error, _now()],
    )


def note_error(conn: Connection, witness: str, error: str) -> None:
    conn.execute(
        "INSERT INTO witness_progress VALUES (?,0,?,?) ON CONFLICT (witness) DO UPDATE SET "
        "last_error = excluded.last_error, attempted_at = excluded.attempted_at",
        [witness, error, _now()],
    )


def cosigned_note(conn: Connection, head: SignedCheckpoint) -> str:
    """The checkpoint's note with every cosignature kept for it."""
    rows = conn.execute(
        "SELECT line FROM cosignatures WHERE size = ? ORDER BY witness", [head.size]
    ).fetchall()
    return head.note + "".join(str(r[0]) for r in rows)


def latest_witnessed(conn: Connection, witnesses: Sequence[str], quorum: int) -> SignedCheckpoint | None:
    """The largest checkpoint that at least `quorum` of `witnesses` cosigned, with its cosignatures."""
    if not witnesses:
        return latest(conn)
    marks = ",".join("?" * len(witnesses))
    row = conn.execute(
        f"SELECT c.size, c.root, c.note FROM checkpoints c WHERE (SELECT count(*) FROM cosignatures s "
        f"WHERE s.size = c.size AND s.witness IN ({marks})) >= ? ORDER BY c.size DESC LIMIT 1",
        [*witnesses, quorum],
    ).fetchone()
    if row is None:
        return None
    head = SignedCheckpoint(int(row[0]), bytes(row[1]), str(row[2]))
    return SignedCheckpoint(head.size, head.root, cosigned_note(conn, head))


# --- the network side -------------------------------------------------------------------------------


class Submitter:
    """Asks each witness to cosign the latest checkpoint; one `run_once` per new checkpoint or retry."""

    def __init__(
        self, db: Storage, endpoints: Sequence[WitnessEndpoint], retry_s: float, client: httpx.AsyncClient
    ) -> None:
        self.db = db
        self.witnesses = [Witness.of(e) for e in endpoints]
        self.retry_s = retry_s
        self.client = client
        self.not_before: dict[str, float] = {}

    async def run_once(self) -> None:
        for witness in self.witnesses:
            if time.monotonic() < self.not_before.get(witness.key, 0.0):
                continue
            try:
                problem = await self.submit(witness)
            except StorageUnavailable as exc:
                log.warning("witness %s: storage unavailable (%s); will retry", witness.url, exc)
                problem = "storage unavailable"
            if problem is not None:
                self.not_before[witness.key] = time.monotonic() + self.retry_s

    async def submit(self, witness: Witness) -> str | None:
        """Submit the latest checkpoint; None when cosigned (or nothing to do), else the problem."""
        # Progress first, then the head: a size recorded as cosigned was signed here before, so the head
        # read after it holds it (other collector processes on the database submit too).
        known = await self.db.read(lambda conn: progress(conn, witness.key))
        head = await self.db.read(latest)
        if head is None or await self.db.read(halt_reason) is not None:
            return None
        if known is not None and known >= head.size:
            if known > head.size:
                return await self._fork(
                    witness, f"it has cosigned {known} entries; this log signed {head.size}", ""
                )
            return None
        old = known or 0
        for _ in range(3):  # a 409 tells the witness's size; then once more with the right proof
            body = await self.db.read(partial(_body, old=old, head=head))
            try:
                response = await self.client.post(f"{witness.url}/add-checkpoint", content=body)
            except httpx.HTTPError as exc:
                return await self._error(witness, f"unreachable: {exc.__class__.__name__}")
            if response.status_code == 200:
                return await self._store(witness, head, response.text)
            if response.status_code == 409:
                try:
                    size = int(response.text.strip())
                except ValueError:
                    return await self._error(witness, "answered 409 without a tree size")
                if size > head.size:  # another process of this collector may have got there first
                    fresh = await self.db.read(latest)
                    if fresh is None or fresh.size < size:
                        return await self._fork(
                            witness,
                            f"it has cosigned {size} entries; this log signed only {head.size}",
                            body.decode(),
                        )
                    head = fresh
                old = size
                continue
            if response.status_code == 422:
                return await self._fork(witness, response.text.strip()[:500], body.decode())
            return await self._error(witness, f"HTTP {response.status_code}: {response.text.strip()[:200]}")
        return await self._error(witness, "the witness's size kept changing")

    async def _store(self, witness: Witness, head: SignedCheckpoint, answer: str) -> str | None:
        text = Checkpoint.parse(head.note.split("\n\n", 1)[0] + "\n").text()
        good = []
        for line in answer.splitlines():
            try:
                found = witness.verifier.verify_line(text, line)
            except NoteError as exc:
                return await self._error(witness, f"returned a cosignature that does not verify: {exc}")
            if found is not None:
                good.append(found)
        if not good:
            return await self._error(witness, "returned no cosignature by its configured key")
        first = good[0]

        def job(conn: Connection) -> None:
            conn.execute(
                "INSERT INTO cosignatures VALUES (?,?,?,?) ON CONFLICT (size, witness) DO NOTHING",
                [head.size, witness.key, first.timestamp, first.line],
            )
            set_progress(conn, witness.key, head.size, None)

        await self.db.write(job)
        return None

    async def _error(self, witness: Witness, problem: str) -> str:
        log.warning("witness %s: %s; will retry in %.0f s", witness.url, problem, self.retry_s)
        await self.db.write(lambda conn: note_error(conn, witness.key, problem))
        return problem

    async def _fork(self, witness: Witness, reason: str, evidence: str) -> str:
        log.error(
            "witness %s REFUSED this log's checkpoint (%s): another checkpoint signed with this log's key "
            "contradicts it. No checkpoint will be signed until an operator runs `probe collector resume`.",
            witness.url,
            reason,
        )
        await self.db.write(lambda conn: halt(conn, witness.key, reason, evidence))
        return FORK


def _body(conn: Connection, old: int, head: SignedCheckpoint) -> bytes:
    proof = consistency_proof(old, head.size, DbHashes(conn)) if 0 < old < head.size else []
    return request_body(old, proof, head.note)
