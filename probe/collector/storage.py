"""The collector's storage, behind one narrow interface; SQLite is the embedded backend, PostgreSQL
(`probe.collector.pg_storage`) the one for several collectors.

SQLite runs in WAL mode with synchronous=FULL: a 2xx is sent only after the commit that holds the
envelope returned. One writer thread does every write, and ingest requests are grouped into one commit
(group commit), which is what makes thousands of durable inserts a second possible.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import sqlite3
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Protocol, TypeVar

from probe.analysis.facts import Fact
from probe.analysis.index import behind, insert_fact, reindex
from probe.collector.db import Connection
from probe.collector.schema import migrate
from probe.service_settings import CollectorSettings

T = TypeVar("T")

DB_FILE = "collector.db"

log = logging.getLogger("saksi.collector")


class StorageUnavailable(Exception):
    """Nothing was stored (disk full, database locked): the client should retry later (503)."""


@dataclass(frozen=True)
class NewMeasurement:
    payload_sha256: str
    uid: str
    key_id: str
    asn: int | None
    tier: str
    received_at: str
    started_at: str
    envelope: str
    receipt: str
    url: str = ""
    fact: Fact | None = None  # its seq is filled in when stored


@dataclass(frozen=True)
class Stored:
    status: int  # 201 new, 200 duplicate (receipt is the original), 409 same uid with other bytes,
    # 422 the database refused this item alone (reason says why; the rest of its group was stored)
    receipt: str | None
    reason: str | None = None


@dataclass(frozen=True)
class ProbeRow:
    key_id: str
    public_key: bytes
    tier: str
    enrolled_at: str
    revoked_at: str | None
    superseded_at: str | None = None  # when it vouched for its successor, if it did


@dataclass(frozen=True)
class MeasurementRow:
    payload_sha256: str
    uid: str
    key_id: str
    asn: int | None
    received_at: str
    envelope: str
    receipt: str
    log_index: int | None


class Storage(Protocol):
    """What the collector needs from a database. Every write method is durable when it returns."""

    async def store(self, items: list[NewMeasurement]) -> list[Stored]: ...
    async def enrol(self, row: ProbeRow) -> tuple[ProbeRow, bool]: ...
    async def probe(self, key_id: str) -> ProbeRow | None: ...
    async def add_invite(self, token_sha256: str, created_at: str) -> None: ...
    async def use_invite(self, token_sha256: str, key_id: str, used_at: str) -> bool: ...
    async def revoke(self, key_id: str, revoked_at: str) -> int: ...
    async def measurement(self, ident: str) -> MeasurementRow | None: ...
    async def write(self, job: Callable[[Connection], T]) -> T: ...
    async def read(self, job: Callable[[Connection], T]) -> T: ...
    def close(self) -> None: ...


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=10)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def _full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or "disk is full" in str(exc)


class SqlStorage(ABC):
    """What both backends share: group commit for ingest, and every other method as portable SQL run
    through the backend's `write` (one transaction, durable when it returns) and `read`."""

    GROUP_MAX = 1000  # envelopes per commit

    def __init__(self) -> None:
        self._pending: list[tuple[NewMeasurement, asyncio.Future[Stored]]] = []
        self._flushing: asyncio.Task[None] | None = None

    @abstractmethod
    async def write(self, job: Callable[[Connection], T]) -> T:
        """Run `job` in one write transaction; durable when this returns."""

    @abstractmethod
    async def read(self, job: Callable[[Connection], T]) -> T:
        """Run `job` on a connection that sees every committed write."""

    @abstractmethod
    def read_blocking(self, job: Callable[[Connection], T]) -> T:
        """`read` on the calling thread (a thread of another pool: limits.HeavyReads)."""

    @abstractmethod
    def close(self) -> None: ...

    def insert_all(self, conn: Connection, items: list[NewMeasurement]) -> list[Stored]:
        """Insert a group of new measurements (and their facts) in the caller's transaction."""
        return insert_each(conn, items)

    # ingest with group commit -------------------------------------------------------------------

    async def store(self, items: list[NewMeasurement]) -> list[Stored]:
        loop = asyncio.get_running_loop()
        futures = [loop.create_future() for _ in items]
        self._pending.extend(zip(items, futures, strict=True))
        if self._flushing is None or self._flushing.done():
            self._flushing = loop.create_task(self._flush())
        return list(await asyncio.gather(*futures))

    async def _flush(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.GROUP_MAX], self._pending[self.GROUP_MAX :]
            await self._commit_group(batch)

    async def _commit_group(self, batch: list[tuple[NewMeasurement, asyncio.Future[Stored]]]) -> None:
        """Commit a group. When the database is unavailable, every item is told so (503, retry); when it
        refuses the group for what an item holds, the group is halved and each half committed on its own,
        down to the one item it refuses, which alone gets a 422: one bad item never fails another."""
        try:
            items = [item for item, _ in batch]
            results = await self.write(partial(self.insert_all, items=items))
        except StorageUnavailable as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except Exception as exc:
            if len(batch) > 1:
                half = len(batch) // 2
                await self._commit_group(batch[:half])
                await self._commit_group(batch[half:])
                return
            item, future = batch[0]
            log.warning("ingest: the database refused measurement %s (%s)", item.uid[:64], type(exc).__name__)
            results = [Stored(422, None, f"the database refused this measurement ({type(exc).__name__})")]
        for (_, future), result in zip(batch, results, strict=True):
            if not future.done():
                future.set_result(result)

    # probes and invites -------------------------------------------------------------------------

    async def enrol(self, row: ProbeRow) -> tuple[ProbeRow, bool]:
        def job(conn: Connection) -> tuple[ProbeRow, bool]:
            cur = conn.execute(
                "INSERT INTO probes VALUES (?,?,?,?,NULL) ON CONFLICT(key_id) DO NOTHING",
                [row.key_id, row.public_key, row.tier, row.enrolled_at],
            )
            if cur.rowcount == 0 and row.tier == "vouched":
                conn.execute("UPDATE probes SET tier = 'vouched' WHERE key_id = ?", [row.key_id])
            found = _probe(conn, row.key_id)
            assert found is not None
            return found, cur.rowcount == 1

        return await self.write(job)

    async def probe(self, key_id: str) -> ProbeRow | None:
        if not _plain_id(key_id):
            return None
        return await self.read(lambda conn: _probe(conn, key_id))

    async def add_invite(self, token_sha256: str, created_at: str) -> None:
        def job(conn: Connection) -> None:
            conn.execute("INSERT INTO invites VALUES (?,?,NULL,NULL)", [token_sha256, created_at])

        await self.write(job)

    async def revoke(self, key_id: str, revoked_at: str) -> int:
        """Revoke a key and every key after it in its renewal chain; how many keys this revoked (0 when
        the key is unknown or was revoked with its chain before)."""

        def job(conn: Connection) -> int:
            count, seen, current = 0, {key_id}, key_id
            while True:
                # Each key's update comes before reading its successor: the row lock makes a renewal it
                # is signing (probe.collector.renewal.renew) either wait for this or be seen by it.
                cur = conn.execute(
                    "UPDATE probes SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                    [revoked_at, current],
                )
                count += int(cur.rowcount)
                nxt = conn.execute(
                    "SELECT new_key_id FROM key_renewals WHERE old_key_id = ?", [current]
                ).fetchone()
                if nxt is None or str(nxt[0]) in seen:
                    return count
                current = str(nxt[0])
                seen.add(current)

        return await self.write(job)

    async def use_invite(self, token_sha256: str, key_id: str, used_at: str) -> bool:
        def job(conn: Connection) -> bool:
            cur = conn.execute(
                "UPDATE invites SET used_at = ?, used_by = ? WHERE token_sha256 = ? AND used_at IS NULL",
                [used_at, key_id, token_sha256],
            )
            return bool(cur.rowcount == 1)

        return await self.write(job)

    async def measurement(self, ident: str) -> MeasurementRow | None:
        if not _plain_id(ident):
            return None

        def job(conn: Connection) -> MeasurementRow | None:
            row = conn.execute(
                "SELECT payload_sha256, uid, key_id, asn, received_at, envelope, receipt, log_index "
                "FROM measurements WHERE uid = ? OR payload_sha256 = ?",
                [ident.lower(), ident.lower()],
            ).fetchone()
            return MeasurementRow(*row) if row else None

        return await self.read(job)


class SqliteStorage(SqlStorage):
    """SQLite with one writer thread and group commit for ingest."""

    def __init__(self, path: Path, *, max_page_count: int | None = None) -> None:
        super().__init__()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.path = path
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="collector-writer")
        self._readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="collector-reader")
        self._wconn = _connect(path)
        if max_page_count is not None:  # lets tests fill the "disk"
            self._wconn.execute(f"PRAGMA max_page_count={int(max_page_count)}")
        self._transaction(lambda conn: migrate(conn, "sqlite"))
        if behind(self._wconn):  # a database from before facts existed, or a crash between versions
            self._transaction(reindex)
        self._local = threading.local()

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._readers.shutdown(wait=True)
        self._wconn.close()

    # plumbing -----------------------------------------------------------------------------------

    def _reader(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = _connect(self.path)
            conn.execute("PRAGMA query_only=ON")
            self._local.conn = conn
        return conn

    async def write(self, job: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, self._transaction, job)

    async def read(self, job: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self.read_blocking, job)

    def read_blocking(self, job: Callable[[Connection], T]) -> T:
        return job(self._reader())

    def _transaction(self, job: Callable[[Connection], T]) -> T:
        conn = self._wconn
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                result = job(conn)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        except sqlite3.OperationalError as exc:
            if _full(exc) or "locked" in str(exc) or "busy" in str(exc):
                raise StorageUnavailable(str(exc)) from exc
            raise
        return result


def _plain_id(ident: str) -> bool:
    """Whether a key id, uid or hash a caller gave could name anything stored: short, no odd characters
    (a NUL would make PostgreSQL fail the query, a megabyte would cost a scan for nothing)."""
    return 0 < len(ident) <= 128 and ident.isascii() and all(c.isalnum() or c in "-_.:" for c in ident)


def _probe(conn: Connection, key_id: str) -> ProbeRow | None:
    row = conn.execute(
        "SELECT p.key_id, p.public_key, p.tier, p.enrolled_at, p.revoked_at, s.renewed_at "
        "FROM probes p LEFT JOIN key_renewals s ON s.old_key_id = p.key_id WHERE p.key_id = ?",
        [key_id],
    ).fetchone()
    return ProbeRow(*row) if row else None


def insert_each(conn: Connection, items: list[NewMeasurement]) -> list[Stored]:
    """One INSERT per measurement (SQLite, where a row insert is cheap in one transaction)."""
    out: list[Stored] = []
    for m in items:
        cur = conn.execute(
            "INSERT INTO measurements (payload_sha256, uid, key_id, asn, tier, received_at, started_at, envelope, "
            "receipt, url) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [
                m.payload_sha256,
                m.uid,
                m.key_id,
                m.asn,
                m.tier,
                m.received_at,
                m.started_at,
                m.envelope,
                m.receipt,
                m.url,
            ],
        )
        if cur.rowcount == 1:
            if m.fact is not None:
                insert_fact(conn, dataclasses.replace(m.fact, seq=int(cur.lastrowid or 0)))
            out.append(Stored(201, m.receipt))
            continue
        same = conn.execute(
            "SELECT receipt FROM measurements WHERE payload_sha256 = ?", [m.payload_sha256]
        ).fetchone()
        if same is not None:
            out.append(Stored(200, str(same[0])))
            continue
        conn.execute(
            "INSERT INTO quarantine (uid, payload_sha256, envelope, received_at, reason) VALUES (?,?,?,?,?)",
            [m.uid, m.payload_sha256, m.envelope, m.received_at, "conflict"],
        )
        out.append(Stored(409, None))
    return out


def open_storage(settings: CollectorSettings) -> SqlStorage:
    """The backend `collector.database` names: PostgreSQL for a postgresql:// URL, else SQLite in data_dir."""
    url = settings.database
    if url and url.startswith(("postgresql://", "postgres://")):
        from probe.collector.pg_storage import PgStorage

        return PgStorage(url, pool_size=settings.db_pool_size)
    if url:
        raise StorageUnavailable(
            f"collector.database {url!r} is not a postgresql:// URL (leave it unset for SQLite)"
        )
    return SqliteStorage(settings.data_dir / DB_FILE)
