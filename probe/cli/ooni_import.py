"""`probe import ooni FILE`: OONI's published measurements, stored as external corroboration.

(The group's module cannot be named `import`.) Imported rows go to their own table and are never mixed
into our signed facts, timelines or log.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer

from probe.cli.common import ConfigOption, fail, out, settings

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
    reclassify: Annotated[
        bool,
        typer.Option(
            "--reclassify",
            help="Also run Saksi's classifier on the raw observations of OONI's Web Connectivity "
            "measurements and keep its verdict beside OONI's (an unsigned second opinion).",
        ),
    ] = False,
) -> None:
    """Import OONI measurements into the collector database as external corroboration (unsigned by us).

    Every line is stored, a duplicate (the same measurement_uid, or the same measurement from OONI's
    archive and its API), or skipped with its reason counted: an empty {} line, a line that is not a
    measurement, our own measurements (an OONI export of ours read back). No line refuses the file.
    """
    from probe.analysis.ooni_import import import_file
    from probe.analysis.ooni_reclassify import ReclassifyResult, reclassify_stored
    from probe.classify import Context
    from probe.classify.fingerprints import FingerprintSet
    from probe.cli.collector import open_db
    from probe.collector.db import Connection
    from probe.collector.storage import DB_FILE, SqliteStorage
    from probe.lists import builtin_fingerprints

    s = settings(config)
    if data_dir is not None or not s.collector.database:
        path = (data_dir or s.collector.data_dir) / DB_FILE
        if not path.is_file():
            fail(f"there is no collector database at {path}; give --data-dir")
    if file.is_dir():
        fail(f"{file} is a directory; give one OONI JSON Lines file (.jsonl or .jsonl.gz)")
    if not file.is_file():
        fail(f"{file} does not exist")
    ctx = Context(FingerprintSet(builtin_fingerprints()), s.network.bogon_ranges) if reclassify else None
    second = ReclassifyResult()

    def job(conn: Connection) -> Any:
        nonlocal second
        found = import_file(conn, file)
        if ctx is not None:
            second = reclassify_stored(conn, ctx)
        return found

    # The collector's database (PostgreSQL when collector.database names it), schema brought up to date.
    storage = SqliteStorage(path) if data_dir is not None or not s.collector.database else open_db(s)
    try:
        result = asyncio.run(storage.write(job))
    except EOFError:
        fail(f"{file} ends before its compressed data does (a truncated .gz?); nothing was imported")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {file} ({exc}); nothing was imported")
    finally:
        storage.close()
    out.print(
        f"imported {result.stored} OONI measurement(s) from {file}; {result.duplicates} duplicate(s) ignored"
        + (f" ({result.uids_added} given OONI's uid)" if result.uids_added else "")
        + (f"; {sum(result.skipped.values())} line(s) skipped" if result.skipped else ""),
        markup=False,
    )
    for reason, n in sorted(result.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
        out.print(f"  skipped {n}: {reason}", markup=False)
    if reclassify:
        out.print(
            f"reclassified {second.reclassified} OONI Web Connectivity measurement(s) with Saksi's rules "
            f"(an external second opinion, unsigned); {second.differing} differ from OONI's blocking",
            markup=False,
        )
        for reason, n in sorted(second.skipped.items(), key=lambda kv: (-kv[1], kv[0])):
            out.print(f"  not reclassified {n}: {reason}", markup=False)
