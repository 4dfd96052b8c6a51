"""Response headers built from data that callers or probes chose: escaped so they cannot break out."""

from __future__ import annotations

import re
from urllib.parse import quote

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def attachment(filename: str) -> str:
    """A Content-Disposition for a download (RFC 6266): an ASCII fallback name with every character outside
    [A-Za-z0-9._-] replaced by `_`, and the exact name as RFC 5987 `filename*` (UTF-8, percent-encoded)."""
    fallback = _UNSAFE.sub("_", filename)[:200] or "download"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
