"""A second opinion on OONI's archive: Saksi's classifier on the raw observations of OONI Web
Connectivity measurements (`probe import ooni --reclassify`).

OONI's `queries`, `tcp_connect`, `tls_handshakes`, `requests` and `control` become our Observations and
ControlResponse (`observations_of`, `control_of`), and `probe.classify.classify` gives the verdict it
would give for our own probe's measurement. The verdict is stored beside OONI's own fields in
`ooni_measurements` (saksi_* columns): it is an opinion on OONI's data, unsigned, never a fact of ours,
never in the log. docs/exports.md lists the conversion rules and what OONI's data lacks (no decoy-SNI
handshake, no certificate summary, no DNS reply list, so no tls.reset vs IP blocking split, no
dns.injection).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError

from probe.addresses import is_bogon
from probe.classify import RULES_VERSION, Context, classify
from probe.classify.compare import extract_title
from probe.collector.db import Connection
from probe.config import IPNetwork
from probe.failures import Failure
from probe.models.control import ControlDns, ControlHttp, ControlResponse, ControlTcp, ControlTls, IpInfo
from probe.models.observation import (
    DnsAnswer,
    DnsObservation,
    HttpObservation,
    Observations,
    ResolverKind,
    TcpObservation,
    TlsObservation,
)
from probe.models.verdict import Verdict

EXCERPT_CHARS = 64 * 1024
_ENGINES: dict[str, ResolverKind] = {
    "system": "getaddrinfo",
    "getaddrinfo": "getaddrinfo",
    "udp": "udp",
    "doh": "doh",
}
# OONI's words that our vocabulary spells otherwise (the test helper's DNS strings included).
_FAILURES = {
    "dns_name_error": Failure.DNS_NXDOMAIN,
    "dns_server_failure": Failure.DNS_SERVFAIL,
    "connection_refused_error": Failure.CONNECTION_REFUSED,
    "connection_reset_error": Failure.CONNECTION_RESET,
}


class NotReclassified(ValueError):
    """An OONI measurement whose observations cannot be read as ours; the message is the counted reason."""


def failure_of(value: Any) -> tuple[Failure | None, str | None]:
    """OONI's failure string as our Failure (and the raw text when it is not one of ours)."""
    if value is None or value == "":
        return None, None
    text = str(value)
    if text in _FAILURES:
        return _FAILURES[text], None
    try:
        return Failure(text), None
    except ValueError:
        return Failure.UNKNOWN, text


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(keys: dict[str, Any], name: str) -> list[dict[str, Any]]:
    value = keys.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise NotReclassified(f"test_keys.{name} is not a list of objects")
    return value


def _t(item: dict[str, Any]) -> tuple[float, float]:
    end = item.get("t")
    end_s = float(end) if isinstance(end, int | float) else 0.0
    start = item.get("t0")
    return (float(start) if isinstance(start, int | float) else end_s), end_s


def _body(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and value.get("format") == "base64" and isinstance(value.get("data"), str):
        try:
            return base64.b64decode(value["data"]).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return ""
    return ""


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k).lower(): v if isinstance(v, str) else json.dumps(v) for k, v in value.items()}


def observations_of(keys: dict[str, Any], bogon_ranges: Sequence[IPNetwork]) -> Observations:
    """OONI's raw observations as ours (probe.models.observation)."""
    dns = []
    for q in _list(keys, "queries"):
        qtype = q.get("query_type")
        engine = _ENGINES.get(str(q.get("engine")))
        if qtype not in ("A", "AAAA") or engine is None or not isinstance(q.get("hostname"), str):
            continue
        answers = []
        for a in q.get("answers") or []:
            if isinstance(a, dict):
                value = a.get("ipv4") or a.get("ipv6") or a.get("hostname")
                if isinstance(value, str) and isinstance(a.get("answer_type"), str):
                    answers.append(DnsAnswer(type=a["answer_type"], value=value))
        failure, detail = failure_of(q.get("failure"))
        if failure == Failure.GENERIC_TIMEOUT:
            failure = Failure.DNS_TIMEOUT
        addresses = [a.value for a in answers if a.type in ("A", "AAAA")]
        if failure is None and addresses and all(is_bogon(a, bogon_ranges) for a in addresses):
            failure = Failure.DNS_BOGON  # what our probe records for an all-bogon answer
        start, end = _t(q)
        dns.append(
            DnsObservation(
                resolver_kind=engine,
                resolver=str(q.get("resolver_address") or ""),
                query_type=qtype,
                hostname=q["hostname"],
                t_start=start,
                t_end=end,
                failure=failure,
                failure_detail=detail,
                answers=answers,
            )
        )
    tcp = []
    for c in _list(keys, "tcp_connect"):
        status = _obj(c.get("status"))
        failure, detail = failure_of(status.get("failure"))
        if not isinstance(c.get("ip"), str) or not isinstance(c.get("port"), int):
            raise NotReclassified("a tcp_connect entry has no ip or port")
        start, end = _t(c)
        tcp.append(
            TcpObservation(
                ip=c["ip"], port=c["port"], t_start=start, t_end=end, failure=failure, failure_detail=detail
            )
        )
    tls = []
    for h in _list(keys, "tls_handshakes"):
        if h.get("no_tls_verify") is True:
            continue  # a handshake that checked nothing says nothing about the certificate
        address = str(h.get("address") or "")
        ip, _, port = address.rpartition(":")
        if not ip or not port.isdigit():
            continue
        failure, detail = failure_of(h.get("failure"))
        start, end = _t(h)
        tls.append(
            TlsObservation(
                ip=ip.strip("[]"),
                port=int(port),
                sni=str(h.get("server_name") or ""),
                purpose="target",
                t_start=start,
                t_end=end,
                failure=failure,
                failure_detail=detail,
                phase="handshake" if failure else None,
                version=h.get("tls_version") or None,
                cipher=h.get("cipher_suite") or None,
                alpn=h.get("negotiated_protocol") or None,
                cert_valid_for_host=True if failure is None else None,
            )
        )
    first_ok = next((t.ip for t in tcp if t.failure is None), None)
    http: list[HttpObservation] = []
    for r in reversed(_list(keys, "requests")):  # OONI lists the last redirect first
        request = _obj(r.get("request"))
        response = _obj(r.get("response"))
        url = request.get("url")
        if not isinstance(url, str):
            raise NotReclassified("a request has no url")
        parts = urlsplit(url)
        failure, detail = failure_of(r.get("failure"))
        address = str(r.get("address") or "")
        hop_ip = address.rpartition(":")[0].strip("[]") if address else None
        if not address and not http:
            hop_ip = first_ok
        body = _body(response.get("body"))
        code = response.get("code")
        code_ok = isinstance(code, int) and code > 0 and failure is None
        hop_status = code if isinstance(code, int) and code_ok else None
        start, end = _t(r)
        http.append(
            HttpObservation(
                url=url,
                ip=hop_ip,
                port=parts.port or (443 if parts.scheme == "https" else 80),
                t_start=start,
                t_end=end,
                failure=failure,
                failure_detail=detail,
                request_headers={str(k): str(v) for k, v in _headers(request.get("headers")).items()},
                status=hop_status,
                response_headers=_headers(response.get("headers")) if hop_status is not None else {},
                body_length=len(body.encode()) if hop_status is not None else None,
                body_truncated=bool(response.get("body_is_truncated")),
                title=extract_title(body) if hop_status is not None else None,
                body_excerpt=body[:EXCERPT_CHARS] or None,
            )
        )
    return Observations(dns=dns, tcp=tcp, tls=tls, http=http)


def control_of(keys: dict[str, Any]) -> ControlResponse | None:
    """OONI's test-helper answer as ours; None when the measurement has none."""
    c = keys.get("control")
    if not isinstance(c, dict) or not c:
        return None
    dns = _obj(c.get("dns"))
    http = _obj(c.get("http_request"))
    if not dns and not http:
        return None
    dns_failure, _ = failure_of(dns.get("failure"))
    http_failure, _ = failure_of(http.get("failure"))
    status = http.get("status_code")
    length = http.get("body_length")
    tcp = {
        str(k): ControlTcp(status=bool(v.get("status")), failure=failure_of(v.get("failure"))[0])
        for k, v in _obj(c.get("tcp_connect")).items()
        if isinstance(v, dict)
    }
    tls = {
        str(k): ControlTls(
            server_name=str(v.get("server_name") or ""),
            status=bool(v.get("status")),
            failure=failure_of(v.get("failure"))[0],
        )
        for k, v in _obj(c.get("tls_handshake")).items()
        if isinstance(v, dict)
    }
    ip_info = {
        str(k): IpInfo(asn=v.get("asn") if isinstance(v.get("asn"), int) and v.get("asn") else None)
        for k, v in _obj(c.get("ip_info")).items()
        if isinstance(v, dict)
    }
    return ControlResponse(
        dns=ControlDns(failure=dns_failure, addrs=[a for a in dns.get("addrs") or [] if isinstance(a, str)]),
        tcp_connect=tcp,
        tls_handshake=tls,
        http_request=ControlHttp(
            failure=http_failure,
            status_code=status if isinstance(status, int) and status > 0 else None,
            headers=_headers(http.get("headers")),
            title=http.get("title") if isinstance(http.get("title"), str) and http.get("title") else None,
            body_length=length if isinstance(length, int) and length >= 0 else None,
        ),
        ip_info=ip_info,
    )


def reclassify_line(obj: dict[str, Any], ctx: Context) -> Verdict:
    """Our verdict on one OONI Web Connectivity measurement. Raises NotReclassified."""
    if obj.get("test_name") != "web_connectivity":
        raise NotReclassified("not a web_connectivity measurement")
    url = obj.get("input")
    keys = obj.get("test_keys")
    if not isinstance(url, str) or "://" not in url:
        raise NotReclassified("no URL input")
    if not isinstance(keys, dict):
        raise NotReclassified("no test_keys (an API list row carries no observations)")
    try:
        obs = observations_of(keys, ctx.bogon_ranges)
        control = control_of(keys)
    except NotReclassified:
        raise
    except (ValidationError, ValueError, TypeError, AttributeError, KeyError, OverflowError) as exc:
        raise NotReclassified(f"observations not readable ({type(exc).__name__})") from None
    try:
        return classify(url, obs, control, ctx)
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as exc:
        raise NotReclassified(f"observations the classifier cannot read ({type(exc).__name__})") from None


@dataclass
class ReclassifyResult:
    reclassified: int = 0
    differing: int = 0  # OONI's blocking and ours disagree on blocked vs not
    skipped: Counter[str] = field(default_factory=Counter)


def ooni_says_blocked(blocking: str | None, confirmed: object = None) -> bool | None:
    """OONI's verdict as blocked or not: a fingerprint match (`confirmed`) or a `blocking` type is
    blocked, `false` is not, null says nothing. The SQL twin is OONI_BLOCKED / OONI_NOT_BLOCKED."""
    if confirmed:
        return True
    if blocking is None:
        return None
    return blocking != "false"


# The same judgements in SQL, for the timeline and the differing rows (probe.analysis.ooni).
OONI_BLOCKED = "(confirmed = 1 OR (blocking IS NOT NULL AND blocking <> 'false'))"
OONI_NOT_BLOCKED = "(coalesce(confirmed, 0) = 0 AND blocking = 'false')"
SAKSI_BLOCKED = "(saksi_outcome = 'blocked')"
SAKSI_NOT_BLOCKED = "(saksi_outcome IN ('accessible', 'down'))"
DIFFER = f"(({SAKSI_BLOCKED} AND {OONI_NOT_BLOCKED}) OR ({SAKSI_NOT_BLOCKED} AND {OONI_BLOCKED}))"


def saksi_says_blocked(outcome: str | None) -> bool | None:
    if outcome in ("blocked",):
        return True
    if outcome in ("accessible", "down"):
        return False
    return None


def reclassify_stored(conn: Connection, ctx: Context) -> ReclassifyResult:
    """Our verdict for every stored OONI Web Connectivity measurement that has none under the current
    rules version, in the caller's transaction."""
    result = ReclassifyResult()
    rows = conn.execute(
        "SELECT measurement_uid, raw, blocking, probe_asn, confirmed FROM ooni_measurements WHERE test_name = 'web_connectivity' "
        "AND (saksi_rules_version IS NULL OR saksi_rules_version <> ?)",
        [RULES_VERSION],
    ).fetchall()
    for uid, raw, blocking, asn, confirmed in rows:
        try:
            obj = json.loads(raw)
        except ValueError:
            result.skipped["raw line is not JSON"] += 1
            continue
        try:
            if not isinstance(obj, dict):
                raise NotReclassified("not a JSON object")
            verdict = reclassify_line(obj, replace(ctx, probe_asn=asn))
        except NotReclassified as exc:
            result.skipped[str(exc)] += 1
            continue
        conn.execute(
            "UPDATE ooni_measurements SET saksi_outcome = ?, saksi_method = ?, saksi_confidence = ?, "
            "saksi_rule_id = ?, saksi_fingerprint = ?, saksi_explanation = ?, saksi_rules_version = ? "
            "WHERE measurement_uid = ?",
            [
                verdict.outcome.value,
                verdict.method.value if verdict.method else None,
                verdict.confidence.value if verdict.confidence else None,
                verdict.rule_id,
                verdict.fingerprint,
                verdict.explanation,
                RULES_VERSION,
                uid,
            ],
        )
        result.reclassified += 1
        ours, theirs = saksi_says_blocked(verdict.outcome.value), ooni_says_blocked(blocking, confirmed)
        if ours is not None and theirs is not None and ours != theirs:
            result.differing += 1
    return result
