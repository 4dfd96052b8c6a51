"""`probe evidence`: an evidence bundle for one domain, from the collector's data or its API."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import httpx
import typer

from probe.cli.common import ConfigOption, err, fail, out, settings


def evidence(
    domain: Annotated[
        str, typer.Option("--domain", help="The site, e.g. www.rfa.org (subdomains included).")
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the bundle (.zip).")],
    asn: Annotated[
        str | None, typer.Option("--asn", help="Only this network, e.g. 38623 or AS38623.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From this date (YYYY-MM-DD, UTC) or time.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Until this date, included (YYYY-MM-DD, UTC), or time.")
    ] = None,
    config: ConfigOption = None,
    data_dir: Annotated[
        Path | None,
        typer.Option("--data-dir", help="The collector's data directory (default: collector.data_dir)."),
    ] = None,
    collector: Annotated[
        str | None,
        typer.Option(
            "--collector", help="Fetch the bundle from this collector's API (URL) instead of its data."
        ),
    ] = None,
) -> None:
    """Build a self-contained evidence bundle: signed measurements, receipts, inclusion proofs, checkpoint,
    keys, timeline, events, a plain-language report (HTML and PDF) and VERIFY.md.

    Runs on the collector's host (it reads collector.db and signs the bundle with the collector key), or
    fetches the bundle from a collector with --collector. Check it anywhere with `probe verify bundle.zip`.
    """
    from probe.analysis.bundle import BundleError, collector_key, open_database, write_bundle
    from probe.analysis.query import FilterError, Filters

    if output.suffix.lower() != ".zip":
        fail(f"--output {output} must end in .zip: the bundle is a zip file")
    try:
        filters = Filters.parse(domain=domain, asn=asn, since=since, until=until)
    except FilterError as exc:
        fail(str(exc))
    if collector is not None:
        _fetch(collector, filters.as_dict(), output)
        return
    where = data_dir or settings(config).collector.data_dir
    try:
        conn = open_database(where)
        try:
            built = write_bundle(conn, collector_key(where), filters, output)
        finally:
            conn.close()
    except BundleError as exc:
        fail(str(exc))
    except sqlite3.Error as exc:
        fail(f"cannot read the collector database in {where}: {exc}")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    out.print(
        f"wrote {output}: {built.measurements} measurements (+ {built.controls} control measurements) in "
        f"checkpoint {built.checkpoint_size}, manifest sha256:{built.manifest_sha256}",
        markup=False,
    )
    if built.not_in_log:
        err.print(f"note: {built.not_in_log} measurements not yet in the log were left out", markup=False)


def _fetch(base: str, filters: dict[str, object], output: Path) -> None:
    params = {
        k: str(v) for k, v in filters.items() if v is not None and k in ("domain", "asn", "since", "until")
    }
    url = base.rstrip("/") + "/api/v1/evidence"
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        with httpx.stream("GET", url, params=params, timeout=120) as response:
            if response.status_code != 200:
                response.read()
                try:
                    detail = response.json().get("detail") or response.json().get("reason")
                except ValueError:
                    detail = response.text[:200]
                fail(f"the collector answered {response.status_code}: {detail}")
            with tmp.open("wb") as fh:
                for chunk in response.iter_bytes():
                    fh.write(chunk)
        tmp.replace(output)
    except httpx.HTTPError as exc:
        fail(f"cannot fetch the bundle from {base}: {exc}; check the URL and that the collector is up")
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    finally:
        tmp.unlink(missing_ok=True)
    out.print(f"wrote {output} from {base}; check it with `probe verify {output}`", markup=False)
