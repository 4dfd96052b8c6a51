"""The root of the `probe` command; each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from probe import __version__
from probe.asn import AsnTableError
from probe.cli import (
    collector,
    control,
    daemon,
    demo,
    evidence,
    export,
    init,
    keys,
    ooni_import,
    results,
    run,
    targets,
    upload,
    verify,
    witness,
)
from probe.cli.common import UserError, err
from probe.config import ConfigError
from probe.consent import ConsentMissing
from probe.lists import ListFormatError
from probe.sign.keys import KeyFileError
from probe.store import StoreError

app = typer.Typer(
    name="probe",
    help="Saksi (សាក្សី): measure whether websites are blocked on this network, and keep the evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)
app.command("run")(run.run)
app.command("demo")(demo.demo)
app.command("init")(init.init)
app.command("daemon")(daemon.daemon)
app.command("status")(daemon.status)
app.command("wipe")(daemon.wipe)
app.command("upload")(upload.upload_command)
app.command("enrol")(upload.enrol_command)
app.command("verify")(verify.verify)
app.command("evidence")(evidence.evidence)
app.add_typer(keys.app, name="keys")
app.add_typer(results.app, name="results")
app.add_typer(targets.app, name="targets")
app.add_typer(control.app, name="control")
app.add_typer(collector.app, name="collector")
app.add_typer(export.app, name="export")
app.add_typer(ooni_import.app, name="import")
app.add_typer(witness.app, name="witness")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"probe {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
) -> None:
    """Saksi (សាក្សី): measure whether websites are blocked on this network, and keep the evidence."""


EXPECTED = (UserError, ConfigError, StoreError, ListFormatError, AsnTableError, KeyFileError, ConsentMissing)


def main() -> None:
    try:
        app()
    except EXPECTED as exc:
        err.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted; every measurement finished before this was stored")
        sys.exit(130)
