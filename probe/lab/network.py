"""Wires the scenarios into running servers on one asyncio loop: resolvers, DoH, origins and front listeners.

`plan_fronts` turns the scenario table into per-address listener policies (no I/O). `LabNetwork` binds the
sockets (every front address shares one HTTP and one HTTPS port, so a site with two addresses serves on the
same port), attaches the SYN filters, starts the servers and, on stop, closes every socket and connection.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass, field

from probe.lab import synfilter
from probe.lab.certs import LabCerts
from probe.lab.dns import DnsServer, Zone
from probe.lab.doh import DohApp
from probe.lab.middlebox import RESET, SILENCE, Act, Action, FrontPolicy, Middlebox
from probe.lab.pages import ISP_NOTICE, KH_FORBIDDEN, KH_FORBIDDEN_LF, MINISTRY_NOTICE, OriginApp, Site
from probe.lab.scenarios import (
    BLOCKPAGE_SERVER_IP,
    BOGON_ANSWER,
    DOH_IP,
    HELPER_SITES,
    ISP_RESOLVER_IP,
    ORIGIN_IP,
    PUBLIC_RESOLVER_IP,
    SINKHOLE_IP,
    Front,
    IspDns,
    Scenario,
)
from probe.lab.streams import Connections, Handler
from probe.lab.web import make_handler

BIND_ATTEMPTS = 8
BACKLOG = 512


class LabError(Exception):
    """The lab cannot run; the message says why and what to do."""


@dataclass(frozen=True)
class Ports:
    http: int  # every front address, plain HTTP
    https: int  # every front address, HTTPS
    isp_dns: int
    public_dns: int
    doh: int


@dataclass(frozen=True)
class Origins:
    http: tuple[str, int]
    https: tuple[str, int]
    rogue_https: tuple[str, int]


@dataclass
class FrontAddress:
    """The listeners on one front address; a None policy means nothing listens on that port."""

    http: FrontPolicy | None
    https: FrontPolicy | None
    syn_filter: bytes | None = None
    sites: list[str] = field(default_factory=list)


def plan_fronts(
    scenarios: Iterable[Scenario], probe_source: str, origins: Origins
) -> dict[str, FrontAddress]:
    """The listeners each address needs so that every scenario behaves as its row says."""
    plan: dict[str, FrontAddress] = {}

    def forwarding(address: str) -> FrontAddress:
        if address not in plan:
            plan[address] = FrontAddress(
                http=FrontPolicy(tls=False, origin=origins.http),
                https=FrontPolicy(tls=True, origin=origins.https),
            )
        return plan[address]

    for helper in HELPER_SITES:
        forwarding(helper.address)
    for scenario in scenarios:
        if scenario.isp_dns is IspDns.ADDRESS and scenario.isp_address == SINKHOLE_IP:
            # The ISP's sinkhole: it exists (the address is routed) but answers no one.
            plan[SINKHOLE_IP] = FrontAddress(
                http=FrontPolicy(tls=False, origin=None),
                https=FrontPolicy(tls=True, origin=None),
                syn_filter=synfilter.drop_all_program(),
            )
        elif scenario.isp_dns is IspDns.ADDRESS and scenario.isp_address == BLOCKPAGE_SERVER_IP:
            blockpage = Action(Act.BLOCKPAGE, blockpage=ISP_NOTICE)
            plan[BLOCKPAGE_SERVER_IP] = FrontAddress(
                http=FrontPolicy(tls=False, origin=None, everyone=blockpage), https=None
            )
        elif scenario.isp_dns is IspDns.ADDRESS and scenario.isp_address != BOGON_ANSWER:
            assert scenario.isp_address is not None
            forwarding(scenario.isp_address)  # a second genuine node of the site (geo-DNS)
        if scenario.front is Front.NOTHING:
            continue
        front = forwarding(scenario.address)
        front.sites.append(scenario.host)
        assert front.http is not None
        assert front.https is not None
        host = scenario.host.lower()
        match scenario.front:
            case Front.DROP_PROBE_SYN:
                front.syn_filter = synfilter.drop_from_program(probe_source)
            case Front.RESET_ON_CONNECT:
                front.http.on_connect = front.https.on_connect = RESET
            case Front.SNI_RESET:
                front.https.by_host[host] = RESET
            case Front.SNI_SILENCE:
                front.https.by_host[host] = SILENCE
            case Front.MITM:
                front.https.by_host[host] = Action(Act.FORWARD, upstream=origins.rogue_https)
            case Front.HTTP_BLOCKPAGE_KH:
                front.http.by_host[host] = Action(Act.BLOCKPAGE, blockpage=KH_FORBIDDEN)
            case Front.HTTP_BLOCKPAGE_UNKNOWN:
                front.http.by_host[host] = Action(Act.BLOCKPAGE, blockpage=MINISTRY_NOTICE)
            case Front.HOST_RESET:
                front.http.by_host[host] = RESET
            case Front.DPI_HOST_RESET:
                # "Host: <name>" then the port or the line's end, as a browser writes it.
                front.http.by_bytes.append(((f"\r\nHost: {host}:".encode(),), RESET))
                front.http.by_bytes.append(((f"\r\nHost: {host}\r\n".encode(),), RESET))
            case Front.DPI_BROWSER_BLOCKPAGE:
                # Chrome's first lines: the request line, Host first, then Connection and
                # Upgrade-Insecure-Requests (the lab's port sits between the two needles).
                chrome = (
                    f"GET / HTTP/1.1\r\nHost: {host}".encode(),
                    b"\r\nConnection: keep-alive\r\nUpgrade-Insecure-Requests: 1\r\nUser-Agent: Mozilla/5.0 ",
                )
                front.http.by_bytes.append((chrome, Action(Act.BLOCKPAGE, blockpage=KH_FORBIDDEN_LF)))
            case Front.FORWARD:
                pass
    return plan


class LabNetwork:
    """All the lab's servers; `start` and `stop` must run on the lab's event loop."""

    def __init__(
        self, certs: LabCerts, scenarios: tuple[Scenario, ...], *, probe_source: str, control_source: str
    ) -> None:
        self._certs = certs
        self._scenarios = scenarios
        self._probe_source = probe_source
        self._control_source = control_source
        self._servers: list[asyncio.Server] = []
        self._dns: list[DnsServer] = []
        self._connections = Connections()

    async def start(self) -> Ports:
        try:
            return await self._start()
        except BaseException:
            await self.stop()
            raise

    async def _start(self) -> Ports:
        zone = Zone(((h.host, h.address) for h in HELPER_SITES), self._scenarios)
        isp_dns = await self._udp(zone, ISP_RESOLVER_IP, isp=True)
        public_dns = await self._udp(zone, PUBLIC_RESOLVER_IP, isp=False)

        # Placeholder origins only to learn which addresses need fronts; ports are filled in below.
        addresses = plan_fronts(self._scenarios, self._probe_source, Origins(("", 0), ("", 0), ("", 0)))
        sockets, http_port, https_port = _bind_fronts(addresses)
        try:
            sites = {h.host: Site(h.id, "Lab: redirect target") for h in HELPER_SITES}
            for scenario in self._scenarios:
                sites[scenario.host.lower()] = Site(scenario.id, f"Lab site: {scenario.id}", scenario.page)
            origin = make_handler(OriginApp(sites, https_port))
            origins = Origins(
                http=await self._tcp(origin, ORIGIN_IP),
                https=await self._tcp(origin, ORIGIN_IP, tls=self._certs.origin_context()),
                rogue_https=await self._tcp(origin, ORIGIN_IP, tls=self._certs.rogue_context()),
            )
            doh = await self._tcp(make_handler(DohApp(zone)), DOH_IP, tls=self._certs.doh_context())
            middlebox = Middlebox(self._connections, self._probe_source)
            for address, front in plan_fronts(self._scenarios, self._probe_source, origins).items():
                for policy in (front.http, front.https):
                    if policy is None:
                        continue
                    sock = sockets.pop((address, policy.tls))
                    server = await asyncio.start_server(middlebox.handler(policy), sock=sock)
                    self._servers.append(server)
        finally:
            for sock in sockets.values():
                sock.close()
        return Ports(http_port, https_port, isp_dns, public_dns, doh[1])

    async def stop(self) -> None:
        for server in self._servers:
            server.close()
        await self._connections.close_all()
        for server in self._servers:
            await server.wait_closed()
        self._servers.clear()
        for dns_server in self._dns:
            dns_server.close()
        self._dns.clear()
        # Let the transports' close callbacks run before the loop goes away.
        await asyncio.sleep(0)

    async def _udp(self, zone: Zone, address: str, *, isp: bool) -> int:
        loop = asyncio.get_running_loop()
        server = DnsServer(zone, isp=isp, probe_source=self._probe_source)
        transport, _ = await loop.create_datagram_endpoint(lambda: server, local_addr=(address, 0))
        self._dns.append(server)
        return int(transport.get_extra_info("sockname")[1])

    async def _tcp(
        self,
        handler: Handler,
        address: str,
        *,
        tls: ssl.SSLContext | None = None,
    ) -> tuple[str, int]:
        server = await asyncio.start_server(
            self._connections.serve(handler), address, 0, ssl=tls, backlog=BACKLOG
        )
        self._servers.append(server)
        return address, int(server.sockets[0].getsockname()[1])


def _bind_fronts(plan: dict[str, FrontAddress]) -> tuple[dict[tuple[str, bool], socket.socket], int, int]:
    """Bind every front listener, all on one HTTP port and one HTTPS port chosen by the kernel.

    The first bind on port 0 picks a port; if another program holds it on one of the other addresses, start
    over with a fresh pair.
    """
    last_error: OSError | None = None
    for _ in range(BIND_ATTEMPTS):
        ports = {False: 0, True: 0}
        sockets: dict[tuple[str, bool], socket.socket] = {}
        try:
            for address, front in plan.items():
                for policy in (front.http, front.https):
                    if policy is None:
                        continue
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    sockets[(address, policy.tls)] = sock
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    sock.bind((address, ports[policy.tls]))
                    ports[policy.tls] = sock.getsockname()[1]
                    if front.syn_filter is not None:
                        synfilter.attach(sock, front.syn_filter)
                    sock.listen(BACKLOG)
            return sockets, ports[False], ports[True]
        except OSError as exc:
            for sock in sockets.values():
                sock.close()
            if exc.errno != errno.EADDRINUSE:
                raise LabError(
                    f"cannot listen on the lab's loopback addresses ({exc}); the lab needs Linux, where all "
                    "of 127.0.0.0/8 is local"
                ) from exc
            last_error = exc
    raise LabError(
        f"no free port pair for the lab's {len(plan)} front addresses after {BIND_ATTEMPTS} tries "
        f"({last_error}); stop whatever holds many loopback ports and try again"
    ) from last_error
