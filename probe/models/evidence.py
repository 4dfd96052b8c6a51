"""Wire formats of the evidence chain: enrolment, ingest results, receipts, log statements, evidence files.

Signed things travel as DSSE envelopes (probe.sign.dsse.Envelope): a measurement
(application/vnd.saksi.measurement.v1+json), a receipt (application/vnd.saksi.receipt.v1+json), a
control answer (application/vnd.saksi.control.v1+json). Payload bytes are RFC 8785 JSON.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probe.models.base import Wire
from probe.sign.dsse import Envelope

Tier = Literal["unverified", "vouched"]
ENROL_CONTEXT = "saksi-enrol-v1"  # what a probe signs to prove it holds the key it enrols


RENEW_CONTEXT = (
    "saksi-renew-v1"  # what an enrolled key signs to vouch for its successor (probe.collector.renewal)
)


class Renewal(Wire):
    """A statement by an enrolled key that the enrolled key is its successor (the next quarter's key on the
    same network): the successor gets the enrolled key's tier without an invite token."""

    key_id: str = Field(min_length=64, max_length=64, description="hex key id of the enrolled key")
    signature: str = Field(
        max_length=128,
        description="base64 signature by that key over 'saksi-renew-v1\\n' + public_key + '\\n' + key_id",
    )


class EnrolRequest(Wire):
    public_key: str = Field(max_length=64, description="base64 of the raw 32-byte Ed25519 public key")
    proof: str = Field(max_length=128, description="base64 signature over 'saksi-enrol-v1\\n' + public_key")
    token: str | None = Field(default=None, max_length=128, description="an invite token: tier vouched")
    renewal: Renewal | None = Field(default=None, description="the enrolled predecessor's statement")


def renewal_statement(public_key: str, predecessor: str) -> bytes:
    """What the predecessor key signs: the context, the new key (base64 raw) and its own key id."""
    return f"{RENEW_CONTEXT}\n{public_key}\n{predecessor}".encode()


class ProbeKey(Wire):
    """GET /api/v1/probes/{key_id} and the answer to an enrolment."""

    key_id: str
    public_key: str  # base64 raw
    public_key_pem: str
    tier: Tier
    enrolled_at: str
    revoked_at: str | None = None


class WhoAmI(Wire):
    asn: int | None
    network_name: str | None
    cc: str | None


class LogStatement(Wire):
    """A log entry: small, and free of personal data, because the log can never be edited.

    The leaf is the RFC 8785 bytes of this statement.
    """

    payload_sha256: str
    key_id: str
    asn: int | None
    received_at: str


class Receipt(Wire):
    """What the collector signs when it has durably stored an envelope."""

    collector: str  # the log origin, e.g. "saksi.example/log"
    measurement_uid: str
    payload_sha256: str
    key_id: str
    received_at: str
    observed_asn: int | None
    tier: Tier
    log_within_s: int  # the statement will be in a signed checkpoint within this many seconds
    # How the collector knows the measurement's network (attested | observed | claimed), and why;
    # and its time bracket [time_earliest, received_at] with whether started_at lies in it. None in
    # receipts from before 2026-12.
    network_evidence: Literal["attested", "observed", "claimed"] | None = None
    network_why: str | None = None
    time_earliest: str | None = None
    time_ok: bool | None = None
    key_enrolled_at: str | None = None  # when the collector enrolled the key (its age counts in the rules)


class IngestResult(Wire):
    status: int  # 201 stored, 200 already stored, 409 conflict, 4xx rejected, 429/503 not stored
    reason: str | None = None  # machine-readable, e.g. "bad_signature", "unknown_key"
    detail: str | None = None
    receipt: Envelope | None = None


class BatchResult(Wire):
    results: list[IngestResult]


class InclusionProof(Wire):
    leaf_index: int
    tree_size: int
    hashes: list[str]  # base64


class ConsistencyProof(Wire):
    old_size: int
    new_size: int
    hashes: list[str]  # base64


class EvidenceRecord(Wire):
    """One measurement with everything needed to check it offline: GET /api/v1/measurements/{id}.

    `probe verify FILE` takes this JSON. The trust anchor is `log_key`, the collector's verifier key
    (a C2SP vkey), which a verifier compares with the one the collector publishes.
    """

    envelope: Envelope
    receipt: Envelope
    probe_key: str  # base64 raw Ed25519 public key of the envelope's signer
    statement: LogStatement
    inclusion: InclusionProof | None = None  # None until the statement is in a checkpoint
    checkpoint: str | None = None  # the signed note the proof is against
    log_key: str
