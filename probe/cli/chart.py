"""`probe export chart`: a timeline chart (PNG or SVG) of one site across networks, or one network across
sites, read from the collector's database (read only)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer

from probe.analysis.provenance import LAB_NOTICE, is_lab
from probe.analysis.wording import install_extra, plural
from probe.cli.collector_data import collector_database
from probe.cli.common import ConfigOption, err, fail, out
from probe.collector.db import Connection
from probe.i18n import current


def chart(
    output: Annotated[
        Path, typer.Option("--output", "-o", help="The file to write (.png or .svg).", show_default=False)
    ],
    domain: Annotated[
        str | None, typer.Option(help="Chart this site across networks (one row per ASN).")
    ] = None,
    asn: Annotated[
        str | None, typer.Option(help="Chart this network across sites (one row per site), e.g. AS38623.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this UTC date or time (inclusive).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this UTC date (inclusive) or time.")] = None,
    window: Annotated[str, typer.Option(help="Window size: day or hour.")] = "day",
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", help="png or svg (default: from the output file's suffix).", show_default=False
        ),
    ] = None,
    lang: Annotated[
        str, typer.Option("--lang", help="en or km: the language of every word in the chart.")
    ] = "en",
    config: ConfigOption = None,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            help="The collector's data directory (default: collector.data_dir).", show_default=False
        ),
    ] = None,
    collector: Annotated[
        str | None,
        typer.Option(
            "--collector",
            help="Not supported: charts are drawn from a local collector database (see --data-dir).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Draw a timeline chart (PNG or SVG) from the collector's database.

    Give --domain for one site across networks, or --asn for one network across sites. Each window is
    coloured by its state (blocked red, accessible green, down grey, inconclusive amber); gaps in the data
    stay empty; windows still open (e.g. today) are pale and hatched. The chart names the timeline rules
    version it was decided with.
    """
    from probe.analysis.query import FilterError, Filters, timeline

    if collector is not None:
        fail(
            "charts are drawn from a local collector database (--data-dir), not from a collector's API; "
            f"for {collector}'s timeline use `probe export timeline --collector {collector} --format json`"
        )
    if lang not in ("en", "km"):
        fail(f"--lang {lang!r} is not en or km")
    if (domain is None) == (asn is None):
        fail("give exactly one of --domain (a site across networks) or --asn (a network across sites)")
    kind = (fmt or output.suffix.lstrip(".")).lower()
    if kind not in ("png", "svg"):
        fail(f"cannot tell the format from {output.name!r}: use --format png or --format svg")
    image_format: Literal["png", "svg"] = "png" if kind == "png" else "svg"
    try:
        filters = Filters.parse(domain=domain, asn=asn, since=since, until=until)
    except FilterError as exc:
        fail(exc.said(current()))
    with collector_database(config, data_dir) as conn:
        try:
            found = timeline(conn, filters, window)
        except FilterError as exc:
            fail(exc.said(current()))
        names = network_names(conn) if domain else {}
        controls = frozenset() if domain else frozenset(control_domains(conn))
        lab = is_lab(conn)
    subject = filters.domain if filters.domain else f"AS{filters.asn}"
    if not found.cells:
        fail(f"no measurements of {subject} for these dates: nothing to draw")
    from probe.analysis.chart import ChartUnavailable, render
    from probe.analysis.report_km import KhmerUnavailable

    try:
        data = render(
            found,
            by="asn" if domain else "domain",
            subject=subject,
            fmt=image_format,
            names=names,
            lab=lab,
            lang=lang,
            controls=controls,
        )
    except KhmerUnavailable as exc:
        fail(str(exc))
    except ChartUnavailable:
        fail(f"charts need matplotlib: install the analysis extra ({install_extra('analysis')})")
    try:
        output.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    out.print(f"wrote {output} ({image_format}, {plural(len(found.cells), 'window')})")
    if lab:
        err.print(LAB_NOTICE, markup=False)


def network_names(conn: Connection) -> dict[str, str]:
    """Row labels: "AS<n>" -> the network's name in the collector's own ip2asn table."""
    from probe.analysis.query import network_names as names_by_asn

    return {f"AS{asn}": name for asn, name in names_by_asn(conn).items()}


def control_domains(conn: Connection) -> set[str]:
    """Sites measured as controls (category CTRL): drawn apart, below the others, and labelled so."""
    from probe.analysis.dashboard.overview import control_domains as controls_of

    return controls_of(conn)
