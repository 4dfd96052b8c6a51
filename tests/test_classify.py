"""The classifier as a pure function: hand-built observations, each rule and its boundaries.

The lab scenarios (test_scenarios.py) prove the rules end to end; these pin the cases the lab cannot
produce cheaply (no control, the control failing too, mixed evidence) and the function's contract.
"""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings
from hypothesis import strategies as st

from probe.classify import Context, classify
from probe.classify.fingerprints import FingerprintSet
from probe.classify.rules import RULE_IDS
from probe.config import DEFAULT_BOGON_RANGES
from probe.failures import Failure
from probe.lists import builtin_fingerprints
from probe.models.control import ClientInfo, ControlDns, ControlHttp, ControlResponse, ControlTcp, IpInfo
from probe.models.observation import (
    DnsAnswer,
    DnsObservation,
    DnsReply,
    HttpObservation,
    Observations,
    TcpObservation,
)
from probe.models.verdict import Outcome

URL = "http://www.rfa.org/"
IP = "203.0.113.10"
CTX = Context(
    fingerprints=FingerprintSet(builtin_fingerprints()),
    bogon_ranges=[ipaddress.ip_network(n) for n in DEFAULT_BOGON_RANGES],
    probe_asn=38623,
)


def dns(
    *answers: str,
    failure: Failure | None = None,
    kind: str = "system",
    replies: list[list[str]] | None = None,
) -> DnsObservation:
    return DnsObservation(
        resolver_kind=kind,  # type: ignore[arg-type]
        resolver="192.0.2.53:53",
        query_type="A",
        hostname="www.rfa.org",
        t_start=0,
        t_end=0.1,
        failure=failure,
        rcode="NOERROR" if failure is None else "NXDOMAIN",
        answers=[DnsAnswer(type="A", value=a) for a in answers],
        replies=[
            DnsReply(t_s=0.01 * i, rcode="NOERROR", answers=[DnsAnswer(type="A", value=a) for a in r])
            for i, r in enumerate(replies or [])
        ],
    )


def tcp(ip: str = IP, failure: Failure | None = None) -> TcpObservation:
    return TcpObservation(ip=ip, port=80, t_start=0.1, t_end=0.2, failure=failure)


def http(
    status: int | None = 200, length: int = 5000, title: str = "RFA", failure: Failure | None = None
) -> HttpObservation:
    return HttpObservation(
        url=URL,
        ip=IP,
        port=80,
        t_start=0.2,
        t_end=0.3,
        failure=failure,
        status=None if failure else status,
        response_headers={} if failure else {"content-type": "text/html", "x-rfa": "1"},
        body_length=None if failure else length,
        title=None if failure else title,
        body_excerpt=None if failure else "<html><title>RFA</title>",
    )


def control(
    addrs: tuple[str, ...] = (IP,), http_failure: Failure | None = None, dns_failure: Failure | None = None
) -> ControlResponse:
    return ControlResponse(
        dns=ControlDns(failure=dns_failure, addrs=list(addrs)),
        tcp_connect={f"{a}:80": ControlTcp(status=http_failure is None) for a in addrs},
        http_request=ControlHttp(
            failure=http_failure,
            status_code=None if http_failure else 200,
            headers={} if http_failure else {"content-type": "text/html", "x-rfa": "1"},
            title=None if http_failure else "RFA",
            body_length=None if http_failure else 5000,
        ),
        ip_info={a: IpInfo(asn=13335) for a in addrs},
        client=ClientInfo(asn=38623),
    )


def test_accessible_when_everything_matches() -> None:
    v = classify(URL, Observations(dns=[dns(IP)], tcp=[tcp()], http=[http()]), control(), CTX)
    assert (v.outcome, v.rule_id, v.ooni_blocking) == (Outcome.ACCESSIBLE, "accessible.http", False)


def test_nxdomain_for_everyone_is_down_not_blocked() -> None:
    obs = Observations(dns=[dns(failure=Failure.DNS_NXDOMAIN)])
    v = classify(URL, obs, control(addrs=(), dns_failure=Failure.DNS_NXDOMAIN), CTX)
    assert (v.outcome, v.rule_id) == (Outcome.DOWN, "down.dns")


def test_nxdomain_without_control_but_other_resolvers_answer_is_possible() -> None:
    obs = Observations(dns=[dns(failure=Failure.DNS_NXDOMAIN), dns(IP, kind="doh")])
    v = classify(URL, obs, None, CTX)
    assert (v.outcome, v.method, v.confidence, v.rule_id) == (
        "blocked",
        "dns.nxdomain",
        "possible",
        "dns.rcode.local",
    )


def test_nxdomain_everywhere_without_control_is_inconclusive() -> None:
    v = classify(URL, Observations(dns=[dns(failure=Failure.DNS_NXDOMAIN)]), None, CTX)
    assert (v.outcome, v.rule_id) == (Outcome.INCONCLUSIVE, "inconclusive.no_control")


def test_cambodian_sinkhole_fingerprint_is_confirmed() -> None:
    obs = Observations(dns=[dns("36.37.242.94")], tcp=[tcp("36.37.242.94", Failure.GENERIC_TIMEOUT)])
    v = classify(URL, obs, control(), CTX)
    assert (v.method, v.confidence, v.fingerprint) == ("dns.blockpage_ip", "confirmed", "ooni.kh_dns_1")


def test_unfingerprinted_bogon_is_likely() -> None:
    v = classify(URL, Observations(dns=[dns("10.1.2.3")]), control(), CTX)
    assert (v.method, v.confidence, v.fingerprint) == ("dns.bogon", "likely", None)


def test_injection_needs_two_different_replies() -> None:
    same = dns(IP, replies=[[IP], [IP]])
    v = classify(URL, Observations(dns=[same], tcp=[tcp()], http=[http()]), control(), CTX)
    assert v.outcome == Outcome.ACCESSIBLE
    forged = dns("198.51.100.7", replies=[["198.51.100.7"], [IP]])
    v = classify(URL, Observations(dns=[forged]), control(), CTX)
    assert (v.method, v.confidence) == ("dns.injection", "confirmed")


def test_site_down_for_the_control_too() -> None:
    obs = Observations(dns=[dns(IP)], tcp=[tcp(failure=Failure.CONNECTION_REFUSED)])
    v = classify(URL, obs, control(http_failure=Failure.CONNECTION_REFUSED), CTX)
    assert (v.outcome, v.rule_id, v.ooni_blocking) == (Outcome.DOWN, "down.control", False)


def test_tcp_failure_without_control_is_inconclusive() -> None:
    obs = Observations(dns=[dns(IP)], tcp=[tcp(failure=Failure.GENERIC_TIMEOUT)])
    v = classify(URL, obs, None, CTX)
    assert v.outcome == Outcome.INCONCLUSIVE


def test_refused_where_control_connects_is_tcp_refused() -> None:
    obs = Observations(dns=[dns(IP)], tcp=[tcp(failure=Failure.CONNECTION_REFUSED)])
    v = classify(URL, obs, control(), CTX)
    assert (v.method, v.rule_id, v.ooni_blocking) == ("tcp.refused", "tcp.connect", "tcp_ip")


def test_inconsistent_answer_with_the_same_page_is_accessible() -> None:
    other = "198.51.100.20"
    obs = Observations(dns=[dns(other)], tcp=[tcp(other)], http=[http().model_copy(update={"ip": other})])
    v = classify(URL, obs, control(), CTX)
    assert v.outcome == Outcome.ACCESSIBLE


def test_blockpage_fingerprint_beats_a_matching_control() -> None:
    page = http().model_copy(
        update={
            "body_excerpt": "<html><head><title>ERROR: Forbidden</title></head> \r\n<body><h2>ERROR: Forbidden</h2>"
        }
    )
    v = classify(URL, Observations(dns=[dns(IP)], tcp=[tcp()], http=[page]), control(), CTX)
    assert (v.method, v.confidence, v.fingerprint) == ("http.blockpage", "confirmed", "ooni.kh_http_1")


def test_incomplete_measurement_says_so() -> None:
    v = classify(URL, Observations(dns=[dns(IP)]), control(), CTX, incomplete=True)
    assert (v.outcome, v.rule_id) == (Outcome.INCONCLUSIVE, "inconclusive.incomplete")


failures = st.none() | st.sampled_from(list(Failure))
addresses = st.sampled_from([IP, "198.51.100.20", "10.10.10.1", "36.37.242.94", "127.0.0.1", "2001:db8::1"])


@settings(max_examples=300, deadline=None)
@given(
    answers=st.lists(addresses, max_size=3),
    dns_failure=failures,
    tcp_failures=st.lists(failures, max_size=3),
    http_failure=failures,
    status=st.sampled_from([200, 302, 403, 404, 500]),
    length=st.integers(0, 10_000),
    with_control=st.booleans(),
    control_failure=failures,
)
def test_any_observations_get_a_known_rule_and_a_sentence(
    answers: list[str],
    dns_failure: Failure | None,
    tcp_failures: list[Failure | None],
    http_failure: Failure | None,
    status: int,
    length: int,
    with_control: bool,
    control_failure: Failure | None,
) -> None:
    obs = Observations(
        dns=[dns(*answers, failure=dns_failure)],
        tcp=[tcp(a, f) for a, f in zip(answers, tcp_failures, strict=False)],
        http=[http(status=status, length=length, failure=http_failure)],
    )
    v = classify(URL, obs, control(http_failure=control_failure) if with_control else None, CTX)
    assert v.rule_id in RULE_IDS
    assert v.explanation.endswith(".")
    assert (v.outcome == Outcome.BLOCKED) == (v.method is not None)
    assert (v.outcome == Outcome.BLOCKED) == (v.confidence is not None)
    assert v == classify(URL, obs, control(http_failure=control_failure) if with_control else None, CTX)
