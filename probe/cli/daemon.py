"""`probe daemon`, `probe status`, `probe wipe`: the volunteer's long-running probe and its controls."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Annotated

import typer

from probe.cli.common import ConfigOption, err, fail, open_store, out, raise_open_file_limit, say, settings

STUCK_AFTER_H = 24  # an outbox item waiting longer than this is an error in `probe status`
WIPE_STOP_WAIT_S = 20.0  # how long `probe wipe` waits for a running daemon to stop


class _Stopped(Exception):
    """SIGTERM arrived before the daemon's own handler was in place."""


def _early_sigterm(signum: int, frame: object) -> None:
    raise _Stopped


def daemon(
    config: ConfigOption = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Log every job, not only what matters (Saksi's own lines; never a library's).",
        ),
    ] = False,
) -> None:
    """Measure on a schedule, upload, refresh the lists, follow network changes; in the foreground.

    Meant for systemd (deploy/systemd/saksi-probe.service). SIGTERM or Ctrl-C stop it within seconds;
    what a stopped run measured is kept. Logs are short lines on stdout and never contain an address.
    """
    signal.signal(signal.SIGTERM, _early_sigterm)  # until the event loop's handler takes over
    try:
        _daemon(config, verbose)
    except (_Stopped, KeyboardInterrupt):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        from probe.i18n import t

        out.print(t("log_stopped"))


def _daemon(config: Path | None, verbose: bool) -> None:
    from probe.consent import require_consent
    from probe.daemon import logs
    from probe.daemon.service import run_daemon
    from probe.store import StoreLock

    s = settings(config)
    require_consent(s)
    logs.configure(verbose)
    raise_open_file_limit()
    with StoreLock(s.store.path, "`probe daemon`"), open_store(s) as store:
        asyncio.run(run_daemon(s, store))
        # Stopping: a second signal while the store closes must not cut that short.
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _row(label_key: str, value: str) -> str:
    from rich.cells import cell_len

    from probe.i18n import t

    label = t(label_key)
    return label + " " * max(1, 13 - cell_len(label)) + value


def status(config: ConfigOption = None) -> None:
    """Show consent, approved networks, the network and key in use, the daemon, the last and next run, the
    outbox and the latest problem of every kind. Exits 1 when there is a problem to act on."""
    from datetime import UTC, datetime

    from probe.consent import load_consent
    from probe.daemon.jobs import ASN_KEY
    from probe.i18n import t
    from probe.sign.keys import SEED_FILE, DeviceSeed, derive_key, key_id, quarter_of
    from probe.store import holder

    s = settings(config)
    consent = load_consent(s)
    approved = (
        t("st_consent_none")
        if consent is None
        else t("net_any")
        if consent.any_network
        else ", ".join(f"AS{n}" for n in consent.networks) or t("net_none_yet") + ": `probe networks allow`"
    )
    given = t("st_consent_given", date=consent.agreed_at, version=consent.version) if consent else None
    lines = [_row("st_consent", given or t("st_consent_none")), _row("st_networks", approved)]
    if not s.store.path.exists():
        lines.append(_row("st_store", t("st_store_none", path=s.store.path)))
        for line in lines:
            say(out, line)
        return
    pid = holder(s.store.path)
    now = datetime.now(UTC)
    with open_store(s) as store:
        asn_text = store.kv_get(ASN_KEY)
        asn = s.probe.asn if s.probe.asn is not None else (int(asn_text) if asn_text else None)
        seed = DeviceSeed(s.store.seed_folder / SEED_FILE)
        kid = (
            key_id(derive_key(seed.load(create=False), asn, quarter_of(now)).public_key())
            if seed.exists()
            else None
        )
        last = store.last_run()
        counts = store.outbox_counts()
        oldest = store.oldest_pending()
        dead = store.dead_reasons()
        problems = store.problems()
        next_run = store.kv_get("next_run_at") if pid else None
        tier = store.enrolled_tier(s.upload.url, kid) if s.upload.url and kid else None
    if s.upload.url and oldest and _hours_since(oldest, now) > STUCK_AFTER_H:
        problems["outbox"] = t("st_stuck", when=oldest, hours=STUCK_AFTER_H)
    oldest_text = t("st_oldest", when=oldest) if oldest else ""
    lines += [
        _row("st_network", f"AS{asn}" if asn is not None else t("st_network_unknown")),
        _row(
            "st_key",
            f"{kid} (AS{asn or 0}, {quarter_of(now)}, {t('tier_' + tier) if tier in ('unverified', 'vouched') else tier or t('st_not_enrolled')})"
            if kid
            else t("st_key_none"),
        ),
        _row("st_collector", (s.upload.url or t("st_collector_none")) + _reachable(s)),
        _row("st_daemon", t("st_daemon_running", pid=pid) if pid else t("st_daemon_stopped")),
        _row("st_last_run", _run_line(last) if last else t("st_none")),
        _row("st_next_run", next_run or (t("st_next_soon") if pid else t("st_next_none"))),
        _row(
            "st_outbox",
            t(
                "st_outbox_line",
                waiting=counts.get("pending", 0),
                oldest=oldest_text,
                uploaded=counts.get("uploaded", 0),
            ),
        ),
        _row(
            "st_rejected",
            f"{counts.get('dead', 0)}"
            + (" (" + "; ".join(f"{n} {r}" for r, n in dead) + ")" if dead else ""),
        ),
    ]
    if problems:
        lines.append(t("st_problems"))
        lines += [f"  {kind}: {text}" for kind, text in sorted(problems.items())]
    else:
        lines.append(_row("st_problems", t("st_none")))
    for line in lines:
        say(out, line)
    if problems:
        raise typer.Exit(1)


def _hours_since(stamp: str, now: object) -> float:
    from datetime import datetime

    assert isinstance(now, datetime)
    try:
        then = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    return (now - then).total_seconds() / 3600


def _run_line(last: tuple[str, str | None, str, int, int | None, str]) -> str:
    from probe.i18n import t
    from probe.i18n.catalogue import MESSAGES

    started, _finished, state, planned, measured, kind = last
    name = "probe run" if kind == "cli" else f"daemon {kind}"
    word = t(f"st_run_{state}") if f"st_run_{state}" in MESSAGES else state
    return t("st_run_line", started=started, name=name, state=word, measured=measured or 0, planned=planned)


def _reachable(s: object) -> str:
    from probe.config import Settings
    from probe.upload import collector_problem

    assert isinstance(s, Settings)
    if not s.upload.url:
        return ""
    # The same client as uploads: through upload.socks5 when set, so that checking does not leak the address.
    from probe.i18n import t

    problem = asyncio.run(collector_problem(s, timeout_s=3))
    via = f" through the SOCKS5 proxy at {s.upload.socks5}" if s.upload.socks5 else ""
    return t("st_unreachable", problem=problem) if problem else t("st_reachable", via=via)


def _stop_holder(store_path: Path) -> None:
    """Stop the probe process that holds the store's lock (a daemon), or refuse and say how."""
    from probe.store import holder

    pid = holder(store_path)
    if pid is None:
        return
    from probe.i18n import t

    if not pid:
        fail(t("wipe_other_user", pid="?"))
    try:
        os.kill(pid, signal.SIGTERM)
    except PermissionError:
        fail(t("wipe_other_user", pid=pid))
    except ProcessLookupError:
        pass
    say(err, t("wipe_stopping", pid=pid))
    deadline = time.monotonic() + WIPE_STOP_WAIT_S
    while holder(store_path) is not None:
        if time.monotonic() > deadline:
            fail(t("wipe_no_stop", pid=pid, seconds=f"{WIPE_STOP_WAIT_S:.0f}"))
        time.sleep(0.1)


def wipe(
    config: ConfigOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Stop a running daemon, then delete the local results, the outbox, the keys, the consent record and the
    settings file (it may hold an invite token): the volunteer's panic button, after one confirmation.

    What was already uploaded stays with the collector and in its public log; it cannot be deleted from here.
    Nothing measures again until `probe init` is run anew.
    """
    from probe.config import settings_file
    from probe.consent import consent_path
    from probe.i18n import t
    from probe.store import StoreLock, lock_path

    s = settings(config)
    file, _origin = settings_file(config)
    candidates = [
        s.store.path,
        s.store.path.with_name(s.store.path.name + "-wal"),
        s.store.path.with_name(s.store.path.name + "-shm"),
        s.store.path.with_name(s.store.path.name + "-journal"),
        consent_path(s),
        s.store.seed_folder,
    ]
    if file is not None:
        candidates += [file, file.with_name(file.name + ".bak")]
    targets = [p for p in dict.fromkeys(candidates) if p.exists()]
    if not targets and not lock_path(s.store.path).exists():
        say(out, t("wipe_nothing"))
        return
    say(err, t("wipe_list"))
    err.print("\n".join(f"  {p}" for p in targets))
    say(err, t("wipe_public"))
    if not yes and not typer.confirm(t("wipe_confirm"), default=False):
        fail(t("wipe_kept"))
    _stop_holder(s.store.path)
    deleted: list[Path] = []
    kept: list[str] = []
    with StoreLock(s.store.path, "`probe wipe`"):
        for path in targets:
            try:
                if path.is_dir():
                    shutil.rmtree(path)
                else:
                    path.unlink(missing_ok=True)
                deleted.append(path)
            except OSError as exc:
                kept.append(f"  {path} ({exc.strerror})")
        lock_path(s.store.path).unlink(missing_ok=True)
    out.print(t("wipe_done") + "\n" + "\n".join(f"  {p}" for p in deleted))
    if kept:
        say(err, t("wipe_left"))
        err.print("\n".join(kept))
        raise typer.Exit(2)
    say(out, t("wipe_after"))
