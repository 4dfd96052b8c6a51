"""A small but real SOCKS5 server (RFC 1928) on loopback for the tests, which records every CONNECT.

What it speaks: the no-authentication method only (a client offering none gets 0xFF and is closed), the
CONNECT command only (others get reply 0x07), destinations as IPv4 (0x01), domain name (0x03) or IPv6 (0x04)
(others get 0x08). A domain name is resolved here, by the proxy, through `hosts` first and getaddrinfo after;
failures get the proper reply (0x04 host unreachable, 0x05 connection refused, 0x03 network unreachable,
0x01 general failure). After a success (0x00, with the bound address of the outgoing connection) bytes are
relayed both ways until each side has closed its half.

The outgoing connections leave from `source` (another loopback address), so that a server behind the proxy
sees the proxy, not the client, as its caller. `reply` forces a failure code for every CONNECT (to test
clients against a proxy that cannot reach the destination).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass

VERSION = 5
NO_AUTH, NO_ACCEPTABLE = 0x00, 0xFF
CONNECT = 0x01
IPV4, DOMAIN, IPV6 = 0x01, 0x03, 0x04
SUCCEEDED, GENERAL_FAILURE, NETWORK_UNREACHABLE, HOST_UNREACHABLE, REFUSED = 0x00, 0x01, 0x03, 0x04, 0x05
COMMAND_NOT_SUPPORTED, ADDRESS_TYPE_NOT_SUPPORTED = 0x07, 0x08
ADDRESS_TYPES = {IPV4: "ipv4", DOMAIN: "domain", IPV6: "ipv6"}


@dataclass(frozen=True)
class Connect:
    """One CONNECT request as the client sent it: its address type, the address (a name for `domain`)."""

    address_type: str  # "ipv4", "domain" or "ipv6"
    host: str
    port: int
    reply: int  # the reply code sent back


class SocksServer:
    def __init__(
        self,
        host: str = "127.0.0.1",
        *,
        source: str | None = "127.0.0.9",
        hosts: dict[str, str] | None = None,
        reply: int | None = None,
    ) -> None:
        self.host, self.source, self.hosts, self.forced = host, source, dict(hosts or {}), reply
        self.port = 0
        self.connects: list[Connect] = []
        self.clients: list[str] = []  # the address of every client that connected
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._lock = threading.Lock()

    @property
    def address(self) -> str:
        """host:port, as upload.socks5 wants it."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    def start(self) -> None:
        self._thread.start()
        self._server = asyncio.run_coroutine_threadsafe(
            asyncio.start_server(self._handle, self.host, 0), self._loop
        ).result(timeout=10)
        self.port = self._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        self._loop.close()

    async def _shutdown(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        for writer in list(self._writers):
            writer.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    # one client --------------------------------------------------------------------------------

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        peer = writer.get_extra_info("peername")
        with self._lock:
            self.clients.append(str(peer[0]) if peer else "?")
        try:
            await self._session(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()
            with suppress(OSError, asyncio.CancelledError):
                await writer.wait_closed()

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        if version != VERSION or NO_AUTH not in methods:
            writer.write(bytes([VERSION, NO_ACCEPTABLE]))
            await writer.drain()
            return
        writer.write(bytes([VERSION, NO_AUTH]))
        await writer.drain()

        version, command, _reserved, address_type = await reader.readexactly(4)
        if version != VERSION:
            return
        if address_type == IPV4:
            host = socket.inet_ntop(socket.AF_INET, await reader.readexactly(4))
        elif address_type == IPV6:
            host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
        elif address_type == DOMAIN:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode("idna")
        else:
            await self._reply(writer, ADDRESS_TYPE_NOT_SUPPORTED)
            return
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        if command != CONNECT:
            self._record(address_type, host, port, COMMAND_NOT_SUPPORTED)
            await self._reply(writer, COMMAND_NOT_SUPPORTED)
            return
        if self.forced is not None:
            self._record(address_type, host, port, self.forced)
            await self._reply(writer, self.forced)
            return
        code, remote = await self._connect(address_type, host, port)
        self._record(address_type, host, port, code)
        if remote is None:
            await self._reply(writer, code)
            return
        up_reader, up_writer = remote
        self._writers.add(up_writer)
        bound = up_writer.get_extra_info("sockname")
        await self._reply(writer, SUCCEEDED, bound[0], bound[1])
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._pipe(reader, up_writer))
                group.create_task(self._pipe(up_reader, writer))
        finally:
            self._writers.discard(up_writer)
            up_writer.close()
            with suppress(OSError, asyncio.CancelledError):
                await up_writer.wait_closed()

    def _record(self, address_type: int, host: str, port: int, code: int) -> None:
        with self._lock:
            self.connects.append(Connect(ADDRESS_TYPES[address_type], host, port, code))

    async def _connect(
        self, address_type: int, host: str, port: int
    ) -> tuple[int, tuple[asyncio.StreamReader, asyncio.StreamWriter] | None]:
        target = host
        if address_type == DOMAIN:
            target = self.hosts.get(host.lower(), "")
            if not target:
                try:
                    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
                except socket.gaierror:
                    return HOST_UNREACHABLE, None
                target = str(infos[0][4][0])
        family = socket.AF_INET6 if ipaddress.ip_address(target).version == 6 else socket.AF_INET
        local = (self.source, 0) if self.source and family == socket.AF_INET else None
        try:
            remote = await asyncio.wait_for(
                asyncio.open_connection(target, port, family=family, local_addr=local), timeout=10
            )
        except ConnectionRefusedError:
            return REFUSED, None
        except TimeoutError:
            return HOST_UNREACHABLE, None
        except OSError as exc:
            return (NETWORK_UNREACHABLE if exc.errno in (101,) else GENERAL_FAILURE), None
        return SUCCEEDED, remote

    @staticmethod
    async def _reply(writer: asyncio.StreamWriter, code: int, host: str = "0.0.0.0", port: int = 0) -> None:
        address = ipaddress.ip_address(host)
        kind = IPV6 if address.version == 6 else IPV4
        writer.write(bytes([VERSION, code, 0x00, kind]) + address.packed + struct.pack("!H", port))
        await writer.drain()

    @staticmethod
    async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
        """Copy until EOF, then close the sink's write half (the other direction may go on)."""
        try:
            while data := await source.read(65536):
                sink.write(data)
                await sink.drain()
            if sink.can_write_eof():
                sink.write_eof()
        except (ConnectionError, OSError):
            sink.close()


@contextmanager
def socks_server(
    host: str = "127.0.0.1",
    *,
    source: str | None = "127.0.0.9",
    hosts: dict[str, str] | None = None,
    reply: int | None = None,
) -> Iterator[SocksServer]:
    server = SocksServer(host, source=source, hosts=hosts, reply=reply)
    server.start()
    try:
        yield server
    finally:
        server.stop()
