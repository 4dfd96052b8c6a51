"""TCP connect, bound to the configured source address."""

from __future__ import annotations

import asyncio


async def open_stream(
    ip: str, port: int, *, source_address: str | None, timeout_s: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    local = (source_address, 0) if source_address else None
    async with asyncio.timeout(timeout_s):
        return await asyncio.open_connection(ip, port, local_addr=local)


def abort_stream(writer: asyncio.StreamWriter) -> None:
    """Drop a connection that failed: no graceful close to wait on from a peer that stopped answering."""
    writer.transport.abort()


async def close_stream(writer: asyncio.StreamWriter) -> None:
    writer.close()
    try:
        async with asyncio.timeout(1):
            await writer.wait_closed()
    except (OSError, TimeoutError):
        pass  # the peer reset or vanished: the connection is closed either way
