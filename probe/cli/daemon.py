"""`probe daemon`, `probe status`, `probe wipe`: the volunteer's long-running probe and its controls."""

from __future__ import annotations

import asyncio
import logging
import shutil
import sys
from typing import Annotated

import typer

from probe.cli.common import ConfigOption, err, fail, open_store, out, settings


def daemon(
    config: ConfigOption = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every job, not only what matters.")
    ] = False,
) -> None:
    """Measure on a schedule, upload, refresh the lists, follow network changes; in the foreground.

    Meant for systemd (deploy/systemd/saksi-probe.service). SIGTERM or Ctrl-C stop it within seconds;
    what a stopped run measured is kept. Logs are short lines on stdout and never contain an address.
    """
    from probe.cli.run import raise_open_file_limit
    from probe.consent import require_consent
    from probe.daemon.service import run_daemon

    s = settings(config)
    require_consent(s)
    logging.basicConfig(
        stream=sys.stdout, level=logging.DEBUG if verbose else logging.INFO, format="%(message)s", force=True
    )
    for noisy in ("apscheduler", "httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    raise_open_file_limit()
    with open_store(s) as store:
        asyncio.run(run_daemon(s, store))


def status(config: ConfigOption = None) -> None:
    """Show consent, network, key, collector, last and next run, the outbox and the last error."""
    from datetime import UTC, datetime

    from probe.consent import load_consent
    from probe.daemon.jobs import ASN_KEY
    from probe.sign.keys import SEED_FILE, DeviceSeed, derive_key, key_id, quarter_of

    s = settings(config)
    consent = load_consent(s)
    lines = [
        f"consent:     {f'given {consent.agreed_at} (text {consent.version})' if consent else 'none: run `probe init`'}"
    ]
    if not s.store.path.exists():
        lines.append(f"store:       none yet at {s.store.path}")
        out.print("\n".join(lines))
        return
    with open_store(s) as store:
        asn_text = store.kv_get(ASN_KEY)
        asn = s.probe.asn if s.probe.asn is not None else (int(asn_text) if asn_text else None)
        seed = DeviceSeed(s.store.seed_folder / SEED_FILE)
        kid = (
            key_id(derive_key(seed.load(create=False), asn, quarter_of(datetime.now(UTC))).public_key())
            if seed.exists()
            else None
        )
        last = store.last_run()
        counts = store.outbox_counts()
        oldest = store.oldest_pending()
        dead = store.dead_reasons()
        last_error = store.kv_get("last_error") or "none"
        next_run = store.kv_get("next_run_at") or "not scheduled (is `probe daemon` running?)"
    lines += [
        f"network:     {f'AS{asn}' if asn is not None else 'unknown (no collector answer yet)'}",
        f"key:         {kid or 'none yet (made at the first run)'}",
        f"collector:   {s.upload.url or 'none (upload.url): measurements stay local'}{_reachable(s)}",
        f"last run:    {f'{last[0]}, {last[2]}, {last[4] if last[4] is not None else 0} of {last[3]} URLs' if last else 'none'}",
        f"next run:    {next_run}",
        f"outbox:      {counts.get('pending', 0)} waiting"
        + (f" (oldest {oldest})" if oldest else "")
        + f", {counts.get('uploaded', 0)} uploaded",
        f"rejected:    {counts.get('dead', 0)}"
        + (" (" + "; ".join(f"{n} {r}" for r, n in dead) + ")" if dead else ""),
        f"last error:  {last_error}",
    ]
    out.print("\n".join(lines))


def _reachable(s: object) -> str:
    from probe.config import Settings
    from probe.upload import collector_problem

    assert isinstance(s, Settings)
    if not s.upload.url:
        return ""
    # The same client as uploads: through upload.socks5 when set, so that checking does not leak the address.
    problem = asyncio.run(collector_problem(s, timeout_s=3))
    via = f" through the SOCKS5 proxy at {s.upload.socks5}" if s.upload.socks5 else ""
    return f" (not reachable now: {problem})" if problem else f" (reachable{via})"


def wipe(
    config: ConfigOption = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete the local results, the outbox and the keys (the volunteer's panic button), after one confirmation.

    What was already uploaded stays with the collector; the keys cannot be recovered.
    """
    from probe.consent import consent_path

    s = settings(config)
    targets = [
        p
        for p in (
            s.store.path,
            s.store.path.with_name(s.store.path.name + "-wal"),
            s.store.path.with_name(s.store.path.name + "-shm"),
            consent_path(s),
        )
        if p.exists()
    ]
    keys = s.store.seed_folder
    if keys.exists():
        targets.append(keys)
    if not targets:
        out.print("nothing to delete: no store, outbox, keys or consent record here")
        return
    err.print("this deletes, and cannot be undone:\n" + "\n".join(f"  {p}" for p in targets))
    if not yes and not typer.confirm("delete them?", default=False):
        fail("nothing was deleted")
    for path in targets:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    out.print("deleted:\n" + "\n".join(f"  {p}" for p in targets))
