"""OONI interoperability: our measurements in OONI's measurement data format (Web Connectivity, data
format 0.2.0, one JSON object per line), and OONI's published measurements imported as external
corroboration.

Imported OONI rows live in their own table, `ooni_measurements`: they are not signed by any key of ours
and are never mixed into the facts, timelines or the transparency log. `ooni_for` reads them back for the
dashboard, labelled as external. This module never writes our own measurement tables.

The format is OONI's (ooni/spec: data-formats/df-000-base.md, nettests/ts-017-web-connectivity.md);
`probe_ip` is always OONI's scrubbed value 127.0.0.1.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from probe import SOFTWARE_NAME
from probe.addresses import endpoint
from probe.analysis.export import Column, JsonLinesWriter, measurement_pages, payload_json
from probe.analysis.facts import domain_of
from probe.analysis.query import Filters
from probe.collector.db import Connection
from probe.models.control import ControlResult
from probe.models.measurement import Measurement
from probe.models.observation import Observations
from probe.models.verdict import OoniBlocking, Outcome, Verdict

DATA_FORMAT_VERSION = "0.2.0"
TEST_NAME = "web_connectivity"
TEST_VERSION = "0.4.3"  # the Web Connectivity version whose test keys (x_status included) we fill
SCRUBBED_IP = "127.0.0.1"
BLOCKING_VALUES = ("dns", "tcp_ip", "http-failure", "http-diff")

# Web Connectivity 0.4's x_status bits (ooniprobe's webconnectivity summary).
STATUS_SUCCESS_SECURE = 1
STATUS_SUCCESS_CLEARTEXT = 2
STATUS_ANOMALY_CONTROL_UNREACHABLE = 8
STATUS_ANOMALY_DNS = 32
STATUS_ANOMALY_HTTP_DIFF = 64
STATUS_ANOMALY_CONNECT = 128
STATUS_ANOMALY_READ_WRITE = 256
STATUS_ANOMALY_TLS_HANDSHAKE = 1024

_LAYER_BLOCKING: dict[str, OoniBlocking] = {
    "dns": "dns",
    "tcp": "tcp_ip",
    "tls": "http-failure",
    "http": "http-failure",
}
_LAYER_STATUS = {
    "dns": STATUS_ANOMALY_DNS,
    "tcp": STATUS_ANOMALY_CONNECT,
    "tls": STATUS_ANOMALY_TLS_HANDSHAKE,
    "http": STATUS_ANOMALY_READ_WRITE,
}


# -- export: our measurement as an OONI measurement ------------------------------------------------------


def blocking_of(v: Verdict) -> OoniBlocking:
    """The verdict's own OONI value when the classifier set one; else derived from outcome and method
    as the classifier does (probe.classify.verdict)."""
    if v.ooni_blocking is not None:
        return v.ooni_blocking
    if v.outcome == Outcome.ACCESSIBLE:
        return False
    if v.outcome == Outcome.DOWN:
        return False  # OONI: the site is down for the control too, so nothing is blocking it
    if v.outcome == Outcome.BLOCKED and v.method is not None:
        if v.method.value in ("http.diff", "http.blockpage"):
            return "http-diff"
        return _LAYER_BLOCKING[v.method.value.split(".")[0]]
    return None


def accessible_of(v: Verdict) -> bool | None:
    if v.outcome == Outcome.ACCESSIBLE:
        return True
    if v.outcome in (Outcome.BLOCKED, Outcome.DOWN):
        return False
    return None


def x_status_of(m: Measurement) -> int:
    v = m.verdict
    status = 0
    if m.control is not None and m.control.response is None:
        status |= STATUS_ANOMALY_CONTROL_UNREACHABLE
    if v.outcome == Outcome.ACCESSIBLE:
        status |= STATUS_SUCCESS_SECURE if m.target.url.startswith("https:") else STATUS_SUCCESS_CLEARTEXT
    elif v.outcome == Outcome.BLOCKED and v.method is not None:
        if v.method.value in ("http.diff", "http.blockpage"):
            status |= STATUS_ANOMALY_HTTP_DIFF
        else:
            status |= _LAYER_STATUS[v.method.value.split(".")[0]]
    return status


def _ooni_asn(asn: int | None) -> str:
    return f"AS{asn if asn is not None else 0}"


def _ooni_time(iso: str) -> str:
    when = datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(UTC)
    return when.strftime("%Y-%m-%d %H:%M:%S")


def _answers(values: Sequence[Any]) -> list[dict[str, Any]]:
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


def _test_keys(m: Measurement) -> dict[str, Any]:
    obs: Observations = m.observations
    control: ControlResult | None = m.control
    response = control.response if control else None
    queries = [
        {
            "engine": "system" if d.resolver_kind in ("system", "getaddrinfo") else d.resolver_kind,
            "resolver_address": d.resolver,
            "hostname": d.hostname,
            "query_type": d.query_type,
            "failure": d.failure.value if d.failure else None,
            "answers": _answers(d.answers),
            "t": d.t_end,
        }
        for d in obs.dns
    ]
    tcp = []
    for t in obs.tcp:
        ok = t.failure is None
        ctl = response.tcp_connect.get(endpoint(t.ip, t.port)) if response else None
        tcp.append(
            {
                "ip": t.ip,
                "port": t.port,
                "status": {
                    "success": ok,
                    "failure": t.failure.value if t.failure else None,
                    "blocked": None if ctl is None else (not ok and ctl.status),
                },
                "t": t.t_end,
            }
        )
    tls = [
        {
            "address": endpoint(t.ip, t.port),
            "server_name": t.sni,
            "failure": t.failure.value if t.failure else None,
            "tls_version": t.version,
            "cipher_suite": t.cipher,
            "negotiated_protocol": t.alpn,
            "no_tls_verify": False,
            "peer_certificates": [],
            "t": t.t_end,
            "tags": [t.purpose],
        }
        for t in obs.tls
    ]
    # OONI lists requests last redirect first.
    requests = [
        {
            "failure": h.failure.value if h.failure else None,
            "request": {
                "url": h.url,
                "method": "GET",
                "headers": h.request_headers,
                "body": "",
                "body_is_truncated": False,
                "tor": {"is_tor": False, "exit_ip": None, "exit_name": None},
                "x_transport": "tcp",
            },
            "response": {
                "code": h.status,
                "headers": h.response_headers,
                "body": h.body_excerpt or "",
                "body_is_truncated": h.body_truncated,
            },
            "t": h.t_end,
        }
        for h in reversed(obs.http)
    ]
    first_dns = next((d for d in obs.dns if d.resolver_kind in ("system", "getaddrinfo")), None) or (
        obs.dns[0] if obs.dns else None
    )
    method = m.verdict.method.value if m.verdict.method else ""
    if method.startswith("dns."):
        consistency: str | None = "inconsistent"
    elif m.verdict.outcome in (Outcome.ACCESSIBLE, Outcome.BLOCKED):
        consistency = "consistent"
    else:
        consistency = None
    final = obs.http[-1] if obs.http else None
    return {
        "client_resolver": None,
        "queries": queries,
        "tcp_connect": tcp,
        "tls_handshakes": tls,
        "requests": requests,
        "control": None
        if response is None
        else {
            "dns": {"failure": response.dns.failure, "addrs": response.dns.addrs},
            "tcp_connect": {
                k: {"status": v.status, "failure": v.failure} for k, v in response.tcp_connect.items()
            },
            "http_request": {
                "body_length": response.http_request.body_length,
                "failure": response.http_request.failure,
                "title": response.http_request.title,
                "headers": response.http_request.headers,
                "status_code": response.http_request.status_code,
            },
        },
        "control_failure": None
        if response is not None
        else (control.failure if control and control.failure else "unknown_failure: no control result"),
        "dns_experiment_failure": first_dns.failure.value if first_dns and first_dns.failure else None,
        "dns_consistency": consistency,
        "http_experiment_failure": final.failure.value if final and final.failure else None,
        "blocking": blocking_of(m.verdict),
        "accessible": accessible_of(m.verdict),
        "x_status": x_status_of(m),
    }


def report_id(m: Measurement) -> str:
    """OONI's shape (`<start>_webconnectivity_<cc>_<asn>_n1_<random>`), the tail from our uid."""
    when = datetime.fromisoformat(m.started_at.replace("Z", "+00:00")).astimezone(UTC)
    return (
        f"{when:%Y%m%dT%H%M%SZ}_webconnectivity_{m.probe.cc or 'ZZ'}_{m.probe.asn or 0}_n1_"
        f"{m.measurement_uid[:16]}"
    )


def to_ooni(m: Measurement, *, payload_sha256: str, observed_asn: int | None = None) -> dict[str, Any]:
    """One of our measurements as an OONI Web Connectivity measurement; the annotations link it back."""
    asn = m.probe.asn if m.probe.asn is not None else observed_asn
    started = datetime.fromisoformat(m.started_at.replace("Z", "+00:00"))
    finished = datetime.fromisoformat(m.finished_at.replace("Z", "+00:00"))
    return {
        "annotations": {
            "engine_name": m.software.name,
            "engine_version": m.software.version,
            "saksi_measurement_uid": m.measurement_uid,
            "saksi_payload_sha256": payload_sha256,
            "saksi_rules_version": m.rules_version,
            "saksi_outcome": m.verdict.outcome.value,
            "saksi_method": m.verdict.method.value if m.verdict.method else "",
            "saksi_rule_id": m.verdict.rule_id,
        },
        "data_format_version": DATA_FORMAT_VERSION,
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
        "test_helpers": {},
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


# -- import: OONI's published measurements as external corroboration -------------------------------------


class OoniLineError(ValueError):
    """One line of an OONI file is not a measurement we can store; says which line and why."""

    def __init__(self, line: int, why: str) -> None:
        super().__init__(f"line {line}: {why}")
        self.line = line
        self.why = why


@dataclass(frozen=True)
class OoniRow:
    measurement_uid: str
    report_id: str
    input: str | None
    domain: str
    probe_asn: int | None
    probe_cc: str | None
    measurement_start_time: str  # UTC ISO 8601, "YYYY-MM-DDTHH:MM:SSZ"
    test_name: str
    blocking: str | None  # dns | tcp_ip | http-failure | http-diff | "false" | None
    accessible: bool | None
    anomaly: bool | None
    confirmed: bool | None
    raw: str
    ours: bool = False  # one of our own measurements (our export read back): never external corroboration


_ASN = re.compile(r"^AS(\d{1,10})$")
_START = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?Z?$")


def _opt_bool(obj: dict[str, Any], key: str, line: int) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise OoniLineError(line, f"{key} must be true, false or null, not {value!r}")


def parse_line(text: str, line: int) -> OoniRow:
    """One line of OONI JSON Lines; raises OoniLineError (only) when it is not a measurement."""
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError):
        raise OoniLineError(line, "not JSON") from None
    if not isinstance(obj, dict):
        raise OoniLineError(line, "not a JSON object")
    test_name = obj.get("test_name")
    if not isinstance(test_name, str) or not test_name:
        raise OoniLineError(line, "no test_name: not an OONI measurement")
    start = obj.get("measurement_start_time")
    if not isinstance(start, str) or not _START.match(start):
        raise OoniLineError(line, "measurement_start_time must be 'YYYY-MM-DD HH:MM:SS'")
    try:
        when = datetime.fromisoformat(start.replace(" ", "T").removesuffix("Z")).replace(tzinfo=UTC)
    except ValueError:
        raise OoniLineError(line, f"measurement_start_time {start!r} is not a date and time") from None
    asn_text = obj.get("probe_asn")
    asn: int | None
    if asn_text is None:
        asn = None
    elif isinstance(asn_text, int) and not isinstance(asn_text, bool) and 0 <= asn_text < 2**32:
        asn = asn_text
    elif isinstance(asn_text, str) and (found := _ASN.match(asn_text)) and int(found[1]) < 2**32:
        asn = int(found[1])
    else:
        raise OoniLineError(line, f"probe_asn {asn_text!r} is not an AS number like 'AS38623'")
    cc = obj.get("probe_cc")
    if cc is not None and not isinstance(cc, str):
        raise OoniLineError(line, "probe_cc must be a country code")
    rid = obj.get("report_id", "")
    if not isinstance(rid, str):
        raise OoniLineError(line, "report_id must be a string")
    url = obj.get("input")
    if url is not None and not isinstance(url, str):
        raise OoniLineError(line, "input must be a string (a URL) or null")
    keys = obj.get("test_keys")
    keys = {} if keys is None else keys
    if not isinstance(keys, dict):
        raise OoniLineError(line, "test_keys must be an object")
    blocking = keys.get("blocking")
    if blocking is False:
        blocking_text: str | None = "false"
    elif blocking is None or isinstance(blocking, str):
        blocking_text = blocking
    else:
        raise OoniLineError(line, f"test_keys.blocking {blocking!r} is not a string, false or null")
    uid = obj.get("measurement_uid")
    if uid is not None and (not isinstance(uid, str) or not uid):
        raise OoniLineError(line, "measurement_uid must be a string")
    if uid is None:  # files from OONI's raw archive carry no uid: derive a stable one from what identifies it
        ident = f"{rid}\0{url}\0{start}\0{test_name}".encode("utf-8", "surrogatepass")
        uid = "local-" + hashlib.sha256(ident).hexdigest()[:32]
    accessible = keys.get("accessible")
    if accessible is not None and not isinstance(accessible, bool):
        raise OoniLineError(line, f"test_keys.accessible {accessible!r} is not true, false or null")
    return OoniRow(
        ours=is_ours(obj),
        measurement_uid=uid,
        report_id=rid,
        input=url,
        domain=domain_of(url) if url else "",
        probe_asn=asn,
        probe_cc=cc.upper() if cc else None,
        measurement_start_time=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        test_name=test_name,
        blocking=blocking_text,
        accessible=accessible,
        anomaly=_opt_bool(obj, "anomaly", line),
        confirmed=_opt_bool(obj, "confirmed", line),
        raw=text,
    )


def is_ours(obj: dict[str, Any]) -> bool:
    """Whether an OONI line is one of our own measurements (what `to_ooni` writes): our software name, or
    annotations naming one of our measurement uids. Those are not external corroboration."""
    if obj.get("software_name") == SOFTWARE_NAME:
        return True
    annotations = obj.get("annotations")
    if not isinstance(annotations, dict):
        return False
    return annotations.get("engine_name") == SOFTWARE_NAME or bool(annotations.get("saksi_measurement_uid"))


@dataclass
class ImportResult:
    lines: int = 0
    stored: int = 0
    duplicates: int = 0
    ours: int = 0  # our own measurements (e.g. our --format ooni export), skipped
    bad: list[OoniLineError] = field(default_factory=list)


def _open_text(path: Path) -> io.TextIOBase:
    with path.open("rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    if gzipped:
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8", errors="surrogateescape")
    return io.TextIOWrapper(path.open("rb"), encoding="utf-8", errors="surrogateescape")


INSERT_OONI = (
    "INSERT INTO ooni_measurements (measurement_uid, report_id, input, domain, probe_asn, probe_cc, "
    "measurement_start_time, test_name, blocking, accessible, anomaly, confirmed, raw, imported_at) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING"
)


def _int(value: bool | None) -> int | None:
    return None if value is None else int(value)


def import_lines(
    conn: Connection, lines: Iterator[str], *, skip_bad: bool = False, now: datetime | None = None
) -> ImportResult:
    """Store OONI measurements in ooni_measurements, inside the caller's transaction. Without
    `skip_bad`, the first bad line raises OoniLineError (the caller rolls back). Our own measurements
    (`is_ours`: an OONI export of ours read back) are skipped and counted, never stored."""
    imported_at = (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    result = ImportResult()
    for number, text in enumerate(lines, start=1):
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        result.lines += 1
        try:
            row = parse_line(text, number)
        except OoniLineError as exc:
            if not skip_bad:
                raise
            result.bad.append(exc)
            continue
        if row.ours:
            result.ours += 1
            continue
        cur = conn.execute(
            INSERT_OONI,
            [
                row.measurement_uid,
                row.report_id,
                row.input,
                row.domain,
                row.probe_asn,
                row.probe_cc,
                row.measurement_start_time,
                row.test_name,
                row.blocking,
                _int(row.accessible),
                _int(row.anomaly),
                _int(row.confirmed),
                row.raw.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                imported_at,
            ],
        )
        if cur.rowcount == 1:
            result.stored += 1
        else:
            result.duplicates += 1
    return result


def import_file(conn: Connection, path: Path, *, skip_bad: bool = False) -> ImportResult:
    """An OONI JSON Lines file (gzip-compressed or not), in the caller's transaction: all or nothing."""
    with _open_text(path) as text:
        return import_lines(conn, iter(text), skip_bad=skip_bad)


# -- reading back: external corroboration for the dashboard ---------------------------------------------


def _blocking_value(text: str | None) -> str | bool | None:
    return False if text == "false" else text


@dataclass(frozen=True)
class OoniSummary:
    """OONI's measurements of one domain (and network): counts by `blocking`, and the latest rows."""

    total: int
    counts: dict[str, int]  # blocking value ("false", "null" for none) -> measurements
    anomalies: int
    confirmed: int
    rows: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": "OONI (external corroboration, unsigned by us)",
            "total": self.total,
            "counts": self.counts,
            "anomalies": self.anomalies,
            "confirmed": self.confirmed,
            "measurements": self.rows,
        }


def ooni_for(
    conn: Connection,
    domain: str | None = None,
    asn: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    limit: int = 100,
) -> OoniSummary:
    """Imported OONI measurements matching the filters: counts over all, and the `limit` latest."""
    parts: list[str] = []
    params: list[object] = []
    if domain:
        parts.append("domain = ?")
        params.append(domain.lower())
    if asn is not None:
        parts.append("probe_asn = ?")
        params.append(asn)
    if since is not None:
        parts.append("measurement_start_time >= ?")
        params.append(since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    if until is not None:
        parts.append("measurement_start_time < ?")
        params.append(until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    where = (" WHERE " + " AND ".join(parts)) if parts else ""
    counts = {
        str(b) if b is not None else "null": int(n)
        for b, n in conn.execute(
            f"SELECT blocking, count(*) FROM ooni_measurements{where} GROUP BY blocking", params
        )
    }
    anomalies, confirmed = conn.execute(
        f"SELECT coalesce(sum(anomaly), 0), coalesce(sum(confirmed), 0) FROM ooni_measurements{where}", params
    ).fetchone()
    rows = [
        {
            "measurement_uid": r[0],
            "report_id": r[1],
            "input": r[2],
            "domain": r[3],
            "probe_asn": r[4],
            "probe_cc": r[5],
            "measurement_start_time": r[6],
            "test_name": r[7],
            "blocking": _blocking_value(r[8]),
            "accessible": None if r[9] is None else bool(r[9]),
            "anomaly": None if r[10] is None else bool(r[10]),
            "confirmed": None if r[11] is None else bool(r[11]),
        }
        for r in conn.execute(
            "SELECT measurement_uid, report_id, input, domain, probe_asn, probe_cc, measurement_start_time, "
            f"test_name, blocking, accessible, anomaly, confirmed FROM ooni_measurements{where} "
            "ORDER BY measurement_start_time DESC, measurement_uid LIMIT ?",
            [*params, limit],
        )
    ]
    return OoniSummary(sum(counts.values()), counts, int(anomalies), int(confirmed), rows)
