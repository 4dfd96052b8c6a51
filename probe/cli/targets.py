"""`probe targets`: show the test lists, import a list or blockpage fingerprints into the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from probe.cli.common import ConfigOption, fail, open_store, out, settings
from probe.lists import (
    builtin_fingerprints,
    builtin_lists,
    read_citizenlab_list,
    read_fingerprints_csv,
    select,
)
from probe.models.target import SENSITIVE_CATEGORIES
from probe.store.db import LIST_ORIGIN_PREFIX

app = typer.Typer(help="Show the test lists; import lists and blockpage fingerprints.", no_args_is_help=True)


@app.command("list")
def list_(
    config: ConfigOption = None,
    name: Annotated[str | None, typer.Option("--list", "-l", help="Show the URLs of this list.")] = None,
    category: Annotated[list[str] | None, typer.Option(help="Only this category code (repeatable).")] = None,
    include_sensitive: Annotated[
        bool, typer.Option("--include-sensitive", help="Show sensitive categories too.")
    ] = False,
) -> None:
    """Show the known lists (built-in and imported), or the URLs of one with --list."""
    from probe.i18n import t

    s = settings(config)
    with open_store(s) as store:
        imported = store.lists()
        fingerprints = len(store.fingerprints())
    builtin = builtin_lists()
    known = {**builtin, **imported}
    if name is None:
        table = Table()
        for column in ("tg_col_list", "tg_col_origin", "tg_col_urls", "tg_col_default"):
            table.add_column(t(column))
        for list_name, entries in sorted(known.items()):
            default = len(select(entries, categories=None, include_sensitive=s.targets.include_sensitive))
            table.add_row(
                list_name,
                t("tg_imported") if list_name in imported else t("tg_builtin"),
                str(len(entries)),
                str(default),
            )
        out.print(table)
        out.print(
            t(
                "tg_fingerprints",
                builtin=len(builtin_fingerprints()),
                imported=fingerprints,
                codes=", ".join(sorted(SENSITIVE_CATEGORIES)),
            )
        )
        return
    if name not in known:
        fail(t("no_list", name=name, known=", ".join(sorted(known))))
    chosen = select(known[name], categories=set(category or []) or None, include_sensitive=include_sensitive)
    table = Table(title=t("tg_title", name=name, shown=len(chosen), total=len(known[name])))
    for column in ("tg_col_url", "tg_col_category", "tg_col_notes"):
        table.add_column(t(column), overflow="fold")
    for e in chosen:
        table.add_row(e.url, e.category_code, e.notes)
    out.print(table)


@app.command("import")
def import_(
    path: Annotated[Path, typer.Argument(help="A CSV file in the Citizen Lab test-list format.")],
    config: ConfigOption = None,
    name: Annotated[
        str | None, typer.Option("--name", help="The list's name (default: the file name, e.g. kh).")
    ] = None,
    replace: Annotated[
        bool, typer.Option("--replace", help="Use this list in place of the built-in list of the same name.")
    ] = False,
) -> None:
    """Import a Citizen Lab test list (url,category_code,category_description,date_added,source,notes).

    An imported list replaces an earlier import of the same name. It may replace a built-in list only with
    --replace (undo with `probe targets remove NAME`).
    """
    from probe.i18n import t

    if not path.is_file():
        fail(t("tg_no_file", path=path))
    list_name = name or path.stem
    if list_name in builtin_lists() and not replace:
        fail(t("tg_builtin_taken", name=list_name))
    parsed = read_citizenlab_list(path, list_name)
    s = settings(config)
    with open_store(s) as store:
        earlier = len(store.lists().get(list_name, []))
        count = store.import_list(list_name, parsed.entries)
        store.kv_delete(LIST_ORIGIN_PREFIX + list_name)  # the volunteer's: the collector never replaces it
    if earlier:
        out.print(t("tg_replaced", name=list_name, count=earlier))
    sensitive = sum(1 for e in parsed.entries if e.category_code in SENSITIVE_CATEGORIES)
    note = t("tg_duplicates", count=len(parsed.duplicates)) if parsed.duplicates else ""
    out.print(t("tg_import_done", count=count, name=list_name, note=note, sensitive=sensitive))


@app.command("remove")
def remove(
    name: Annotated[str, typer.Argument(help="The imported list to remove.")],
    config: ConfigOption = None,
) -> None:
    """Remove an imported list (a built-in list of the same name comes back into use)."""
    from probe.i18n import t

    s = settings(config)
    with open_store(s) as store:
        removed = store.remove_list(name)
    if not removed:
        fail(t("tg_not_imported", name=name))
    back = t("tg_builtin_back") if name in builtin_lists() else ""
    out.print(t("tg_removed", name=name, count=removed, back=back))


@app.command("import-fingerprints")
def import_fingerprints(
    path: Annotated[Path, typer.Argument(help="A CSV file in the OONI blocking-fingerprints format.")],
    config: ConfigOption = None,
) -> None:
    """Import blockpage fingerprints (OONI blocking-fingerprints CSV); they add to the built-in ones."""
    from probe.i18n import t

    if not path.is_file():
        fail(t("tg_no_file", path=path))
    fingerprints = read_fingerprints_csv(path)
    s = settings(config)
    with open_store(s) as store:
        count = store.import_fingerprints(fingerprints)
    fp = sum(1 for f in fingerprints if f.scope == "fp")
    out.print(t("tg_fp_done", count=count, fp=fp))
