"""What OONI's own tools conclude from one measurement: Web Connectivity 0.5's analysis of the raw
observations, and a port of the fastpath's scoring of a line. Pure functions, no I/O.

`analyse` applies ooni/probe-cli's Web Connectivity 0.5 "classic" analysis (webconnectivitylte
analysisclassic.go, which reproduces 0.4's results; ooni/spec ts-017 "Local processing") to our
observations: only lookups of the resolver a browser on this network uses count ("classic": the system
resolver and getaddrinfo; UDP and DoH lookups are extensions E003/E004), and the first layer that failed,
walking from the last redirect back and from HTTP down to DNS, decides `blocking`. Two deliberate
choices, both documented in docs/exports.md: without any control a DNS failure is null/null (0.4 and the
0.5 "orig" engine; the classic engine's branch 5.1.1 would call it accessible), and an address our probe
never connected to (a bogon, by its settings) counts as a connect that failed with no control data for
it, as OONI's probe connecting to it would record.

`fastpath_score` is ooni/backend fastpath's `score_web_connectivity` and its `anomaly`/`confirmed`/
`failure` flags, for the checks CI runs on our exports (tests/test_ooni_interop.py).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from probe.addresses import endpoint
from probe.classify.compare import compare_http
from probe.classify.fingerprints import FingerprintSet
from probe.failures import Failure
from probe.models.control import ControlResponse
from probe.models.observation import DnsObservation, Observations

# Web Connectivity 0.5's x_blocking_flags (analysiscore.go).
FLAG_DNS = 1
FLAG_TCP_IP = 2
FLAG_TLS = 4
FLAG_HTTP = 8
FLAG_HTTP_DIFF = 16
FLAG_SUCCESS = 32
# x_dns_flags (analysisdns.go).
DNS_FLAG_BOGON = 1
DNS_FLAG_UNEXPECTED_FAILURE = 2
DNS_FLAG_UNEXPECTED_ADDRS = 4
# x_null_null_flags (analysiscore.go).
NULL_NULL_NO_ADDRS = 1
NULL_NULL_ALL_CONNECTS_FAILED = 2
NULL_NULL_TLS_MISCONFIGURED = 4
NULL_NULL_SUCCESSFUL_HTTPS = 8

CLASSIC_KINDS = ("system", "getaddrinfo")

# Our failure vocabulary in OONI's words (ooni/probe-cli netxlite/errorsx). A DNS timeout is a timeout
# to OONI; a bogon answer is no failure (OONI reports it through dns_consistency and x_dns_flags).
_OONI_FAILURE: dict[Failure, str | None] = {
    Failure.DNS_TIMEOUT: "generic_timeout_error",
    Failure.DNS_BOGON: None,
    Failure.HTTP_TOO_MANY_REDIRECTS: "unknown_failure: stopped after too many redirects",
    Failure.HTTP_PROTOCOL_ERROR: "unknown_failure: http protocol error",
}


def ooni_failure(failure: Failure | None) -> str | None:
    """Our failure as the string OONI's probe writes for it."""
    if failure is None:
        return None
    return _OONI_FAILURE.get(failure, failure.value)


@dataclass(frozen=True)
class OoniAnalysis:
    dns_experiment_failure: str | None
    dns_consistency: str | None
    http_experiment_failure: str | None
    body_proportion: float
    body_length_match: bool | None
    headers_match: bool | None
    status_code_match: bool | None
    title_match: bool | None
    blocking: str | bool | None
    accessible: bool | None
    x_blocking_flags: int
    x_dns_flags: int
    x_null_null_flags: int


_BLOCKING_FLAG = {
    "dns": FLAG_DNS,
    "tcp_ip": FLAG_TCP_IP,
    "http-failure": FLAG_HTTP,
    "http-diff": FLAG_HTTP_DIFF,
}


def classic_lookups(obs: Observations, host: str) -> list[DnsObservation]:
    """The lookups of the URL's own name by the resolver a browser here would use (a redirect's new name
    is looked up later, at another depth)."""
    return [d for d in obs.dns if d.resolver_kind in CLASSIC_KINDS and d.hostname.lower().rstrip(".") == host]


def _counts_as_failure(d: DnsObservation) -> bool:
    # An empty AAAA answer next to A answers is no failure to OONI either.
    if d.failure is None or d.failure == Failure.DNS_BOGON:
        return False
    return not (d.query_type == "AAAA" and d.failure == Failure.DNS_NO_ANSWER)


class _Walk:
    """The state `analysisClassicComputeBlockingAccessible` sets, and its three setters."""

    def __init__(self, inconsistent: bool) -> None:
        self.inconsistent = inconsistent
        self.blocking: str | bool | None = None
        self.accessible: bool | None = None
        self.failure: str | None = None

    def nil(self) -> None:
        self.blocking, self.accessible = ("dns", False) if self.inconsistent else (None, None)

    def string(self, value: str) -> None:
        self.blocking, self.accessible = ("dns" if self.inconsistent else value), False

    def ok(self) -> None:
        self.blocking, self.accessible = False, True

    def down(self) -> None:
        self.blocking, self.accessible = ("dns", False) if self.inconsistent else (False, False)


def analyse(url: str, obs: Observations, control: ControlResponse | None) -> OoniAnalysis:
    """OONI Web Connectivity 0.5 (classic analysis) on our observations; see the module's docstring."""
    host = urlsplit(url).hostname or ""
    classic = classic_lookups(obs, host)
    connected_to = {t.ip for t in obs.tcp}
    answers: list[str] = []
    bogons: list[str] = []
    for d in classic:
        for a in d.addresses():
            if a not in answers:
                answers.append(a)
            if (d.failure == Failure.DNS_BOGON or a not in connected_to) and a not in bogons:
                bogons.append(a)
    a_failures = [d for d in classic if _counts_as_failure(d)]
    answered = [d for d in classic if d.addresses()]
    dns_failure = None if answered or not a_failures else ooni_failure(a_failures[0].failure)

    # dns_consistency (analysisClassicDNSConsistency)
    ctl_dns_ok = control is not None and control.dns.failure is None and bool(control.dns.addrs)
    unexpected_failure = bool(a_failures) and not answered and ctl_dns_ok
    expected_failure = bool(a_failures) and not answered and control is not None and not ctl_dns_ok
    tls_ok = {t.ip for t in obs.tls if t.purpose != "control_sni" and t.sni == host and t.failure is None}
    valid: list[str] = []
    invalid: list[str] = []
    for a in answers:
        if a in bogons:
            invalid.append(a)
        elif a in tls_ok:
            valid.append(a)
        elif control is None:
            continue
        elif a in control.dns.addrs or _same_asn(control, a):
            valid.append(a)
        else:
            invalid.append(a)
    consistency: str | None
    if not unexpected_failure and not invalid and (valid or expected_failure):
        consistency = "consistent"
    elif invalid or unexpected_failure or (answered and control is not None and not control.dns.addrs):
        consistency = "inconsistent"
    else:
        consistency = None
    dns_flags = (DNS_FLAG_BOGON if bogons else 0) | (DNS_FLAG_UNEXPECTED_FAILURE if unexpected_failure else 0)
    dns_flags |= DNS_FLAG_UNEXPECTED_ADDRS if [a for a in invalid if a not in bogons] else 0

    # The HTTP comparison of the final response with the control's.
    final = obs.http[-1] if obs.http else None
    ctl_http = control.http_request if control is not None else None
    comparison = None
    if final is not None and final.failure is None and ctl_http is not None and ctl_http.failure is None:
        comparison = compare_http(
            probe_status=final.status,
            control_status=ctl_http.status_code,
            probe_length=final.body_length,
            control_length=ctl_http.body_length,
            truncated=final.body_truncated or ctl_http.body_truncated,
            probe_headers=final.response_headers,
            control_headers=ctl_http.headers,
            probe_title=final.title,
            control_title=ctl_http.title,
        )

    walk = _Walk(consistency == "inconsistent")
    _walk(walk, obs, control, host, answers, bogons, comparison)
    null_null = 0
    if walk.blocking is None and walk.accessible is None and _https_chain_succeeded(obs):
        walk.ok()  # 0.5's SuccessfulHTTPS remediation (and 0.4's rule): a whole HTTPS chain worked
        null_null |= NULL_NULL_SUCCESSFUL_HTTPS
    if walk.blocking is False and walk.accessible is False:
        null_null |= NULL_NULL_ALL_CONNECTS_FAILED if obs.tcp else NULL_NULL_NO_ADDRS
    flags = 0
    if isinstance(walk.blocking, str):
        flags = _BLOCKING_FLAG[walk.blocking]
        if walk.blocking == "http-failure" and final is not None and final.url.startswith("https:"):
            tls_failed = any(t.failure is not None and t.purpose != "control_sni" for t in obs.tls)
            flags = FLAG_TLS if tls_failed else FLAG_HTTP
    elif walk.blocking is False and walk.accessible:
        flags = FLAG_SUCCESS
    return OoniAnalysis(
        dns_experiment_failure=dns_failure,
        dns_consistency=consistency,
        http_experiment_failure=walk.failure,
        body_proportion=(comparison.body_proportion or 0.0) if comparison else 0.0,
        body_length_match=comparison.body_length_match if comparison else None,
        headers_match=comparison.headers_match if comparison else None,
        status_code_match=comparison.status_code_match if comparison else None,
        title_match=comparison.title_match if comparison else None,
        blocking=walk.blocking,
        accessible=walk.accessible,
        x_blocking_flags=flags,
        x_dns_flags=dns_flags,
        x_null_null_flags=null_null,
    )


def _same_asn(control: ControlResponse, address: str) -> bool:
    info = control.ip_info.get(address)
    if info is None or info.asn is None:
        return False
    return any(
        (other := control.ip_info.get(a)) is not None and other.asn == info.asn for a in control.dns.addrs
    )


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _https_chain_succeeded(obs: Observations) -> bool:
    return bool(obs.http) and all(
        h.failure is None and h.url.startswith("https:") and h.status in (200, 301, 302, 307, 308)
        for h in obs.http
    )


def _walk(
    walk: _Walk,
    obs: Observations,
    control: ControlResponse | None,
    host: str,
    answers: list[str],
    bogons: list[str],
    comparison: Any,
) -> None:
    """analysisClassicComputeBlockingAccessible: the last redirect first, HTTP before TLS, TCP and DNS.
    Without a control, every "control data missing" branch applies. The classic filter keeps an HTTP
    chain only when it started on an address the classic lookups gave (not one from UDP, DoH or the
    control)."""
    ctl_http_failed = control is not None and control.http_request.failure is not None
    classic_chain = bool(obs.http) and (obs.http[0].ip in answers or _is_ip(host))
    final = obs.http[-1] if classic_chain else None
    if final is not None and final.failure is None and final.status is not None:
        if 300 <= final.status <= 399:
            return  # a redirect we stopped following: no final response, nothing to conclude
        if final.url.startswith("https:"):
            walk.ok()  # 1.1: a final response over TLS
        elif control is None:
            walk.nil()  # 1.2: no control to compare with
        elif comparison is not None and comparison.diff is False:
            walk.ok()  # 1.3: status codes match and so does the length, the headers or the title
        else:
            walk.string("http-diff")  # 1.4 (a control that failed to fetch gives no match either)
        return
    classic_endpoints = set(answers)
    # Did our HTTP attempt ride on a connection the connectivity step had made? Then it is an HTTP failure.
    if final is not None and final.failure is not None:
        tcp_ok = any(t.ip == final.ip and t.port == final.port and t.failure is None for t in obs.tcp)
        tls_ok = not final.url.startswith("https:") or any(
            t.ip == final.ip and t.purpose != "control_sni" and t.failure is None for t in obs.tls
        )
        if len(obs.http) > 1 or (tcp_ok and tls_ok):
            walk.failure = ooni_failure(final.failure)
            if control is None:
                walk.nil()
            elif ctl_http_failed:
                walk.down()
            else:
                walk.string("http-failure")
            return
    tls_failures = sorted(
        (t for t in obs.tls if t.purpose == "target" and t.ip in classic_endpoints and t.failure is not None),
        key=lambda t: str(t.failure),
    )
    for t in tls_failures[:1]:
        walk.failure = ooni_failure(t.failure)
        ctl = control.tls_handshake.get(endpoint(t.ip, t.port)) if control is not None else None
        if control is None:
            walk.nil()
        elif ctl is None or ctl.status:
            walk.string("http-failure")
        else:
            walk.down()
        return
    tcp_failures = sorted(
        (t for t in obs.tcp if t.ip in classic_endpoints and t.failure is not None),
        key=lambda t: str(t.failure),
    )
    for c in tcp_failures[:1]:
        walk.failure = ooni_failure(c.failure)
        ctl_tcp = control.tcp_connect.get(endpoint(c.ip, c.port)) if control is not None else None
        if control is None:
            walk.nil()
        elif ctl_tcp is None:
            walk.string("http-failure")
        elif ctl_tcp.status:
            walk.string("tcp_ip")
        else:
            walk.down()
        return
    if bogons:
        # OONI's probe would have connected to the bogon and failed, with no control data for it (4.1.2).
        walk.failure = "generic_timeout_error"
        walk.nil() if control is None else walk.string("http-failure")
        return
    failed = [d for d in classic_lookups(obs, host) if _counts_as_failure(d)]
    if failed and not any(d.addresses() for d in classic_lookups(obs, host)):
        walk.failure = ooni_failure(failed[0].failure)
        if control is None:
            walk.nil()  # 0.4 and the orig engine; the classic engine's 5.1.1 would say accessible
        elif control.dns.failure is None:
            walk.string("dns")
        else:
            walk.down()


# -- the fastpath's scoring (ooni/backend fastpath/core.py) ----------------------------------------------

BLOCKING_TYPES = ("tcp_ip", "dns", "http-diff", "http-failure")


@dataclass(frozen=True)
class FastpathScore:
    anomaly: bool
    confirmed: bool
    failure: bool
    reasons: tuple[str, ...]  # why `failure` (empty when not failed)


def fastpath_matches(msm: dict[str, Any], fingerprints: FingerprintSet) -> list[str]:
    """The fastpath's `match_fingerprints`: DNS answers of `queries` and the bodies and headers of
    `requests` against blockpage fingerprints; the names that matched, in order."""
    tk = msm.get("test_keys") or {}
    found: list[str] = []
    for q in tk.get("queries") or []:
        for a in (q.get("answers") or []) if isinstance(q, dict) else []:
            value = a.get("ipv4") or a.get("ipv6") or a.get("hostname") if isinstance(a, dict) else None
            hit = fingerprints.match_dns(value) if isinstance(value, str) else None
            if hit is not None:
                found.append(hit.name)
    for r in tk.get("requests") or []:
        response = r.get("response") if isinstance(r, dict) else None
        if not isinstance(response, dict):
            continue
        body = response.get("body")
        headers = response.get("headers")
        match = fingerprints.match_http(
            body if isinstance(body, str) else "",
            {str(k): str(v) for k, v in headers.items()} if isinstance(headers, dict) else {},
        )
        if match.blockpage is not None:
            found.append(match.blockpage.name)
    return found


def fastpath_score(msm: dict[str, Any], fingerprint_matches: int = 0) -> FastpathScore:
    """score_web_connectivity, then the flags the fastpath stores: anomaly is blocking_general > 0.5,
    failure is accuracy < 0.5, confirmed is a fingerprint match."""
    tk = msm.get("test_keys") or {}
    reasons: list[str] = []
    blocking_general = 0.0
    if tk.get("title_match") not in (True, False, None):
        reasons.append("title_match is not a boolean")
    probe_blocking = tk.get("blocking")
    if probe_blocking in BLOCKING_TYPES:
        blocking_general = 1.0
    elif probe_blocking is False:
        pass
    elif probe_blocking is None:
        if not fingerprint_matches:
            reasons.append("blocking is null")
    else:
        reasons.append(f"unsupported blocking {probe_blocking!r}")
    for key, value in tk.items():
        if key.endswith("_failure") and isinstance(value, str) and value.startswith("unknown_failure"):
            reasons.append(f"{key} is {value!r}")
    if "accessible" in tk and tk["accessible"] is None and not fingerprint_matches:
        reasons.append("accessible is null")
    blocking_general += fingerprint_matches  # each match adds one to its locality, summed into general
    return FastpathScore(
        anomaly=blocking_general > 0.5,
        confirmed=fingerprint_matches > 0,
        failure=bool(reasons),
        reasons=tuple(dict.fromkeys(reasons)),
    )
