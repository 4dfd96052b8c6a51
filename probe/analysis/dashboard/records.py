"""One measurement's page (the signed record laid out), and OONI's counts beside a site or network page:
the parts of the dashboard that read single records rather than timelines (overview.py, subject.py).
"""

from __future__ import annotations

import json
from typing import Any

from probe.analysis.query import Filters
from probe.collector.db import Connection
from probe.sign.dsse import Envelope, SignatureError


def payload_of(envelope_json: str) -> dict[str, Any]:
    """The decoded payload of a stored envelope; {} when it cannot be read (stored envelopes were checked)."""
    try:
        data = json.loads(Envelope.model_validate_json(envelope_json).body())
    except (ValueError, SignatureError):
        return {}
    return data if isinstance(data, dict) else {}


def ooni_counts(conn: Connection, filters: Filters) -> dict[str, Any] | None:
    """OONI's measurements of the same site or network in the same period (probe.analysis.ooni.ooni_for):
    counts by OONI's `blocking` value, the day-by-day timeline with Saksi's second opinion beside OONI's,
    and the measurements where the two differ; None when nothing was ever imported with
    `probe import ooni`."""
    from probe.analysis.ooni import ooni_for

    if conn.execute("SELECT 1 FROM ooni_measurements LIMIT 1").fetchone() is None:
        return None
    found = ooni_for(conn, filters.domain, filters.asn, filters.since, filters.until, limit=0)
    return {
        "counts": sorted(found.counts.items(), key=lambda kv: (-kv[1], kv[0])),
        "timeline": found.timeline,
        "differing": found.differing[:20],
        "reclassified": any(day["saksi_blocked"] or day["saksi_not_blocked"] for day in found.timeline),
    }


# -- one measurement --------------------------------------------------------------------------------------


def pretty(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


def measurement_page(
    record: Any, envelope_text: str, base_url: str, names: dict[int, str] | None = None
) -> dict[str, Any]:
    """`record` is the measurement's EvidenceRecord (probe.collector.records), `envelope_text` the
    envelope as stored, `names` the collector's own network names (never the probe's claim)."""
    payload = payload_of(envelope_text)
    receipt = payload_of(record.receipt.model_dump_json())
    uid = str(payload.get("measurement_uid", ""))
    verdict = payload.get("verdict", {})
    target = payload.get("target", {})
    probe = payload.get("probe", {})
    statement = record.statement
    return {
        "uid": uid,
        "payload_sha256": statement.payload_sha256,
        "envelope_pretty": pretty(json.loads(envelope_text)),
        "payload_pretty": pretty(payload),
        "receipt_pretty": pretty(receipt),
        "statement_pretty": pretty(statement.model_dump()),
        "verdict": verdict,
        "target": target,
        "probe": probe,
        "network_name": (names or {}).get(probe["asn"]) if isinstance(probe.get("asn"), int) else None,
        "network_evidence": receipt.get("network_evidence") or "not recorded",
        "network_why": receipt.get("network_why"),
        "started_at": payload.get("started_at"),
        "rules_version_probe": payload.get("rules_version"),
        "domain": (target.get("url", "").split("/")[2:3] or [""])[0].lower(),
        "statement": statement,
        "inclusion": record.inclusion,
        "checkpoint": record.checkpoint,
        "log_key": record.log_key,
        "keyid": record.envelope.signatures[0].keyid,
        "receipt_obj": receipt,
        "base_url": base_url.rstrip("/"),
        "json_url": f"/api/v1/measurements/{uid}",
        "envelope_url": f"/measurement/{uid}/envelope.json",
        "payload_url": f"/measurement/{uid}/payload.json",
    }
