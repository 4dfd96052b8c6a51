"""How measurements look on a terminal: the results table and one measurement in full."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from probe.models.measurement import Measurement

OUTCOME_STYLE = {"accessible": "green", "blocked": "bold red", "down": "yellow", "inconclusive": "magenta"}


def verdict_table(measurements: Iterable[Measurement], title: str | None = None) -> Table:
    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("URL", overflow="fold")
    table.add_column("outcome")
    table.add_column("method")
    table.add_column("confidence")
    table.add_column("explanation", overflow="fold", ratio=1)
    for m in measurements:
        v = m.verdict
        style = OUTCOME_STYLE.get(v.outcome.value, "")
        table.add_row(
            m.target.url,
            f"[{style}]{v.outcome.value}[/]",
            v.method.value if v.method else "-",
            v.confidence.value if v.confidence else "-",
            v.explanation,
        )
    return table


def summary_line(measurements: list[Measurement]) -> str:
    counts: dict[str, int] = {}
    for m in measurements:
        counts[m.verdict.outcome.value] = counts.get(m.verdict.outcome.value, 0) + 1
    parts = [f"{counts[k]} {k}" for k in ("blocked", "accessible", "down", "inconclusive") if k in counts]
    return f"{len(measurements)} measured: " + ", ".join(parts)
