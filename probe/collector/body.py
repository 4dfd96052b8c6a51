"""Reading a request body within limits, as sent and after gzip decompression (a zip bomb stops early)."""

from __future__ import annotations

import zlib

from starlette.requests import Request


class BodyError(Exception):
    def __init__(self, status: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.reason, self.detail = status, reason, detail


async def read_body(request: Request, *, max_bytes: int, max_decompressed: int) -> bytes:
    encoding = request.headers.get("content-encoding", "identity").lower()
    if encoding not in ("identity", "gzip"):
        raise BodyError(415, "bad_encoding", f"Content-Encoding {encoding!r} is not supported; use gzip")
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise BodyError(413, "too_large", f"the body is larger than {max_bytes} bytes")
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS) if encoding == "gzip" else None
    received, out = 0, bytearray()
    async for chunk in request.stream():
        received += len(chunk)
        if received > max_bytes:
            raise BodyError(413, "too_large", f"the body is larger than {max_bytes} bytes")
        if inflate is None:
            out += chunk
            continue
        data = chunk
        while data:
            try:
                piece = inflate.decompress(data, max_decompressed - len(out) + 1)
            except zlib.error:
                raise BodyError(400, "bad_encoding", "the gzip body is corrupt") from None
            out += piece
            if len(out) > max_decompressed:
                raise BodyError(413, "too_large", f"the body inflates past {max_decompressed} bytes")
            data = inflate.unconsumed_tail
    if inflate is not None:
        out += inflate.flush()
        if len(out) > max_decompressed:
            raise BodyError(413, "too_large", f"the body inflates past {max_decompressed} bytes")
        if not inflate.eof or inflate.unused_data:  # strict: one whole gzip member, nothing after it
            raise BodyError(400, "bad_encoding", "the gzip body is truncated or has bytes after its end")
    return bytes(out)
