"""DNS transports: UDP with listening for injected replies, DNS over HTTPS, and getaddrinfo.

dnspython's `udp()` returns the first reply only; an on-path injector answers first, so we send one
query and keep receiving until a deadline, keeping every reply (METHODS.md, "Injection").
"""

from __future__ import annotations

import asyncio
import socket
import time
from dataclasses import dataclass, field

import dns.message
import dns.rdatatype
import httpx


@dataclass
class TimedReply:
    t_s: float  # seconds after the query was sent
    message: dns.message.Message


@dataclass
class UdpExchange:
    replies: list[TimedReply] = field(default_factory=list)


def split_host_port(value: str, default_port: int = 53) -> tuple[str, int]:
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default_port
    host, sep, port = value.rpartition(":")
    if sep and port.isdigit() and ":" not in host:
        return host, int(port)
    return value, default_port


class _Collector(asyncio.DatagramProtocol):
    def __init__(self, server: tuple[str, int]) -> None:
        self.server = server
        self.queue: asyncio.Queue[bytes] = asyncio.Queue()
        self.error: OSError | None = None

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        if (str(addr[0]), int(addr[1])) == self.server:  # spoofed replies carry the server's address
            self.queue.put_nowait(data)

    def error_received(self, exc: Exception) -> None:
        if isinstance(exc, OSError):
            self.error = exc
            self.queue.put_nowait(b"")


async def udp_exchange(
    hostname: str,
    rdtype: str,
    server: str,
    *,
    source_address: str | None,
    timeout_s: float,
    listen_s: float,
) -> UdpExchange:
    """Send one query; receive until `listen_s` after the first reply, or `timeout_s` with none.

    Raises TimeoutError when nothing came back, OSError when the network refused the datagram.
    """
    host, port = split_host_port(server)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    query = dns.message.make_query(hostname, dns.rdatatype.from_text(rdtype))
    loop = asyncio.get_running_loop()
    local = (source_address, 0) if source_address else None
    transport, proto = await loop.create_datagram_endpoint(
        lambda: _Collector((host, port)), local_addr=local, family=family
    )
    exchange = UdpExchange()
    try:
        sent = time.monotonic()
        transport.sendto(query.to_wire(), (host, port))
        deadline = sent + timeout_s
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                data = await asyncio.wait_for(proto.queue.get(), remaining)
            except TimeoutError:
                break
            if proto.error is not None:
                raise proto.error
            try:
                message = dns.message.from_wire(data)
            except Exception:
                continue
            if not query.is_response(message):
                continue
            now = time.monotonic()
            if not exchange.replies:
                deadline = min(deadline, now + listen_s)
            exchange.replies.append(TimedReply(t_s=round(now - sent, 4), message=message))
    finally:
        transport.close()
    if not exchange.replies:
        raise TimeoutError(f"no reply from {server} within {timeout_s} s")
    return exchange


async def doh_exchange(
    client: httpx.AsyncClient, url: str, hostname: str, rdtype: str, *, timeout_s: float
) -> dns.message.Message:
    """RFC 8484 POST. Raises httpx errors, or ValueError for a non-DNS answer."""
    query = dns.message.make_query(hostname, dns.rdatatype.from_text(rdtype))
    query.id = 0  # RFC 8484 4.1: cache-friendly
    response = await client.post(
        url,
        content=query.to_wire(),
        headers={"content-type": "application/dns-message", "accept": "application/dns-message"},
        timeout=timeout_s,
    )
    if response.status_code != 200:
        raise ValueError(f"DoH server answered HTTP {response.status_code}")
    return dns.message.from_wire(response.content)


async def getaddrinfo_addresses(hostname: str, family: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(hostname, None, family=family, type=socket.SOCK_STREAM)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def os_resolvers() -> list[str]:
    """The nameservers the OS uses (/etc/resolv.conf), as host:port."""
    import dns.resolver

    try:
        resolver = dns.resolver.Resolver(configure=True)
    except dns.resolver.NoResolverConfiguration:
        return []
    servers = [str(ns) for ns in resolver.nameservers]
    return [f"[{ns}]:53" if ":" in ns else f"{ns}:53" for ns in servers]
