"""The verdict vocabulary: outcome, method (closed set), confidence, and the OONI equivalent."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from probe.models.base import Wire


class Outcome(StrEnum):
    ACCESSIBLE = "accessible"
    BLOCKED = "blocked"
    DOWN = "down"
    INCONCLUSIVE = "inconclusive"


class Method(StrEnum):
    DNS_NXDOMAIN = "dns.nxdomain"
    DNS_SERVFAIL = "dns.servfail"
    DNS_REFUSED = "dns.refused"
    DNS_TIMEOUT = "dns.timeout"
    DNS_NO_ANSWER = "dns.no_answer"
    DNS_BOGON = "dns.bogon"
    DNS_BLOCKPAGE_IP = "dns.blockpage_ip"
    DNS_INJECTION = "dns.injection"
    DNS_INCONSISTENT = "dns.inconsistent"
    TCP_TIMEOUT = "tcp.timeout"
    TCP_RESET = "tcp.reset"
    TCP_REFUSED = "tcp.refused"
    TLS_RESET = "tls.reset"
    TLS_TIMEOUT = "tls.timeout"
    TLS_EOF = "tls.eof"
    TLS_MITM = "tls.mitm"
    HTTP_BLOCKPAGE = "http.blockpage"
    HTTP_RESET = "http.reset"
    HTTP_TIMEOUT = "http.timeout"
    HTTP_EOF = "http.eof"
    HTTP_DIFF = "http.diff"


class Confidence(StrEnum):
    CONFIRMED = "confirmed"
    LIKELY = "likely"
    POSSIBLE = "possible"


OoniBlocking = Literal["dns", "tcp_ip", "http-failure", "http-diff", False] | None


class Verdict(Wire):
    outcome: Outcome
    method: Method | None = None
    confidence: Confidence | None = None
    rule_id: str
    fingerprint: str | None = None
    explanation: str
    ooni_blocking: OoniBlocking = None
