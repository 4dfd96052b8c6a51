"""What every layer needs to measure: settings turned into contexts and clients, built once per sweep."""

from __future__ import annotations

import ssl
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx

from probe.addresses import is_bogon
from probe.config import NetworkSettings, Settings, TimeoutSettings
from probe.netio.dns import os_resolvers
from probe.netio.http import make_client, make_service_client
from probe.netio.tls import unverified_context, verifying_context


@dataclass
class Env:
    network: NetworkSettings
    timeouts: TimeoutSettings
    system_resolvers: list[str]
    verify_ctx: ssl.SSLContext
    unverified_ctx: ssl.SSLContext
    http: httpx.AsyncClient  # pages: one connection per request, pinned to the address under test
    doh: httpx.AsyncClient  # DNS over HTTPS: a few reused connections per resolver
    services: httpx.AsyncClient  # the control: reused connections, one per URL in flight

    @property
    def source(self) -> str | None:
        return self.network.source_address

    def bogon(self, address: str) -> bool:
        return is_bogon(address, self.network.bogon_ranges)


@asynccontextmanager
async def open_env(settings: Settings) -> AsyncIterator[Env]:
    net = settings.network
    verify_ctx = verifying_context(net.ca_bundle)
    http = make_client(verify_ctx, source_address=net.source_address, timeout_s=settings.timeouts.http_s)
    # Separate pools: a control request holds its connection for the whole control measurement, and DoH
    # queries must not queue behind those; small pools also keep httpcore's per-request pool scan cheap.
    doh = make_service_client(
        verify_ctx, source_address=net.source_address, timeout_s=settings.timeouts.dns_s, connections=8
    )
    services = make_service_client(
        verify_ctx,
        source_address=net.source_address,
        timeout_s=settings.timeouts.http_s,
        connections=net.concurrency,
    )
    async with http, doh, services:
        yield Env(
            network=net,
            timeouts=settings.timeouts,
            system_resolvers=os_resolvers() if net.system_resolvers is None else list(net.system_resolvers),
            verify_ctx=verify_ctx,
            unverified_ctx=unverified_context(),
            http=http,
            doh=doh,
            services=services,
        )


class Clock:
    """Seconds since the start of one measurement, for `t_start`/`t_end`."""

    def __init__(self) -> None:
        self._start = time.monotonic()

    def now(self) -> float:
        return round(time.monotonic() - self._start, 4)
