"""One row per stored measurement, holding only what timelines need: the fact the probe reported.

Facts are extracted from the signed payload at ingest (and again by `probe collector reindex`); the
timeline rules run on them at query time, so a change of rules needs no migration of stored data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from probe.models.measurement import Measurement

CONTROL_CATEGORY = "CTRL"  # Citizen Lab's category for control content: should be reachable everywhere

FACT_COLUMNS = (
    "seq",
    "uid",
    "domain",
    "url",
    "asn",
    "cc",
    "category",
    "started_at",
    "hour",
    "outcome",
    "method",
    "confidence",
    "rule_id",
    "key_id",
    "tier",
)


@dataclass(frozen=True, slots=True)
class Fact:
    seq: int
    uid: str
    domain: str
    url: str
    asn: int | None
    cc: str | None
    category: str | None
    started_at: str  # UTC ISO 8601, as signed
    hour: int  # hours since the Unix epoch, UTC: the key windows are cut on
    outcome: str  # accessible | blocked | down | inconclusive (the probe's verdict)
    method: str | None
    confidence: str | None
    rule_id: str
    key_id: str
    tier: str  # the enrolment tier when stored: vouched | unverified

    def row(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in FACT_COLUMNS)


def domain_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def epoch_hour(iso: str) -> int:
    when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return int(when.timestamp()) // 3600


def hour_iso(hour: int) -> str:
    return datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H:00:00Z")


def fact_of(m: Measurement, *, seq: int, observed_asn: int | None, tier: str) -> Fact:
    """The probe's own network claim (signed, and the network its key belongs to) is the ASN of record;
    the collector's observation stands in when the probe did not know it."""
    v = m.verdict
    return Fact(
        seq=seq,
        uid=m.measurement_uid,
        domain=domain_of(m.target.url),
        url=m.target.url,
        asn=m.probe.asn if m.probe.asn is not None else observed_asn,
        cc=m.probe.cc,
        category=m.target.category_code,
        started_at=m.started_at,
        hour=epoch_hour(m.started_at),
        outcome=str(v.outcome),
        method=str(v.method) if v.method else None,
        confidence=str(v.confidence) if v.confidence else None,
        rule_id=v.rule_id,
        key_id=m.probe.key_id or "",
        tier=tier,
    )
