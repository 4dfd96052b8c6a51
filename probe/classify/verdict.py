"""Compose the layers into one verdict, in METHODS.md's order. Pure: same input, same verdict.

Order: DNS injection; DNS errors, bogons and fingerprinted answers; interception (tls.mitm); then the
path a browser would take: HTTP fetched and compared (fingerprints with known false positives first,
then the OONI diff), or, when it failed, the layer that failed where the control succeeded. A site the
control cannot reach either is `down`. Each return names its rule id (rules.py).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from probe.addresses import endpoint
from probe.classify import compare
from probe.classify.context import Context
from probe.classify.dns import DnsFinding, examine, injected, reached_through
from probe.failures import Failure
from probe.models.control import ControlResponse
from probe.models.observation import HttpObservation, Observations, TlsObservation
from probe.models.verdict import Confidence, Method, OoniBlocking, Outcome, Verdict

_OONI: dict[str, OoniBlocking] = {
    "dns": "dns",
    "tcp": "tcp_ip",
    "tls": "http-failure",
    "http": "http-failure",
}
_DNS_WORDS = {
    Failure.DNS_NXDOMAIN: "said the name does not exist (NXDOMAIN)",
    Failure.DNS_SERVFAIL: "failed to resolve the name (SERVFAIL)",
    Failure.DNS_REFUSED: "refused to resolve the name (REFUSED)",
    Failure.DNS_TIMEOUT: "did not answer in time",
    Failure.DNS_NO_ANSWER: "returned no address",
}
_INTERFERENCE = (Failure.CONNECTION_RESET, Failure.EOF, Failure.GENERIC_TIMEOUT)
_CERT_FAILURES = (Failure.SSL_UNKNOWN_AUTHORITY, Failure.SSL_INVALID_CERTIFICATE)


def _blocked(
    method: Method, confidence: Confidence, rule_id: str, explanation: str, fingerprint: str | None = None
) -> Verdict:
    layer = method.value.split(".")[0]
    ooni: OoniBlocking = "http-diff" if method in (Method.HTTP_DIFF, Method.HTTP_BLOCKPAGE) else _OONI[layer]
    if method == Method.TCP_RESET:
        ooni = "http-failure"  # the connect completed: OONI meets the reset in the TLS handshake or request
    return Verdict(
        outcome=Outcome.BLOCKED,
        method=method,
        confidence=confidence,
        rule_id=rule_id,
        fingerprint=fingerprint,
        explanation=explanation,
        ooni_blocking=ooni,
    )


def _other(outcome: Outcome, rule_id: str, explanation: str, fingerprint: str | None = None) -> Verdict:
    return Verdict(
        outcome=outcome,
        rule_id=rule_id,
        explanation=explanation,
        fingerprint=fingerprint,
        # OONI: accessible is false/true, down ("expected failures") false/false, inconclusive null.
        ooni_blocking=False if outcome in (Outcome.ACCESSIBLE, Outcome.DOWN) else None,
    )


def _control_reached(control: ControlResponse | None) -> bool:
    return (
        control is not None
        and control.http_request.failure is None
        and control.http_request.status_code is not None
    )


def _mechanism(failure: Failure | None) -> str:
    return (
        {
            Failure.CONNECTION_RESET: "reset",
            Failure.EOF: "eof",
            Failure.GENERIC_TIMEOUT: "timeout",
            Failure.CONNECTION_REFUSED: "refused",
        }.get(failure, "failure")
        if failure
        else "failure"
    )


def _dns_verdict(
    d: DnsFinding, host: str, control: ControlResponse | None, obs: Observations
) -> Verdict | None:
    if d.failure is not None and d.failure_method is not None:
        method = Method(d.failure_method)
        what = f"the network's resolver {_DNS_WORDS.get(d.failure, d.failure.value)} for {host}"
        if control is not None and control.dns.failure is not None:
            return _other(
                Outcome.DOWN,
                "down.dns",
                f"The control could not resolve {host} either ({control.dns.failure.value}).",
            )
        if control is not None and control.dns.addrs:
            confidence = Confidence.POSSIBLE if method == Method.DNS_SERVFAIL else Confidence.LIKELY
            return _blocked(method, confidence, "dns.rcode", f"DNS: {what}, while the control resolved it.")
        others = any(o.failure is None and o.addresses() for o in obs.dns if o.query_type == "A")
        if others:
            return _blocked(
                method,
                Confidence.POSSIBLE,
                "dns.rcode.local",
                f"DNS: {what}, while other resolvers answered; no control to confirm.",
            )
        return _other(
            Outcome.INCONCLUSIVE,
            "inconclusive.no_control",
            f"DNS: {what}, and no resolver or control answered.",
        )
    if d.bogon:
        fp = d.fingerprint.name if d.fingerprint else None
        confidence = Confidence.CONFIRMED if fp else Confidence.LIKELY
        known = f" (a known blocking answer: {fp})" if fp else ""
        return _blocked(
            Method.DNS_BOGON,
            confidence,
            "dns.bogon",
            f"DNS: {host} resolved to the bogon address {d.bogon[0]}{known}.",
            fp,
        )
    if d.fingerprint is not None:
        return _blocked(
            Method.DNS_BLOCKPAGE_IP,
            Confidence.CONFIRMED,
            "dns.fingerprint",
            f"DNS: {host} resolved to {d.fingerprint_address}, a known blockpage or sinkhole address "
            f"({d.fingerprint.name}).",
            d.fingerprint.name,
        )
    return None


def _mitm(obs: Observations, host: str) -> TlsObservation | None:
    for t in obs.tls:
        certified = t.purpose == "target" and t.failure in _CERT_FAILURES and t.cert is not None
        if certified and t.cert is not None and any(_name_matches(san, host) for san in t.cert.sans):
            return t
    return None


def _name_matches(pattern: str, host: str) -> bool:
    pattern, host = pattern.lower(), host.lower()
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and host.count(".") == pattern.count(".")
    return pattern == host


def _final(obs: Observations) -> HttpObservation | None:
    return obs.http[-1] if obs.http else None


def _http_verdict(
    final: HttpObservation, host: str, url: str, control: ControlResponse | None, ctx: Context, d: DnsFinding
) -> Verdict:
    match = ctx.fingerprints.match_http(final.body_excerpt or "", final.response_headers)
    if match.blockpage is not None:
        return _blocked(
            Method.HTTP_BLOCKPAGE,
            Confidence.CONFIRMED,
            "http.fingerprint",
            f"HTTP: the page served for {host} is a known blockpage ({match.blockpage.name}).",
            match.blockpage.name,
        )
    fp_note = match.false_positive.name if match.false_positive else None
    if control is not None and _control_reached(control) and urlsplit(final.url).scheme == "http":
        c = control.http_request
        diff = compare.http_diff(
            probe_status=final.status,
            control_status=c.status_code,
            probe_length=final.body_length,
            control_length=c.body_length,
            truncated=final.body_truncated or c.body_truncated,
            probe_headers=final.response_headers.keys(),
            control_headers=c.headers.keys(),
            probe_title=final.title,
            control_title=c.title,
        )
        if diff:
            if d.inconsistent:
                return _blocked(
                    Method.DNS_INCONSISTENT,
                    Confidence.LIKELY,
                    "dns.inconsistent",
                    f"DNS: {host} resolved to {d.inconsistent[0]}, not the control's address, and the "
                    "page served there differs from the control's.",
                )
            return _blocked(
                Method.HTTP_DIFF,
                Confidence.LIKELY,
                "http.diff",
                f"HTTP: the page served for {host} differs from the control's in status, size, "
                "headers and title: an unknown blockpage.",
            )
    if fp_note:
        return _other(
            Outcome.ACCESSIBLE,
            "accessible.fp",
            f"The page for {host} was fetched; it looks like a blockpage but matches the known false "
            f"positive {fp_note}.",
            fp_note,
        )
    checked = "and matches the control" if _control_reached(control) else "(no control to compare)"
    return _other(Outcome.ACCESSIBLE, "accessible.http", f"The page for {host} was fetched {checked}.")


def _endpoint_verdict(
    obs: Observations, host: str, port: int, control: ControlResponse | None
) -> Verdict | None:
    """Why no page could be fetched, from the TLS and TCP layers, where the control did better."""
    if control is None:
        return None
    for t in obs.tls:
        if t.purpose != "target" or t.failure not in _INTERFERENCE:
            continue
        ep = endpoint(t.ip, t.port)
        same = [o for o in obs.tls if o.ip == t.ip and o.port == t.port]
        control_sni = next((o for o in same if o.purpose == "control_sni"), None)
        if control_sni is None:
            continue
        mech = _mechanism(t.failure)
        if control_sni.failure is None and t.phase == "handshake":
            repeat = next((o for o in same if o.purpose == "target_repeat"), None)
            confidence = Confidence.LIKELY
            if t.failure == Failure.GENERIC_TIMEOUT and (repeat is None or repeat.failure != t.failure):
                confidence = Confidence.POSSIBLE
            method = {"reset": Method.TLS_RESET, "eof": Method.TLS_EOF, "timeout": Method.TLS_TIMEOUT}[mech]
            return _blocked(
                method,
                confidence,
                "tls.sni",
                f"TLS: the handshake for {host} at {ep} ended in a {mech} after the ClientHello, while "
                "a handshake with another name on the same address succeeded: SNI filtering.",
            )
        control_tls = control.tls_handshake.get(ep)
        if control_sni.failure == t.failure and control_tls is not None and control_tls.status:
            method = {"reset": Method.TCP_RESET, "eof": Method.TCP_RESET, "timeout": Method.TCP_TIMEOUT}[mech]
            return _blocked(
                method,
                Confidence.LIKELY,
                "tcp.ip",
                f"TCP/IP: every connection to {ep} ended in a {mech}, whatever name was sent, while "
                "the control completed a handshake there: the address is blocked.",
            )
    failed = [t for t in obs.tcp if t.failure is not None and t.port == port]
    if failed and not any(t.failure is None and t.port == port for t in obs.tcp):
        for conn in failed:
            ep = endpoint(conn.ip, conn.port)
            ctl = control.tcp_connect.get(ep)
            if ctl is not None and ctl.status:
                mech = _mechanism(conn.failure)
                method = {"timeout": Method.TCP_TIMEOUT, "refused": Method.TCP_REFUSED}.get(
                    mech, Method.TCP_RESET
                )
                return _blocked(
                    method,
                    Confidence.LIKELY,
                    "tcp.connect",
                    f"TCP/IP: connecting to {ep} ended in a {mech}, while the control connected to "
                    "the same address.",
                )
    return None


def classify(
    url: str, obs: Observations, control: ControlResponse | None, ctx: Context, *, incomplete: bool = False
) -> Verdict:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)

    forged = injected(obs)
    if forged is not None:
        return _blocked(
            Method.DNS_INJECTION,
            Confidence.CONFIRMED,
            "dns.injection",
            f"DNS: the query for {host} to {forged.resolver} received {len(forged.replies)} different "
            "replies; the first was injected on the path.",
        )
    d = examine(obs, control, ctx)
    decided = _dns_verdict(d, host, control, obs)
    if decided is not None:
        return decided
    mitm = _mitm(obs, host)
    if mitm is not None and mitm.cert is not None:
        return _blocked(
            Method.TLS_MITM,
            Confidence.CONFIRMED,
            "tls.mitm",
            f"TLS: {endpoint(mitm.ip, mitm.port)} presented a certificate for {host} issued by "
            f"'{mitm.cert.issuer}', which no trusted authority vouches for: interception.",
        )
    final = _final(obs)
    # A page fetched through another resolver's address says nothing about the user's path when the
    # user's own answers are suspect: only a fetch through those answers (or a consistent one) counts.
    fetched_via_user_answer = bool(obs.http) and obs.http[0].ip in d.answers
    user_path_ok = (
        not d.inconsistent
        or fetched_via_user_answer
        or reached_through(obs, [a for a in d.answers if a not in d.inconsistent], port)
    )
    if final is not None and final.failure is None and final.status is not None and user_path_ok:
        return _http_verdict(final, host, url, control, ctx, d)
    if control is not None and not _control_reached(control):
        return _other(
            Outcome.DOWN,
            "down.control",
            f"The control could not fetch {url} either, so the site looks down rather than blocked.",
        )
    if d.inconsistent:
        if d.sinkhole:
            return _blocked(
                Method.DNS_INCONSISTENT,
                Confidence.LIKELY,
                "dns.isp_sinkhole",
                f"DNS: {host} resolved to {d.sinkhole[0]}, an address of this network's own ISP, and "
                "connecting to it failed, while the control resolved it elsewhere.",
            )
        return _blocked(
            Method.DNS_INCONSISTENT,
            Confidence.LIKELY,
            "dns.inconsistent",
            f"DNS: {host} resolved to {d.inconsistent[0]}, which differs from the control's answer, "
            "and the site could not be reached through it.",
        )
    decided = _endpoint_verdict(obs, host, port, control)
    if decided is not None:
        return decided
    if final is not None and final.failure is not None and _control_reached(control):
        mech = _mechanism(final.failure)
        method = {"reset": Method.HTTP_RESET, "timeout": Method.HTTP_TIMEOUT, "eof": Method.HTTP_EOF}.get(
            mech
        )
        if method is not None:
            return _blocked(
                method,
                Confidence.LIKELY,
                "http.failure",
                f"HTTP: the request for {host} ended in a {mech} ({final.failure.value}), while the "
                "control fetched the page.",
            )
    if incomplete:
        return _other(
            Outcome.INCONCLUSIVE, "inconclusive.incomplete", "The measurement stopped before it finished."
        )
    if control is None:
        return _other(
            Outcome.INCONCLUSIVE,
            "inconclusive.no_control",
            f"The site {host} could not be fetched, but there is no control to tell blocking from an outage.",
        )
    return _other(
        Outcome.INCONCLUSIVE,
        "inconclusive.mixed",
        f"The site {host} could not be fetched, and the failures do not fit a known blocking pattern.",
    )
