"""Observations: what happened at each layer, facts only, no judgement.

Times `t_start`/`t_end` are seconds from the measurement's `started_at`. `failure` is a `Failure` value
or None; `failure_detail` keeps the raw exception text for `unknown_failure` and for humans.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probe.failures import Failure
from probe.models.base import Wire

ResolverKind = Literal["system", "udp", "doh", "getaddrinfo"]
QueryType = Literal["A", "AAAA"]


class DnsAnswer(Wire):
    type: str  # "A", "AAAA", "CNAME"
    value: str
    ttl: int | None = None


class DnsReply(Wire):
    """One reply received for a query. More than one, and different, means an on-path injector."""

    t_s: float  # seconds after the query was sent
    rcode: str
    answers: list[DnsAnswer]


class DnsObservation(Wire):
    resolver_kind: ResolverKind
    resolver: str  # "host:port", a DoH URL, or "" for getaddrinfo
    query_type: QueryType
    hostname: str
    t_start: float
    t_end: float
    failure: Failure | None = None
    failure_detail: str | None = None
    rcode: str | None = None  # rcode of the first reply
    answers: list[DnsAnswer] = Field(default_factory=list)  # of the first reply
    replies: list[DnsReply] = Field(default_factory=list)  # every reply received (UDP)

    def addresses(self) -> list[str]:
        return [a.value for a in self.answers if a.type in ("A", "AAAA")]


class TcpObservation(Wire):
    ip: str
    port: int
    t_start: float
    t_end: float
    failure: Failure | None = None
    failure_detail: str | None = None


class CertSummary(Wire):
    subject: str
    issuer: str
    sans: list[str]
    leaf_sha256: str
    not_before_at: str
    not_after_at: str


TlsPurpose = Literal["target", "target_repeat", "control_sni"]
TlsPhase = Literal["connect", "handshake"]


class TlsObservation(Wire):
    ip: str
    port: int
    sni: str
    purpose: TlsPurpose
    t_start: float
    t_end: float
    failure: Failure | None = None
    failure_detail: str | None = None
    phase: TlsPhase | None = None  # where the failure happened
    version: str | None = None
    cipher: str | None = None
    alpn: str | None = None
    cert: CertSummary | None = None
    # True when the chain validated for `sni` against the configured CA bundle; None when not checked.
    cert_valid_for_host: bool | None = None


class HttpObservation(Wire):
    """One HTTP request/response (one hop of a redirect chain)."""

    url: str
    ip: str | None
    port: int
    t_start: float
    t_end: float
    failure: Failure | None = None
    failure_detail: str | None = None
    request_headers: dict[str, str] = Field(default_factory=dict)
    status: int | None = None
    response_headers: dict[str, str] = Field(default_factory=dict)  # names lower-cased
    body_length: int | None = None
    body_truncated: bool = False
    body_sha256: str | None = None
    title: str | None = None
    body_excerpt: str | None = None


class Observations(Wire):
    dns: list[DnsObservation] = Field(default_factory=list)
    tcp: list[TcpObservation] = Field(default_factory=list)
    tls: list[TlsObservation] = Field(default_factory=list)
    http: list[HttpObservation] = Field(default_factory=list)
