"""`probe results`: the stored measurements, filtered; `probe results show ID`: one in full."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from probe.cli.common import ConfigOption, fail, open_store, out, settings
from probe.cli.output import OUTCOME_STYLE

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
    since_at = parse_since(since) if since else None
    s = settings(config)
    if not s.store.path.exists():
        fail(f"no measurements yet: the store {s.store.path} does not exist; `probe run` creates it")
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
    for column in ("id", "started_at", "URL", "outcome", "method", "confidence", "rule", "upload"):
        table.add_column(column, overflow="fold")
    for r in rows:
        style = OUTCOME_STYLE.get(r.outcome, "")
        table.add_row(
            r.uid[:12],
            r.started_at,
            r.url,
            f"[{style}]{r.outcome}[/]",
            r.method or "-",
            r.confidence or "-",
            r.rule_id,
            r.upload or "-",
        )
    out.print(table)
    if outbox:
        reasons = "; ".join(f"{n} {reason or 'rejected'}" for reason, n in dead)
        out.print(
            f"outbox: {outbox.get('pending', 0)} waiting, {outbox.get('uploaded', 0)} uploaded, "
            f"{outbox.get('dead', 0)} rejected by the collector" + (f" ({reasons})" if reasons else "")
        )
    out.print(
        f"{len(rows)} shown of {total} stored in {s.store.path}; `probe results show ID` for one in full"
    )


def parse_since(value: str) -> str:
    """A date (2026-11-24) or date and time (2026-11-24T08:00, UTC unless an offset is given) -> stored form."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        fail(f"--since {value!r} is not a date; write 2026-11-24 or 2026-11-24T08:00 (UTC)")
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@app.command("show")
def show(
    measurement_id: Annotated[str, typer.Argument(help="The measurement id, or a unique prefix of it.")],
    config: ConfigOption = None,
) -> None:
    """Show one measurement in full, as JSON (the payload that is signed and uploaded)."""
    s = settings(config)
    if not s.store.path.exists():
        fail(f"no measurements yet: the store {s.store.path} does not exist; `probe run` creates it")
    with open_store(s) as store:
        found = store.find(measurement_id)
    if not found:
        fail(f"no stored measurement has an id starting with {measurement_id!r}; see `probe results`")
    if len(found) > 1:
        fail(f"{measurement_id!r} matches more than one measurement; give more characters")
    out.print_json(found[0].model_dump_json())
