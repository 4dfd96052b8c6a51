"""The root of the `probe` command; each command group lives in its own module."""

from __future__ import annotations

import sys

import typer
from typer.core import TyperOption

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
    networks,
    ooni_import,
    results,
    run,
    targets,
    upload,
    verify,
    witness,
)
from probe.cli.common import UserError, err, say
from probe.config import ConfigError
from probe.consent import ConsentMissing
from probe.lists import ListFormatError
from probe.sign.keys import KeyFileError
from probe.store import StoreBusy, StoreError

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
app.add_typer(networks.app, name="networks")
app.add_typer(results.app, name="results")
app.add_typer(targets.app, name="targets")
app.add_typer(control.app, name="control")
app.add_typer(collector.app, name="collector")
app.add_typer(export.app, name="export")
app.add_typer(ooni_import.app, name="import")
app.add_typer(witness.app, name="witness")


_display_type = TyperOption.display_type_rich


def _flag_type(self: TyperOption, ctx: typer.Context) -> str | None:
    """A flag takes no value: show none in --help (typer shows `<bool>`, which cannot be given)."""
    return None if self.is_flag else _display_type(self, ctx)


TyperOption.display_type_rich = _flag_type  # type: ignore[method-assign,assignment]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"probe {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version."
    ),
    lang: str | None = typer.Option(
        None,
        "--lang",
        help="Language of the messages: en or km (Khmer). Default: the locale (LANG=km_KH.UTF-8 gives Khmer).",
        show_default=False,
    ),
) -> None:
    """Saksi (សាក្សី): measure whether websites are blocked on this network, and keep the evidence."""
    from probe.i18n import set_lang

    try:
        set_lang(lang)
    except ValueError as exc:
        raise UserError(f"--lang: {exc}") from None


EXPECTED = (
    UserError,
    ConfigError,
    StoreError,
    StoreBusy,
    ListFormatError,
    AsnTableError,
    KeyFileError,
    ConsentMissing,
)


def main() -> None:
    try:
        app()
    except EXPECTED as exc:
        from probe.i18n import t

        say(err, str(exc), prefix=t("error") + " ", style="bold red")
        sys.exit(2)
    except KeyboardInterrupt:
        err.print("interrupted; every measurement finished before this was stored")
        sys.exit(130)
