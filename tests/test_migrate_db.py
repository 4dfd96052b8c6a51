"""`probe collector migrate-db`: a real SQLite collector (the lab history: signed envelopes, a sequenced
log, checkpoints) copied into a real PostgreSQL server. The copy must be the same log byte for byte, and a
collector on PostgreSQL must carry it on."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from probe.analysis.query import Filters, timeline
from probe.collector.db import PgConnection
from probe.collector.migrate import MigrationError, copy_sqlite_to_postgres
from probe.collector.pg_storage import PgStorage
from probe.collector.sequencer import DbHashes, latest, sequence
from probe.collector.signing import CollectorKey
from probe.collector.storage import SqliteStorage
from probe.lab.history import DEFAULT_ORIGIN
from probe.log import NoteVerifier, consistency_proof, inclusion_proof, verify_consistency
from tests.analysis_rig import START
from tests.postgres_server import fresh_database
from tests.test_storage import checked, enrolled

ROOT = Path(__file__).resolve().parent.parent


def sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
        "AND name != 'schema_migrations' ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows]


def all_rows(conn: Any, table: str, columns: list[str], keys: list[str]) -> list[tuple[Any, ...]]:
    select = f"SELECT {', '.join(columns)} FROM {table} ORDER BY {', '.join(keys)}"
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in r) for r in conn.execute(select)]


def migrated(history_dir: Path, postgres_dsn: str) -> tuple[str, Any]:
    dsn = fresh_database(postgres_dsn)
    seen: list[tuple[str, int]] = []
    report = copy_sqlite_to_postgres(
        history_dir / "collector.db", dsn, batch=500, progress=lambda t, n: seen.append((t, n))
    )
    assert seen and all(n >= 0 for _, n in seen)
    return dsn, report


def test_every_table_row_and_proof_is_the_same(history_dir: Path, postgres_dsn: str) -> None:
    dsn, report = migrated(history_dir, postgres_dsn)
    source = sqlite3.connect(history_dir / "collector.db")
    with psycopg.connect(dsn) as target:
        tables = sqlite_tables(source)
        assert list(report.tables) == tables
        assert {"measurements", "facts", "log_nodes", "checkpoints", "probes"} <= set(tables)
        # Every row of every table, column for column: envelopes and receipts the same text, hashes the
        # same bytes, seq / log_index / ids the same numbers.
        for table in tables:
            info = source.execute(f"PRAGMA table_info({table})").fetchall()
            columns = [r[1] for r in info]
            keys = [r[1] for r in info if r[5]] or columns
            want = all_rows(source, table, columns, keys)
            assert len(want) == report.tables[table], table
            assert all_rows(target, table, columns, keys) == want, table
        assert report.tables["measurements"] > 1000

        before, after = latest(source), latest(PgConnection(target))
        assert before is not None and after == before
        assert report.checkpoint_size == before.size
        size = before.size
        pg, lite = DbHashes(PgConnection(target)), DbHashes(source)
        for index in range(size):
            assert inclusion_proof(index, size, pg) == inclusion_proof(index, size, lite), index
        old = (
            source.execute(
                "SELECT size FROM checkpoints WHERE size < ? ORDER BY size LIMIT 1", [size]
            ).fetchone()
            or (size,)
        )[0]
        assert consistency_proof(old, size, pg) == consistency_proof(old, size, lite)

    assert any("recomputed from PostgreSQL's log_nodes" in c for c in report.checks)
    assert any("inclusion proofs identical" in c for c in report.checks)
    assert "sha256 of all envelopes in seq order equal" in report.checks
    rows_per_s = report.rows_per_s
    print(f"\nmigrated {report.rows} rows in {report.elapsed_s:.2f} s: {rows_per_s:,.0f} rows/s")
    assert rows_per_s > 0


def test_a_postgres_collector_carries_the_migrated_log_on(history_dir: Path, postgres_dsn: str) -> None:
    dsn, _ = migrated(history_dir, postgres_dsn)
    with psycopg.connect(dsn) as conn:
        max_seq = conn.execute("SELECT max(seq) FROM measurements").fetchone()[0]
        old = latest(PgConnection(conn))
    assert old is not None
    key = CollectorKey.load_or_create(history_dir, DEFAULT_ORIGIN)
    storage = PgStorage(dsn)
    try:
        prober = enrolled(storage, history_dir)

        async def scenario() -> list[int]:
            items = await checked(storage, key, prober, 5)
            assert [r.status for r in await storage.store(items)] == [201] * 5
            # The same envelope again is found among the migrated and new rows: stored once.
            assert [r.status for r in await storage.store(items[:1])] == [200]
            uids = [m.uid for m in items]
            return list(
                await storage.read(
                    lambda c: [
                        int(r[0])
                        for r in c.execute(
                            "SELECT seq FROM measurements WHERE uid = ANY(?) ORDER BY seq", [uids]
                        ).fetchall()
                    ]
                )
            )

        seqs = asyncio.run(scenario())
        assert seqs == list(range(max_seq + 1, max_seq + 6))  # the identity continues after the copy
        new = asyncio.run(storage.write(lambda c: sequence(c, key)))
        assert new is not None and new.size == old.size + 5
        proof = asyncio.run(storage.read(lambda c: consistency_proof(old.size, new.size, DbHashes(c))))
        verify_consistency(old.size, new.size, old.root, new.root, proof)
        NoteVerifier.from_vkey(key.verifier_key()).verify(new.note)
    finally:
        storage.close()


def test_timeline_on_postgres_equals_sqlite(history_dir: Path, postgres_dsn: str) -> None:
    dsn, _ = migrated(history_dir, postgres_dsn)
    filters = Filters.parse(domain="vodkhmer.news")
    now = datetime(2026, 10, 1, tzinfo=UTC)
    assert now > START

    def read(storage: Any) -> Any:
        try:
            return asyncio.run(storage.read(lambda c: timeline(c, filters, "day", now=now)))
        finally:
            storage.close()

    on_sqlite = read(SqliteStorage(history_dir / "collector.db"))
    on_postgres = read(PgStorage(dsn))
    assert on_sqlite.events, "the history has a blocking period on vodkhmer.news"
    assert on_postgres == on_sqlite


def test_refuses_a_non_empty_target_and_a_non_collector_source(
    history_dir: Path, postgres_dsn: str, tmp_path: Path
) -> None:
    dsn, report = migrated(history_dir, postgres_dsn)
    with pytest.raises(MigrationError, match="not empty"):
        copy_sqlite_to_postgres(history_dir / "collector.db", dsn)
    with psycopg.connect(dsn) as conn:  # the refused attempt changed nothing
        count = conn.execute("SELECT count(*) FROM measurements").fetchone()[0]
    assert count == report.tables["measurements"]

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE notes (x TEXT)").connection.close()
    with pytest.raises(MigrationError, match="not a collector database"):
        copy_sqlite_to_postgres(other, fresh_database(postgres_dsn))
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all, but long enough to have a header of sorts " * 10)
    with pytest.raises(MigrationError, match="not a SQLite database"):
        copy_sqlite_to_postgres(junk, fresh_database(postgres_dsn))
    with pytest.raises(MigrationError, match="does not exist"):
        copy_sqlite_to_postgres(tmp_path / "missing.db", fresh_database(postgres_dsn))
    # A target that cannot be reached: one sentence, not a traceback.
    with pytest.raises(MigrationError, match="cannot connect to PostgreSQL"):
        copy_sqlite_to_postgres(history_dir / "collector.db", postgres_dsn.rsplit("/", 1)[0] + "/no_such_db")


def probe_cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PROBE_CONFIG"}
    return subprocess.run(
        [sys.executable, "-m", "probe", "collector", "migrate-db", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=300,
    )


def test_cli_end_to_end(history_dir: Path, postgres_dsn: str) -> None:
    dsn = fresh_database(postgres_dsn)
    done = probe_cli("--from", str(history_dir / "collector.db"), "--to", dsn)
    assert done.returncode == 0, done.stderr
    assert "measurements:" in done.stderr  # progress per table
    assert "rows/s" in done.stdout and "verified:" in done.stdout
    assert "ok  checkpoint root at size" in done.stdout
    with psycopg.connect(dsn) as conn:
        copied = conn.execute(
            sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier("measurements"))
        ).fetchone()[0]
    with sqlite3.connect(history_dir / "collector.db") as lite:
        assert copied == lite.execute("SELECT count(*) FROM measurements").fetchone()[0]

    # The default source is collector.db in collector.data_dir.
    again = probe_cli("--to", dsn, "--config", str(write_config(history_dir)))
    assert again.returncode == 2
    assert "not empty" in again.stderr and "Traceback" not in again.stderr
    assert len(again.stderr.strip().splitlines()) == 2  # "copying ..." and the one-sentence error

    bad = probe_cli("--from", str(history_dir / "collector.db"), "--to", "mysql://somewhere/db")
    assert bad.returncode == 2 and "postgresql://" in bad.stderr and "Traceback" not in bad.stderr
    missing = probe_cli("--from", str(history_dir / "nothing.db"), "--to", dsn)
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    assert probe_cli("--help").returncode == 0


def write_config(data_dir: Path) -> Path:
    path = data_dir.parent / "collector.toml"
    path.write_text(f'[collector]\ndata_dir = "{data_dir}"\n')
    return path
