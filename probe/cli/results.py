"""`probe results`: the stored measurements, filtered; `probe results show ID`: one in full."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from probe.cli.common import ConfigOption, fail, open_store, out, settings
from probe.cli.output import OUTCOME_STYLE, confidence_word

app = typer.Typer(
    help="List stored measurements, or show one in full.", no_args_is_help=False, invoke_without_command=True
)


@app.callback(invoke_without_command=True)
def results(
    ctx: typer.Context,
    config: ConfigOption = None,
    outcome: Annotated[str | None, typer.Option(help="accessible, blocked, down or inconclusive.")] = None,
    method: Annotated[str | None, typer.Option(help="A method (dns.nxdomain) or a layer (dns).")] = None,
    host: Annotated[str | None, typer.Option(help="Only this hostname.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only measurements started at or after this UTC date/time.")
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows, newest first.", min=1)] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per row.")] = False,
) -> None:
    """List stored measurements, newest first."""
    if ctx.invoked_subcommand is not None:
        return
    if outcome and outcome not in OUTCOME_STYLE:
        from probe.i18n import t

        fail(t("bad_outcome", known=", ".join(OUTCOME_STYLE)))
    if method:
        from probe.i18n import t
        from probe.models.verdict import Method

        known = sorted({m.value for m in Method} | {m.value.split(".")[0] for m in Method})
        if method not in known:
            fail(t("bad_method", value=method, known=", ".join(known)))
    from probe.i18n import t
    from probe.i18n.catalogue import MESSAGES

    since_at = parse_since(since) if since else None
    s = settings(config)
    if not s.store.path.exists():
        fail(t("no_store_yet", path=s.store.path))
    with open_store(s) as store:
        rows = store.rows(
            outcome=outcome, method=method, host=host.lower() if host else None, since=since_at, limit=limit
        )
        total = store.count()
        outbox = store.outbox_counts()
        dead = store.dead_reasons()
    if as_json:
        for r in rows:
            typer.echo(json.dumps(r.__dict__))
        return
    table = Table()
    for key in ("col_id", "col_started", "", "col_outcome", "col_method", "col_confidence", "col_rule"):
        table.add_column(t(key) if key else "URL", overflow="fold")
    table.add_column(t("col_explanation"), overflow="fold", ratio=1)
    table.add_column(t("col_upload"), overflow="fold")
    for r in rows:
        style = OUTCOME_STYLE.get(r.outcome, "")
        rule = f"rule.{r.rule_id}"
        table.add_row(
            r.uid[:12],
            r.started_at,
            r.url,
            f"[{style}]{t('outcome_' + r.outcome) if r.outcome in OUTCOME_STYLE else r.outcome}[/]",
            r.method or "-",
            confidence_word(r.confidence),
            r.rule_id,
            t(rule) if rule in MESSAGES else "-",
            _upload_word(r.upload),
        )
    out.print(table)
    if outbox:
        reasons = "; ".join(f"{n} {reason or t('res_rejected')}" for reason, n in dead)
        out.print(
            t(
                "res_outbox",
                waiting=outbox.get("pending", 0),
                uploaded=outbox.get("uploaded", 0),
                dead=outbox.get("dead", 0),
                reasons=f" ({reasons})" if reasons else "",
            )
        )
    out.print(t("res_shown", shown=len(rows), total=total, path=s.store.path))


def _upload_word(state: str | None) -> str:
    """The row's upload state in the reader's language; a reason after it (dead (reason)) stays as it is."""
    from probe.i18n import t
    from probe.i18n.catalogue import MESSAGES

    if not state:
        return "-"
    word, _, rest = state.partition(" ")
    return (t(f"upload_{word}") if f"upload_{word}" in MESSAGES else word) + (f" {rest}" if rest else "")


def parse_since(value: str) -> str:
    """A date (2026-11-24) or date and time (2026-11-24T08:00, UTC unless an offset is given) -> stored form."""
    from probe.i18n import t

    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(t("bad_since", value=value))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@app.command("show")
def show(
    measurement_id: Annotated[str, typer.Argument(help="The measurement id, or a unique prefix of it.")],
    config: ConfigOption = None,
) -> None:
    """Show one measurement in full, as JSON (the payload that is signed and uploaded)."""
    from probe.i18n import t

    s = settings(config)
    if not s.store.path.exists():
        fail(t("no_store_yet", path=s.store.path))
    with open_store(s) as store:
        found = store.find(measurement_id)
    if not found:
        fail(t("res_no_match", prefix=measurement_id))
    if len(found) > 1:
        fail(t("res_many", prefix=measurement_id))
    out.print_json(found[0].model_dump_json())
    from probe.cli.common import err, say
    from probe.cli.output import explain

    verdict = found[0].verdict
    if explain(verdict.rule_id, verdict.explanation) != verdict.explanation:  # in Khmer: the rule's words too
        say(err, explain(verdict.rule_id, verdict.explanation), prefix=t("col_explanation") + "៖ ")
