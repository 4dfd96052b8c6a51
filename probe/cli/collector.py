"""`probe collector`: run the collector, make invite tokens, import the ip2asn table, print the log key."""

from __future__ import annotations

import asyncio
import hashlib
import os
import secrets
import shutil
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer

from probe.cli.common import ConfigOption, err, fail, out, settings
from probe.cli.migrate_db import migrate_db
from probe.config import Settings
from probe.i18n import current

if TYPE_CHECKING:
    from probe.collector.storage import SqlStorage

app = typer.Typer(
    help="The collector: receives signed measurements and keeps the transparency log.", no_args_is_help=True
)


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The database: a postgresql:// URL (several collectors on one database); default: "
        "collector.database, or SQLite in collector.data_dir.",
    ),
]


def collector_settings(config: Path | None, db: str | None) -> Settings:
    return settings(config, collector={"database": db}) if db else settings(config)


def open_db(s: Settings) -> SqlStorage:
    """The collector's storage, or one sentence when it cannot be opened."""
    from probe.collector.storage import StorageUnavailable, open_storage

    try:
        return open_storage(s.collector)
    except StorageUnavailable as exc:
        fail(str(exc))


@app.command("serve")
def serve(
    config: ConfigOption = None,
    host: Annotated[str | None, typer.Option(help="Listen address (default: collector.listen_host).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (default: collector.listen_port).")] = None,
    db: DbOption = None,
) -> None:
    """Serve the collector API (docs/collector-api.md) on SQLite in collector.data_dir, or on PostgreSQL.

    Callers' addresses are mapped to a network (the imported ip2asn table) and dropped; the access log is off.
    Any number of collectors may serve one PostgreSQL database: they behave as one collector.
    """
    import uvicorn

    from probe.collector.app import create_app
    from probe.collector.signing import CollectorKey

    s = collector_settings(config, db)
    listen_host = host or s.collector.listen_host
    listen_port = s.collector.listen_port if port is None else port
    workers = s.collector.workers
    proxies = ",".join(s.collector.trusted_proxies)
    options: dict[str, Any] = {
        "host": listen_host,
        "port": listen_port,
        "access_log": False,
        "log_level": "warning",
        "server_header": False,
        "proxy_headers": bool(proxies),
        "forwarded_allow_ips": proxies or None,
        "timeout_keep_alive": s.collector.header_timeout_s,
        "limit_concurrency": s.collector.max_connections,
        "h11_max_incomplete_event_size": 16 * 1024,  # request line and headers
        "http": "probe.collector.slow_clients:HeaderDeadlineProtocol",
    }
    where = "PostgreSQL" if s.collector.database else f"SQLite in {s.collector.data_dir}"
    err.print(
        f"collector on http://{listen_host}:{listen_port}/api/v1/ ({workers} process(es), {where}, key in "
        f"{s.collector.data_dir}, access log off)"
    )
    try:
        if workers == 1:
            storage = open_db(s)
            uvicorn.Server(uvicorn.Config(create_app(s, storage=storage), **options)).run()
            storage.close()
        else:
            # Worker processes build their own app from the same settings: pass the config file on by name.
            if config is not None:
                os.environ["PROBE_CONFIG"] = str(config.resolve())
            if db:
                os.environ["PROBE_COLLECTOR__DATABASE"] = db
            # Create the key and the schema once, before the workers race to.
            CollectorKey.load_or_create(s.collector.data_dir, s.collector.origin)
            open_db(s).close()
            uvicorn.run("probe.collector.app:app_from_environment", factory=True, workers=workers, **options)
    except OSError as exc:
        err.print(f"[bold red]error:[/] cannot listen on {listen_host}:{listen_port}: {exc.strerror}")
        raise typer.Exit(2) from None


@app.command("invite")
def invite(
    config: ConfigOption = None,
    count: Annotated[int, typer.Option(help="How many single-use tokens to make.")] = 1,
    db: DbOption = None,
) -> None:
    """Make single-use invite tokens: a probe that enrols with one gets the tier `vouched`.

    Only a hash of each token is stored; the tokens are printed once.
    """
    from probe.collector.ingest import utc_now

    storage = open_db(collector_settings(config, db))
    tokens = [secrets.token_urlsafe(24) for _ in range(count)]

    async def add() -> None:
        for token in tokens:
            await storage.add_invite(hashlib.sha256(token.encode()).hexdigest(), utc_now())

    try:
        asyncio.run(add())
    finally:
        storage.close()
    for token in tokens:
        out.print(token)


@app.command("revoke")
def revoke(
    key_id: Annotated[
        str, typer.Argument(help="The probe key id to revoke (hex SHA-256 of its public key).")
    ],
    config: ConfigOption = None,
    db: DbOption = None,
) -> None:
    """Revoke a probe key and every key it vouched for by renewal, their successors and so on: their new
    uploads are refused (403 revoked_key) within 30 seconds.

    What they uploaded before stays stored and in the log; the log can never be edited.
    """
    from probe.collector.ingest import utc_now

    storage = open_db(collector_settings(config, db))
    try:
        count = asyncio.run(storage.revoke(key_id.lower(), utc_now()))
    finally:
        storage.close()
    if not count:
        fail(f"no enrolled, unrevoked key has the id {key_id}")
    out.print(
        f"revoked {count} key{'s' if count != 1 else ''}: {key_id} and the keys after it in its renewal chain"
    )


@app.command("import-asn")
def import_asn(
    path: Annotated[
        Path,
        typer.Argument(help="An ip2asn TSV file: range_start range_end AS_number country AS_description."),
    ],
    config: ConfigOption = None,
) -> None:
    """Import the table that maps a caller's address to its network (ASN); it replaces the previous one.

    The collector reads it at start: restart `probe collector serve` after an import.
    """
    from probe.asn import AsnTable
    from probe.collector.app import ASN_FILE

    if not path.is_file():
        fail(f"{path} does not exist or is not a file")
    table = AsnTable.load(path)  # fails with the line number before anything is replaced
    s = settings(config)
    s.collector.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = s.collector.data_dir / ASN_FILE
    tmp = target.with_suffix(".tmp")
    shutil.copyfile(path, tmp)
    tmp.replace(target)
    out.print(f"imported {len(table)} address ranges into {target}; restart the collector to use them")


@app.command("key")
def key(config: ConfigOption = None) -> None:
    """Print the log's verifier key (C2SP vkey): what verifiers of checkpoints and receipts must trust."""
    from probe.collector.signing import CollectorKey

    s = settings(config)
    out.print(CollectorKey.load_or_create(s.collector.data_dir, s.collector.origin).verifier_key())


def _storage_job(config: Path | None, job: Any) -> Any:
    """Run one write job on the collector's database (the collector may be running: SQLite serialises)."""
    storage = open_db(settings(config))
    try:
        return asyncio.run(storage.write(job))
    finally:
        storage.close()


@app.command("witnesses")
def witnesses(config: ConfigOption = None) -> None:
    """Show each configured witness: the size it last cosigned, its last error, and any fork it reported.

    While a fork report is open the collector signs no checkpoint; `probe collector resume` clears it.
    """
    from probe.collector.db import Connection

    s = settings(config)

    def job(conn: Connection) -> tuple[list[Any], list[Any], int]:
        rows = conn.execute("SELECT witness, size, last_error, attempted_at FROM witness_progress").fetchall()
        halts = conn.execute(
            "SELECT id, witness, reason, halted_at FROM signing_halts WHERE cleared_at IS NULL ORDER BY id"
        ).fetchall()
        head = conn.execute("SELECT max(size) FROM checkpoints").fetchone()[0]
        return rows, halts, int(head or 0)

    rows, halts, head = _storage_job(config, job)
    seen = {str(r[0]): r for r in rows}
    if not s.collector.witnesses:
        out.print("no witness is configured (collector.witnesses): checkpoints are not witnessed")
    for w in s.collector.witnesses:
        r = seen.get(w.key)
        state = "never asked" if r is None else f"cosigned up to {r[1]} of {head} entries"
        problem = f"; last error at {r[3]}: {r[2]}" if r is not None and r[2] else ""
        out.print(f"{w.url}  {w.key.split('+')[0]}  {state}{problem}", markup=False)
    for h in halts:
        out.print(
            f"SIGNING STOPPED (#{h[0]}, {h[3]}): witness {h[1].split('+')[0]} reported: {h[2]}", markup=False
        )
    if halts:
        raise typer.Exit(1)


@app.command("resume")
def resume(
    config: ConfigOption = None,
    note: Annotated[
        str, typer.Option("--note", help="What the operator found and did (kept with the halt).")
    ] = "",
) -> None:
    """Sign checkpoints again after a witness reported a fork, once an operator has found the cause.

    A fork means a second log signed with this collector's key: rotate the key or stop the other copy
    first, or the witnesses will refuse every checkpoint again.
    """
    from probe.collector.witnessing import resume as clear

    if not note.strip():
        fail("say what you found and did with --note (it is kept with the fork report)")
    cleared = _storage_job(config, lambda conn: clear(conn, note.strip()))
    out.print(f"cleared {cleared} fork report(s); the collector signs checkpoints again")


@app.command("subscribe")
def subscribe(
    url: Annotated[str, typer.Argument(help="Where to POST alerts (http:// or https://).")],
    domain: Annotated[
        str | None, typer.Option(help="Only changes of this domain (default: every domain).")
    ] = None,
    asn: Annotated[
        str | None, typer.Option(help="Only changes on this network, e.g. 38623 or AS38623.")
    ] = None,
    window: Annotated[
        str, typer.Option(help="Timeline windows the changes are published in: day or hour.")
    ] = "day",
    config: ConfigOption = None,
) -> None:
    """Subscribe a webhook: a signed POST (a DSSE envelope of an alert) whenever a (domain, ASN) changes state.

    Deliveries are queued in the database and retried with backoff until the receiver answers 2xx.
    """
    from urllib.parse import urlsplit

    from probe.analysis.query import FilterError, Filters
    from probe.analysis.timeline import WINDOW_HOURS
    from probe.collector import alerts

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        fail(f"{url!r} is not an http:// or https:// URL")
    if window not in WINDOW_HOURS:
        fail(f"--window must be one of {', '.join(WINDOW_HOURS)}, not {window!r}")
    try:
        filters = Filters.parse(domain=domain, asn=asn)
    except FilterError as exc:
        fail(exc.said(current()))
    ident = _storage_job(
        config, lambda conn: alerts.subscribe(conn, url, filters.domain, filters.asn, window)
    )
    scope = _scope(filters.domain, filters.asn)
    out.print(f"subscription {ident}: {url} gets alerts for {scope} ({window} windows)")
    for line in _storage_job(config, lambda conn: _current_states(conn, filters, window)):
        out.print(line, highlight=False)


def _scope(domain: str | None, asn: int | None) -> str:
    return f"{domain or 'every domain'} on {f'AS{asn}' if asn is not None else 'every network'}"


def _current_states(conn: Any, filters: Any, window: str) -> list[str]:
    """What a new subscriber should know now: alerts only tell changes from here on."""
    from datetime import UTC, datetime, timedelta

    from probe.analysis.query import timeline

    if filters.domain is None and filters.asn is None:
        return ["note: every change on every network will be sent"]
    lookback = replace(filters, since=datetime.now(UTC) - timedelta(days=30))
    found = timeline(conn, lookback, window)
    if not found.cells:
        return [
            f"note: nothing matching {_scope(filters.domain, filters.asn)} was measured in the last 30 days"
        ]
    latest = {(e.domain, e.asn): e for e in found.events}
    lines = []
    for (domain, asn), event in sorted(latest.items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        how = f" ({event.method})" if event.method else ""
        lines.append(f"now: {domain} on AS{asn} is {event.to_state}{how} (published {event.published_at})")
    return lines or ["now: no state is published yet for what this subscription covers"]


@app.command("subscriptions")
def list_subscriptions(config: ConfigOption = None) -> None:
    """List webhook subscriptions with their delivered and pending alerts and the last delivery error."""
    from probe.collector import alerts

    rows = _storage_job(config, alerts.subscriptions)
    if not rows:
        out.print("no subscriptions")
    for sub in rows:
        scope = f"{_scope(sub.domain, sub.asn)}, {sub.window} windows"
        line = f"{sub.id}\t{sub.url}\t{scope}\tdelivered {sub.delivered}, pending {sub.pending}"
        out.print(line + (f"\tlast error: {sub.last_error}" if sub.last_error else ""), highlight=False)


@app.command("unsubscribe")
def unsubscribe(
    ident: Annotated[
        int, typer.Argument(help="The subscription's number (see `probe collector subscriptions`).")
    ],
    config: ConfigOption = None,
) -> None:
    """Remove a webhook subscription; alerts not yet delivered to it are dropped."""
    from probe.collector import alerts

    if not _storage_job(config, lambda conn: alerts.unsubscribe(conn, ident)):
        fail(f"no active subscription has the number {ident}")
    out.print(f"subscription {ident} removed")


@app.command("demo-data")
def demo_data(
    days: Annotated[int, typer.Option(min=3, max=400, help="How many days of history, ending now.")] = 30,
    config: ConfigOption = None,
) -> None:
    """Fill an empty collector with a lab history, to try the dashboard, exports and evidence bundles.

    Every measurement is really signed (by lab probes whose keys are kept in collector.data_dir/lab-probes),
    receipted and logged, but the network results are invented: software version `lab-history` marks them.
    Refuses a collector that already holds measurements, so lab data never mixes with real evidence.
    """
    import sqlite3
    from datetime import UTC, datetime, timedelta

    from probe.lab.history import Block, History, generate
    from probe.lists import builtin_lists

    s = settings(config)
    db = s.collector.data_dir / "collector.db"
    if db.exists():
        with sqlite3.connect(db) as conn:
            found = conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'measurements'").fetchone()[
                0
            ]
            held = conn.execute("SELECT count(*) FROM measurements").fetchone()[0] if found else 0
        if held:
            fail(
                f"the collector in {s.collector.data_dir} already holds {held} measurements; use an empty data_dir"
            )
    entries = builtin_lists()["kh"]
    domains = list(dict.fromkeys(urlsplit(e.url).hostname or "" for e in entries))
    categories = {urlsplit(e.url).hostname or "": e.category_code for e in entries}
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=days)
    history = History(
        domains=domains,
        asns=[38623, 17976, 45498, 38901, 131207],
        start=start,
        days=days,
        blocks=[
            Block(
                "www.rfa.org",
                start + timedelta(days=days // 3),
                None,
                method="dns.bogon",
                confidence="confirmed",
            ),
            Block(
                "vodkhmer.news", start, start + timedelta(days=2 * days // 3), asn=38623, method="tls.reset"
            ),
            Block(
                "www.cambodiadaily.com",
                start + timedelta(days=days // 2),
                None,
                asn=17976,
                method="http.blockpage",
                confidence="confirmed",
            ),
        ],
        categories=categories,
    )
    err.print(f"generating {days} days of lab measurements for {len(domains)} sites on 5 networks ...")
    stored = generate(history, s.collector.data_dir, origin=s.collector.origin)
    out.print(
        f"stored {stored} signed lab measurements in {db}; run `probe collector serve` and open "
        f"http://{s.collector.listen_host}:{s.collector.listen_port}/"
    )


app.command("migrate-db")(migrate_db)
