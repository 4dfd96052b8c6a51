"""`probe demo`: the whole pipeline on the built-in censorship lab, with no network needed.

Starts the lab and a control service on loopback, measures every scenario, and prints the verdict each
scenario must give beside the verdict given. Exits 1 if any differs.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from probe.cli.common import err, fail, out
from probe.config import Settings
from probe.lists import read_fingerprints_csv
from probe.models.measurement import Measurement, TargetRef
from probe.runner import run
from probe.store import Store

if TYPE_CHECKING:
    from probe.lab import Expected

CONTROL_HOST = "127.0.0.4"
# Short timeouts: lab timeouts are real silences, and the demo should finish in seconds.
DEMO_TIMEOUTS = {"dns_s": 2.0, "tcp_connect_s": 2.0, "tls_handshake_s": 2.0, "http_s": 4.0, "control_s": 20.0}


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        merged[key] = (
            merge(merged[key], value)
            if isinstance(value, dict) and isinstance(merged.get(key), dict)
            else value
        )
    return merged


def given_matches(expected: Expected, m: Measurement) -> bool:
    v = m.verdict
    return (
        v.outcome.value == expected.outcome
        and (v.method.value if v.method else None) == expected.method
        and (v.confidence.value if v.confidence else None) == expected.confidence
        and (expected.fingerprint is None or v.fingerprint == expected.fingerprint)
    )


def _show(expected: Expected) -> str:
    return " ".join(x for x in (expected.outcome, expected.method, expected.confidence) if x)


async def _collect(s: Settings, targets: list[TargetRef], store: Store) -> list[Measurement]:
    return [m async for m in run(s, targets, store)]


def run_demo(workdir: Path, store_path: Path) -> tuple[list[tuple[str, Expected, Measurement]], Path]:
    # Imported here: the lab and the web server are heavy, and only the demo needs them.
    from probe.control.service import ServerThread, uvicorn_config
    from probe.lab import Lab

    with Lab(workdir / "lab") as lab:
        control_settings = Settings(
            **merge(
                lab.control_overrides(),
                {"store": {"path": workdir / "control.db"}, "timeouts": DEMO_TIMEOUTS},
            )
        )
        server = ServerThread(uvicorn_config(control_settings, CONTROL_HOST, 0))
        server.start()
        try:
            overrides = merge(
                lab.probe_overrides(),
                {
                    "control": {"url": f"http://{CONTROL_HOST}:{server.port}/api/v1/control"},
                    "store": {"path": store_path},
                    "timeouts": DEMO_TIMEOUTS,
                },
            )
            s = Settings(**overrides)
            with Store(store_path) as store:
                store.import_fingerprints(read_fingerprints_csv(lab.fingerprints_csv))
                targets = [TargetRef(url=i.url, list="lab", category_code="LAB") for i in lab.instances]
                measurements = asyncio.run(_collect(s, targets, store))
        finally:
            server.stop()
        by_url = {m.target.url: m for m in measurements}
        rows = [(i.scenario.id, i.scenario.expected, by_url[i.url]) for i in lab.instances]
    return rows, store_path


def demo(
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per scenario instead of a table.")
    ] = False,
    store: Annotated[
        Path | None, typer.Option(help="Keep the demo's measurements in this SQLite file.")
    ] = None,
) -> None:
    """Run every censorship scenario of the built-in lab and compare each verdict with the expected one.

    Needs no network and no root: everything runs on loopback addresses.
    """
    from probe.i18n import t

    if store is not None and store.exists():
        fail(t("demo_store_exists", path=store))
    with tempfile.TemporaryDirectory(prefix="saksi-demo-") as tmp:
        workdir = Path(tmp)
        err.print(t("demo_starting"))
        rows, _ = run_demo(workdir, store or workdir / "demo.db")
    failures = 0
    table = Table(title=t("demo_title"))
    for column in ("demo_col_scenario", "demo_col_expected", "demo_col_given", "col_rule", ""):
        table.add_column(t(column) if column else "", overflow="fold")
    for scenario_id, expected, m in rows:
        ok = given_matches(expected, m)
        failures += not ok
        v = m.verdict
        given = " ".join(
            x
            for x in (
                v.outcome.value,
                v.method.value if v.method else None,
                v.confidence.value if v.confidence else None,
            )
            if x
        )
        if as_json:
            typer.echo(
                json.dumps(
                    {
                        "scenario": scenario_id,
                        "url": m.target.url,
                        "expected": _show(expected),
                        "given": given,
                        "rule_id": v.rule_id,
                        "ok": ok,
                    }
                )
            )
        else:
            table.add_row(
                scenario_id, _show(expected), given, v.rule_id, "[green]✓[/]" if ok else "[bold red]✗[/]"
            )
    if not as_json:
        out.print(table)
        out.print(t("demo_summary", good=len(rows) - failures, total=len(rows)))
    if failures:
        raise typer.Exit(1)
