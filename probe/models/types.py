"""Value types shared by wire models, with the ranges the collector enforces at ingest."""

from __future__ import annotations

import ipaddress
import re
from datetime import datetime
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

from pydantic import AfterValidator, Field

ASN_MAX = 2**32 - 1  # AS numbers are 32-bit (RFC 6793)

KeyId = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Uid = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]

_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"


def _exists(value: str) -> str:
    """An RFC 3339 UTC time that names a real instant (no 2026-02-30, no hour 24)."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a real time") from None
    return value


UtcTime = Annotated[str, Field(pattern=_UTC, max_length=40), AfterValidator(_exists)]

if TYPE_CHECKING:
    from probe.models.measurement import Measurement

_KEY_ID = re.compile(r"^[0-9a-f]{64}$")
_CC = re.compile(r"^[A-Z]{2}$")
MAX_URL = 2048
MAX_NAME = 256  # network names, software names and versions, rules versions, categories, list names


_LABEL = r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?"
_HOSTNAME = re.compile(rf"^(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*$")


def url_problem(url: str) -> str | None:
    """Why `url` is not a measurable target: an http(s) URL whose host is a DNS name (ASCII, punycode for
    others, at most 253 characters in labels of at most 63) or an IP literal; None when it is one. A
    `javascript:` URL or one with no host would otherwise be filed under an empty or invented site."""
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return "target.url contains a space or control character"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        return "target.url is not a valid URL"
    if parts.scheme not in ("http", "https"):
        return "target.url must start with http:// or https://"
    if not host:
        return "target.url has no host"
    if host.endswith("."):
        return "target.url's host ends with a dot: write the name without it"
    if _HOSTNAME.match(host):
        return None
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return f"target.url's host {host[:80]!r} is neither a DNS name nor an IP address"
    return None


def _asn_ok(value: int | None) -> bool:
    return value is None or 0 <= value <= ASN_MAX


def _time_problem(name: str, value: str) -> str | None:
    if not re.fullmatch(_UTC, value):
        return f"{name} must be an RFC 3339 UTC time like 2026-12-01T10:00:00.000Z"
    try:
        _exists(value)
    except ValueError:
        return f"{name} {value!r} is not a real time"
    return None


def country_code(value: str | None) -> str | None:
    """`value` when it is an ISO 3166-1 alpha-2 code (ip2asn tables also say "None" or "Unknown")."""
    return value if value is not None and _CC.match(value) else None


def ingest_problem(m: Measurement) -> str | None:
    """The first way `m` breaks the ingest contract's ranges and forms (docs/collector-api.md, "Strict
    ingest"), or None. Checked at ingest only (Measurement's validation context), so records stored by an
    older collector stay readable."""
    if m.schema_version != 1:
        return "schema_version must be 1"
    for name, value in (
        ("probe.asn", m.probe.asn),
        ("probe.resolver_asn", m.probe.resolver_asn),
        (
            "control.response.client.asn",
            m.control.response.client.asn if m.control and m.control.response else None,
        ),
    ):
        if not _asn_ok(value):
            return f"{name} must be an AS number in 0..{ASN_MAX}"
    if (
        m.control
        and m.control.response
        and not all(_asn_ok(i.asn) for i in m.control.response.ip_info.values())
    ):
        return f"control.response.ip_info: AS numbers must be in 0..{ASN_MAX}"
    if m.probe.key_id is not None and not _KEY_ID.match(m.probe.key_id):
        return "probe.key_id must be 64 lower-case hex digits"
    if m.probe.cc is not None and not _CC.match(m.probe.cc):
        return "probe.cc must be two capital letters (ISO 3166-1 alpha-2)"
    for name, when in (("started_at", m.started_at), ("finished_at", m.finished_at)):
        problem = _time_problem(name, when)
        if problem:
            return problem
    if len(m.target.url) > MAX_URL:
        return f"target.url is longer than {MAX_URL} characters"
    problem = url_problem(m.target.url)
    if problem:
        return problem
    for name, text in (
        ("probe.network_name", m.probe.network_name),
        ("software.name", m.software.name),
        ("software.version", m.software.version),
        ("rules_version", m.rules_version),
        ("target.category_code", m.target.category_code),
        ("target.list", m.target.list),
    ):
        if text is not None and len(text) > MAX_NAME:
            return f"{name} is longer than {MAX_NAME} characters"
    if m.time_anchor is not None and not 1 <= m.time_anchor.tree_size <= 2**53 - 1:
        return "time_anchor.tree_size is out of range"
    if m.classifier is not None:
        return _classifier_problem(m.classifier.bogon_ranges)
    return None


MAX_BOGON_RANGES = 256  # recorded classifier.bogon_ranges (probe.classify.context)


def _classifier_problem(ranges: list[str]) -> str | None:
    """The recorded bogon ranges: at most MAX_BOGON_RANGES networks written as CIDR (host bits zero)."""
    if len(ranges) > MAX_BOGON_RANGES:
        return f"classifier.bogon_ranges holds more than {MAX_BOGON_RANGES} ranges"
    for text in ranges:
        if len(text) > 64:
            return "classifier.bogon_ranges: a range is longer than 64 characters"
        try:
            ipaddress.ip_network(text)
        except ValueError:
            return f"classifier.bogon_ranges: {text!r} is not a network in CIDR form"
    return None


def parse_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
