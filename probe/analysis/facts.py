"""One row per stored measurement, holding only what timelines need: the fact the probe reported.

Facts are extracted from the signed payload at ingest (and again by `probe collector reindex`); the
timeline rules run on them at query time, so a change of rules needs no migration of stored data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from probe.models.evidence import Receipt
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
    "evidence",
    "time_ok",
    "key_since",
)

# How the collector knows a measurement's network (probe.collector.attest); only the first two count as
# evidence for that network.
ATTESTED, OBSERVED, CLAIMED = "attested", "observed", "claimed"
NETWORK_EVIDENCE = (ATTESTED, OBSERVED, CLAIMED)


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
    evidence: str = CLAIMED  # attested | observed | claimed: how the collector knows the network
    time_ok: int = 1  # 1 when started_at lies in its time bracket; 0: stored and flagged, not in timelines
    key_since: int = 0  # epoch hour the signing key was enrolled (a fresh key's attestation counts later)

    def row(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in FACT_COLUMNS)


def domain_of(url: str) -> str:
    """The site a URL names, lower case; "" when it names none (no host, or not parseable: `http://[x`
    from an imported file or a record an older, lenient collector stored)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    # A trailing dot names the same site (www.rfa.org. is www.rfa.org): one cell, never two.
    return host.lower().rstrip(".")


def epoch_hour(iso: str) -> int:
    when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return int(when.timestamp()) // 3600


def hour_iso(hour: int) -> str:
    return datetime.fromtimestamp(hour * 3600, UTC).strftime("%Y-%m-%dT%H:00:00Z")


def fact_of(
    m: Measurement,
    *,
    seq: int,
    observed_asn: int | None,
    tier: str,
    evidence: str = CLAIMED,
    time_ok: bool = True,
    key_since: int = 0,
    cc: str | None = None,
) -> Fact:
    """The probe's network claim (signed, and the network its key belongs to) is the ASN the fact is filed
    under, with `evidence` saying whether the collector confirmed it; the collector's observation stands
    in when the probe did not say. `cc` is the collector's own country for that ASN, never the probe's."""
    v = m.verdict
    return Fact(
        seq=seq,
        uid=m.measurement_uid,
        domain=domain_of(m.target.url),
        url=m.target.url,
        asn=m.probe.asn if m.probe.asn is not None else observed_asn,
        cc=cc,
        category=m.target.category_code,
        started_at=m.started_at,
        hour=epoch_hour(m.started_at),
        outcome=str(v.outcome),
        method=str(v.method) if v.method else None,
        confidence=str(v.confidence) if v.confidence else None,
        rule_id=v.rule_id,
        key_id=m.probe.key_id or "",
        tier=tier,
        evidence=evidence,
        time_ok=int(time_ok),
        key_since=key_since,
    )


def fact_from_receipt(m: Measurement, *, seq: int, receipt: Receipt, cc: str | None = None) -> Fact:
    """A fact from a measurement and the collector's signed receipt of it (bundles, and `probe verify` of
    them): the network evidence, time bracket and key enrolment the collector signed. A receipt from
    before these existed says nothing of them: the measurement is not counted."""
    return fact_of(
        m,
        seq=seq,
        observed_asn=receipt.observed_asn,
        tier=receipt.tier,
        evidence=receipt.network_evidence or "unknown",
        time_ok=bool(receipt.time_ok),
        key_since=epoch_hour(receipt.key_enrolled_at) if receipt.key_enrolled_at else 0,
        cc=cc,
    )
