"""The root of the `probe` command; each command group lives in its own module."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperGroup, TyperOption

from probe import __version__

# Each command, by name: the module under probe.cli that holds it and the function (or typer app, for a
# group of commands) in it. A module is imported only when its command runs (or --help lists them all), so
# `probe --version` loads no command and `probe run` only what measuring needs (tests/test_imports.py).
COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("run", "run"),
    "demo": ("demo", "demo"),
    "init": ("init", "init"),
    "daemon": ("daemon", "daemon"),
    "status": ("daemon", "status"),
    "wipe": ("daemon", "wipe"),
    "upload": ("upload", "upload_command"),
    "enrol": ("upload", "enrol_command"),
    "verify": ("verify", "verify"),
    "evidence": ("evidence", "evidence"),
    "keys": ("keys", "app"),
    "networks": ("networks", "app"),
    "results": ("results", "app"),
    "targets": ("targets", "app"),
    "control": ("control", "app"),
    "collector": ("collector", "app"),
    "export": ("export", "app"),
    "import": ("ooni_import", "app"),
    "witness": ("witness", "app"),
}


def load_command(name: str) -> Any:
    """The click command `name`, built from its module (imported now)."""
    module, attr = COMMANDS[name]
    obj = getattr(importlib.import_module(f"probe.cli.{module}"), attr)
    if isinstance(obj, typer.Typer):
        group = typer.main.get_group(obj)
        group.name = name
        return group
    single = typer.Typer()
    single.command(name)(obj)
    return typer.main.get_command(single)


class LazyCommands(MutableMapping[str, Any]):
    """The root group's commands: every name known at once, each command built on first use."""

    def __init__(self, eager: MutableMapping[str, Any]) -> None:
        self._built: dict[str, Any] = dict(eager)

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in COMMANDS:
                raise KeyError(name)
            self._built[name] = load_command(name)
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command

    def __delitem__(self, name: str) -> None:
        del self._built[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*COMMANDS, *self._built]))

    def __len__(self) -> int:
        return len({*COMMANDS, *self._built})

    def __contains__(self, name: object) -> bool:
        return name in COMMANDS or name in self._built


class LazyGroup(TyperGroup):
    """The `probe` group, its commands loaded lazily (LazyCommands)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = LazyCommands(self.commands)

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)


app = typer.Typer(
    name="probe",
    cls=LazyGroup,
    help="Saksi (សាក្សី): measure whether websites are blocked on this network, and keep the evidence.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


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
        from probe.cli.common import UserError

        raise UserError(f"--lang: {exc}") from None


def expected() -> tuple[type[Exception], ...]:
    """The errors a person must act on, printed as one sentence (exit 2); imported only when one is raised
    (a class not yet imported cannot have been raised)."""
    from probe.asn import AsnTableError
    from probe.cli.common import UserError
    from probe.config import ConfigError
    from probe.consent import ConsentMissing
    from probe.lists import ListFormatError
    from probe.sign.keys import KeyFileError
    from probe.store import StoreBusy, StoreError

    return (
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
    except KeyboardInterrupt:
        from probe.cli.common import err

        err.print("interrupted; every measurement finished before this was stored")
        sys.exit(130)
    except Exception as exc:
        if not isinstance(exc, expected()):
            raise
        from probe.cli.common import err, say
        from probe.i18n import t

        say(err, str(exc), prefix=t("error") + " ", style="bold red")
        sys.exit(2)
