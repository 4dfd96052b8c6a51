"""`probe import ooni FILE`: OONI's published measurements, stored as external corroboration.

(The group's module cannot be named `import`.) Imported rows go to their own table and are never mixed
into our signed facts, timelines or log.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer

from probe.cli.common import ConfigOption, err, fail, out, settings

app = typer.Typer(help="Import data from elsewhere (OONI measurements).", no_args_is_help=True)


@app.command("ooni")
def ooni(
    file: Annotated[
        Path, typer.Argument(help="OONI measurements, JSON Lines (.jsonl, or gzipped .jsonl.gz).")
    ],
    config: ConfigOption = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="The collector's data directory (default: collector.data_dir)."),
    ] = None,
    skip_bad: Annotated[
        bool, typer.Option("--skip-bad", help="Skip lines that are not measurements; count and report them.")
    ] = False,
) -> None:
    """Import OONI measurements into the collector database as external corroboration (unsigned by us).

    Duplicates (the same measurement_uid) are ignored. Our own measurements (an OONI export of ours, by
    software_name or annotations) are skipped and counted: they are not external corroboration. A bad line
    stops the import with its line number, and nothing is stored, unless --skip-bad.
    """
    from probe.analysis.ooni import OoniLineError, import_file
    from probe.cli.collector import open_db
    from probe.collector.storage import DB_FILE, SqliteStorage

    s = settings(config)
    if data_dir is not None or not s.collector.database:
        path = (data_dir or s.collector.data_dir) / DB_FILE
        if not path.is_file():
            fail(f"there is no collector database at {path}; give --data-dir")
    if file.is_dir():
        fail(f"{file} is a directory; give one OONI JSON Lines file (.jsonl or .jsonl.gz)")
    if not file.is_file():
        fail(f"{file} does not exist")
    # The collector's database (PostgreSQL when collector.database names it), schema brought up to date.
    storage = SqliteStorage(path) if data_dir is not None or not s.collector.database else open_db(s)
    try:
        result = asyncio.run(storage.write(lambda conn: import_file(conn, file, skip_bad=skip_bad)))
    except OoniLineError as exc:
        fail(f"{file}, {exc}; nothing was imported (use --skip-bad to skip bad lines)")
    except EOFError:
        fail(f"{file} ends before its compressed data does (a truncated .gz?); nothing was imported")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file} ({exc}); nothing was imported")
    finally:
        storage.close()
    out.print(
        f"imported {result.stored} OONI measurement(s) from {file}; {result.duplicates} duplicate(s) ignored"
        + (f"; {len(result.bad)} bad line(s) skipped" if result.bad else ""),
        markup=False,
    )
    if result.ours:
        out.print(
            f"skipped {result.ours} of our own measurements: they are not external corroboration",
            markup=False,
        )
    for bad in result.bad[:10]:
        err.print(f"skipped {bad}", markup=False)
    if len(result.bad) > 10:
        err.print(f"... and {len(result.bad) - 10} more", markup=False)
