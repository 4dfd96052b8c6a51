"""Limits on callers who need no key: per address and per network, and the heavy-read gate.

A caller is never named by its address: `ClientKeys` turns the address into an HMAC-SHA256 under a secret
made at start and held only in this process's memory, so the keys (and these tables) cannot be turned
back into addresses, are never stored, and are never logged. A network is the caller's ASN from the
ip2asn table, or its /24 (IPv4) or /48 (IPv6) when the table has none, hashed the same way.

Two pure ASGI middlewares (so streamed responses stay streamed):

- `AnonymousLimits`: requests per minute to the endpoints that need no key, per address and per network
  (429 with Retry-After past either); ingest (signed, limited per key) and the control service are not
  counted here. Enrolment has its own, tighter hourly limits (`enrol_allowed`).
- `HeavyGate`: exports, evidence bundles, timelines and dashboard pages, at most `heavy_queue` at once per
  process (503 busy past it) and `heavy_per_client` per caller (429). Their database reads run on their
  own threads (`HeavyReads`), so ingest, key lookups and the log never wait behind them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import math
import secrets
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import TypeVar

from starlette.types import ASGIApp, Receive, Scope, Send

from probe.asn import AsnTable
from probe.collector.db import Connection
from probe.collector.storage import MeasurementRow, NewMeasurement, ProbeRow, SqlStorage, Stored

T = TypeVar("T")

# Paths that cost a scan or a render: they go through HeavyGate.
HEAVY_PREFIXES = (
    "/api/v1/export",
    "/api/v1/ooni",
    "/api/v1/evidence",
    "/api/v1/timeline",
    "/api/v1/events",
    "/api/v1/overview",
    "/api/v1/targets",
    "/domain/",
    "/asn/",
    "/measurement/",
)


# Signed ingest is limited per key (ingest.RateLimiter); the control service has its own limits.
def _keyed(scope: Scope) -> bool:
    path = str(scope.get("path", ""))
    return (scope.get("method") == "POST" and path == "/api/v1/measurements") or path.startswith(
        "/api/v1/control"
    )


class ClientKeys:
    """Keyed hashes of callers' addresses and networks; the secret never leaves this object."""

    def __init__(self, asn: AsnTable, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)
        self.asn = asn

    def _mac(self, text: str) -> str:
        return hmac.new(self._secret, text.encode(), hashlib.sha256).hexdigest()[:32]

    def address(self, host: str | None) -> str:
        return self._mac("addr:" + (host or "unknown"))

    def network(self, host: str | None) -> str:
        found = self.asn.lookup(host) if host else None
        if found is not None:
            return self._mac(f"asn:{found.asn}")
        try:
            ip = ipaddress.ip_address((host or "").strip("[]"))
        except ValueError:
            return self._mac("net:unknown")
        prefix = 24 if ip.version == 4 else 48
        return self._mac(f"net:{ipaddress.ip_network(f'{ip}/{prefix}', strict=False)}")


class Window:
    """Counts per key in fixed windows of `seconds`; a whole window's table is dropped when it ends, so
    memory holds one window's callers at most (and no more than `max_keys` of them)."""

    def __init__(self, limit: int, seconds: float, max_keys: int = 200_000) -> None:
        self.limit, self.seconds, self.max_keys = limit, seconds, max_keys
        self.current = -1
        self.counts: defaultdict[str, int] = defaultdict(int)

    def take(self, key: str, now: float | None = None) -> float:
        """0 when allowed (and counted); otherwise the seconds until the window ends."""
        now = time.time() if now is None else now
        window = int(now // self.seconds)
        if window != self.current:
            self.current, self.counts = window, defaultdict(int)
        wait = self.seconds - now % self.seconds
        if self.counts.get(key, 0) >= self.limit:
            return wait
        if key not in self.counts and len(self.counts) >= self.max_keys:
            return wait  # a flood of distinct callers: refuse new ones until the window ends
        self.counts[key] += 1
        return 0.0


async def _answer(send: Send, status: int, reason: str, detail: str, retry_after: float | None) -> None:
    headers = [(b"content-type", b"application/json")]
    if retry_after is not None:
        headers.append((b"retry-after", str(max(1, math.ceil(retry_after))).encode()))
    body = json.dumps({"reason": reason, "detail": detail}).encode()
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _host(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


class AnonymousLimits:
    def __init__(self, app: ASGIApp, keys: ClientKeys, per_address: int, per_network: int) -> None:
        self.app, self.keys = app, keys
        self.by_address = Window(per_address, 60)
        self.by_network = Window(per_network, 60)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _keyed(scope):
            await self.app(scope, receive, send)
            return
        host = _host(scope)
        wait = self.by_address.take(self.keys.address(host)) or self.by_network.take(self.keys.network(host))
        if wait:
            await _answer(send, 429, "rate_limited", "too many requests from this address or network", wait)
            return
        await self.app(scope, receive, send)


class EnrolLimits:
    """Enrolments per address and per network and hour."""

    def __init__(self, keys: ClientKeys, per_address: int, per_network: int) -> None:
        self.keys = keys
        self.by_address = Window(per_address, 3600)
        self.by_network = Window(per_network, 3600)

    def allowed(self, host: str | None) -> float:
        """0 when this caller may enrol now; otherwise the seconds to wait."""
        return self.by_address.take(self.keys.address(host)) or self.by_network.take(self.keys.network(host))


class HeavyGate:
    def __init__(self, app: ASGIApp, keys: ClientKeys, queue: int, per_client: int) -> None:
        self.app, self.keys, self.queue, self.per_client = app, keys, queue, per_client
        self.running = 0
        self.by_client: defaultdict[str, int] = defaultdict(int)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = str(scope.get("path", ""))
        if scope["type"] != "http" or not (path == "/" or path.startswith(HEAVY_PREFIXES)):
            await self.app(scope, receive, send)
            return
        client = self.keys.address(_host(scope))
        if self.by_client[client] >= self.per_client:
            await _answer(
                send, 429, "busy", "too many exports, bundles or pages at once from this address", 5
            )
            return
        if self.running >= self.queue:
            await _answer(send, 503, "busy", "too many exports, bundles or pages at once; retry later", 5)
            return
        self.running += 1
        self.by_client[client] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.running -= 1
            self.by_client[client] -= 1
            if self.by_client[client] <= 0:
                del self.by_client[client]


class Lanes:
    """At most `width` requests at once per key (a network's keyed hash); the rest wait their turn. Ingest
    goes through it after a body is read, so one network's flood of signed-but-worthless batches takes at
    most `width` turns of the ingest threads while every other network's uploads take theirs."""

    def __init__(self, width: int) -> None:
        self.width = width
        self._lanes: dict[str, tuple[asyncio.Semaphore, int]] = {}

    @asynccontextmanager
    async def take(self, key: str) -> AsyncIterator[None]:
        lane, users = self._lanes.get(key, (asyncio.Semaphore(self.width), 0))
        self._lanes[key] = (lane, users + 1)
        try:
            async with lane:
                yield
        finally:
            lane, users = self._lanes[key]
            if users <= 1:
                del self._lanes[key]
            else:
                self._lanes[key] = (lane, users - 1)


class HeavyReads:
    """A storage whose `read` runs on its own threads: what heavy routes are given instead of the storage
    itself. Every other method is the storage's (cheap indexed lookups and writes)."""

    def __init__(self, storage: SqlStorage, workers: int) -> None:
        self.storage = storage
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="collector-heavy")

    async def read(self, job: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self.storage.read_blocking, job)

    async def run(self, job: Callable[[], T]) -> T:
        """CPU work of a heavy route (rendering a page) on the same threads."""
        return await asyncio.get_running_loop().run_in_executor(self.pool, job)

    async def write(self, job: Callable[[Connection], T]) -> T:
        return await self.storage.write(job)

    async def store(self, items: list[NewMeasurement]) -> list[Stored]:
        return await self.storage.store(items)

    async def enrol(self, row: ProbeRow) -> tuple[ProbeRow, bool]:
        return await self.storage.enrol(row)

    async def probe(self, key_id: str) -> ProbeRow | None:
        return await self.storage.probe(key_id)

    async def add_invite(self, token_sha256: str, created_at: str) -> None:
        await self.storage.add_invite(token_sha256, created_at)

    async def use_invite(self, token_sha256: str, key_id: str, used_at: str) -> bool:
        return await self.storage.use_invite(token_sha256, key_id, used_at)

    async def revoke(self, key_id: str, revoked_at: str) -> int:
        return await self.storage.revoke(key_id, revoked_at)

    async def measurement(self, ident: str) -> MeasurementRow | None:
        return await self.storage.measurement(ident)

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
