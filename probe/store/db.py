"""The probe's store. A measurement is committed here before anyone is shown it.

SQLite in WAL mode with synchronous=FULL: a measurement acknowledged by `save` survives a crash or a
power cut. The folder is created private to the user (0700): results say what a volunteer tested.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from probe.models.measurement import Measurement
from probe.models.target import Fingerprint, TargetEntry
from probe.sign.dsse import Envelope
from probe.store.lean import Database
from probe.store.migrations import migrations

TIME_ANCHOR_KEY = "time_anchor"  # kv: the latest collector checkpoint seen, as a TimeAnchor
LIST_ORIGIN_PREFIX = "list_origin:"  # kv: "collector" for a list the daemon fetched; imported lists have none
PROBLEM_PREFIX = "problem:"  # kv: the latest problem of each kind, "<UTC time> <sentence>"


class StoreError(Exception):
    """The store cannot be opened or used; the message says what to do."""


@dataclass(frozen=True)
class StoredRow:
    uid: str
    started_at: str
    url: str
    outcome: str
    method: str | None
    confidence: str | None
    rule_id: str
    upload: (
        str | None
    )  # pending, uploaded, dead (reason), interrupted (kept here only), or None when unsigned


@dataclass(frozen=True)
class OutboxItem:
    uid: str
    key_id: str
    payload_sha256: str
    envelope: Envelope
    attempts: int
    started_at: str


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # One connection, used from the event loop and from the writer thread under `_lock`.
            self.db = Database(sqlite3.connect(path, check_same_thread=False), strict=True)
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA busy_timeout=5000")
            migrations.apply(self.db)
            self._lock = threading.RLock()
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the store at {path} ({exc}); set store.path (or PROBE_STORE__PATH) to a "
                "writable file"
            ) from None

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # measurements -------------------------------------------------------------------------------

    async def save_async(
        self, m: Measurement, envelope: Envelope | None = None, payload_sha256: str | None = None
    ) -> None:
        """`save` on the writer thread: a durable commit (an fsync) must not stall every URL in flight."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._writer, self.save, m, envelope, payload_sha256)

    def save(
        self,
        m: Measurement,
        envelope: Envelope | None = None,
        payload_sha256: str | None = None,
        *,
        interrupted: bool = False,
    ) -> None:
        """Store a measurement and, when signed, its envelope and an outbox entry, in one transaction.

        An `interrupted` measurement (stopped by Ctrl-C or SIGTERM before it finished) is kept here only,
        unsigned and never in the outbox: it is not evidence of anything.
        """
        if interrupted and envelope is not None:
            raise ValueError("an interrupted measurement is never signed or uploaded")
        with self._lock, self.db.atomic():
            self.db.execute(
                "INSERT INTO measurements (uid, started_at, url, hostname, category_code, outcome, method, "
                "confidence, rule_id, payload, interrupted) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                [
                    m.measurement_uid,
                    m.started_at,
                    m.target.url,
                    _hostname(m.target.url),
                    m.target.category_code,
                    m.verdict.outcome.value,
                    m.verdict.method.value if m.verdict.method else None,
                    m.verdict.confidence.value if m.verdict.confidence else None,
                    m.verdict.rule_id,
                    m.model_dump_json(),
                    int(interrupted),
                ],
            )
            if envelope is not None and payload_sha256 is not None:
                key_id = envelope.signatures[0].keyid
                self.db.execute(
                    "INSERT INTO envelopes VALUES (?,?,?,?)",
                    [m.measurement_uid, payload_sha256, key_id, envelope.model_dump_json()],
                )
                now = utc_now()
                self.db.execute(
                    "INSERT INTO outbox (uid, state, next_attempt_at, updated_at) VALUES (?, 'pending', ?, ?)",
                    [m.measurement_uid, now, now],
                )

    def rows(
        self,
        *,
        outcome: str | None = None,
        method: str | None = None,
        host: str | None = None,
        since: str | None = None,
        limit: int = 50,
    ) -> list[StoredRow]:
        where, args = ["1=1"], []
        for column, value in (("outcome", outcome), ("hostname", host)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if method:
            where.append("(method = ? OR method LIKE ?)")
            args += [method, f"{method}.%"]
        if since:
            where.append("started_at >= ?")
            args.append(since)
        sql = (
            "SELECT m.uid, started_at, url, outcome, method, confidence, rule_id, "
            "CASE WHEN m.interrupted = 1 THEN 'interrupted (kept here only)' "
            "WHEN o.state = 'dead' THEN 'dead: ' || coalesce(o.last_error, '') ELSE o.state END "
            "FROM measurements m LEFT JOIN outbox o ON o.uid = m.uid "
            f"WHERE {' AND '.join(where)} ORDER BY started_at DESC, m.uid LIMIT ?"
        )
        return [StoredRow(*r) for r in self.db.execute(sql, [*args, limit]).fetchall()]

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM measurements").fetchone()[0])

    def find(self, uid_prefix: str) -> list[Measurement]:
        rows = self.db.execute(
            "SELECT payload FROM measurements WHERE uid LIKE ? LIMIT 2", [uid_prefix.lower() + "%"]
        ).fetchall()
        return [Measurement.model_validate_json(r[0]) for r in rows]

    # outbox ---------------------------------------------------------------------------------------

    def outbox_due(self, now: str, limit: int) -> list[OutboxItem]:
        """Pending items whose next attempt is due, oldest measurement first."""
        rows = self.db.execute(
            "SELECT o.uid, e.key_id, e.payload_sha256, e.envelope, o.attempts, m.started_at FROM outbox o "
            "JOIN envelopes e ON e.uid = o.uid JOIN measurements m ON m.uid = o.uid "
            "WHERE o.state = 'pending' AND o.next_attempt_at <= ? ORDER BY m.started_at, o.uid LIMIT ?",
            [now, limit],
        ).fetchall()
        return [
            OutboxItem(uid, key, digest, Envelope.model_validate_json(env), attempts, started)
            for uid, key, digest, env, attempts, started in rows
        ]

    def keep_local(self, uid: str) -> None:
        """Take a measurement out of the outbox for good (made where it must not be used): it stays here only,
        unsigned, marked like an interrupted one."""
        with self._lock, self.db.atomic():
            self.db.execute("DELETE FROM outbox WHERE uid = ? AND state = 'pending'", [uid])
            self.db.execute(
                "DELETE FROM envelopes WHERE uid = ? AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.uid = ?)",
                [uid, uid],
            )
            self.db.execute("UPDATE measurements SET interrupted = 1 WHERE uid = ?", [uid])

    def mark_uploaded(self, uid: str, receipt_json: str) -> None:
        with self._lock, self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET state = 'uploaded', receipt = ?, last_error = NULL, updated_at = ? WHERE uid = ?",
                [receipt_json, utc_now(), uid],
            )

    def mark_dead(self, uid: str, reason: str) -> None:
        with self._lock, self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET state = 'dead', last_error = ?, attempts = attempts + 1, updated_at = ? "
                "WHERE uid = ?",
                [reason, utc_now(), uid],
            )

    def schedule_retry(self, uid: str, next_attempt_at: str, error: str) -> None:
        with self._lock, self.db.atomic():
            self.db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, updated_at = ? "
                "WHERE uid = ? AND state = 'pending'",
                [next_attempt_at, error, utc_now(), uid],
            )

    def outbox_counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, count(*) FROM outbox GROUP BY state").fetchall()
        return {state: int(n) for state, n in rows}

    def oldest_pending(self) -> str | None:
        row = self.db.execute(
            "SELECT min(m.started_at) FROM outbox o JOIN measurements m ON m.uid = o.uid WHERE o.state = 'pending'"
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    def dead_reasons(self) -> list[tuple[str, int]]:
        rows = self.db.execute(
            "SELECT coalesce(last_error, ''), count(*) FROM outbox WHERE state = 'dead' GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        return [(str(r), int(n)) for r, n in rows]

    def receipt(self, uid: str) -> str | None:
        row = self.db.execute("SELECT receipt FROM outbox WHERE uid = ?", [uid]).fetchone()
        return str(row[0]) if row and row[0] else None

    def envelope(self, uid: str) -> Envelope | None:
        row = self.db.execute("SELECT envelope FROM envelopes WHERE uid = ?", [uid]).fetchone()
        return Envelope.model_validate_json(row[0]) if row else None

    # enrolments and small settings ----------------------------------------------------------------

    def is_enrolled(self, collector: str, key_id: str) -> bool:
        row = self.db.execute(
            "SELECT 1 FROM enrolments WHERE collector = ? AND key_id = ?", [collector, key_id]
        ).fetchone()
        return row is not None

    def enrolled_tier(self, collector: str, key_id: str) -> str | None:
        row = self.db.execute(
            "SELECT tier FROM enrolments WHERE collector = ? AND key_id = ?", [collector, key_id]
        ).fetchone()
        return str(row[0]) if row else None

    def mark_enrolled(self, collector: str, key_id: str, tier: str) -> None:
        with self._lock, self.db.atomic():
            self.db.execute(
                "INSERT OR REPLACE INTO enrolments VALUES (?, ?, ?, ?)", [collector, key_id, tier, utc_now()]
            )

    def kv_get(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM kv WHERE key = ?", [key]).fetchone()
        return str(row[0]) if row else None

    def kv_set(self, key: str, value: str) -> None:
        with self._lock, self.db.atomic():
            self.db.execute("INSERT OR REPLACE INTO kv VALUES (?, ?)", [key, value])

    def kv_delete(self, key: str) -> None:
        with self._lock, self.db.atomic():
            self.db.execute("DELETE FROM kv WHERE key = ?", [key])

    def kv_items(self, prefix: str) -> list[tuple[str, str]]:
        """The (key, value) pairs whose key starts with `prefix`, by key."""
        rows = self.db.execute(
            "SELECT key, value FROM kv WHERE substr(key, 1, ?) = ? ORDER BY key", [len(prefix), prefix]
        ).fetchall()
        return [(str(k), str(v)) for k, v in rows]

    # problems, by kind: what `probe status` reports and exits non-zero for -----------------------

    def note_problem(self, kind: str, message: str) -> None:
        """Keep the latest problem of `kind` (run, network, upload, enrolment, lists) with its time."""
        self.kv_set(PROBLEM_PREFIX + kind, f"{utc_now()} {message}")

    def clear_problem(self, kind: str) -> None:
        self.kv_delete(PROBLEM_PREFIX + kind)

    def problems(self) -> dict[str, str]:
        return {k.removeprefix(PROBLEM_PREFIX): v for k, v in self.kv_items(PROBLEM_PREFIX)}

    # runs of the daemon -------------------------------------------------------------------------

    def start_run(self, kind: str, planned: int) -> int:
        with self._lock, self.db.atomic():
            cur = self.db.execute(
                "INSERT INTO runs (kind, started_at, state, planned) VALUES (?, ?, 'running', ?)",
                [kind, utc_now(), planned],
            )
        return int(cur.lastrowid or 0)

    def finish_run(self, run_id: int, state: str = "done") -> None:
        with self._lock, self.db.atomic():
            started = self.db.execute("SELECT started_at FROM runs WHERE id = ?", [run_id]).fetchone()[0]
            measured = self.db.execute(
                "SELECT count(*) FROM measurements WHERE started_at >= ?", [started]
            ).fetchone()[0]
            self.db.execute(
                "UPDATE runs SET state = ?, finished_at = ?, measured = ? WHERE id = ?",
                [state, utc_now(), measured, run_id],
            )

    def close_interrupted_runs(self) -> list[tuple[int, int, int]]:
        """Runs left `running` by a crash: mark them interrupted, counting what they stored.

        Returns (run id, planned, measured) for each. Measurements are committed one by one, so what an
        interrupted run measured is kept, and nothing is measured or counted twice.
        """
        out = []
        with self._lock, self.db.atomic():
            rows = self.db.execute(
                "SELECT id, started_at, planned FROM runs WHERE state = 'running' ORDER BY id"
            ).fetchall()
            for run_id, started, planned in rows:
                later = self.db.execute(
                    "SELECT min(started_at) FROM runs WHERE started_at > ?", [started]
                ).fetchone()[0]
                measured = self.db.execute(
                    "SELECT count(*) FROM measurements WHERE started_at >= ? AND (? IS NULL OR started_at < ?)",
                    [started, later, later],
                ).fetchone()[0]
                self.db.execute(
                    "UPDATE runs SET state = 'interrupted', measured = ? WHERE id = ?", [measured, run_id]
                )
                out.append((int(run_id), int(planned), int(measured)))
        return out

    def last_run(self) -> tuple[str, str | None, str, int, int | None, str] | None:
        """The latest run of any kind (`probe run`, a daemon's full or watch run)."""
        row = self.db.execute(
            "SELECT started_at, finished_at, state, planned, measured, kind FROM runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
        return (str(row[0]), row[1], str(row[2]), int(row[3]), row[4], str(row[5])) if row else None

    # lists and fingerprints ---------------------------------------------------------------------

    def import_list(self, name: str, entries: list[TargetEntry]) -> int:
        with self._lock, self.db.atomic():
            self.db.execute("DELETE FROM list_entries WHERE list = ?", [name])
            self.db.table("list_entries").insert_all(
                (e.model_dump(exclude={"list"}) | {"list": name} for e in entries), batch_size=500
            )
        return len(entries)

    def remove_list(self, name: str) -> int:
        with self._lock, self.db.atomic():
            cursor = self.db.execute("DELETE FROM list_entries WHERE list = ?", [name])
        return int(cursor.rowcount)

    def lists(self) -> dict[str, list[TargetEntry]]:
        out: dict[str, list[TargetEntry]] = {}
        for row in self.db["list_entries"].rows_where(order_by="list, rowid"):
            out.setdefault(row["list"], []).append(TargetEntry(**row))
        return out

    def import_fingerprints(self, fingerprints: list[Fingerprint]) -> int:
        with self._lock, self.db.atomic():
            self.db.table("fingerprints").upsert_all(
                ({"name": f.name, "body": f.model_dump_json()} for f in fingerprints), pk="name"
            )
        return len(fingerprints)

    def fingerprints(self) -> list[Fingerprint]:
        return [Fingerprint.model_validate_json(r["body"]) for r in self.db["fingerprints"].rows]


def _hostname(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""
