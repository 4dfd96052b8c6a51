"""HTTP(S) through httpx, pinned to an address we chose while Host and SNI carry the real name.

One request per call, no redirects followed here (the flow follows them, resolving new hosts itself),
no connection reuse (a pooled connection to an IP must never serve another name).
"""

from __future__ import annotations

import ssl
from collections.abc import Sequence
from dataclasses import dataclass

import httpx


@dataclass(frozen=True)
class Fetched:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool
    http_version: str


def make_client(ctx: ssl.SSLContext, *, source_address: str | None, timeout_s: float) -> httpx.AsyncClient:
    transport = httpx.AsyncHTTPTransport(
        verify=ctx,
        local_address=source_address,
        retries=0,
        limits=httpx.Limits(max_keepalive_connections=0, max_connections=1024),
    )
    return httpx.AsyncClient(transport=transport, timeout=timeout_s, follow_redirects=False, trust_env=False)


def make_service_client(
    ctx: ssl.SSLContext, *, source_address: str | None, timeout_s: float, connections: int
) -> httpx.AsyncClient:
    """For the few fixed services a run talks to (DoH resolvers, the control): connections are reused."""
    transport = httpx.AsyncHTTPTransport(
        verify=ctx,
        local_address=source_address,
        retries=0,
        limits=httpx.Limits(max_connections=connections, max_keepalive_connections=connections),
    )
    return httpx.AsyncClient(transport=transport, timeout=timeout_s, follow_redirects=False, trust_env=False)


def pinned_url(url: httpx.URL, ip: str) -> httpx.URL:
    return url.copy_with(host=ip)


async def fetch(
    client: httpx.AsyncClient,
    url: httpx.URL,
    ip: str,
    headers: Sequence[tuple[str, str]],
    *,
    max_body_bytes: int,
    timeout_s: float,
) -> Fetched:
    """GET `url` through `ip`, sending exactly `headers` (Host included), in their order and case
    (probe.netio.browser makes them): the client's own defaults are dropped, and h11 writes names as
    given. Raises httpx exceptions (their causes carry the socket/ssl error)."""
    extensions = {"sni_hostname": url.host} if url.scheme == "https" else {}
    request = client.build_request("GET", pinned_url(url, ip), extensions=extensions, timeout=timeout_s)
    request.headers = httpx.Headers(list(headers))
    response = await client.send(request, stream=True)
    try:
        body = bytearray()
        truncated = False
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > max_body_bytes:
                truncated = True
                del body[max_body_bytes:]
                break
        return Fetched(
            status=response.status_code,
            headers=[(k.lower(), v) for k, v in response.headers.multi_items()],
            body=bytes(body),
            truncated=truncated,
            http_version=response.http_version,
        )
    finally:
        await response.aclose()
