"""The per-URL flow: DNS, then TCP to every address, TLS on each, HTTP through one; the control alongside.

Whatever happens, the observations gathered so far are returned: a URL that hits `timeouts.url_s`
keeps its partial facts and says so in `Partial`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx

from probe.addresses import endpoint
from probe.measure.dns import addresses_by_preference, resolve
from probe.measure.env import Clock, Env
from probe.measure.http import fetch_chain
from probe.measure.tcp import connect
from probe.measure.tls import measure_endpoint
from probe.models.control import ControlResult
from probe.models.observation import (
    DnsObservation,
    HttpObservation,
    Observations,
    TcpObservation,
    TlsObservation,
)

# Asks the control service about a URL and the endpoints we saw, for one measurement:
# (url, ["ip:port", ...], measurement uid) -> result.
ControlFn = Callable[[str, list[str], str], Awaitable[ControlResult]]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class UrlFacts:
    url: str
    started_at: str
    finished_at: str = ""
    # chosen before measuring: the control's signed answer names it, binding the answer to this measurement
    uid: str = field(default_factory=lambda: secrets.token_hex(16))
    dns: list[DnsObservation] = field(default_factory=list)
    tcp: list[TcpObservation] = field(default_factory=list)
    tls: list[TlsObservation] = field(default_factory=list)
    http: list[HttpObservation] = field(default_factory=list)
    control: ControlResult | None = None
    incomplete: str | None = None  # why the flow stopped early, if it did

    def observations(self) -> Observations:
        return Observations(dns=self.dns, tcp=self.tcp, tls=self.tls, http=self.http)


def _ip_literal(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None


async def _run(env: Env, facts: UrlFacts, control: ControlFn | None, clock: Clock) -> None:
    url = httpx.URL(facts.url)
    host = url.host
    port = url.port or (443 if url.scheme == "https" else 80)
    literal = _ip_literal(host)
    if literal is None:
        facts.dns.extend(await resolve(env, host, clock))
        addresses = addresses_by_preference(facts.dns, env)
    else:
        addresses = [] if env.bogon(literal) else [literal]

    async def ask_control() -> None:
        assert control is not None
        facts.control = await control(facts.url, [endpoint(ip, port) for ip in addresses], facts.uid)

    async def redirect_address(new_host: str) -> str | None:
        literal_ip = _ip_literal(new_host)
        if literal_ip is not None:
            return None if env.bogon(literal_ip) else literal_ip
        found = await resolve(env, new_host, clock)
        facts.dns.extend(found)
        candidates = addresses_by_preference(found, env)
        return candidates[0] if candidates else None

    async def layers() -> None:
        results = await asyncio.gather(*(connect(env, ip, port, clock) for ip in addresses))
        facts.tcp.extend(results)
        reachable = [obs.ip for obs in results if obs.failure is None]
        if url.scheme == "https" and reachable:
            for group in await asyncio.gather(
                *(measure_endpoint(env, ip, port, host, clock) for ip in reachable)
            ):
                facts.tls.extend(group)
        if url.scheme == "https":
            # Fetch through an address that completed TLS (or failed only on its certificate, which HTTP
            # then records again); after a handshake that timed out or was reset, HTTP would only repeat it.
            usable = {t.ip for t in facts.tls if t.purpose == "target" and (t.failure is None or t.cert)}
            reachable = [ip for ip in reachable if ip in usable]
        if reachable:
            facts.http.extend(await fetch_chain(env, facts.url, reachable[0], redirect_address, clock))

    async with asyncio.TaskGroup() as group:
        if control is not None:
            group.create_task(ask_control())
        group.create_task(layers())


async def measure_url(env: Env, facts: UrlFacts, control: ControlFn | None) -> UrlFacts:
    """Fill `facts` (created by the caller, so that it keeps them if this is cancelled) and return it."""
    clock = Clock()
    try:
        async with asyncio.timeout(env.timeouts.url_s):
            await _run(env, facts, control, clock)
    except TimeoutError:
        facts.incomplete = f"stopped after timeouts.url_s = {env.timeouts.url_s} s"
    except asyncio.CancelledError:
        facts.incomplete = "interrupted (the run was stopped)"
        raise
    except Exception as exc:
        facts.incomplete = f"internal error: {type(exc).__name__}: {exc}"
    finally:
        facts.finished_at = utc_now()
    return facts
