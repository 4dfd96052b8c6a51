"""`probe evidence`: an evidence bundle for one domain, from the collector's data or its API."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from probe.analysis.provenance import LAB_NOTICE
from probe.cli.collector_data import collector_database, stream_from
from probe.cli.common import ConfigOption, err, fail, out, settings
from probe.i18n import current


def evidence(
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the bundle (.zip).")],
    domain: Annotated[
        str | None,
        typer.Option("--domain", help="The site, e.g. www.rfa.org (subdomains included). Required."),
    ] = None,
    asn: Annotated[
        str | None, typer.Option("--asn", help="Only this network, e.g. 38623 or AS38623.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From this date (YYYY-MM-DD, UTC) or time.")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Until this date, included (YYYY-MM-DD, UTC), or time.")
    ] = None,
    lab_data: Annotated[
        bool,
        typer.Option(
            "--lab-data",
            help="Build it even though the data is lab data (probe collector demo-data): it will say so.",
        ),
    ] = False,
    lang: Annotated[
        str,
        typer.Option(
            "--lang", help="en: the report in English; km: in Khmer too (report.km.html, report.km.pdf)."
        ),
    ] = "en",
    force: Annotated[
        bool,
        typer.Option("--force", help="Replace --output when it exists (without it, the command refuses)."),
    ] = False,
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
    from probe.analysis.bundle import BundleError, collector_key, write_bundle
    from probe.analysis.query import FilterError, Filters

    if domain is None:
        fail("give --domain: a bundle is about one site, e.g. --domain www.rfa.org")
    if output.suffix.lower() != ".zip":
        fail(f"--output {output} must end in .zip: the bundle is a zip file")
    if output.exists() and not force:
        fail(f"{output} already exists: choose another --output, or add --force to replace it")
    try:
        filters = Filters.parse(domain=domain, asn=asn, since=since, until=until)
    except FilterError as exc:
        fail(exc.said(current()))
    if lang not in ("en", "km"):
        fail(f"--lang {lang!r} is not en or km")
    if collector is not None:
        _fetch(collector, filters.as_dict(), output, lab_data, lang)
        return
    cfg = settings(config).collector
    where = data_dir or cfg.data_dir
    with collector_database(config, where) as conn:
        try:
            built = write_bundle(
                conn,
                collector_key(where),
                filters,
                output,
                quorum=cfg.witness_quorum,
                lab_ok=lab_data,
                lang=lang,
            )
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
    if built.lab_data:
        err.print(f"{LAB_NOTICE}; the bundle says so in MANIFEST.json and its reports", markup=False)
    if built.not_in_log:
        err.print(f"note: {built.not_in_log} measurements not yet in the log were left out", markup=False)


def _fetch(base: str, filters: dict[str, object], output: Path, lab_data: bool, lang: str) -> None:
    params = {
        k: str(v) for k, v in filters.items() if v is not None and k in ("domain", "asn", "since", "until")
    }
    if lab_data:
        params["lab_data"] = "true"
    if lang != "en":
        params["lang"] = lang
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        with tmp.open("wb") as fh:
            for chunk in stream_from(base, "/api/v1/evidence", params):
                fh.write(chunk)
        tmp.replace(output)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    finally:
        tmp.unlink(missing_ok=True)
    out.print(f"wrote {output} from {base}; check it with `probe verify {output}`", markup=False)
    if _manifest_says_lab(output):
        err.print(f"{LAB_NOTICE}; the bundle says so in MANIFEST.json and its reports", markup=False)


def _manifest_says_lab(bundle: Path) -> bool:
    """MANIFEST.json's lab_data of a fetched bundle (an unreadable one is left to `probe verify`)."""
    import json
    import zipfile

    try:
        with zipfile.ZipFile(bundle) as z:
            return bool(json.loads(z.read("MANIFEST.json")).get("lab_data"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, AttributeError):
        return False
