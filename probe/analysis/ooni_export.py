"""Our measurements in OONI's measurement format: Web Connectivity 0.5 (ooni/spec
nettests/ts-017-web-connectivity.md, whose example output is 0.5.28), data format 0.2.0
(data-formats/df-000-base.md), one JSON object per line.

Every test key 0.5 defines is written, typed as the spec says, and filled from our observations by OONI's
own analysis (probe.analysis.ooni_analysis): `blocking` and `accessible` are what OONI's probe would
conclude from the same observations, not our verdict, which travels in `annotations` (saksi_*).
`probe_ip`, `resolver_ip` and `client_resolver` are always OONI's scrubbed 127.0.0.1. A measurement
without a control says so as OONI's probe does: `control` and `x_control_request` null, `control_failure`
null (no test helper was asked), never an invented failure. The decoy handshake (`control_sni`) is
exported as what it was: a handshake without certificate checks (`no_tls_verify: true`) under the decoy
name, outside the classic data, so no pipeline can read it as a valid certificate for the site.
docs/exports.md has the key-by-key mapping.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from probe.addresses import endpoint
from probe.analysis.export import Column, JsonLinesWriter, measurement_pages, payload_json
from probe.analysis.ooni_analysis import analyse, ooni_failure
from probe.analysis.provenance import is_lab_payload
from probe.analysis.query import Filters
from probe.collector.db import Connection
from probe.failures import Failure
from probe.models.control import ControlResult
from probe.models.measurement import Measurement
from probe.models.observation import DnsAnswer, DnsObservation, Observations

DATA_FORMAT_VERSION = "0.2.0"
TEST_NAME = "web_connectivity"
TEST_VERSION = "0.5.28"  # the Web Connectivity version whose test keys and semantics we follow
SCRUBBED_IP = "127.0.0.1"
EXTENSIONS = {"dnst": 0, "httpt": 0, "netevents": 0, "tcpconnect": 0, "tlshandshake": 0, "tunnel": 0}
# The test helper's own DNS failure strings (OONI's TH, model.THDNSNameError and friends).
_TH_DNS = {Failure.DNS_NXDOMAIN: "dns_name_error", Failure.DNS_NO_ANSWER: "dns_no_answer"}


def _ooni_asn(asn: int | None) -> str:
    return f"AS{asn if asn is not None else 0}"


def _ooni_time(iso: str) -> str:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _answers(values: Sequence[DnsAnswer]) -> list[dict[str, Any]]:
    out = []
    for a in values:
        item: dict[str, Any] = {"answer_type": a.type, "ttl": a.ttl}
        if a.type == "A":
            item["ipv4"] = a.value
        elif a.type == "AAAA":
            item["ipv6"] = a.value
        else:
            item["hostname"] = a.value
        out.append(item)
    return out


_ENGINE = {"system": "udp", "getaddrinfo": "getaddrinfo", "udp": "udp", "doh": "doh"}


def _query(d: DnsObservation, tid: int, classic: bool) -> dict[str, Any]:
    return {
        "answers": _answers(d.answers),
        "engine": _ENGINE[d.resolver_kind],
        "failure": ooni_failure(d.failure),
        "hostname": d.hostname,
        "query_type": d.query_type,
        "resolver_hostname": None,
        "resolver_port": None,
        "resolver_address": d.resolver,
        "t0": d.t_start,
        "t": d.t_end,
        "tags": ["classic", "depth=0"] if classic else ["depth=0"],
        "transaction_id": tid,
    }


def _th_dns_failure(failure: Failure | None) -> str | None:
    if failure is None:
        return None
    return _TH_DNS.get(failure, "dns_server_failure")


def _control(control: ControlResult | None) -> tuple[dict[str, Any] | None, str | None]:
    """`control` and `control_failure`: the answer, or (null, the failure) when one was asked and failed,
    or (null, null) when no control was asked."""
    if control is None:
        return None, None
    r = control.response
    if r is None:
        text = control.failure or "no answer"
        known = next((f for f in Failure if f.value in text), None)
        return None, ooni_failure(known) if known is not None else f"unknown_failure: {text}"
    http = r.http_request
    return {
        "tcp_connect": {
            k: {"status": v.status, "failure": ooni_failure(v.failure)} for k, v in r.tcp_connect.items()
        },
        "tls_handshake": {
            k: {"server_name": v.server_name, "status": v.status, "failure": ooni_failure(v.failure)}
            for k, v in r.tls_handshake.items()
        },
        "quic_handshake": {},
        "http_request": {
            "body_length": http.body_length if http.body_length is not None else -1,
            "discovered_h3_endpoint": "",
            "failure": ooni_failure(http.failure),
            "title": http.title or "",
            "headers": http.headers,
            "status_code": http.status_code if http.status_code is not None else -1,
        },
        "http3_request": None,
        "dns": {"failure": _th_dns_failure(r.dns.failure), "addrs": r.dns.addrs},
        "ip_info": {ip: {"asn": info.asn or 0, "flags": 0} for ip, info in r.ip_info.items()},
    }, None


def _test_keys(m: Measurement) -> dict[str, Any]:
    obs: Observations = m.observations
    tid = 0

    def next_id() -> int:
        nonlocal tid
        tid += 1
        return tid

    classic_ips: set[str] = set()
    queries = []
    duplicates = []
    for d in obs.dns:
        classic = d.resolver_kind in ("system", "getaddrinfo")
        if classic:
            classic_ips.update(d.addresses())
        q = _query(d, next_id(), classic)
        queries.append(q)
        for reply in d.replies[1:]:  # every later reply to one UDP query: what OONI keeps for injection
            duplicates.append({**q, "answers": _answers(reply.answers), "t": d.t_start + reply.t_s})
    tcp = [
        {
            "ip": t.ip,
            "port": t.port,
            "status": {"failure": ooni_failure(t.failure), "success": t.failure is None},
            "t0": t.t_start,
            "t": t.t_end,
            "tags": ["classic", "depth=0"] if t.ip in classic_ips else ["depth=0"],
            "transaction_id": next_id(),
        }
        for t in obs.tcp
    ]
    tls = []
    for t in obs.tls:
        decoy = t.purpose == "control_sni"
        tags = (
            ["depth=0", "fetch_body=false", "saksi_control_sni"] if decoy else ["depth=0", "fetch_body=true"]
        )
        if not decoy and t.ip in classic_ips:
            tags.insert(0, "classic")
        tls.append(
            {
                "network": "tcp",
                "address": endpoint(t.ip, t.port),
                "cipher_suite": t.cipher or "",
                "failure": ooni_failure(t.failure),
                "negotiated_protocol": t.alpn or "",
                # The decoy handshake checks no certificate: said so, so nobody reads it as a valid one.
                "no_tls_verify": decoy,
                "peer_certificates": [],
                "server_name": t.sni,
                "t0": t.t_start,
                "t": t.t_end,
                "tags": tags,
                "tls_version": t.version or "",
                "transaction_id": next_id(),
            }
        )
    requests = []
    for depth, h in reversed(list(enumerate(obs.http))):  # OONI lists the last redirect first
        requests.append(
            {
                "network": "tcp",
                "address": endpoint(h.ip, h.port) if h.ip else "",
                "alpn": "http/1.1",
                "failure": ooni_failure(h.failure),
                "request": {
                    "body": "",
                    "body_is_truncated": False,
                    "headers_list": [[k, v] for k, v in h.request_headers.items()],
                    "headers": h.request_headers,
                    "method": "GET",
                    "tor": {"exit_ip": None, "exit_name": None, "is_tor": False},
                    "x_transport": "tcp",
                    "url": h.url,
                },
                "response": {
                    "body": h.body_excerpt or "",
                    "body_is_truncated": h.body_truncated,
                    "code": h.status or 0,
                    "headers_list": [[k, v] for k, v in h.response_headers.items()],
                    "headers": h.response_headers,
                },
                "t0": h.t_start,
                "t": h.t_end,
                "tags": ["classic", f"depth={depth}", "fetch_body=true"],
                "transaction_id": next_id(),
            }
        )
    response = m.control.response if m.control else None
    a = analyse(m.target.url, obs, response)
    control, control_failure = _control(m.control)
    control_request = (
        None
        if m.control is None
        else {
            "http_request": m.target.url,
            "http_request_headers": {
                k: [v] for k, v in (obs.http[0].request_headers if obs.http else {}).items()
            },
            "tcp_connect": sorted({endpoint(t.ip, t.port) for t in obs.tcp}),
            "x_quic_enabled": False,
        }
    )
    return {
        "agent": "redirect",
        "client_resolver": SCRUBBED_IP,
        "retries": None,
        "socksproxy": None,
        "network_events": [],
        "x_dns_whoami": {"system_v4": [], "udp_v4": {}},
        "x_doh": {
            "network_events": [],
            "queries": [],
            "requests": [],
            "tcp_connect": [],
            "tls_handshakes": [],
        },
        "x_do53": {"network_events": [], "queries": []},
        "x_dns_duplicate_responses": duplicates,
        "queries": queries,
        "requests": requests,
        "tcp_connect": tcp,
        "tls_handshakes": tls,
        "x_control_request": control_request,
        "control": control,
        "x_conn_priority_log": [],
        "control_failure": control_failure,
        "x_dns_flags": a.x_dns_flags,
        "dns_experiment_failure": a.dns_experiment_failure,
        "dns_consistency": a.dns_consistency,
        "http_experiment_failure": a.http_experiment_failure,
        "x_blocking_flags": a.x_blocking_flags,
        "x_null_null_flags": a.x_null_null_flags,
        "body_proportion": a.body_proportion,
        "body_length_match": a.body_length_match,
        "headers_match": a.headers_match,
        "status_code_match": a.status_code_match,
        "title_match": a.title_match,
        "blocking": a.blocking,
        "accessible": a.accessible,
    }


def report_id(m: Measurement) -> str:
    """OONI's shape (`<start>_webconnectivity_<cc>_<asn>_n1_<random>`), the tail from our uid."""
    when = datetime.fromisoformat(m.started_at.replace("Z", "+00:00")).astimezone(UTC)
    return (
        f"{when:%Y%m%dT%H%M%SZ}_webconnectivity_{m.probe.cc or 'ZZ'}_{m.probe.asn or 0}_n1_"
        f"{m.measurement_uid[:16]}"
    )


def to_ooni(m: Measurement, *, payload_sha256: str, observed_asn: int | None = None) -> dict[str, Any]:
    """One of our measurements as an OONI Web Connectivity 0.5 measurement; the annotations link it back
    and carry our verdict (every annotation is a string, as df-000 defines them)."""
    asn = m.probe.asn if m.probe.asn is not None else observed_asn
    started = datetime.fromisoformat(m.started_at.replace("Z", "+00:00"))
    finished = datetime.fromisoformat(m.finished_at.replace("Z", "+00:00"))
    v = m.verdict
    return {
        "annotations": {
            "engine_name": m.software.name,
            "engine_version": m.software.version,
            "saksi_measurement_uid": m.measurement_uid,
            "saksi_lab_data": "true" if is_lab_payload(m) else "false",
            "saksi_payload_sha256": payload_sha256,
            "saksi_rules_version": m.rules_version,
            "saksi_outcome": v.outcome.value,
            "saksi_method": v.method.value if v.method else "",
            "saksi_confidence": v.confidence.value if v.confidence else "",
            "saksi_rule_id": v.rule_id,
            "saksi_fingerprint": v.fingerprint or "",
            "saksi_ooni_blocking": json.dumps(v.ooni_blocking),
        },
        "data_format_version": DATA_FORMAT_VERSION,
        "extensions": dict(EXTENSIONS),
        "input": m.target.url,
        "measurement_start_time": _ooni_time(m.started_at),
        "probe_asn": _ooni_asn(asn),
        "probe_cc": m.probe.cc or "ZZ",
        "probe_ip": SCRUBBED_IP,
        "probe_network_name": m.probe.network_name or "",
        "report_id": report_id(m),
        "resolver_asn": _ooni_asn(m.probe.resolver_asn),
        "resolver_ip": SCRUBBED_IP,
        "resolver_network_name": "",
        "software_name": m.software.name,
        "software_version": m.software.version,
        "test_helpers": {"backend": {"address": m.control.url, "type": "https"}} if m.control else {},
        "test_keys": _test_keys(m),
        "test_name": TEST_NAME,
        "test_runtime": max(0.0, (finished - started).total_seconds()),
        "test_start_time": _ooni_time(m.started_at),
        "test_version": TEST_VERSION,
    }


def ooni_rows(page: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Measurement rows (probe.analysis.export, with their envelope) as OONI measurements."""
    return [
        to_ooni(
            Measurement.model_validate(payload_json(r["envelope"])),
            payload_sha256=r["payload_sha256"],
            observed_asn=r["observed_asn"],
        )
        for r in page
    ]


def ooni_pages(conn: Connection, filters: Filters) -> Iterator[list[dict[str, Any]]]:
    for page in measurement_pages(conn, filters, with_envelope=True):
        yield ooni_rows(page)


class OoniWriter(JsonLinesWriter):
    """JSON Lines of whole OONI measurements (not of columns)."""

    def __init__(self) -> None:
        super().__init__([Column("measurement", "str")])

    def rows(self, batch: Sequence[dict[str, Any]]) -> bytes:
        self.count += len(batch)
        return b"".join(
            json.dumps(r, ensure_ascii=False, separators=(",", ":")).encode() + b"\n" for r in batch
        )
