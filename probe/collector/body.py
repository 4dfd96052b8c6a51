"""Reading a request body within limits: its size as sent and after gzip or deflate decompression (checked
while it inflates, so a zip bomb stops early), the time it takes to arrive, and the memory all bodies of
a process hold at once (BodyBudget)."""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.requests import ClientDisconnect, Request

log = logging.getLogger("saksi.collector")

INFLATE_SLICE = 256 * 1024  # bytes inflated at a time on the event loop
ENCODINGS = {"identity": None, "gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}


class BodyError(Exception):
    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.reason, self.detail = status, reason, detail


class BodyBudget:
    """The bytes of request bodies a process holds at once: at most `total`, and at most a quarter of it
    for one caller (named by the keyed hash limits.ClientKeys gives; never the address itself)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.per_client = max(1, total // 4)
        self.used = 0
        self.by_client: defaultdict[str, int] = defaultdict(int)

    @asynccontextmanager
    async def hold(self, client: str) -> AsyncIterator[Held]:
        held = Held(self, client)
        try:
            yield held
        finally:
            held.release()


class Held:
    """One request's share of a BodyBudget, returned when the request is done with its body."""

    def __init__(self, budget: BodyBudget, client: str) -> None:
        self.budget, self.client, self.size = budget, client, 0

    def add(self, n: int) -> None:
        b = self.budget
        if b.used + n > b.total or b.by_client[self.client] + n > b.per_client:
            raise BodyError(503, "busy", "the collector holds too many request bodies now; retry later")
        b.used += n
        b.by_client[self.client] += n
        self.size += n

    def release(self) -> None:
        b = self.budget
        b.used -= self.size
        left = b.by_client[self.client] - self.size
        if left > 0:
            b.by_client[self.client] = left
        else:
            b.by_client.pop(self.client, None)
        self.size = 0


async def read_body(
    request: Request,
    *,
    max_bytes: int,
    max_decompressed: int,
    timeout_s: float = 30.0,
    held: Held | None = None,
) -> bytes:
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding not in ENCODINGS:
        raise BodyError(415, "bad_encoding", f"Content-Encoding {encoding[:40]!r} is not supported; use gzip")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise BodyError(413, "too_large", f"the body is larger than {max_bytes} bytes")
    wbits = ENCODINGS[encoding]
    inflate = zlib.decompressobj(wbits) if wbits is not None else None
    received, out = 0, bytearray()
    deadline = time.monotonic() + timeout_s
    chunks = request.stream().__aiter__()
    while True:
        try:
            chunk = await asyncio.wait_for(anext(chunks), max(0.0, deadline - time.monotonic()))
        except StopAsyncIteration:
            break
        except TimeoutError:
            raise BodyError(408, "too_slow", f"the body did not arrive within {timeout_s:g} s") from None
        except ClientDisconnect:
            log.info("a client disconnected before its request body was complete")
            raise BodyError(400, "disconnected", "the client disconnected mid-body") from None
        received += len(chunk)
        if received > max_bytes:
            raise BodyError(413, "too_large", f"the body is larger than {max_bytes} bytes")
        if inflate is None:
            if held is not None:
                held.add(len(chunk))
            out += chunk
            continue
        data = chunk
        while data:
            await asyncio.sleep(0)  # inflate in slices, letting other requests run between them
            try:
                piece = inflate.decompress(data, min(INFLATE_SLICE, max_decompressed - len(out) + 1))
            except zlib.error:
                raise BodyError(400, "bad_encoding", f"the {encoding} body is corrupt") from None
            if held is not None:
                held.add(len(piece))
            out += piece
            if len(out) > max_decompressed:
                raise BodyError(413, "too_large", f"the body inflates past {max_decompressed} bytes")
            data = inflate.unconsumed_tail
            if not piece and data:  # no progress on this input: the stream is past its end
                break
    if inflate is not None:
        try:
            rest = inflate.flush(max_decompressed - len(out) + 1)
        except zlib.error:
            raise BodyError(400, "bad_encoding", f"the {encoding} body is corrupt") from None
        out += rest
        if len(out) > max_decompressed:
            raise BodyError(413, "too_large", f"the body inflates past {max_decompressed} bytes")
        if not inflate.eof or inflate.unused_data:  # strict: one whole member, nothing after it
            raise BodyError(
                400, "bad_encoding", f"the {encoding} body is truncated or has bytes after its end"
            )
    return bytes(out)
