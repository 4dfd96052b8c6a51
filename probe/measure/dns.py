"""The DNS layer: every configured resolver, A and AAAA, every reply kept."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import dns.message
import dns.rcode
import dns.rdatatype

from probe.failures import Failure, classify_exception
from probe.measure.env import Clock, Env
from probe.models.observation import DnsAnswer, DnsObservation, DnsReply, QueryType, ResolverKind
from probe.netio.dns import doh_exchange, getaddrinfo_addresses, udp_exchange

QUERY_TYPES: tuple[QueryType, ...] = ("A", "AAAA")

_RCODE_FAILURE = {
    dns.rcode.NXDOMAIN: Failure.DNS_NXDOMAIN,
    dns.rcode.SERVFAIL: Failure.DNS_SERVFAIL,
    dns.rcode.REFUSED: Failure.DNS_REFUSED,
}


def answers_of(message: dns.message.Message) -> list[DnsAnswer]:
    out: list[DnsAnswer] = []
    for rrset in message.answer:
        kind = dns.rdatatype.to_text(rrset.rdtype)
        if kind not in ("A", "AAAA", "CNAME"):
            continue
        out.extend(DnsAnswer(type=kind, value=rd.to_text().rstrip("."), ttl=rrset.ttl) for rd in rrset)
    return out


def _failure_of(message: dns.message.Message, qtype: str, env: Env) -> Failure | None:
    rcode = message.rcode()
    if rcode in _RCODE_FAILURE:
        return _RCODE_FAILURE[rcode]
    if rcode != dns.rcode.NOERROR:
        return Failure.UNKNOWN
    addresses = [a.value for a in answers_of(message) if a.type == qtype]
    if not addresses:
        return Failure.DNS_NO_ANSWER
    if all(env.bogon(a) for a in addresses):
        return Failure.DNS_BOGON
    return None


def _observed(
    kind: ResolverKind, resolver: str, qtype: QueryType, host: str, t0: float, clock: Clock, **facts: Any
) -> DnsObservation:
    return DnsObservation(
        resolver_kind=kind,
        resolver=resolver,
        query_type=qtype,
        hostname=host,
        t_start=t0,
        t_end=clock.now(),
        **facts,
    )


def _failed(
    kind: ResolverKind,
    resolver: str,
    qtype: QueryType,
    host: str,
    t0: float,
    clock: Clock,
    exc: BaseException,
) -> DnsObservation:
    failure, detail = classify_exception(exc)
    if failure == Failure.GENERIC_TIMEOUT:  # a resolver that did not answer in time
        failure = Failure.DNS_TIMEOUT
    return _observed(kind, resolver, qtype, host, t0, clock, failure=failure, failure_detail=detail)


def _answered(
    kind: ResolverKind,
    resolver: str,
    qtype: QueryType,
    host: str,
    t0: float,
    clock: Clock,
    env: Env,
    message: dns.message.Message,
    **facts: Any,
) -> DnsObservation:
    return _observed(
        kind,
        resolver,
        qtype,
        host,
        t0,
        clock,
        failure=_failure_of(message, qtype, env),
        rcode=dns.rcode.to_text(message.rcode()),
        answers=answers_of(message),
        **facts,
    )


async def _udp(
    env: Env, kind: ResolverKind, server: str, host: str, qtype: QueryType, clock: Clock
) -> DnsObservation:
    t0 = clock.now()
    try:
        exchange = await udp_exchange(
            host,
            qtype,
            server,
            source_address=env.source,
            timeout_s=env.timeouts.dns_s,
            listen_s=env.network.injection_listen_s,
        )
    except (OSError, TimeoutError) as exc:
        return _failed(kind, server, qtype, host, t0, clock, exc)
    replies = [
        DnsReply(t_s=r.t_s, rcode=dns.rcode.to_text(r.message.rcode()), answers=answers_of(r.message))
        for r in exchange.replies
    ]
    return _answered(kind, server, qtype, host, t0, clock, env, exchange.replies[0].message, replies=replies)


async def _doh(env: Env, url: str, host: str, qtype: QueryType, clock: Clock) -> DnsObservation:
    t0 = clock.now()
    try:
        message = await doh_exchange(env.doh, url, host, qtype, timeout_s=env.timeouts.dns_s)
    except Exception as exc:
        return _failed("doh", url, qtype, host, t0, clock, exc)
    return _answered("doh", url, qtype, host, t0, clock, env, message)


async def _gai(env: Env, host: str, qtype: QueryType, clock: Clock) -> DnsObservation:
    t0 = clock.now()
    family = socket.AF_INET if qtype == "A" else socket.AF_INET6
    try:
        async with asyncio.timeout(env.timeouts.dns_s):
            addresses = await getaddrinfo_addresses(host, family)
    except (OSError, TimeoutError) as exc:
        return _failed("getaddrinfo", "", qtype, host, t0, clock, exc)
    bogon = bool(addresses) and all(env.bogon(a) for a in addresses)
    return _observed(
        "getaddrinfo",
        "",
        qtype,
        host,
        t0,
        clock,
        failure=Failure.DNS_BOGON if bogon else (None if addresses else Failure.DNS_NO_ANSWER),
        rcode="NOERROR",
        answers=[DnsAnswer(type=qtype, value=a) for a in addresses],
    )


async def resolve(env: Env, host: str, clock: Clock) -> list[DnsObservation]:
    """Ask every configured resolver for A and AAAA at once; one observation per (resolver, type)."""
    jobs = []
    for qtype in QUERY_TYPES:
        jobs += [_udp(env, "system", s, host, qtype, clock) for s in env.system_resolvers]
        jobs += [_udp(env, "udp", s, host, qtype, clock) for s in env.network.udp_resolvers]
        jobs += [_doh(env, u, host, qtype, clock) for u in env.network.doh_urls]
        if env.network.getaddrinfo:
            jobs.append(_gai(env, host, qtype, clock))
    return list(await asyncio.gather(*jobs))


KIND_PREFERENCE: tuple[ResolverKind, ...] = ("system", "getaddrinfo", "udp", "doh")


def addresses_by_preference(observations: list[DnsObservation], env: Env) -> list[str]:
    """Every address any resolver gave, the user's own resolver first, bogons left out (never connect)."""
    ordered: list[str] = []
    for kind in KIND_PREFERENCE:
        for qtype in QUERY_TYPES:
            for obs in observations:
                if obs.resolver_kind != kind or obs.query_type != qtype:
                    continue
                for reply_addresses in [obs.addresses()] + [
                    [a.value for a in r.answers if a.type in ("A", "AAAA")] for r in obs.replies
                ]:
                    for address in reply_addresses:
                        if address not in ordered and not env.bogon(address):
                            ordered.append(address)
    return ordered
