"""A small HTTP/1.1 server (h11 over asyncio streams) for the lab's origins and its DoH resolver.

The application is a plain function from request to response; TLS, if any, is the listener's business. h11
keeps the wire format honest (keep-alive, Content-Length, HEAD) without a framework between the lab and the
bytes it sends.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import h11

from probe.lab.streams import Handler

MAX_REQUEST_BODY = 64 * 1024


@dataclass(frozen=True)
class Request:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def host(self) -> str:
        """The Host header without its port, lower-cased."""
        return host_without_port(self.headers.get("host", ""))


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)


App = Callable[[Request], Response]


def host_without_port(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value.partition("]")[0] + "]"
    return value.rpartition(":")[0] if value.count(":") == 1 else value


def make_handler(app: App) -> Handler:
    """An asyncio connection handler serving `app` until the client closes."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        while True:
            request = await _read_request(conn, reader)
            if request is None:
                return
            response = app(request)
            headers = [
                *response.headers,
                ("content-length", str(len(response.body))),
                ("server", "saksi-lab"),
            ]
            writer.write(conn.send(h11.Response(status_code=response.status, headers=headers)) or b"")
            if request.method != "HEAD":
                writer.write(conn.send(h11.Data(data=response.body)) or b"")
            writer.write(conn.send(h11.EndOfMessage()) or b"")
            await writer.drain()
            if conn.our_state is h11.MUST_CLOSE or conn.their_state is h11.MUST_CLOSE:
                return
            conn.start_next_cycle()

    return handle


async def _read_request(conn: h11.Connection, reader: asyncio.StreamReader) -> Request | None:
    head: h11.Request | None = None
    body = b""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
        elif isinstance(event, h11.Request):
            head = event
        elif isinstance(event, h11.Data):
            body += event.data
            if len(body) > MAX_REQUEST_BODY:
                return None
        elif isinstance(event, h11.EndOfMessage):
            assert head is not None
            return Request(
                method=head.method.decode("ascii", "replace"),
                target=head.target.decode("ascii", "replace"),
                headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in head.headers},
                body=body,
            )
        else:  # ConnectionClosed or PAUSED: the client is done with this connection
            return None
