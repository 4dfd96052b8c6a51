"""Bookkeeping for the lab's TCP servers: every connection handler is tracked so that stopping ends them all.

Python 3.11's `Server.close()` leaves accepted connections open; the lab must close every one of them (and the
middlebox's upstream connections) before its event loop closes, or tests fail on ResourceWarning.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import Awaitable, Callable

import h11

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]

# Failures a peer can cause; a handler that meets one just drops the connection.
PEER_ERRORS = (OSError, EOFError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, h11.ProtocolError)


class Connections:
    """The live connection handlers of the lab's servers."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    def serve(self, handler: Handler) -> Handler:
        """Wrap `handler` so its task is tracked and its connection always closed."""

        async def run(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            task = asyncio.current_task()
            assert task is not None
            self._tasks.add(task)
            self._writers.add(writer)
            try:
                await handler(reader, writer)
            except PEER_ERRORS:
                pass
            except asyncio.CancelledError:
                # Only close_all() cancels these top-level tasks; ending quietly keeps asyncio's server
                # callback (which calls task.exception()) from logging every connection the lab stop ended.
                pass
            finally:
                self._tasks.discard(task)
                self._writers.discard(writer)
                await close_writer(writer, abort=task.cancelling() > 0)

        return run

    def track(self, writer: asyncio.StreamWriter) -> None:
        """Remember a connection the lab opened itself (a middlebox's upstream) so stopping closes it."""
        self._writers.add(writer)

    def forget(self, writer: asyncio.StreamWriter) -> None:
        self._writers.discard(writer)

    async def close_all(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        # Aborting the transports too ends a handler even if something swallowed its cancellation.
        for writer in list(self._writers):
            writer.transport.abort()
        await asyncio.gather(*tasks, return_exceptions=True)
        for writer in list(self._writers):
            await close_writer(writer, abort=True)
        self._writers.clear()


async def close_writer(writer: asyncio.StreamWriter, *, abort: bool = False) -> None:
    if abort:
        writer.transport.abort()
    else:
        writer.close()
    with contextlib.suppress(*PEER_ERRORS):
        await writer.wait_closed()


async def reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST, as a censor's injected reset looks to the client."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        # Linger on with a zero timeout makes close() discard the connection with RST instead of FIN.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    await close_writer(writer, abort=True)
