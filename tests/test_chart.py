"""Timeline charts (probe.analysis.chart) and the `probe export chart` command, on the known history."""

from __future__ import annotations

import io
import sqlite3
import struct
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
import typer
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from typer.testing import CliRunner

from probe.analysis.chart import STATE_LABELS, extent, left_margin, render, rows, spans
from probe.analysis.query import Filters, timeline
from probe.analysis.rules import TIMELINE_RULES_VERSION
from probe.analysis.timeline import Timeline
from probe.cli.chart import chart
from probe.cli.common import UserError
from tests.analysis_rig import ASNS

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def read_only(history_dir: Path) -> closing[sqlite3.Connection]:
    return closing(sqlite3.connect(f"file:{history_dir / 'collector.db'}?mode=ro", uri=True))


def extent_of(found: Timeline) -> tuple[int, int]:
    bounds = extent(found)
    assert bounds is not None
    return bounds


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC
    assert data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def test_png_of_a_site_across_networks(history_dir: Path) -> None:
    with read_only(history_dir) as conn:
        found = timeline(conn, Filters.parse(domain="vodkhmer.news"), "day")
    data = render(found, by="asn", subject="vodkhmer.news", fmt="png")
    width, height = png_size(data)
    assert (width, height) == (1100, 190 + 55 * len(ASNS))  # 11 in wide at 100 dpi, a row per ASN
    assert len(data) > 10_000  # drawn, not blank


def test_svg_has_a_row_per_asn_the_blocked_periods_and_the_legend(history_dir: Path) -> None:
    with read_only(history_dir) as conn:
        found = timeline(conn, Filters.parse(domain="www.rfa.org"), "day")
    svg = render(found, by="asn", subject="www.rfa.org", fmt="svg", names={"AS38623": "VIETTEL-KH Metfone"})
    text = svg.decode()
    for asn in ASNS:
        assert f"AS{asn}" in text
    assert "VIETTEL-KH Metfone" in text
    # a blocked (red) span on every network, labelled with its method
    assert "#c0392b" in text
    assert text.count(">dns.bogon<") >= len(ASNS)
    # the legend names what is drawn, and only that
    states = {s.state for _, cells in rows(found, "asn") for s in spans(cells, *extent_of(found))}
    for state in ("blocked", "accessible", "down", "inconclusive"):
        assert (f">{STATE_LABELS[state]}<" in text) == (state in states), state
    assert ">blocking first seen (published change)<" in text
    assert "incomplete window" not in text  # every window of the history is complete
    assert f"timeline rules {TIMELINE_RULES_VERSION}" in text
    assert "www.rfa.org across networks" in text
    # deterministic: the same timeline gives the same bytes
    assert (
        render(found, by="asn", subject="www.rfa.org", fmt="svg", names={"AS38623": "VIETTEL-KH Metfone"})
        == svg
    )


def test_svg_of_a_network_across_sites(history_dir: Path) -> None:
    with read_only(history_dir) as conn:
        found = timeline(conn, Filters.parse(asn="AS38623"), "day")
    text = render(found, by="domain", subject="AS38623", fmt="svg").decode()
    for domain in ("www.rfa.org", "vodkhmer.news", "www.cambodiadaily.com", "www.example.com"):
        assert domain in text
    assert "tls.reset" in text and "dns.bogon" in text
    assert "AS38623 across sites" in text
    assert "end of blocking first seen (published change)" in text  # vodkhmer.news was unblocked here
    # blocked rows first (www.rfa.org is blocked at the end), the control site apart, last and labelled
    apart = render(found, by="domain", subject="AS38623", fmt="svg", controls=frozenset({"www.example.com"}))
    order = [
        apart.decode().find(f">{d}<") for d in ("www.rfa.org", "www.cambodiadaily.com", "www.example.com")
    ]
    assert -1 not in order and order == sorted(order, reverse=True)  # y labels are written bottom-up
    assert "control site" in apart.decode()


def test_incomplete_windows_are_pale_hatched_and_in_the_legend(history_dir: Path) -> None:
    with read_only(history_dir) as conn:
        found = timeline(conn, Filters.parse(domain="vodkhmer.news"), "day")
    last = max(c.start for c in found.cells)
    opened = Timeline(found.window, [replace(c, complete=c.start != last) for c in found.cells], found.events)
    laid = spans([c for c in opened.cells if c.asn == 38623], *extent_of(opened))
    assert not laid[-1].complete and laid[-2].complete  # the open window is a span of its own
    text = render(opened, by="asn", subject="vodkhmer.news", fmt="svg").decode()
    assert ">incomplete window<" in text
    assert text != render(found, by="asn", subject="vodkhmer.news", fmt="svg").decode()


def test_long_row_labels_fit(history_dir: Path) -> None:
    """The left margin grows with the longest label: nothing is drawn left of the figure."""
    with read_only(history_dir) as conn:
        found = timeline(conn, Filters.parse(asn="AS38623"), "hour")
    long = Timeline(found.window, [replace(c, domain="english." + c.domain) for c in found.cells], [])
    canvas = FigureCanvasAgg(Figure(figsize=(11, 3), dpi=100))
    short_margin = left_margin(canvas, ["AS1"], 11)
    long_margin = left_margin(canvas, ["english.www.cambodiadaily.com"], 11)
    assert short_margin < long_margin
    image = Image.open(io.BytesIO(render(long, by="domain", subject="AS38623", fmt="png"))).convert("L")
    # the title starts at 2% of the width; below it, the labels: nothing is drawn in the first columns
    edge = image.crop((0, 60, 12, image.height))
    assert edge.getextrema() == (255, 255), "a row label is cut at the left edge"


def test_gaps_in_the_data_are_spans_of_their_own(history_dir: Path) -> None:
    with read_only(history_dir) as conn:
        found = timeline(conn, Filters.parse(domain="www.cambodiadaily.com", asn="38623"), "day")
    cells = [c for i, c in enumerate(found.cells) if i not in (5, 6)]  # two days without data
    laid = spans(cells, cells[0].start, cells[-1].start + 24)
    assert [s.state for s in laid] == ["accessible", "gap", "accessible"]
    assert laid[1].end - laid[1].start == 48


def cli(*args: str) -> tuple[int, str, BaseException | None]:
    app = typer.Typer()
    app.command()(chart)
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output, result.exception


def test_cli_writes_the_chart_in_the_format_of_the_suffix(history_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "rfa.svg"
    code, output, _ = cli("--domain", "www.rfa.org", "--data-dir", str(history_dir), "-o", str(out))
    assert code == 0, output
    assert out.read_bytes().startswith(b"<?xml")
    png = tmp_path / "as.img"
    code, output, _ = cli(
        "--asn", "AS38623", "--since", "2026-09-05", "--until", "2026-09-15", "--format", "png",
        "--data-dir", str(history_dir), "-o", str(png),
    )  # fmt: skip
    assert code == 0, output
    png_size(png.read_bytes())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "exactly one of --domain"),
        (("--domain", "www.rfa.org", "--asn", "38623"), "exactly one of --domain"),
        (("--domain", "nothing.example"), "no measurements of nothing.example"),
        (("--domain", "www.rfa.org", "--since", "2027-01-01"), "no measurements of www.rfa.org"),
        (("--asn", "AS-x"), "is not an AS number"),
        (("--domain", "www.rfa.org", "--window", "week"), "is not one of"),
        (
            ("--domain", "www.rfa.org", "--collector", "https://collector.example"),
            "probe export timeline --collector https://collector.example --format json",
        ),
    ],
)
def test_cli_errors_are_one_sentence(
    history_dir: Path, tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    _, _, exc = cli(*args, "--data-dir", str(history_dir), "-o", str(tmp_path / "x.png"))
    assert isinstance(exc, UserError), exc
    assert message in str(exc)
    assert not (tmp_path / "x.png").exists()


def test_cli_without_a_database_or_a_format(tmp_path: Path) -> None:
    _, _, exc = cli("--domain", "www.rfa.org", "--data-dir", str(tmp_path), "-o", str(tmp_path / "x.png"))
    assert isinstance(exc, UserError)
    assert "no collector database" in str(exc)
    _, _, exc = cli("--domain", "www.rfa.org", "--data-dir", str(tmp_path), "-o", str(tmp_path / "x.pdf"))
    assert isinstance(exc, UserError)
    assert "--format png" in str(exc)
