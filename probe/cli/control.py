"""`probe control serve`: run the control service (test helper) from an uncensored vantage point."""

from __future__ import annotations

from typing import Annotated

import typer

from probe.asn import AsnTable
from probe.cli.common import ConfigOption, err, fail, settings

app = typer.Typer(help="The control service (test helper) that probes compare against.", no_args_is_help=True)


@app.command("serve")
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default: control.listen_host).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default: control.listen_port).")] = None,
) -> None:
    """Serve POST /api/v1/control: measure a URL with this machine's own resolvers and network.

    Run it somewhere uncensored. Callers' addresses are mapped to a network (control.asn_db) and dropped.
    It serves probe keys enrolled at control.collector_url (or, in a lab, any signing key with
    control.open_to_any_key).
    """
    import uvicorn

    from probe.control.service import uvicorn_config

    s = settings(config)
    if not s.control.collector_url and not s.control.open_to_any_key:
        fail(
            "set control.collector_url to the collector whose enrolled probes this control serves (or, in a "
            "lab only, control.open_to_any_key = true): otherwise it would refuse every request"
        )
    if s.control.asn_db:
        AsnTable.load(s.control.asn_db)  # fail now, with the line number, rather than at the first request
    listen_host = host or s.control.listen_host
    listen_port = s.control.listen_port if port is None else port
    err.print(f"control service on http://{listen_host}:{listen_port}/api/v1/control (access log off)")
    try:
        uvicorn.Server(uvicorn_config(s, listen_host, listen_port)).run()
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot listen on {listen_host}:{listen_port}: {exc.strerror}")
        raise typer.Exit(2) from None
