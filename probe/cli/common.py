"""What every command shares: loading settings, opening the store, printing errors the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console

from probe.config import Settings, load_settings
from probe.store import Store

err = Console(stderr=True, highlight=False, soft_wrap=True)
# Piped output is read by programs and wide pagers: do not wrap tables at rich's default 80 columns.
_probe = Console()
out = Console(highlight=False, soft_wrap=True, width=None if _probe.is_terminal else 200)

ConfigOption = Annotated[
    Path | None,
    typer.Option(
        "--config",
        "-c",
        help="TOML settings file (default: $PROBE_CONFIG, else built-in defaults).",
        show_default=False,
    ),
]


def say(console: Console, text: str, *, prefix: str = "", style: str = "") -> None:
    """Print `text`, wrapped to the terminal's width at word and letter-cluster boundaries (never tearing a
    Khmer vowel sign from its consonant); piped output is printed as it is, one line per message."""
    from rich.text import Text

    if not console.is_terminal:
        console.print(Text(prefix, style=style) + Text(text))
        return
    from probe.i18n import current
    from probe.i18n.wrap import wrap

    hanging = " " * min(len(prefix), 8)
    for number, line in enumerate(wrap(text, console.width, lang=current(), indent=prefix, hanging=hanging)):
        head = line[: len(prefix)] if number == 0 and prefix else ""
        console.print(Text(head, style=style) + Text(line[len(head) :]))


class UserError(Exception):
    """An expected condition a person must act on: printed as one sentence, exit status 2."""


def fail(message: str) -> NoReturn:
    raise UserError(message)


def settings(config: Path | None, **overrides: Any) -> Settings:
    return load_settings(config, **overrides)


def open_store(s: Settings) -> Store:
    return Store(s.store.path)
