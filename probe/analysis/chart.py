"""Timeline charts: a Timeline laid out as rows of coloured spans, and drawn as PNG or SVG with matplotlib.

The layout (`rows`, `spans`) is pure and shared with the dashboard's HTML strips. matplotlib is imported
only inside `render`, so the collector and the probe never load it unless a chart is drawn; it comes with
the `analysis` extra (`pip install '.[analysis]'` in a checkout).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from probe.analysis.provenance import LAB_NOTICE
from probe.analysis.report_doc import say
from probe.analysis.rules import TIMELINE_RULES_VERSION
from probe.analysis.timeline import WINDOW_HOURS, Cell, Timeline
from probe.analysis.wording import install_extra
from probe.i18n.catalogue import MESSAGES

Row = Literal["asn", "domain"]  # what each row of the chart is: one network, or one site

COLOURS = {
    "blocked": "#c0392b",
    "accessible": "#2e8b57",
    "down": "#8c8c8c",
    "inconclusive": "#e0a526",
    "gap": "#ffffff",
}
STATE_LABELS = {
    s: MESSAGES[f"chart_state_{s}"][0] for s in ("blocked", "accessible", "down", "inconclusive", "gap")
}
# Tick labels by the scale of the ticks (ConciseDateFormatter): English names the month; Khmer is numeric.
DATE_FORMATS = {
    "en": (
        ["%Y", "%b %Y", "%d %b", "%d %b %H:%M", "%H:%M", "%H:%M:%S"],
        ["%Y", "%b %Y", "%d %b", "%d %b", "%d %b %H:%M", "%H:%M"],
    ),
    "km": (
        ["%Y", "%Y-%m", "%Y-%m-%d", "%m-%d %H:%M", "%H:%M", "%H:%M:%S"],
        ["%Y", "%Y-%m", "%Y-%m-%d", "%Y-%m-%d", "%m-%d %H:%M", "%H:%M"],
    ),
}
# Blocked spans are hatched by the layer the blocking was seen at, so a change of method is visible in print.
METHOD_HATCH = {"dns": "///", "tcp": "xxx", "tls": "\\\\\\", "http": "..."}
EVENT_MARKERS = {"blocking_start": "v", "blocking_end": "^", "state_change": "D"}
# A marker stands at the first measurement that showed the new state of a published change.
EVENT_LABELS = {k: MESSAGES[f"chart_event_{k}"][0] for k in EVENT_MARKERS}
INCOMPLETE_ALPHA = 0.4  # a window still open (e.g. today) is drawn lighter and hatched: it may change
INCOMPLETE_HATCH = "oo"
LABEL_SIZE = 9  # points, the row labels


class ChartUnavailable(RuntimeError):
    """matplotlib is not installed: charts need the analysis extra."""


@dataclass(frozen=True)
class Span:
    """Consecutive windows of one row in the same state (and method), or a stretch without data."""

    start: int  # epoch hour, inclusive
    end: int  # epoch hour, exclusive
    state: str  # a cell state, or "gap"
    method: str | None = None
    confidence: str | None = None
    windows: int = 0  # windows with data in the span
    measurements: int = 0
    complete: bool = True  # False: the windows reach past the time of the query (e.g. today)


def rows(timeline: Timeline, by: Row) -> list[tuple[str, list[Cell]]]:
    """The timeline's cells grouped by ASN (by="asn") or by domain (by="domain"), each row sorted by time;
    rows whose latest window is blocked come first (what is blocked is what a reader looks for), then the
    rest by ASN or name.

    ASN rows are labelled "AS<n>" ("unknown network" when the ASN is not known)."""
    grouped: dict[str, list[Cell]] = defaultdict(list)
    for cell in timeline.cells:
        grouped[row_key(cell.asn, cell.domain, by)].append(cell)

    def order(key: str) -> tuple[bool, int, str]:
        blocked_now = max(grouped[key], key=lambda c: c.start).state == "blocked"
        number = (int(key[2:]), "") if key.startswith("AS") and key[2:].isdigit() else (1 << 40, key)
        return (not blocked_now, *number)

    return [(key, sorted(grouped[key], key=lambda c: c.start)) for key in sorted(grouped, key=order)]


def extent(timeline: Timeline) -> tuple[int, int] | None:
    """The first window's start and the last window's end, in epoch hours; None for an empty timeline."""
    if not timeline.cells:
        return None
    size = WINDOW_HOURS[timeline.window]
    return min(c.start for c in timeline.cells), max(c.start for c in timeline.cells) + size


def spans(cells: Sequence[Cell], start: int, end: int) -> list[Span]:
    """One row's cells (sorted) as spans covering [start, end): runs of one state, gaps where no data."""
    out: list[Span] = []
    at = start
    for cell in cells:
        size = WINDOW_HOURS[cell.window]
        if cell.start + size <= start or cell.start >= end:
            continue
        if cell.start > at:
            out.append(Span(at, cell.start, "gap"))
        d = cell.decision
        method = d.method if d.state == "blocked" else None
        n = sum(d.counts.values())
        last = out[-1] if out else None
        if (
            last
            and last.end == cell.start
            and (last.state, last.method, last.complete) == (d.state, method, cell.complete)
        ):
            out[-1] = Span(
                last.start,
                cell.start + size,
                d.state,
                method,
                last.confidence if last.confidence == "confirmed" else d.confidence,
                last.windows + 1,
                last.measurements + n,
                cell.complete,
            )
        else:
            out.append(
                Span(cell.start, cell.start + size, d.state, method, d.confidence, 1, n, cell.complete)
            )
        at = cell.start + size
    if at < end:
        out.append(Span(at, end, "gap"))
    return out


def hour_time(hour: int) -> datetime:
    return datetime.fromtimestamp(hour * 3600, UTC)


def day_text(hour: int) -> str:
    return hour_time(hour).strftime("%Y-%m-%d")


def title_of(timeline: Timeline, by: Row, subject: str, start: int, end: int, lang: str = "en") -> str:
    return say(
        "chart_title",
        lang,
        subject=subject,
        across=say("chart_across_networks" if by == "asn" else "chart_across_sites", lang),
        start=day_text(start),
        end=day_text(end - 1),
        window=say("chart_daily" if timeline.window == "day" else "chart_hourly", lang),
        version=TIMELINE_RULES_VERSION,
    )


def render(
    timeline: Timeline,
    *,
    by: Row,
    subject: str,
    fmt: Literal["png", "svg"],
    names: dict[str, str] | None = None,
    lab: bool = False,
    lang: str = "en",
    controls: frozenset[str] = frozenset(),
) -> bytes:
    """The chart as PNG or SVG bytes. `subject` names what the chart is about (the domain, or "AS38623");
    `names` adds a label to a row key (e.g. "AS38623" -> "VIETTEL-KH Metfone"). SVG output is
    deterministic: the same timeline gives the same bytes. `lab` (provenance.is_lab): the data was invented;
    the chart says so across its face, in its title and in the file's metadata, so a copy cannot pass
    for evidence. `lang` km: every word in Khmer (the catalogue's chart_* messages), set in a Khmer font
    (probe.analysis.report_km.khmer_font), dates as YYYY-MM-DD."""
    try:
        import matplotlib
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
        from matplotlib.patches import Patch
    except ImportError:
        raise ChartUnavailable(
            f"charts need matplotlib: install the analysis extra ({install_extra('analysis')})"
        ) from None
    import matplotlib.dates

    mdates: Any = matplotlib.dates  # untyped in places

    bounds = extent(timeline)
    if bounds is None:
        raise ValueError("the timeline has no windows to draw")
    start, end = bounds
    # control sites (category CTRL) apart, below the sites measured for their own sake, and labelled so
    laid = sorted(rows(timeline, by), key=lambda kv: kv[0] in controls)
    names = names or {}

    def x(hour: int) -> float:
        return float(mdates.date2num(hour_time(hour)))

    family: list[str] = ["DejaVu Sans"]
    if lang == "km":
        from matplotlib import font_manager

        from probe.analysis.report_km import khmer_font

        path = khmer_font()
        font_manager.fontManager.addfont(str(path))
        family = [font_manager.FontProperties(fname=str(path)).get_name(), "DejaVu Sans"]
    with matplotlib.rc_context(
        {
            "svg.hashsalt": "saksi",
            "svg.fonttype": "none",
            "font.family": family,
            "hatch.linewidth": 0.6,
        }
    ):
        height = 1.9 + 0.55 * len(laid)
        fig = Figure(figsize=(11, height), dpi=100)
        canvas = FigureCanvasAgg(fig)
        control = say("chart_control", lang)
        labels = [
            f"{key}\n{names[key]}" if key in names else f"{key}\n{control}" if key in controls else key
            for key, _ in laid
        ]
        left = left_margin(canvas, labels, width_in=11)
        ax = fig.add_axes((left, 0.75 / height, 0.97 - left, 1 - 1.45 / height))
        present: set[str] = set()
        incomplete = False
        for i, (key, cells) in enumerate(laid):
            y = len(laid) - 1 - i
            for span in spans(cells, start, end):
                present.add(span.state)
                width = x(span.end) - x(span.start)
                if span.state == "gap":
                    style: dict[str, Any] = {"facecolor": "white", "edgecolor": "#d0d0d0", "hatch": "////"}
                else:
                    hatch = METHOD_HATCH.get((span.method or "").split(".")[0]) if span.method else None
                    style = {"facecolor": COLOURS[span.state], "edgecolor": "white", "hatch": hatch}
                    if not span.complete:
                        incomplete = True
                        style = {
                            "facecolor": COLOURS[span.state],
                            "edgecolor": "#555555",
                            "hatch": INCOMPLETE_HATCH,
                            "alpha": INCOMPLETE_ALPHA,
                        }
                ax.broken_barh([(x(span.start), width)], (y - 0.35, 0.7), linewidth=0.5, **style)
                if span.state == "blocked" and span.method and span.complete:
                    share = (span.end - span.start) / (end - start)
                    if share > 0.08:
                        ax.text(
                            x(span.start) + width / 2,
                            y,
                            span.method,
                            ha="center",
                            va="center",
                            fontsize=8,
                            color="white",
                            fontweight="bold",
                            bbox={"facecolor": COLOURS["blocked"], "edgecolor": "none", "pad": 1.5},
                        )
            # the first published state of a row is not a change: only changes are marked, at the first
            # measurement that showed the new state
            key_events = [
                e
                for e in timeline.events
                if e.kind != "state_at_start" and row_key(e.asn, e.domain, by) == key
            ]
            for event in key_events:
                at = event.first_seen.at if event.first_seen else event.published_at
                when = datetime.fromisoformat(at.replace("Z", "+00:00"))
                ax.plot(
                    [mdates.date2num(when)],
                    [y + 0.47],
                    marker=EVENT_MARKERS.get(event.kind, "D"),
                    markersize=7,
                    color="#1f1f1f",
                    linestyle="none",
                    clip_on=False,
                )
        ax.set_yticks(range(len(laid)), labels=list(reversed(labels)), fontsize=LABEL_SIZE)
        ax.set_ylim(-0.6, len(laid) - 0.2)
        ax.set_xlim(x(start), x(end))
        locator = mdates.AutoDateLocator(minticks=4, maxticks=10, tz=UTC)
        ax.xaxis.set_major_locator(locator)
        # Every tick names its day and month ("09 Nov", "01 Dec"), never a bare number under a month offset
        # that belongs to only part of the axis; the title gives the years.
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(
                locator,
                tz=UTC,
                formats=DATE_FORMATS[lang][0],
                zero_formats=DATE_FORMATS[lang][1],
                show_offset=False,
            )
        )
        ax.tick_params(axis="x", labelsize=8)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.grid(axis="x", color="#e5e5e5", linewidth=0.6)
        ax.set_axisbelow(True)
        title = title_of(timeline, by, subject, start, end, lang)
        stamp = say("chart_lab_stamp", lang)
        fig.suptitle(f"{stamp}: {title}" if lab else title, fontsize=10.5, x=0.02, ha="left", y=0.985)
        if lab:
            fig.text(
                0.5,
                0.5,
                stamp,
                ha="center",
                va="center",
                rotation=12,
                fontsize=40 if lang == "en" else 24,
                fontweight="bold",
                color="#c62828",
                alpha=0.35,
                zorder=10,
            )
        handles: list[Any] = [
            Patch(facecolor=COLOURS[s], edgecolor="#9a9a9a", label=say(f"chart_state_{s}", lang))
            for s in ("blocked", "accessible", "down", "inconclusive")
            if s in present
        ]
        if "gap" in present:
            handles.append(
                Patch(
                    facecolor="white", edgecolor="#c0c0c0", hatch="////", label=say("chart_state_gap", lang)
                )
            )
        if incomplete:
            handles.append(
                Patch(
                    facecolor="#9a9a9a",
                    edgecolor="#555555",
                    hatch=INCOMPLETE_HATCH,
                    alpha=INCOMPLETE_ALPHA,
                    label=say("chart_incomplete", lang),
                )
            )
        handles += [
            Line2D([], [], marker=m, color="#1f1f1f", linestyle="none", label=say(f"chart_event_{k}", lang))
            for k, m in EVENT_MARKERS.items()
            if any(e.kind == k for e in timeline.events)
        ]
        fig.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.02, 1 - 0.32 / height),
            ncol=len(handles),
            fontsize=8,
            frameon=False,
            handlelength=1.6,
            columnspacing=1.2,
        )
        fig.text(
            0.99,
            0.012,
            say("chart_footer", lang, version=TIMELINE_RULES_VERSION),
            ha="right",
            fontsize=7,
            color="#555",
        )
        buffer = io.BytesIO()
        metadata: dict[str, Any] = {"Date": None} if fmt == "svg" else {"Software": None}
        if lab:
            metadata["Description"] = LAB_NOTICE
        fig.savefig(buffer, format=fmt, metadata=metadata)
    return buffer.getvalue()


def left_margin(canvas: Any, labels: Sequence[str], width_in: float) -> float:
    """The axes' left edge (a fraction of the figure's width) that fits the longest row label."""
    from matplotlib.font_manager import FontProperties

    renderer = canvas.get_renderer()
    font = FontProperties(family="DejaVu Sans", size=LABEL_SIZE)
    widest = max(
        (
            renderer.get_text_width_height_descent(line, font, ismath=False)[0]
            for label in labels
            for line in label.split("\n")
        ),
        default=0.0,
    )
    inches = float(widest) / float(canvas.figure.dpi) + 0.25  # the tick and some air
    return min(0.45, max(0.08, inches / width_in + 0.01))


def row_key(asn: int | None, domain: str, by: Row) -> str:
    if by == "domain":
        return domain
    return f"AS{asn}" if asn is not None else "unknown network"
