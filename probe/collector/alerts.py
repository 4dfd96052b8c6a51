"""Webhook alerts: a signed POST to each matching subscriber when a (domain, ASN) changes published state.

Two jobs, both safe to run in several collector processes at once:
- `detect` (in the writer's transaction): for the pairs with measurements newly in the log, recompute the
  timeline of the last `alert_lookback_days`, compare the latest published state with the one alerted last,
  and on a change queue one signed alert per matching subscription. The queue row, the new state and the
  cursor commit together, so a change is queued exactly once and never lost.
- `deliver`: POSTs due alerts; a 2xx marks them delivered; anything else is retried with exponential backoff
  and jitter, without end (the interval is capped). Rows are claimed with a lease before sending, so two
  processes do not send the same alert at the same time.
"""

from __future__ import annotations

import hashlib
import logging
import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import httpx

from probe.analysis.query import Filters, timeline
from probe.analysis.timeline import Event
from probe.collector.db import Connection
from probe.collector.signing import CollectorKey
from probe.models.alert import Alert
from probe.service_settings import CollectorSettings
from probe.sign.dsse import ALERT_TYPE

log = logging.getLogger("saksi.collector.alerts")

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS subscriptions (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL,
        domain TEXT,
        asn INTEGER,
        time_window TEXT NOT NULL DEFAULT 'day',  -- hour | day (`window` is reserved in PostgreSQL)
        created_at TEXT NOT NULL,
        removed_at TEXT
    ) STRICT""",
    """CREATE TABLE IF NOT EXISTS alert_state (
        domain TEXT NOT NULL,
        asn INTEGER NOT NULL,
        time_window TEXT NOT NULL,
        state TEXT NOT NULL,
        alert_id TEXT NOT NULL,
        PRIMARY KEY (domain, asn, time_window)
    ) STRICT""",
    """CREATE TABLE IF NOT EXISTS deliveries (
        id INTEGER PRIMARY KEY,
        subscription_id INTEGER NOT NULL,
        alert_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt REAL NOT NULL,
        delivered_at TEXT,
        last_error TEXT,
        UNIQUE (subscription_id, alert_id)
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(next_attempt) WHERE delivered_at IS NULL",
    # The last log index the alerter has looked at. Log indexes, unlike row numbers, are handed out in commit
    # order by the one sequencer, so no committed measurement is ever skipped (several collectors commit
    # rows out of their seq order).
    "CREATE TABLE IF NOT EXISTS alert_cursor (id INTEGER PRIMARY KEY CHECK (id = 1), log_index INTEGER NOT NULL) STRICT",
]

NO_ASN = -1  # alert_state's key for facts without an ASN
ALERT_CONTEXT_DAYS = 30  # earlier data an alert pass reads before its lookback (query.timeline)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Subscription:
    id: int
    url: str
    domain: str | None
    asn: int | None
    window: str
    created_at: str
    delivered: int = 0
    pending: int = 0
    last_error: str | None = None

    def matches(self, domain: str, asn: int | None, window: str) -> bool:
        return (
            self.window == window
            and (self.domain is None or self.domain == domain)
            and (self.asn is None or self.asn == asn)
        )


def subscribe(conn: Connection, url: str, domain: str | None, asn: int | None, window: str) -> int:
    row = conn.execute(
        "INSERT INTO subscriptions (url, domain, asn, time_window, created_at) VALUES (?,?,?,?,?) RETURNING id",
        [url, domain, asn, window, _now_iso()],
    ).fetchone()
    return int(row[0])


def unsubscribe(conn: Connection, ident: int) -> bool:
    cur = conn.execute(
        "UPDATE subscriptions SET removed_at = ? WHERE id = ? AND removed_at IS NULL", [_now_iso(), ident]
    )
    return bool(cur.rowcount == 1)


def subscriptions(conn: Connection) -> list[Subscription]:
    rows = conn.execute(
        "SELECT s.id, s.url, s.domain, s.asn, s.time_window, s.created_at, "
        "count(d.delivered_at), count(d.id) - count(d.delivered_at), "
        "(SELECT last_error FROM deliveries e WHERE e.subscription_id = s.id AND e.delivered_at IS NULL "
        " ORDER BY e.id DESC LIMIT 1) "
        "FROM subscriptions s LEFT JOIN deliveries d ON d.subscription_id = s.id "
        "WHERE s.removed_at IS NULL GROUP BY s.id ORDER BY s.id"
    ).fetchall()
    return [Subscription(*row) for row in rows]


def alert_id(origin: str, event: Event) -> str:
    first = event.first_seen.uid if event.first_seen else ""
    text = f"{origin}|{event.domain}|{event.asn}|{event.window}|{event.from_state}|{event.to_state}|{first}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def worth_alerting(event: Event) -> bool:
    """A pair's first published state is news only when it is blocked; every later change is news."""
    return event.from_state is not None or event.to_state == "blocked"


def detect(conn: Connection, key: CollectorKey, lookback_days: int, now: datetime | None = None) -> int:
    """Queue alerts for the changes published since the last pass; returns how many were queued.
    Runs inside the caller's write transaction."""
    subs = subscriptions(conn)
    row = conn.execute("SELECT log_index FROM alert_cursor WHERE id = 1").fetchone()
    cursor = int(row[0]) if row else -1
    top = conn.execute("SELECT max(log_index) FROM measurements").fetchone()[0]
    if top is None or top <= cursor:
        return 0
    queued = 0
    windows = sorted({s.window for s in subs})
    if windows:
        pairs = conn.execute(
            "SELECT DISTINCT f.domain, f.asn FROM measurements m JOIN facts f ON f.seq = m.seq "
            "WHERE m.log_index > ? AND m.log_index <= ?",
            [cursor, top],
        ).fetchall()
        end = now or datetime.now(UTC)
        for window in windows:
            for domain, asn in pairs:
                interested = [s for s in subs if s.matches(domain, asn, window)]
                if interested:
                    queued += _check_pair(
                        conn, key, domain, asn, window, end - timedelta(days=lookback_days), interested
                    )
    conn.execute(
        "INSERT INTO alert_cursor (id, log_index) VALUES (1, ?) "
        "ON CONFLICT (id) DO UPDATE SET log_index = excluded.log_index",
        [top],
    )
    return queued


def _check_pair(
    conn: Connection,
    key: CollectorKey,
    domain: str,
    asn: int | None,
    window: str,
    since: datetime,
    interested: list[Subscription],
) -> int:
    filters = Filters(domain=domain, asn=asn, since=since)
    if asn is None:
        return 0  # facts without a network cannot be attributed to an ISP: no alert
    # a change just published is bounded by recent measurements: a month before the lookback decides it
    # exactly as the whole history would, and an alert pass stays bounded however old the collector
    tl = timeline(conn, filters, window, context_days=ALERT_CONTEXT_DAYS)
    if not tl.events:
        return 0
    event = tl.events[-1]
    known = conn.execute(
        "SELECT state FROM alert_state WHERE domain = ? AND asn = ? AND time_window = ?",
        [domain, asn, window],
    ).fetchone()
    if known is not None and known[0] == event.to_state:
        return 0
    ident = alert_id(key.origin, event)
    conn.execute(
        "INSERT INTO alert_state (domain, asn, time_window, state, alert_id) VALUES (?,?,?,?,?) "
        "ON CONFLICT (domain, asn, time_window) DO UPDATE SET state = excluded.state, alert_id = excluded.alert_id",
        [domain, asn, window, event.to_state, ident],
    )
    if known is None and not worth_alerting(event):
        return 0
    created = _now_iso()
    envelope, _ = key.sign_model(
        ALERT_TYPE,
        Alert(
            collector=key.origin,
            alert_id=ident,
            domain=domain,
            asn=asn,
            window=window,
            from_state=event.from_state,
            to_state=event.to_state,
            method=event.method,
            confidence=event.confidence,
            event=event.row(),
            timeline="/api/v1/timeline?"
            + urlencode(
                {k: v for k, v in (("domain", domain), ("asn", asn), ("window", window)) if v is not None}
            ),
            created_at=created,
        ),
    )
    body = envelope.model_dump_json()
    for sub in interested:
        conn.execute(
            "INSERT INTO deliveries (subscription_id, alert_id, body, created_at, next_attempt) "
            "VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
            [sub.id, ident, body, created, time.time()],
        )
    return len(interested)


@dataclass(frozen=True)
class Due:
    id: int
    url: str
    body: str
    attempts: int


def claim(conn: Connection, lease_s: float, limit: int = 50) -> list[Due]:
    """Due deliveries, leased to this process for `lease_s` seconds. Runs in a write transaction."""
    now = time.time()
    rows = conn.execute(
        "SELECT d.id, s.url, d.body, d.attempts FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id "
        "WHERE d.delivered_at IS NULL AND s.removed_at IS NULL AND d.next_attempt <= ? ORDER BY d.id LIMIT ?",
        [now, limit],
    ).fetchall()
    for row in rows:
        conn.execute("UPDATE deliveries SET next_attempt = ? WHERE id = ?", [now + lease_s, row[0]])
    return [Due(*row) for row in rows]


def backoff(attempts: int, base_s: float, max_s: float, rng: random.Random | None = None) -> float:
    """Seconds before the next attempt: exponential, capped, with full jitter on the upper half."""
    ceiling = min(max_s, base_s * 2 ** max(0, attempts - 1))
    roll = rng.random() if rng is not None else random.random()
    return float(ceiling / 2 + roll * ceiling / 2)


def record(conn: Connection, due: Due, error: str | None, settings: CollectorSettings) -> None:
    if error is None:
        conn.execute(
            "UPDATE deliveries SET delivered_at = ?, attempts = attempts + 1, last_error = NULL WHERE id = ?",
            [_now_iso(), due.id],
        )
        return
    wait = backoff(due.attempts + 1, settings.webhook_backoff_s, settings.webhook_backoff_max_s)
    conn.execute(
        "UPDATE deliveries SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ?",
        [time.time() + wait, error[:500], due.id],
    )


async def post(client: httpx.AsyncClient, due: Due) -> str | None:
    """None when the subscriber took it (2xx); otherwise what went wrong, in a few words."""
    try:
        r = await client.post(
            due.url,
            content=due.body,
            headers={"content-type": "application/json", "user-agent": "saksi-collector"},
        )
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"[:200]
    return None if 200 <= r.status_code < 300 else f"HTTP {r.status_code}"
