"""The witness's durable state and its one decision: cosign, or refuse and say why (C2SP tlog-witness).

Per log (origin) it keeps the latest checkpoint it cosigned; every cosignature it gave (history) and every
conflicting checkpoint it refused (conflicts, with both signed checkpoints as proof). The check against
the stored size and the update are one SQLite transaction (BEGIN IMMEDIATE, synchronous=FULL, WAL), and
the cosignature is returned only after that transaction committed, so a crash at any instant can never
lead it to cosign a checkpoint inconsistent with one it cosigned before.
"""

from __future__ import annotations

import base64
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from probe.log import EMPTY_ROOT, Checkpoint, NoteError, NoteSignatureError, NoteVerifier, ProofError
from probe.log.cosignature import CosignatureSigner
from probe.log.merkle import verify_consistency
from probe.witness.protocol import AddCheckpoint

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS logs (
        origin TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        root BLOB NOT NULL,
        note TEXT NOT NULL,
        cosigned_note TEXT NOT NULL,
        timestamp INTEGER NOT NULL
    ) STRICT""",
    """CREATE TABLE IF NOT EXISTS history (
        origin TEXT NOT NULL,
        size INTEGER NOT NULL,
        root BLOB NOT NULL,
        timestamp INTEGER NOT NULL,
        cosignature TEXT NOT NULL
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS history_origin ON history(origin, size)",
    """CREATE TABLE IF NOT EXISTS conflicts (
        id INTEGER PRIMARY KEY,
        origin TEXT NOT NULL,
        kind TEXT NOT NULL,
        held_note TEXT NOT NULL,
        offered_note TEXT NOT NULL,
        old_size INTEGER NOT NULL,
        proof TEXT NOT NULL,
        recorded_at TEXT NOT NULL
    ) STRICT""",
]

# Conflict kinds: a fork proven by two signed checkpoints alone, or a checkpoint the log could not link.
SAME_SIZE_OTHER_ROOT = "same-size-different-root"
NO_CONSISTENCY = "consistency-proof-failed"


@dataclass(frozen=True)
class Answer:
    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class Conflict:
    id: int
    origin: str
    kind: str
    held_note: str
    offered_note: str
    old_size: int
    recorded_at: str


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


class WitnessState:
    """The witness: its key, the logs it trusts (origin -> verifiers) and its database."""

    def __init__(
        self,
        path: Path,
        signer: CosignatureSigner,
        logs: Sequence[NoteVerifier],
        clock: Callable[[], float] = time.time,
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.signer = signer
        self.logs: dict[str, list[NoteVerifier]] = {}
        for verifier in logs:
            self.logs.setdefault(verifier.name, []).append(verifier)
        self.clock = clock
        self._conn = _connect(path)
        self._lock = threading.Lock()
        with self._lock:
            for statement in SCHEMA:
                self._conn.execute(statement)

    def close(self) -> None:
        self._conn.close()

    # the protocol's decision ------------------------------------------------------------------------

    def add_checkpoint(self, request: AddCheckpoint) -> Answer:
        checkpoint = request.checkpoint
        verifiers = self.logs.get(checkpoint.origin)
        if verifiers is None:
            return Answer(404, f"this witness does not know the log {checkpoint.origin!r}\n")
        if not self._signed(request.note, verifiers):
            return Answer(403, "the checkpoint carries no valid signature by a key this witness trusts\n")
        if request.old_size > checkpoint.size:
            return Answer(400, "the old size is larger than the checkpoint's size\n")
        with self._lock:
            conn = self._conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                answer = self._decide(conn, request)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return answer

    @staticmethod
    def _signed(note: str, verifiers: list[NoteVerifier]) -> bool:
        good = False
        for verifier in verifiers:
            try:
                verifier.verify(note)
                good = True
            except NoteSignatureError:
                return False  # a line with a trusted name and key id that does not verify: malformed
            except NoteError:
                continue
        return good

    def _decide(self, conn: sqlite3.Connection, request: AddCheckpoint) -> Answer:
        checkpoint = request.checkpoint
        row = conn.execute(
            "SELECT size, root, note, timestamp FROM logs WHERE origin = ?", [checkpoint.origin]
        ).fetchone()
        held_size, held_root, held_note, last_time = (
            (int(row[0]), bytes(row[1]), str(row[2]), int(row[3])) if row else (0, EMPTY_ROOT, "", 0)
        )
        if request.old_size != held_size:
            return Answer(409, f"{held_size}\n", "text/x.tlog.size")
        if checkpoint.size == 0 and checkpoint.root != EMPTY_ROOT:
            return Answer(422, "a checkpoint of size zero must have the empty tree's root\n")
        if request.old_size == 0:
            if request.proof:
                return Answer(422, "a consistency proof from size zero must be empty\n")
        elif request.old_size == checkpoint.size:
            if checkpoint.root != held_root:
                self._conflict(conn, request, held_note, SAME_SIZE_OTHER_ROOT)
                return Answer(422, "FORK: this log signed two different roots for the same size\n")
        else:
            try:
                verify_consistency(
                    request.old_size, checkpoint.size, held_root, checkpoint.root, list(request.proof)
                )
            except ProofError:
                self._conflict(conn, request, held_note, NO_CONSISTENCY)
                return Answer(
                    422, "the consistency proof does not link this checkpoint to the one cosigned before\n"
                )
        # Cosignature times never go backwards, even if the clock does: brackets stay ordered.
        timestamp = max(int(self.clock()), last_time, 1)
        line = self.signer.signature_line(checkpoint.text(), timestamp)
        cosigned = request.note + line
        conn.execute(
            "INSERT INTO logs VALUES (?,?,?,?,?,?) ON CONFLICT (origin) DO UPDATE SET size = excluded.size, "
            "root = excluded.root, note = excluded.note, cosigned_note = excluded.cosigned_note, "
            "timestamp = excluded.timestamp",
            [checkpoint.origin, checkpoint.size, checkpoint.root, request.note, cosigned, timestamp],
        )
        conn.execute(
            "INSERT INTO history VALUES (?,?,?,?,?)",
            [checkpoint.origin, checkpoint.size, checkpoint.root, timestamp, line],
        )
        return Answer(200, line)

    def _conflict(self, conn: sqlite3.Connection, request: AddCheckpoint, held: str, kind: str) -> None:
        conn.execute(
            "INSERT INTO conflicts (origin, kind, held_note, offered_note, old_size, proof, recorded_at) "
            "VALUES (?,?,?,?,?,?,?)",
            [
                request.checkpoint.origin,
                kind,
                held,
                request.note,
                request.old_size,
                "\n".join(base64.b64encode(h).decode() for h in request.proof),
                datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            ],
        )

    # reads ------------------------------------------------------------------------------------------

    def cosigned(self, origin: str) -> str | None:
        """The latest cosigned checkpoint of `origin`: the log's note plus this witness's cosignature."""
        with self._lock:
            row = self._conn.execute("SELECT cosigned_note FROM logs WHERE origin = ?", [origin]).fetchone()
        return str(row[0]) if row else None

    def origins(self) -> dict[str, Checkpoint]:
        with self._lock:
            rows = self._conn.execute("SELECT origin, note FROM logs ORDER BY origin").fetchall()
        return {str(o): Checkpoint.parse(str(n).split("\n\n", 1)[0] + "\n") for o, n in rows}

    def conflicts(self) -> list[Conflict]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT id, origin, kind, held_note, offered_note, old_size, recorded_at FROM conflicts "
                "ORDER BY id"
            ).fetchall()
        return [
            Conflict(int(r[0]), str(r[1]), str(r[2]), str(r[3]), str(r[4]), int(r[5]), str(r[6]))
            for r in rows
        ]

    def history(self, origin: str) -> list[tuple[int, bytes, int]]:
        """(size, root, timestamp) of every cosignature given for `origin`, in order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT size, root, timestamp FROM history WHERE origin = ? ORDER BY rowid", [origin]
            ).fetchall()
        return [(int(s), bytes(r), int(t)) for s, r, t in rows]
