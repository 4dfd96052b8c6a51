"""Copy a SQLite collector database into an empty PostgreSQL one, byte for byte, and prove it.

Every table the SQLite database holds (but SQLite's own and `schema_migrations`) is streamed in batches
with COPY, columns by name, so tables added by later migrations come along without a change here.
Envelopes and receipts stay the same text, hashes the same bytes, and `seq`, `log_index` and row ids the
same numbers; identity sequences are then moved past the copied ids. The copy is one PostgreSQL
transaction (a failure leaves the target as it was) read from one SQLite snapshot (a collector may keep
running on the source, but what it stores after the snapshot is not copied).

Afterwards the copy is checked against the source: row counts per table, the latest checkpoint's root
recomputed from PostgreSQL's `log_nodes`, a sample of inclusion proofs computed on both, and the sha256
of all envelopes and of all receipts in `seq` order. This module never writes to the SQLite file.

Errors: `MigrationError`, one sentence a person can act on (the cause kept as `__cause__`).
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from probe.collector.db import PgConnection
from probe.collector.schema import migrate
from probe.collector.sequencer import DbHashes, latest, statement_bytes
from probe.log import CompactRange, inclusion_proof, leaf_hash, verify_inclusion

# The tables that make a SQLite file a collector's database.
COLLECTOR_TABLES = ("measurements", "log_nodes", "checkpoints")


class MigrationError(Exception):
    """The migration cannot start, failed, or its copy does not match the source."""


@dataclass
class MigrationReport:
    tables: dict[str, int] = field(default_factory=dict)  # rows copied, in copy order
    elapsed_s: float = 0.0
    checkpoint_size: int | None = None  # the latest checkpoint's tree size, None for an empty log
    checks: list[str] = field(default_factory=list)  # the verifications that passed, in words

    @property
    def rows(self) -> int:
        return sum(self.tables.values())

    @property
    def rows_per_s(self) -> float:
        return self.rows / self.elapsed_s if self.elapsed_s > 0 else 0.0


def copy_sqlite_to_postgres(
    sqlite_path: Path,
    dsn: str,
    *,
    batch: int = 5000,
    progress: Callable[[str, int], None] | None = None,
    proofs: int = 100,
) -> MigrationReport:
    """Copy the collector database at `sqlite_path` into the empty PostgreSQL database `dsn` and verify
    the copy (`proofs` random inclusion proofs, besides the first and the last entry's)."""
    import psycopg

    started = time.monotonic()
    source = _open_sqlite(sqlite_path)
    try:
        try:
            target = psycopg.connect(dsn)
        except psycopg.Error as exc:
            raise MigrationError(f"cannot connect to PostgreSQL ({_first_line(exc)})") from exc
        try:
            report = MigrationReport()
            source.execute("BEGIN")  # one snapshot for the copy and the checks
            try:
                try:
                    with target.transaction():
                        _copy_all(source, target, report, batch, progress)
                except psycopg.Error as exc:
                    raise MigrationError(
                        f"PostgreSQL refused the copy ({_first_line(exc)}); nothing was kept"
                    ) from exc
                try:
                    _verify(source, target, report, proofs)
                except psycopg.Error as exc:
                    raise MigrationError(
                        f"the copy was made but could not be checked ({_first_line(exc)}); "
                        "drop that database before trying again"
                    ) from exc
            finally:
                source.execute("ROLLBACK")
        finally:
            target.close()
    finally:
        source.close()
    report.elapsed_s = time.monotonic() - started
    return report


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _open_sqlite(path: Path) -> sqlite3.Connection:
    if not path.is_file():
        raise MigrationError(f"{path} does not exist or is not a file; name the collector's collector.db")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, isolation_level=None)
        names = _sqlite_tables(conn)
    except sqlite3.DatabaseError as exc:
        raise MigrationError(
            f"{path} is not a SQLite database ({exc}); name the collector's collector.db"
        ) from exc
    missing = [t for t in COLLECTOR_TABLES if t not in names]
    if missing:
        conn.close()
        raise MigrationError(
            f"{path} is not a collector database (no {', '.join(missing)} table); name the collector's collector.db"
        )
    return conn


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
        "AND name != 'schema_migrations' ORDER BY name"
    ).fetchall()
    return [str(r[0]) for r in rows]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


# the copy ------------------------------------------------------------------------------------------


def _copy_all(
    source: sqlite3.Connection,
    target: Any,
    report: MigrationReport,
    batch: int,
    progress: Callable[[str, int], None] | None,
) -> None:
    migrate(PgConnection(target), "postgresql")
    tables = _sqlite_tables(source)
    target_columns = {t: _pg_columns(target, t) for t in tables}
    unknown = [t for t, cols in target_columns.items() if not cols]
    if unknown:
        raise MigrationError(
            f"the SQLite database has tables this version's schema lacks ({', '.join(unknown)}); "
            "migrate with the collector version that wrote it"
        )
    for table in tables:  # every table's columns before the first row is copied: fail fast
        columns = [str(r[1]) for r in source.execute(f"PRAGMA table_info({_quote(table)})").fetchall()]
        missing = [c for c in columns if c not in target_columns[table]]
        if missing:
            raise MigrationError(
                f"table {table} has columns the PostgreSQL schema lacks ({', '.join(missing)}); "
                "migrate with the collector version that wrote it"
            )
    held = {t: n for t in tables if (n := _pg_count(target, t))}
    if held:
        listed = ", ".join(f"{n} in {t}" for t, n in held.items())
        raise MigrationError(
            f"the PostgreSQL database is not empty ({listed} rows); migrate into a new, empty database"
        )
    # Parents first would matter with foreign keys; the schema has none, so the order is the source's.
    for table in tables:
        report.tables[table] = _copy_table(source, target, table, target_columns[table], batch, progress)
    for table in tables:
        _reset_identities(target, table)


def _pg_columns(target: Any, table: str) -> dict[str, int]:
    """Column name -> type OID of a PostgreSQL table in the current schema; empty when it is missing."""
    rows = target.execute(
        "SELECT a.attname, a.atttypid FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
        "WHERE c.relname = %s AND c.relnamespace = current_schema()::regnamespace "
        "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        [table],
    ).fetchall()
    return {str(name): int(oid) for name, oid in rows}


def _pg_count(target: Any, table: str) -> int:
    from psycopg import sql

    return int(target.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))).fetchone()[0])


def _copy_table(
    source: sqlite3.Connection,
    target: Any,
    table: str,
    pg_columns: dict[str, int],
    batch: int,
    progress: Callable[[str, int], None] | None,
) -> int:
    from psycopg import sql

    info = source.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
    columns = [str(r[1]) for r in info]
    keys = [str(r[1]) for r in sorted(info, key=lambda r: int(r[5])) if int(r[5]) > 0]
    order = f" ORDER BY {', '.join(_quote(k) for k in keys)}" if keys else ""
    cursor = source.execute(f"SELECT {', '.join(_quote(c) for c in columns)} FROM {_quote(table)}{order}")
    statement = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    copied = 0
    with target.cursor().copy(statement) as copy:
        copy.set_types([pg_columns[c] for c in columns])
        while rows := cursor.fetchmany(batch):
            for row in rows:
                copy.write_row(row)
            copied += len(rows)
            if progress is not None:
                progress(table, copied)
    if copied == 0 and progress is not None:
        progress(table, 0)
    return copied


def _reset_identities(target: Any, table: str) -> None:
    """New rows continue after the copied ids: each identity or serial column's sequence moves to max + 1."""
    from psycopg import sql

    columns = target.execute(
        "SELECT a.attname, pg_get_serial_sequence(%s, a.attname) FROM pg_attribute a "
        "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
        [table, table],
    ).fetchall()
    for column, sequence in columns:
        if sequence is None:
            continue
        target.execute(
            sql.SQL("SELECT setval(%s, coalesce(max({}), 0) + 1, false) FROM {}").format(
                sql.Identifier(column), sql.Identifier(table)
            ),
            [sequence],
        )


# the checks ----------------------------------------------------------------------------------------


def _verify(source: sqlite3.Connection, target: Any, report: MigrationReport, proofs: int) -> None:
    pg = PgConnection(target)
    with target.transaction():
        target.execute("SET TRANSACTION READ ONLY")
        for table, copied in report.tables.items():
            if _pg_count(target, table) != copied:
                raise _differs(f"table {table} holds {_pg_count(target, table)} rows instead of {copied}")
        report.checks.append(f"row counts equal in {len(report.tables)} tables")
        _verify_log(source, pg, report, proofs)
        for column in ("envelope", "receipt"):
            query = f"SELECT {column} FROM measurements ORDER BY seq"
            if _digest(source.execute(query)) != _digest(
                target.cursor(name=f"digest_{column}").execute(query)
            ):
                raise _differs(f"the {column}s differ")
            report.checks.append(f"sha256 of all {column}s in seq order equal")


def _differs(what: str) -> MigrationError:
    return MigrationError(
        f"the PostgreSQL copy does not match the SQLite database: {what}; it was kept for inspection, "
        "drop that database before trying again"
    )


def _verify_log(source: sqlite3.Connection, pg: PgConnection, report: MigrationReport, proofs: int) -> None:
    before, after = latest(source), latest(pg)
    if before is None:
        if after is not None:
            raise _differs("a checkpoint appeared")
        report.checks.append("no checkpoint to compare (the log is empty)")
        return
    if after is None or (after.size, after.root, after.note) != (before.size, before.root, before.note):
        raise _differs("the latest checkpoint differs")
    size = before.size
    report.checkpoint_size = size
    if CompactRange.from_source(size, DbHashes(pg)).root() != before.root:
        raise _differs(f"the root recomputed from log_nodes at size {size} is not the checkpoint's")
    report.checks.append(f"checkpoint root at size {size} recomputed from PostgreSQL's log_nodes")
    indices = sorted({0, size - 1, *random.sample(range(size), min(proofs, size))})
    for index in indices:
        proof = inclusion_proof(index, size, DbHashes(pg))
        if proof != inclusion_proof(index, size, DbHashes(source)):
            raise _differs(f"the inclusion proof of entry {index} differs")
        row = pg.execute(
            "SELECT payload_sha256, key_id, asn, received_at FROM measurements WHERE log_index = ?", [index]
        ).fetchone()
        if row is None:
            raise _differs(f"no measurement has log index {index}")
        verify_inclusion(leaf_hash(statement_bytes(*row)), index, size, proof, before.root)
    report.checks.append(f"{len(indices)} inclusion proofs identical and verified against the root")


def _digest(cursor: Any, size: int = 5000) -> str:
    """sha256 of a column's values concatenated, fetched in batches (on PostgreSQL from a server-side
    cursor, so that not all envelopes are in memory at once)."""
    digest = hashlib.sha256()
    while rows := cursor.fetchmany(size):
        for (value,) in rows:
            digest.update(str(value).encode())
    cursor.close()
    return digest.hexdigest()
