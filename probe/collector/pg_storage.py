"""PostgreSQL, for several collectors on one database (psycopg 3 with a connection pool).

Each write job is one transaction on a pooled connection; a 2xx is sent only after its COMMIT returned
(synchronous_commit stays on). Ingest is grouped as on SQLite, and a group is written with COPY into a
temporary staging table and one `INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING`, so an envelope
sent to two collectors at once is stored once and both answer with the stored receipt.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from probe.analysis.facts import FACT_COLUMNS, Fact
from probe.analysis.overview_state import mark_dirty
from probe.collector.db import Connection, PgConnection
from probe.collector.schema import migrate
from probe.collector.storage import NewMeasurement, SqlStorage, StorageUnavailable, Stored

T = TypeVar("T")

STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS staging (ord INTEGER, payload_sha256 TEXT, uid TEXT, key_id TEXT, "
    "asn BIGINT, tier TEXT, received_at TEXT, started_at TEXT, url TEXT, envelope TEXT, receipt TEXT) "
    "ON COMMIT DELETE ROWS"
)
COLUMNS = "payload_sha256, uid, key_id, asn, tier, received_at, started_at, url, envelope, receipt"


class PgStorage(SqlStorage):
    def __init__(self, dsn: str, *, pool_size: int = 8) -> None:
        super().__init__()
        try:
            import psycopg
            from psycopg_pool import ConnectionPool
        except ImportError:
            raise StorageUnavailable(
                "PostgreSQL needs psycopg: install the postgresql extra (pip install '.[postgresql]' in a checkout of "
                "Saksi, or the wheel built from it with [postgresql])"
            ) from None
        self._errors: tuple[type[BaseException], ...] = (psycopg.OperationalError, psycopg.errors.DiskFull)
        self.dsn = dsn
        try:
            self.pool = ConnectionPool(dsn, min_size=1, max_size=pool_size, open=True, timeout=10)
            self.pool.wait(timeout=10)
        except Exception as exc:
            raise StorageUnavailable(f"cannot connect to PostgreSQL ({exc})") from exc
        self._threads = ThreadPoolExecutor(max_workers=pool_size, thread_name_prefix="collector-pg")
        self._run(lambda conn: migrate(conn, "postgresql"))

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        self.pool.close()

    def _run(self, job: Callable[[Connection], T]) -> T:
        try:
            with self.pool.connection() as raw, raw.transaction():
                return job(PgConnection(raw))
        except self._errors as exc:
            raise StorageUnavailable(str(exc)) from exc

    async def write(self, job: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run, job)

    async def read(self, job: Callable[[Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, self._run, job)

    def read_blocking(self, job: Callable[[Connection], T]) -> T:
        return self._run(job)

    def insert_all(self, conn: Connection, items: list[NewMeasurement]) -> list[Stored]:
        assert isinstance(conn, PgConnection)
        raw: Any = conn.raw
        raw.execute(STAGING)
        with raw.cursor().copy(f"COPY staging (ord, {COLUMNS}) FROM STDIN") as copy:
            for i, m in enumerate(items):
                copy.write_row(
                    (
                        i,
                        m.payload_sha256,
                        m.uid,
                        m.key_id,
                        m.asn,
                        m.tier,
                        m.received_at,
                        m.started_at,
                        m.url,
                        m.envelope,
                        m.receipt,
                    )
                )
        inserted = raw.execute(
            f"INSERT INTO measurements ({COLUMNS}) SELECT {COLUMNS} FROM staging ORDER BY ord "
            "ON CONFLICT DO NOTHING RETURNING seq, payload_sha256"
        ).fetchall()
        seq_of = {sha: int(seq) for seq, sha in inserted}
        missing = sorted({m.payload_sha256 for m in items} - seq_of.keys())
        stored = (
            dict(
                raw.execute(
                    "SELECT payload_sha256, receipt FROM measurements WHERE payload_sha256 = ANY(%s)",
                    [missing],
                ).fetchall()
            )
            if missing
            else {}
        )
        out: list[Stored] = []
        facts = []
        new_facts: list[Fact] = []
        first: dict[str, str] = {}  # payload -> the receipt stored for it in this group
        for m in items:
            sha = m.payload_sha256
            if sha in seq_of and sha not in first:
                first[sha] = m.receipt
                if m.fact is not None:
                    new_facts.append(dataclasses.replace(m.fact, seq=seq_of[sha]))
                    facts.append(new_facts[-1].row())
                out.append(Stored(201, m.receipt))
            elif sha in first:
                out.append(Stored(200, first[sha]))
            elif sha in stored:
                out.append(Stored(200, str(stored[sha])))
            else:  # the uid is stored with other bytes
                raw.execute(
                    "INSERT INTO quarantine (uid, payload_sha256, envelope, received_at, reason) "
                    "VALUES (%s, %s, %s, %s, %s)",
                    [m.uid, sha, m.envelope, m.received_at, "conflict"],
                )
                out.append(Stored(409, None))
        if facts:
            with raw.cursor().copy(f"COPY facts ({', '.join(FACT_COLUMNS)}) FROM STDIN") as copy:
                for row in facts:
                    copy.write_row(row)
            mark_dirty(conn, new_facts)
        return out
