"""The daemon's log: Saksi's own lines on stdout, never a library's debug output, never an address.

`-v` raises only Saksi's loggers (`saksi.*`) to DEBUG. Libraries (httpx, httpcore, apscheduler, asyncio,
tzlocal, ...) stay at WARNING whatever the flag: their debug lines carry the volunteer's local address
(httpcore's `connect_tcp.started ... local_address=...`). As a second guard every line that reaches the
handler has IPv4 and IPv6 literals replaced by `<address>`.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import TextIO

OWN = "saksi"
_IPV4 = r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)"
# Two or more hex groups joined by colons, with at least one `::` or seven colons: an IPv6 literal, not a
# clock time (08:21:12 has no `::` and only two colons).
_IPV6 = r"(?<!\w)(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])"
IPV4, IPV6 = re.compile(_IPV4), re.compile(_IPV6)


def _v6(match: re.Match[str]) -> str:
    text = match.group()
    return "<address>" if "::" in text or text.count(":") == 7 else text


def redact(text: str) -> str:
    """`text` with every IPv4 or IPv6 literal replaced by `<address>`."""
    return IPV6.sub(_v6, IPV4.sub("<address>", text))


class NoAddresses(logging.Filter):
    """Rewrites each record's final message with its addresses redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def configure(verbose: bool, stream: TextIO | None = None) -> logging.Handler:
    """Short lines on `stream` (stdout): Saksi's at INFO, or DEBUG with `verbose`; everyone else's at
    WARNING. Replaces any handler already on the root logger; returns the one it installs."""
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler.addFilter(NoAddresses())
    root = logging.getLogger()
    for old in root.handlers[:]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.WARNING)
    logging.getLogger(OWN).setLevel(logging.DEBUG if verbose else logging.INFO)
    for library in ("apscheduler", "httpx", "httpcore", "asyncio", "tzlocal", "hpack", "h2"):
        logging.getLogger(library).setLevel(logging.WARNING)
    logging.getLogger("apscheduler.executors").setLevel(logging.CRITICAL)  # a stopped job is not an error
    return handler
