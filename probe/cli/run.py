"""`probe run`: measure a list (or URLs) now, store every measurement, show the verdicts."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from probe.addresses import is_bogon, is_ip_literal, is_local_name
from probe.cli.common import ConfigOption, err, fail, open_store, out, raise_open_file_limit, say, settings
from probe.cli.output import summary_line, verdict_table
from probe.config import Settings
from probe.consent import Consent, require_consent
from probe.i18n import t
from probe.lists import builtin_lists, read_citizenlab_csv, select, url_problem
from probe.lists.categories import CATEGORIES, unknown_categories
from probe.models.measurement import Measurement, TargetRef
from probe.runner import offline_reason
from probe.runner import run as run_targets
from probe.store import Store, StoreLock


def choose_targets(
    s: Settings,
    store: Store,
    list_arg: str | None,
    urls: list[str],
    categories: list[str],
    include_sensitive: bool,
) -> list[TargetRef]:
    if urls:
        if list_arg:
            fail(t("url_or_list"))
        for url in urls:
            problem = url_problem(url)
            if problem:
                fail(f"--url: {problem}")
            host = urlsplit(url).hostname or ""
            if is_local_name(host, s.network.bogon_ranges):
                fail(t("local_name", url=url, host=host))
            if is_ip_literal(host) and is_bogon(host, s.network.bogon_ranges):
                fail(t("private_address", url=url, host=host))
        return [TargetRef(url=u, list="cli") for u in dict.fromkeys(urls)]
    name = list_arg or s.targets.list
    if list_arg and Path(list_arg).suffix == ".csv":
        entries = read_citizenlab_csv(Path(list_arg), Path(list_arg).stem)
        name = Path(list_arg).stem
    else:
        known = {**builtin_lists(), **store.lists()}
        if name not in known:
            fail(t("no_list", name=name, known=", ".join(sorted(known))))
        entries = known[name]
    asked = {c.upper() for c in categories}
    unknown = unknown_categories(asked, {e.category_code for e in entries})
    if unknown:
        fail(t("unknown_categories", codes=", ".join(unknown), known=", ".join(CATEGORIES)))
    chosen = select(
        entries,
        categories=asked or (set(s.targets.categories) if s.targets.categories else None),
        include_sensitive=include_sensitive or s.targets.include_sensitive,
    )
    if not chosen:
        fail(t("empty_selection", name=name, categories=", ".join(categories) or "all"))
    return [TargetRef(url=e.url, category_code=e.category_code, list=name) for e in chosen]


async def _measure(s: Settings, store: Store, targets: list[TargetRef], as_json: bool) -> list[Measurement]:
    done: list[Measurement] = []
    progress = Progress(
        TextColumn("measuring"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )
    with progress:
        task = progress.add_task("", total=len(targets))
        async for m in run_targets(s, targets, store):
            done.append(m)
            progress.update(task, advance=1, description=m.target.url)
            if as_json:
                sys.stdout.write(m.model_dump_json() + "\n")
                sys.stdout.flush()
    return done


def upload_after_run(s: Settings, store: Store) -> None:
    """Send the new measurements now; a collector that is down never fails the run (they wait)."""
    from probe.cli.upload import report_lines
    from probe.upload import UploadError, upload

    say(err, t("uploading", url=s.upload.url, seconds=f"{s.upload.timeout_s:g}"))
    try:
        report = asyncio.run(upload(s, store))
    except UploadError as exc:
        say(err, f"not uploaded: {exc}", prefix=t("note") + " ", style="bold yellow")
        return
    err.print(report_lines(report)[0])
    if report.error:
        say(err, report.error, prefix=t("note") + " ", style="bold yellow")


def _stop_like_ctrl_c(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def approved_network(s: Settings, consent: Consent, store: Store) -> Settings:
    """The settings to measure with, once this network is known to be approved; else refuse in one sentence.

    The network is asked of the collector (bounded wait, said first) unless probe.asn names it; it signs
    the measurements with that network's key.
    """
    from probe.consent.networks import NETWORK_CHECK_S, network_now, refusal
    from probe.daemon.jobs import ASN_KEY

    asn = s.probe.asn
    if asn is None and s.upload.url and not s.upload.socks5:
        wait = min(NETWORK_CHECK_S, s.upload.timeout_s)
        say(err, t("asking_network", url=s.upload.url, seconds=f"{wait:g}"))
        asn = asyncio.run(network_now(s))
    if asn is not None:  # kept even when refused: `probe networks allow` then knows the problem is solved
        store.kv_set(ASN_KEY, str(asn))
    why = refusal(consent, asn)
    if why is not None:
        store.note_problem("network", why)
        fail(why)
    store.clear_problem("network")
    if asn is None:
        return s
    return s.model_copy(update={"probe": s.probe.model_copy(update={"asn": asn})})


def run(
    config: ConfigOption = None,
    list_: Annotated[
        str | None,
        typer.Option(
            "--list", "-l", help="A list name (see `probe targets list`) or a Citizen Lab CSV path."
        ),
    ] = None,
    url: Annotated[
        list[str] | None, typer.Option("--url", "-u", help="Measure this URL (repeatable) instead of a list.")
    ] = None,
    category: Annotated[
        list[str] | None, typer.Option("--category", help="Only this category code, e.g. NEWS (repeatable).")
    ] = None,
    include_sensitive: Annotated[
        bool, typer.Option("--include-sensitive", help="Also measure PORN, XED, DATE, LGBT and REL sites.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON measurement per line instead of a table.")
    ] = False,
) -> None:
    """Measure the Cambodian list (or --list / --url) now and show whether and how each site is blocked.

    Every measurement is stored in the local store (store.path) before it is shown.
    """
    s = settings(config)
    consent = require_consent(s)
    with StoreLock(s.store.path, "`probe run`"), open_store(s) as store:
        targets = choose_targets(s, store, list_, url or [], category or [], include_sensitive)
        s = approved_network(s, consent, store)
        raise_open_file_limit()
        control = t("control_wait", seconds=f"{s.timeouts.control_s:g}") if s.control.url else ""
        say(err, t("measuring", count=len(targets), seconds=f"{s.timeouts.url_s:g}", control=control))
        stored_before = store.count()
        run_id = store.start_run("cli", len(targets))
        signal.signal(signal.SIGTERM, _stop_like_ctrl_c)  # SIGTERM stops a run as Ctrl-C does
        try:
            measurements = asyncio.run(_measure(s, store, targets, as_json))
        except KeyboardInterrupt:
            store.finish_run(run_id, "interrupted")
            say(err, t("interrupted", count=store.count() - stored_before, path=s.store.path))
            raise typer.Exit(130) from None
        store.finish_run(run_id, "done")
        reason = offline_reason(measurements, s)
        if reason:
            store.note_problem("run", f"probe run: {reason}")
        else:
            store.clear_problem("run")
        if s.upload.url:
            upload_after_run(s, store)
    if not as_json:
        order = {t.url: i for i, t in enumerate(targets)}
        measurements.sort(key=lambda m: order.get(m.target.url, 0))
        out.print(verdict_table(measurements))
        say(out, summary_line(measurements) + t("stored_in", path=s.store.path))
    if s.control.url is None:
        say(err, t("no_control"), prefix=t("note") + " ")
    if reason:
        say(err, reason, prefix=t("error") + " ", style="bold red")
        raise typer.Exit(1)
