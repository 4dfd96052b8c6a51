"""OONI's measurements read back: external corroboration for the dashboard and the API.

Imported OONI rows (probe.analysis.ooni_import) live in their own table, `ooni_measurements`: they are not
signed by any key of ours and are never mixed into the facts, timelines or the transparency log. Everything
here labels them external. Our export in OONI's format is probe.analysis.ooni_export; the second opinion
on OONI's archive (Saksi's classifier on OONI's observations) is probe.analysis.ooni_reclassify.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from probe.analysis.ooni_reclassify import (
    DIFFER,
    OONI_BLOCKED,
    OONI_NOT_BLOCKED,
    SAKSI_BLOCKED,
    SAKSI_NOT_BLOCKED,
)
from probe.collector.db import Connection

SOURCE = "OONI (external corroboration, unsigned by us)"


# -- reading back: external corroboration for the dashboard ---------------------------------------------


def _blocking_value(text: str | None) -> str | bool | None:
    return False if text == "false" else text


@dataclass(frozen=True)
class OoniSummary:
    """OONI's measurements of one domain (and network): counts by `blocking`, a timeline by day with Saksi's
    second opinion beside OONI's, the measurements where the two differ, and the latest rows."""

    total: int
    counts: dict[str, int]  # blocking value ("false", "null" for none) -> measurements
    anomalies: int
    confirmed: int
    failures: int
    timeline: list[dict[str, Any]]
    differing: list[dict[str, Any]]
    rows: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": SOURCE,
            "total": self.total,
            "counts": self.counts,
            "anomalies": self.anomalies,
            "confirmed": self.confirmed,
            "failures": self.failures,
            "timeline": self.timeline,
            "differing": self.differing,
            "measurements": self.rows,
        }


_COLUMNS = (
    "measurement_uid, report_id, input, domain, probe_asn, probe_cc, measurement_start_time, test_name, "
    "blocking, accessible, anomaly, confirmed, failure, saksi_outcome, saksi_method, saksi_confidence, "
    "saksi_rule_id, saksi_fingerprint, saksi_explanation"
)


def _opt(value: object) -> bool | None:
    return None if value is None else bool(value)


def _row(r: Any) -> dict[str, Any]:
    saksi = (
        None
        if r[13] is None
        else {
            "outcome": r[13],
            "method": r[14],
            "confidence": r[15],
            "rule_id": r[16],
            "fingerprint": r[17],
            "explanation": r[18],
        }
    )
    return {
        "measurement_uid": r[0],
        "report_id": r[1],
        "input": r[2],
        "domain": r[3],
        "probe_asn": r[4],
        "probe_cc": r[5],
        "measurement_start_time": r[6],
        "test_name": r[7],
        "blocking": _blocking_value(r[8]),
        "accessible": _opt(r[9]),
        "anomaly": _opt(r[10]),
        "confirmed": _opt(r[11]),
        "failure": _opt(r[12]),
        "saksi": saksi,  # Saksi's classifier on OONI's observations (--reclassify): an opinion, unsigned
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
    """Imported OONI measurements matching the filters: counts and the day-by-day timeline over all,
    the measurements where Saksi's opinion differs, and the `limit` latest."""
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
    anomalies, confirmed, failures = conn.execute(
        "SELECT coalesce(sum(anomaly), 0), coalesce(sum(confirmed), 0), coalesce(sum(failure), 0) "
        f"FROM ooni_measurements{where}",
        params,
    ).fetchone()

    def total(condition: str) -> str:
        return f"sum(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    timeline = [
        {
            "day": r[0],
            "measurements": int(r[1]),
            "ooni_blocked": int(r[2]),
            "ooni_not_blocked": int(r[3]),
            "saksi_blocked": int(r[4]),
            "saksi_not_blocked": int(r[5]),
            "differing": int(r[6]),
        }
        for r in conn.execute(
            f"SELECT substr(measurement_start_time, 1, 10) AS day, count(*), {total(OONI_BLOCKED)}, "
            f"{total(OONI_NOT_BLOCKED)}, {total(SAKSI_BLOCKED)}, {total(SAKSI_NOT_BLOCKED)}, {total(DIFFER)} "
            f"FROM ooni_measurements{where} GROUP BY substr(measurement_start_time, 1, 10) ORDER BY day",
            params,
        )
    ]
    differ_where = f"{where} AND {DIFFER}" if where else f" WHERE {DIFFER}"
    differing = [
        _row(r)
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM ooni_measurements{differ_where} "
            "ORDER BY measurement_start_time DESC, measurement_uid LIMIT 100",
            params,
        )
    ]
    rows = [
        _row(r)
        for r in conn.execute(
            f"SELECT {_COLUMNS} FROM ooni_measurements{where} "
            "ORDER BY measurement_start_time DESC, measurement_uid LIMIT ?",
            [*params, limit],
        )
    ]
    return OoniSummary(
        sum(counts.values()),
        counts,
        int(anomalies),
        int(confirmed),
        int(failures),
        timeline,
        differing,
        rows,
    )
