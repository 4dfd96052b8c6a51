"""`probe export`: timelines, events and measurements as CSV, JSON, JSON Lines, Parquet or OONI's format,
from the local collector database or streamed from a collector's API (docs/exports.md)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Annotated

import typer

from probe.analysis.query import FilterError, Filters
from probe.cli.chart import chart
from probe.cli.collector_data import collector_database, stream_from
from probe.cli.common import ConfigOption, err, fail
from probe.collector.db import Connection
from probe.i18n import current

app = typer.Typer(
    help="Export timelines, events and measurements (CSV, JSON, JSON Lines, Parquet, OONI).",
    no_args_is_help=True,
)

DomainOption = Annotated[str | None, typer.Option("--domain", help="Only this domain (www.rfa.org).")]
AsnOption = Annotated[str | None, typer.Option("--asn", help="Only this network (38623 or AS38623).")]
CountryOption = Annotated[str | None, typer.Option("--country", help="Only this country code (KH).")]
CategoryOption = Annotated[
    str | None, typer.Option("--category", help="Only this Citizen Lab category code (NEWS).")
]
SinceOption = Annotated[
    str | None, typer.Option("--since", help="From this date (YYYY-MM-DD) or ISO 8601 time, UTC, inclusive.")
]
UntilOption = Annotated[
    str | None, typer.Option("--until", help="Until this date (included) or ISO 8601 time (excluded).")
]
WindowOption = Annotated[str, typer.Option("--window", help="Window of the timeline: hour or day.")]
OutputOption = Annotated[
    str | None,
    typer.Option("--output", "-o", help="Write to this file (default or '-': standard output)."),
]
DataDirOption = Annotated[
    Path | None,
    typer.Option("--data-dir", help="The collector's data directory (default: collector.data_dir)."),
]
CollectorOption = Annotated[
    str | None,
    typer.Option("--collector", help="Stream the export from this collector's API instead (https://...)."),
]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="csv, json, jsonl or parquet.")]


@contextmanager
def _output(output: str | None, fmt: str) -> Iterator[tuple[IO[bytes], str]]:
    if output in (None, "-"):
        if fmt == "parquet":
            fail("Parquet is a binary file: give --output FILE")
        yield sys.stdout.buffer, "standard output"
        sys.stdout.buffer.flush()
        return
    assert output is not None
    try:
        f = Path(output).open("wb")  # noqa: SIM115 (closed below; opened apart to report a failure)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror}")
    with f:
        yield f, output


def _rows_in(data_path: str, fmt: str, newlines: int, json_rows: int) -> int:
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return int(pq.read_metadata(data_path).num_rows)
    if fmt == "csv":
        return max(0, newlines - 1)
    if fmt == "json":
        return json_rows
    return newlines


def run_export(
    dataset: str,
    fmt: str,
    *,
    domain: str | None,
    asn: str | None,
    country: str | None,
    category: str | None,
    since: str | None,
    until: str | None,
    window: str,
    output: str | None,
    config: Path | None,
    data_dir: Path | None,
    collector: str | None,
    with_envelope: bool = False,
) -> None:
    from probe.analysis.export import ExportError, columns_for, export, writer_for

    allowed = ("csv", "json", "jsonl", "parquet", *(("ooni",) if dataset == "measurements" else ()))
    if fmt not in allowed:
        fail(f"--format {fmt!r} is not one of {', '.join(allowed)}")
    if window not in ("hour", "day"):
        fail(f"--window {window!r} is not hour or day")
    try:
        filters = Filters.parse(
            domain=domain, asn=asn, cc=country, category=category, since=since, until=until
        )
    except FilterError as exc:
        fail(exc.said(current()))
    if fmt == "parquet":
        try:
            writer_for("parquet", columns_for(dataset))  # fails early when pyarrow is missing
        except ExportError as exc:
            fail(str(exc))
    started = time.perf_counter()
    if collector:
        params = {
            "dataset": dataset,
            "format": fmt,
            "window": window,
            **{k: v for k, v in filters.as_dict().items() if v is not None},
        }
        if with_envelope:
            params["with_envelope"] = "true"
        with _output(output, fmt) as (out, name):
            rows = _remote(collector, params, out, fmt, name)
        where = f"{name} (from {collector})"
    else:
        with collector_database(config, data_dir) as conn:
            try:
                writer, chunks = export(
                    conn, dataset, fmt, filters, window=window, with_envelope=with_envelope
                )
                with _output(output, fmt) as (out, name):
                    for chunk in chunks:
                        out.write(chunk)
                rows, where = writer.count, name
            except ExportError as exc:
                fail(str(exc))
            hint = _nothing_matched(conn, filters) if rows == 0 else None
    err.print(
        f"exported {rows} {dataset} row(s) as {fmt} to {where} in {time.perf_counter() - started:.2f} s",
        markup=False,
    )
    if not collector and rows == 0:
        err.print(hint or "note: nothing matched these filters", markup=False)


def _nothing_matched(conn: Connection, filters: Filters) -> str | None:
    """Why an export is empty, when a filter names something the database has never seen."""
    if (
        filters.domain
        and conn.execute("SELECT 1 FROM facts WHERE domain = ? LIMIT 1", [filters.domain]).fetchone() is None
    ):
        like = [
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT domain FROM facts WHERE domain LIKE ? ORDER BY domain LIMIT 5",
                [f"%{filters.domain}%"],
            )
        ]
        also = f"; did you mean {', '.join(like)}?" if like else ""
        return f"note: no measurement of the domain {filters.domain} (domains are matched exactly){also}"
    if (
        filters.asn is not None
        and conn.execute("SELECT 1 FROM facts WHERE asn = ? LIMIT 1", [filters.asn]).fetchone() is None
    ):
        return f"note: no measurement from AS{filters.asn}"
    for column, value in (("cc", filters.cc), ("category", filters.category)):
        if (
            value
            and conn.execute(f"SELECT 1 FROM facts WHERE {column} = ? LIMIT 1", [value]).fetchone() is None
        ):
            return f"note: no measurement has {'country' if column == 'cc' else column} {value}"
    return None


def _remote(collector: str, params: dict[str, object], out: IO[bytes], fmt: str, name: str) -> int:
    newlines = json_rows = 0
    for chunk in stream_from(collector, "/api/v1/export", params, timeout_s=60):
        newlines += chunk.count(b"\n")
        json_rows += chunk.count(b"\n{")
        out.write(chunk)
    out.flush()
    return _rows_in(name, fmt, newlines, json_rows)


def _windowed(dataset: str, doc: str) -> Callable[..., None]:
    """The command for a dataset cut into windows (timeline, events): the same options for both."""

    def command(
        domain: DomainOption = None,
        asn: AsnOption = None,
        country: CountryOption = None,
        category: CategoryOption = None,
        since: SinceOption = None,
        until: UntilOption = None,
        window: WindowOption = "day",
        fmt: FormatOption = "csv",
        output: OutputOption = None,
        config: ConfigOption = None,
        data_dir: DataDirOption = None,
        collector: CollectorOption = None,
    ) -> None:
        run_export(
            dataset,
            fmt,
            domain=domain,
            asn=asn,
            country=country,
            category=category,
            since=since,
            until=until,
            window=window,
            output=output,
            config=config,
            data_dir=data_dir,
            collector=collector,
        )

    command.__doc__ = doc
    return command


app.command("timeline")(
    _windowed(
        "timeline",
        "Export timeline cells: the state of each (domain, ASN) in each window, with the counts behind it.",
    )
)
app.command("events")(
    _windowed(
        "events",
        "Export events: each published change of state (blocking start, end) with the measurements bounding it.",
    )
)


@app.command("measurements")
def measurements_command(
    domain: DomainOption = None,
    asn: AsnOption = None,
    country: CountryOption = None,
    category: CategoryOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="csv, json, jsonl, parquet, or ooni (OONI's JSON Lines).")
    ] = "csv",
    output: OutputOption = None,
    with_envelope: Annotated[
        bool, typer.Option("--with-envelope", help="Add the signed DSSE envelope of each measurement.")
    ] = False,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
    collector: CollectorOption = None,
) -> None:
    """Export one row per stored measurement: the fact, its hashes, log index and the verdict's explanation."""
    run_export(
        "measurements",
        fmt,
        domain=domain,
        asn=asn,
        country=country,
        category=category,
        since=since,
        until=until,
        window="day",
        output=output,
        config=config,
        data_dir=data_dir,
        collector=collector,
        with_envelope=with_envelope,
    )


@app.command("ooni-timeline")
def ooni_timeline_command(
    domain: DomainOption = None,
    asn: AsnOption = None,
    since: SinceOption = None,
    until: UntilOption = None,
    fmt: FormatOption = "csv",
    output: OutputOption = None,
    config: ConfigOption = None,
    data_dir: DataDirOption = None,
) -> None:
    """Export OONI's imported data by day (external, unsigned by us): OONI's blocked and not, Saksi's
    second opinion on the same observations (after `probe import ooni --reclassify`), and how many differ."""
    from probe.analysis.export import Column, ExportError, encode, writer_for
    from probe.analysis.ooni import SOURCE, ooni_for

    if fmt not in ("csv", "json", "jsonl", "parquet"):
        fail(f"--format {fmt!r} is not one of csv, json, jsonl, parquet")
    try:
        filters = Filters.parse(domain=domain, asn=asn, since=since, until=until)
    except FilterError as exc:
        fail(exc.said(current()))
    counts = [
        "measurements",
        "ooni_blocked",
        "ooni_not_blocked",
        "saksi_blocked",
        "saksi_not_blocked",
        "differing",
    ]
    columns = [Column("source", "str"), Column("domain", "str"), Column("asn", "int"), Column("day", "str")]
    columns += [Column(name, "int") for name in counts]
    with collector_database(config, data_dir) as conn:
        found = ooni_for(conn, filters.domain, filters.asn, filters.since, filters.until, limit=0)
    rows = [
        {
            "source": SOURCE,
            "domain": filters.domain,
            "asn": filters.asn,
            **{k: d[k] for k in ("day", *counts)},
        }
        for d in found.timeline
    ]
    try:
        writer = writer_for(fmt, columns)
    except ExportError as exc:
        fail(str(exc))
    with _output(output, fmt) as (out, name):
        for chunk in encode(writer, [rows]):
            out.write(chunk)
    err.print(f"exported {len(rows)} day(s) of OONI's data (external) as {fmt} to {name}", markup=False)


app.command("chart")(chart)
