"""`probe collector migrate-db`: copy a SQLite collector database into an empty PostgreSQL database,
then check the copy (probe.collector.migrate does both; this is its thin shell)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from probe.cli.common import ConfigOption, err, fail, out, settings


def migrate_db(
    target: Annotated[
        str,
        typer.Option(
            "--to",
            help="The empty PostgreSQL database to copy into: postgresql://user:password@host/dbname.",
            show_default=False,
        ),
    ],
    source: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="The SQLite collector database (default: collector.db in collector.data_dir).",
            show_default=False,
        ),
    ] = None,
    config: ConfigOption = None,
) -> None:
    """Copy a SQLite collector database into an empty PostgreSQL database, byte for byte, and verify it.

    Envelopes, receipts, the log and its checkpoints are copied unchanged (same roots, same proofs); then
    row counts, the checkpoint root, a sample of inclusion proofs and digests of all envelopes are compared.
    Stop the collector first, or what it stores during the copy stays behind in SQLite.
    """
    from probe.collector.migrate import MigrationError, copy_sqlite_to_postgres
    from probe.collector.storage import DB_FILE

    if not target.startswith(("postgresql://", "postgres://")):
        fail(
            f"--to must be a postgresql:// URL, not {target.split('://', 1)[0]!r}; for example postgresql://saksi@db/saksi"
        )
    path = source if source is not None else settings(config).collector.data_dir / DB_FILE
    try:
        import psycopg  # noqa: F401
    except ImportError:
        fail(
            "PostgreSQL needs psycopg: install the postgresql extra (pip install '.[postgresql]' in a checkout of "
            "Saksi, or the wheel built from it with [postgresql])"
        )

    def progress(table: str, rows: int) -> None:
        err.print(f"  {table}: {rows:,} rows")

    err.print(f"copying {path} into PostgreSQL")
    try:
        report = copy_sqlite_to_postgres(path, target, progress=progress)
    except MigrationError as exc:
        fail(str(exc))
    out.print(
        f"copied {report.rows:,} rows from {len(report.tables)} tables in {report.elapsed_s:.1f} s "
        f"({report.rows_per_s:,.0f} rows/s)"
    )
    for table, rows in report.tables.items():
        out.print(f"  {table:<20} {rows:>12,}")
    out.print("verified:")
    for check in report.checks:
        out.print(f"  ok  {check}")
