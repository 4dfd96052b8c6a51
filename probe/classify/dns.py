"""The DNS decision order of METHODS.md (after Censored Planet's Satellite), as pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field

from probe.addresses import endpoint, is_bogon
from probe.classify.context import Context
from probe.failures import Failure
from probe.models.control import ControlResponse
from probe.models.observation import DnsObservation, Observations
from probe.models.target import Fingerprint

USER_RESOLVER_ORDER = ("system", "getaddrinfo", "udp", "doh")

_FAILURE_METHOD = {
    Failure.DNS_NXDOMAIN: "dns.nxdomain",
    Failure.DNS_SERVFAIL: "dns.servfail",
    Failure.DNS_REFUSED: "dns.refused",
    Failure.DNS_TIMEOUT: "dns.timeout",
    Failure.DNS_NO_ANSWER: "dns.no_answer",
}


def user_lookups(obs: Observations) -> list[DnsObservation]:
    """The A lookups of the resolver a browser on this network would use: system first."""
    for kind in USER_RESOLVER_ORDER:
        found = [o for o in obs.dns if o.resolver_kind == kind and o.query_type == "A"]
        if found:
            return found
    return []


def injected(obs: Observations) -> DnsObservation | None:
    """A UDP lookup that received two replies with different answers."""
    for o in obs.dns:
        if len(o.replies) < 2:
            continue
        sets = {frozenset((a.type, a.value) for a in r.answers) | {("rcode", r.rcode)} for r in o.replies}
        if len(sets) > 1:
            return o
    return None


@dataclass
class DnsFinding:
    """What the DNS layer says, for the composition in verdict.py."""

    failure: Failure | None = None  # a resolver error of the user's resolver
    failure_method: str | None = None
    bogon: list[str] = field(default_factory=list)
    fingerprint: Fingerprint | None = None
    fingerprint_address: str | None = None
    inconsistent: list[str] = field(default_factory=list)  # answers nothing vouches for
    sinkhole: list[str] = field(default_factory=list)  # inconsistent answers inside the probe's own ASN
    answers: list[str] = field(default_factory=list)


def _control_asns(control: ControlResponse) -> set[int]:
    return {info.asn for ip, info in control.ip_info.items() if ip in control.dns.addrs and info.asn}


def _asn(control: ControlResponse, ip: str) -> int | None:
    info = control.ip_info.get(ip)
    return info.asn if info else None


def _valid_cert(obs: Observations, ip: str) -> bool:
    return any(t.ip == ip and t.purpose == "target" and t.cert_valid_for_host for t in obs.tls)


def examine(obs: Observations, control: ControlResponse | None, ctx: Context) -> DnsFinding:
    finding = DnsFinding()
    lookups = user_lookups(obs)
    if not lookups:
        return finding
    # The first lookup that failed for a reason other than "all bogon" decides the error case.
    answered = [o for o in lookups if o.failure in (None, Failure.DNS_BOGON)]
    if not answered:
        failure = lookups[0].failure
        finding.failure = failure
        finding.failure_method = _FAILURE_METHOD.get(failure) if failure else None
        return finding
    answers: list[str] = []
    for o in answered:
        answers += [a for a in o.addresses() if a not in answers]
    finding.answers = answers
    finding.bogon = [a for a in answers if is_bogon(a, ctx.bogon_ranges)]
    for address in answers:
        fp = ctx.fingerprints.match_dns(address)
        if fp is not None:
            finding.fingerprint, finding.fingerprint_address = fp, address
            break
    if finding.bogon or finding.fingerprint or control is None:
        return finding
    control_asns = _control_asns(control)
    probe_asn = ctx.probe_asn or control.client.asn
    for address in answers:
        if address in control.dns.addrs or _valid_cert(obs, address):
            continue  # steps 6 and 7: consistent
        if any(t.ip == address and t.failure == Failure.SSL_UNKNOWN_AUTHORITY for t in obs.tls):
            continue  # step 8 is decided by the TLS layer (tls.mitm)
        asn = _asn(control, address)
        if asn is not None and asn in control_asns:
            continue  # step 9, late on purpose
        finding.inconsistent.append(address)
        if probe_asn is not None and asn == probe_asn and asn not in control_asns:
            finding.sinkhole.append(address)
    return finding


def reached_through(obs: Observations, addresses: list[str], port: int) -> bool:
    """Whether a TCP connection to any of `addresses` succeeded."""
    wanted = {endpoint(a, port) for a in addresses}
    return any(endpoint(t.ip, t.port) in wanted and t.failure is None for t in obs.tcp)
