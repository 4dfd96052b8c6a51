"""The censor's middleboxes: listeners in front of each site address that read who is connecting and for what.

A front listener looks at the peer's address (only the probe's source is censored) and at the first bytes:
the SNI of a TLS ClientHello or the Host of an HTTP request, or, like a simple DPI box, exact byte strings of
the request as a browser writes it (`FrontPolicy.by_bytes`). Then it forwards the connection to an origin,
resets it, holds it open in silence, or writes a blockpage. `client_hello_sni` and `http_host` are pure
parsers that never raise on hostile input; `FrontPolicy` is the decision as data.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
from dataclasses import dataclass, field

from probe.lab.streams import Connections, Handler, close_writer, reset
from probe.lab.web import host_without_port

FIRST_BYTES_TIMEOUT_S = 10.0
MAX_HEAD_BYTES = 16 * 1024
ON_CONNECT_GRACE_S = 1.0


class Act(enum.Enum):
    FORWARD = "forward"
    RESET = "reset"
    SILENCE = "silence"
    BLOCKPAGE = "blockpage"


@dataclass(frozen=True)
class Action:
    act: Act
    blockpage: bytes = b""  # a raw HTTP response, for BLOCKPAGE
    upstream: tuple[str, int] | None = None  # FORWARD elsewhere than the policy's origin (interception)


FORWARD = Action(Act.FORWARD)
RESET = Action(Act.RESET)
SILENCE = Action(Act.SILENCE)


@dataclass
class FrontPolicy:
    """What one front listener (one address, one port) does."""

    tls: bool  # read a ClientHello's SNI (else an HTTP request's Host)
    origin: tuple[str, int] | None  # where connections are forwarded; None: there is no site behind
    on_connect: Action | None = None  # what the probe gets before the lab sends or reads anything
    by_host: dict[str, Action] = field(default_factory=dict)  # what the probe gets when naming a host
    # What the probe gets when its first bytes hold every one of a rule's byte strings exactly (case and
    # spacing included): a DPI rule written against what a browser sends, blind to any other spelling.
    by_bytes: list[tuple[tuple[bytes, ...], Action]] = field(default_factory=list)
    everyone: Action | None = None  # what every client gets, whatever it asks for

    def decide(self, *, from_probe: bool, host: str | None, first: bytes = b"") -> Action:
        if self.everyone is not None:
            return self.everyone
        if from_probe:
            for needles, action in self.by_bytes:
                if all(needle in first for needle in needles):
                    return action
        if from_probe and host is not None and host in self.by_host:
            return self.by_host[host]
        return FORWARD


def client_hello_sni(record: bytes) -> str | None:
    """The server name in a TLS record holding a ClientHello, or None if there is none or it is malformed."""
    try:
        if record[0] != 0x16 or record[5] != 0x01:  # handshake record, ClientHello
            return None
        pos = 5 + 4 + 2 + 32  # record header, handshake header, client_version, random
        pos += 1 + record[pos]  # session_id
        pos += 2 + int.from_bytes(record[pos : pos + 2], "big")  # cipher_suites
        pos += 1 + record[pos]  # compression_methods
        end = min(len(record), pos + 2 + int.from_bytes(record[pos : pos + 2], "big"))
        pos += 2
        while pos + 4 <= end:
            ext_type = int.from_bytes(record[pos : pos + 2], "big")
            ext_len = int.from_bytes(record[pos + 2 : pos + 4], "big")
            pos += 4
            if ext_type == 0:  # server_name: list length, then (type 0 = host_name, length, name)
                if record[pos + 2] != 0:
                    return None
                name_len = int.from_bytes(record[pos + 3 : pos + 5], "big")
                name = record[pos + 5 : pos + 5 + name_len]
                if len(name) != name_len:
                    return None
                return name.decode("ascii").lower().rstrip(".")
            pos += ext_len
    except (IndexError, UnicodeDecodeError):
        return None
    return None


def http_host(head: bytes) -> str | None:
    """The Host header of an HTTP/1.x request head, lower-cased and without its port."""
    for line in head.split(b"\r\n")[1:]:
        name, sep, value = line.partition(b":")
        if sep and name.strip().lower() == b"host":
            return host_without_port(value.decode("latin-1")) or None
    return None


class Middlebox:
    """Serves front listeners according to their policies; `probe_source` is the only address censored."""

    def __init__(self, connections: Connections, probe_source: str) -> None:
        self._connections = connections
        self._probe_source = probe_source

    def handler(self, policy: FrontPolicy) -> Handler:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await self._handle(policy, reader, writer)

        return self._connections.serve(handle)

    async def _handle(
        self, policy: FrontPolicy, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        from_probe = writer.get_extra_info("peername")[0] == self._probe_source
        if from_probe and policy.on_connect is not None:
            # Wait for the client's first bytes (or a short silence) before acting: on loopback a RST sent
            # at once can beat the client's own connect() and surface there, whereas on a real path the
            # reset injected after the handshake hits the first read or write. Waiting makes it the latter.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(ON_CONNECT_GRACE_S):
                    await reader.read(1)
            await self._act(policy.on_connect, policy, b"", reader, writer)
            return
        # asyncio.timeout, not wait_for: in 3.11 wait_for can swallow the lab's stop-time cancellation.
        async with asyncio.timeout(FIRST_BYTES_TIMEOUT_S):
            first = await self._first_bytes(reader, policy.tls)
        if not first:
            return
        host = client_hello_sni(first) if policy.tls else http_host(first)
        action = policy.decide(from_probe=from_probe, host=host, first=first)
        await self._act(action, policy, first, reader, writer)

    @staticmethod
    async def _first_bytes(reader: asyncio.StreamReader, tls: bool) -> bytes:
        if tls:
            header = await reader.readexactly(5)
            length = int.from_bytes(header[3:5], "big")
            return header + await reader.readexactly(min(length, MAX_HEAD_BYTES))
        head = b""
        while b"\r\n\r\n" not in head and len(head) < MAX_HEAD_BYTES:
            chunk = await reader.read(4096)
            if not chunk:
                break
            head += chunk
        return head

    async def _act(
        self,
        action: Action,
        policy: FrontPolicy,
        first: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        if action.act is Act.RESET:
            await reset(writer)
        elif action.act is Act.SILENCE:
            # Hold the connection and swallow what comes, until the client gives up or the lab stops.
            while await reader.read(65536):
                pass
        elif action.act is Act.BLOCKPAGE:
            writer.write(action.blockpage)
            await writer.drain()
        else:
            upstream = action.upstream or policy.origin
            if upstream is None:
                return
            await self._forward(upstream, first, reader, writer)

    async def _forward(
        self,
        upstream: tuple[str, int],
        first: bytes,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> None:
        up_reader, up_writer = await asyncio.open_connection(*upstream)
        self._connections.track(up_writer)
        try:
            up_writer.write(first)
            async with asyncio.TaskGroup() as group:
                group.create_task(_pipe(reader, up_writer, writer))
                group.create_task(_pipe(up_reader, writer, up_writer))
        finally:
            self._connections.forget(up_writer)
            await close_writer(up_writer)


async def _pipe(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, other: asyncio.StreamWriter
) -> None:
    """Copy one direction until EOF, then half-close; on a reset, tear down both sides."""
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            with contextlib.suppress(OSError):
                writer.write_eof()
    except OSError:
        writer.transport.abort()
        other.transport.abort()
