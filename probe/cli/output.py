"""How measurements look on a terminal: the results table and one measurement in full."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from probe.models.measurement import Measurement

OUTCOME_STYLE = {"accessible": "green", "blocked": "bold red", "down": "yellow", "inconclusive": "magenta"}


def verdict_table(measurements: Iterable[Measurement], title: str | None = None) -> Table:
    """The verdicts; headings, outcomes and explanations follow the language (probe.i18n). In Khmer the
    explanation is chosen by the verdict's rule id; the signed English stays in the measurement (`--json`)."""
    from probe.i18n import t

    table = Table(title=title, show_lines=False, expand=False)
    table.add_column("URL", overflow="fold")
    table.add_column(t("col_outcome"))
    table.add_column(t("col_method"))
    table.add_column(t("col_confidence"))
    table.add_column(t("col_explanation"), overflow="fold", ratio=1)
    for m in measurements:
        v = m.verdict
        style = OUTCOME_STYLE.get(v.outcome.value, "")
        table.add_row(
            m.target.url,
            f"[{style}]{t('outcome_' + v.outcome.value)}[/]",
            v.method.value if v.method else "-",
            confidence_word(v.confidence.value if v.confidence else None),
            explain(v.rule_id, v.explanation),
        )
    return table


def explain(rule_id: str, signed: str) -> str:
    """The verdict's explanation to show: the signed English, or in Khmer the catalogue's text for its rule."""
    from probe.i18n import current, explained

    return explained(rule_id, signed, current())


def confidence_word(value: str | None) -> str:
    from probe.i18n import t
    from probe.i18n.catalogue import MESSAGES

    return t(f"confidence_{value}") if value and f"confidence_{value}" in MESSAGES else value or "-"


def summary_line(measurements: list[Measurement]) -> str:
    counts: dict[str, int] = {}
    for m in measurements:
        counts[m.verdict.outcome.value] = counts.get(m.verdict.outcome.value, 0) + 1
    from probe.i18n import t

    parts = [
        f"{counts[k]} {t('outcome_' + k)}"
        for k in ("blocked", "accessible", "down", "inconclusive")
        if k in counts
    ]
    return t("measured", count=len(measurements)) + ", ".join(parts)
