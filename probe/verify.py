"""Offline verification of evidence: an EvidenceRecord (probe/models/evidence.py) or a bare DSSE envelope.

Six checks, reported in this order, each with its name, a verdict and one sentence:

1. ``signature``   the envelope's DSSE signature by `probe_key`, whose DSSE keyid is the hex SHA-256 of it;
2. ``measurement`` the signed bytes parse as a Measurement naming that key (`probe.key_id`);
3. ``receipt``     the receipt's signature by the collector key (`log_key`, or the one the user gives, which
                   must match), naming SHA-256(payload bytes) and the measurement's uid;
4. ``statement``   the log statement says what the receipt says (hash, key id, received_at, ASN);
5. ``inclusion``   leaf_hash(RFC 8785 bytes of the statement) is in the checkpoint's tree by the proof;
6. ``checkpoint``  the checkpoint note is signed by the log key and its origin is the receipt's collector.

A check whose input did not survive an earlier one is *skipped* (not passed): a payload whose signature
failed is never parsed, a proof is checked only against a checkpoint whose signature verified. The first
check that failed on its own is the answer (`VerifyResult.first_failure`).

No network, no store, no clock: everything comes from the file and the keys given. The log key in the file
is the trust anchor only if the reader compares it with the collector's published one (or passes it).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import ValidationError

from probe.analysis.provenance import is_lab_payload
from probe.classify.recheck import recheck
from probe.log import (
    Checkpoint,
    LogError,
    NoteError,
    NoteVerifier,
    check_public_key,
    leaf_hash,
    verify_inclusion,
)
from probe.models.evidence import EvidenceRecord, LogStatement, Receipt
from probe.models.measurement import Measurement
from probe.sign.dsse import MEASUREMENT_TYPE, RECEIPT_TYPE, Envelope, SignatureError, verify_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import key_id

__all__ = [
    "CHECK_NAMES",
    "Check",
    "VerifyInputError",
    "VerifyResult",
    "load_evidence",
    "verify_bare_envelope",
    "verify_file",
    "verify_record",
]

CHECK_NAMES = ("signature", "measurement", "verdict", "receipt", "statement", "inclusion", "checkpoint")
MAX_FILE_BYTES = 64 * 1024 * 1024


class VerifyInputError(Exception):
    """The file or a key given cannot be read at all (nothing was verified); one sentence."""


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str
    skipped: bool = False  # not run because an earlier check it depends on failed


@dataclass
class VerifyResult:
    kind: Literal["record", "envelope"]
    checks: list[Check] = field(default_factory=list)
    unsequenced: bool = False  # a record whose statement is not in a checkpoint yet
    probe_key_id: str | None = None
    checkpoint_size: int | None = None
    origin: str | None = None
    log_key_name: str | None = None
    log_key_from_user: bool = False
    lab_data: bool = False  # the measurement was invented in the lab (provenance.is_lab_payload)
    verdict_words: str | None = None  # the verdict recomputed from its observations, or why it was not
    trust: str | None = None  # the receipt's network evidence and time bracket, in words (trust_words)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def first_failure(self) -> Check | None:
        """The first check that failed on its own (skipped ones only follow from it)."""
        failed = [c for c in self.checks if not c.ok]
        own = [c for c in failed if not c.skipped]
        first = own or failed
        return first[0] if first else None

    def check(self, name: str) -> Check:
        return next(c for c in self.checks if c.name == name)

    def ok_except_sequencing(self) -> bool:
        """Everything that could be checked verified; only the log inclusion is still to come."""
        return self.unsequenced and all(
            c.ok for c in self.checks if c.name not in ("inclusion", "checkpoint")
        )

    def summary(self) -> str:
        """One line: what was verified, or the first failure and why."""
        if self.ok:
            if self.kind == "envelope":
                return (
                    f"verified: signature by key {self.probe_key_id} over the measurement's bytes; "
                    f"{self.verdict_words}; NOT checked: a receipt, inclusion in the log, a checkpoint (a bare "
                    "envelope has none)"
                )
            return (
                f"verified: signature, receipt, inclusion in checkpoint {self.checkpoint_size} of {self.origin}, "
                f"checkpoint signature by {self.log_key_name}; {self.verdict_words}; "
                f"{self.trust or 'network evidence not recorded'}"
            )
        if self.ok_except_sequencing():
            return (
                "not verified yet: signature and receipt verify, but the statement is not in a signed checkpoint "
                "yet; fetch the record again from the collector later"
            )
        failure = self.first_failure
        assert failure is not None
        return f"FAILED: {failure.name}: {failure.message}"


class _Checks:
    def __init__(self, result: VerifyResult) -> None:
        self.result = result

    def add(self, name: str, ok: bool, message: str, *, skipped: bool = False) -> bool:
        self.result.checks.append(Check(name, ok, message, skipped))
        return ok

    def skip(self, name: str, because: str) -> None:
        self.add(name, False, f"not checked: {because}", skipped=True)


def _raw_key(b64: str, what: str) -> Ed25519PublicKey:
    try:
        raw = base64.b64decode(b64.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError(f"{what} is not valid base64") from None
    check_public_key(raw)  # WeakKeyError (a ValueError) for malformed or small-order keys
    return Ed25519PublicKey.from_public_bytes(raw)


def _check_signature(
    checks: _Checks, envelope: Envelope, public: Ed25519PublicKey, result: VerifyResult
) -> bytes | None:
    kid = key_id(public)
    result.probe_key_id = kid
    keyids = [s.keyid for s in envelope.signatures]
    if kid not in keyids:
        checks.add(
            "signature", False, f"the envelope's keyid {keyids[0]} is not SHA-256 of the probe key ({kid})"
        )
        return None
    try:
        body = verify_envelope(envelope, MEASUREMENT_TYPE, {kid: public})
    except SignatureError as exc:
        checks.add("signature", False, str(exc))
        return None
    checks.add("signature", True, f"signed by probe key {kid}")
    return body


def _check_measurement(checks: _Checks, body: bytes | None, kid: str | None) -> Measurement | None:
    if body is None:
        checks.skip("measurement", "the signature did not verify, so the payload is not read")
        return None
    try:
        measurement = Measurement.model_validate_json(body)
    except ValidationError as exc:
        checks.add(
            "measurement", False, f"the signed payload is not a measurement ({exc.error_count()} errors)"
        )
        return None
    if measurement.probe.key_id != kid:
        checks.add("measurement", False, f"the measurement names key {measurement.probe.key_id}, not {kid}")
        return None
    checks.add(
        "measurement",
        True,
        f"measurement {measurement.measurement_uid} of {measurement.target.url} at {measurement.started_at}",
    )
    return measurement


def _check_verdict(checks: _Checks, measurement: Measurement | None) -> None:
    """The verdict recomputed from the signed observations (probe.classify.recheck); a verdict that cannot
    be recomputed (lab data, other rules) passes with the reason, a different one fails."""
    if measurement is None:
        checks.skip("verdict", "the measurement could not be read")
        return
    found = recheck(measurement)
    if found.agrees is None:
        checks.result.verdict_words = f"verdict not recomputed: {found.message}"
        checks.add("verdict", True, f"not recomputed: {found.message}")
    else:
        checks.result.verdict_words = "verdict recomputed from its observations" if found.agrees else None
        checks.add("verdict", found.agrees, found.message)


def _log_verifier(record_key: str, user_key: str | None) -> NoteVerifier:
    """The collector key: the record's, which must equal the user's when the user gives one."""
    try:
        verifier = NoteVerifier.from_vkey(record_key.strip())
    except NoteError as exc:
        raise ValueError(f"the record's log_key is not a verifier key ({exc})") from None
    if user_key is not None:
        try:
            given = NoteVerifier.from_vkey(user_key.strip())
        except NoteError as exc:
            raise ValueError(f"--log-key is not a verifier key ({exc})") from None
        if given.verifier_key() != verifier.verifier_key():
            raise ValueError(
                f"the record's log key {verifier.verifier_key()} is not the one given ({given.verifier_key()})"
            )
    return verifier


def verify_record(record: EvidenceRecord, *, log_key: str | None = None) -> VerifyResult:
    """Run the six checks on `record`; `log_key` (a vkey) is the collector key the user trusts."""
    result = VerifyResult(kind="record", log_key_from_user=log_key is not None)
    checks = _Checks(result)

    # 1. the probe's signature
    try:
        probe_public = _raw_key(record.probe_key, "probe_key")
    except ValueError as exc:
        checks.add("signature", False, f"the probe key cannot be used: {exc}")
        probe_public = None
    body = _check_signature(checks, record.envelope, probe_public, result) if probe_public else None

    # 2. the measurement
    measurement = _check_measurement(checks, body, result.probe_key_id if body else None)
    result.lab_data = measurement is not None and is_lab_payload(measurement)
    _check_verdict(checks, measurement)

    # 3. the receipt
    receipt: Receipt | None = None
    verifier: NoteVerifier | None = None
    try:
        verifier = _log_verifier(record.log_key, log_key)
        result.log_key_name = verifier.name
    except ValueError as exc:
        checks.add("receipt", False, str(exc))
    if verifier is not None:
        receipt = _check_receipt(checks, record, verifier, measurement)

    # 4. the statement
    if receipt is None:
        checks.skip("statement", "the receipt did not verify")
        statement_ok = False
    else:
        statement_ok = _check_statement(checks, record.statement, receipt)

    # 6 before 5: a proof is only worth checking against a checkpoint whose signature verified.
    checkpoint: Checkpoint | None = None
    checkpoint_check: Check
    sub = _Checks(VerifyResult(kind="record"))
    if record.checkpoint is None:
        sub.add("checkpoint", False, "the record has no checkpoint yet", skipped=record.inclusion is None)
    elif verifier is None:
        sub.skip("checkpoint", "there is no usable log key")
    else:
        checkpoint = _check_checkpoint(sub, record.checkpoint, verifier, receipt)
    checkpoint_check = sub.result.checks[0]
    if checkpoint is not None:
        result.checkpoint_size, result.origin = checkpoint.size, checkpoint.origin

    # 5. inclusion
    if record.inclusion is None:
        result.unsequenced = True
        checks.add(
            "inclusion",
            False,
            "the statement is not in a signed checkpoint yet (no inclusion proof); fetch the record again later",
            skipped=True,
        )
    elif not statement_ok:
        checks.skip("inclusion", "the statement does not match the receipt")
    elif checkpoint is None:
        checks.skip("inclusion", "the checkpoint did not verify")
    else:
        _check_inclusion(checks, record, checkpoint)
    result.checks.append(checkpoint_check)
    return result


def _check_receipt(
    checks: _Checks, record: EvidenceRecord, verifier: NoteVerifier, measurement: Measurement | None
) -> Receipt | None:
    collector_public = Ed25519PublicKey.from_public_bytes(verifier.public_key)
    collector_kid = key_id(collector_public)
    try:
        body = verify_envelope(record.receipt, RECEIPT_TYPE, {collector_kid: collector_public})
    except SignatureError as exc:
        checks.add("receipt", False, f"not signed by the log key {verifier.name}: {exc}")
        return None
    try:
        receipt = Receipt.model_validate_json(body)
    except ValidationError:
        checks.add("receipt", False, "the receipt's signed payload is not a receipt")
        return None
    try:
        digest = hashlib.sha256(record.envelope.body()).hexdigest()
    except SignatureError as exc:
        checks.add("receipt", False, f"the envelope's {exc}")
        return None
    if receipt.payload_sha256 != digest:
        checks.add(
            "receipt", False, f"it names payload {receipt.payload_sha256}, not SHA-256 of the envelope's"
        )
        return None
    if measurement is not None and receipt.measurement_uid != measurement.measurement_uid:
        checks.add("receipt", False, f"it names measurement {receipt.measurement_uid}, not this one")
        return None
    words = trust_words(receipt)
    checks.result.trust = words
    checks.add(
        "receipt",
        True,
        f"{receipt.collector} stored it at {receipt.received_at} (tier {receipt.tier}); {words}",
    )
    return receipt


def trust_words(receipt: Receipt) -> str:
    """What the collector signed about the measurement's network and time (docs/evidence.md)."""
    if receipt.network_evidence is None:
        return "network evidence and time bracket not recorded (a receipt from before 2026-12)"
    bracket = f"[{receipt.time_earliest}, {receipt.received_at}]"
    where = "inside" if receipt.time_ok else "OUTSIDE (not used for timelines)"
    return f"network {receipt.network_evidence} ({receipt.network_why}); time bracket {bracket}: started_at {where}"


def statement_differences(statement: LogStatement, receipt: Receipt) -> list[str]:
    """The fields in which a log statement does not say what its receipt says (none, when it does)."""
    return [
        name
        for name, a, b in (
            ("payload_sha256", statement.payload_sha256, receipt.payload_sha256),
            ("key_id", statement.key_id, receipt.key_id),
            ("received_at", statement.received_at, receipt.received_at),
            ("asn", statement.asn, receipt.observed_asn),
        )
        if a != b
    ]


def _check_statement(checks: _Checks, statement: LogStatement, receipt: Receipt) -> bool:
    differences = statement_differences(statement, receipt)
    if differences:
        return checks.add("statement", False, f"it differs from the receipt in {', '.join(differences)}")
    return checks.add("statement", True, "it says what the receipt says")


def _check_checkpoint(
    checks: _Checks, note: str, verifier: NoteVerifier, receipt: Receipt | None
) -> Checkpoint | None:
    try:
        checkpoint = Checkpoint.parse(verifier.verify(note))
    except NoteError as exc:
        checks.add("checkpoint", False, str(exc))
        return None
    if receipt is None:
        checks.add(
            "checkpoint", True, f"signed by {verifier.name} (origin not compared: no verified receipt)"
        )
    elif checkpoint.origin != receipt.collector:
        checks.add(
            "checkpoint", False, f"its origin {checkpoint.origin} is not the receipt's {receipt.collector}"
        )
        return None
    else:
        checks.add("checkpoint", True, f"signed by {verifier.name}, origin {checkpoint.origin}")
    return checkpoint


def _check_inclusion(checks: _Checks, record: EvidenceRecord, checkpoint: Checkpoint) -> None:
    proof = record.inclusion
    assert proof is not None
    if proof.tree_size != checkpoint.size:
        checks.add(
            "inclusion", False, f"the proof is for size {proof.tree_size}, the checkpoint {checkpoint.size}"
        )
        return
    try:
        hashes = [base64.b64decode(h.encode("ascii"), validate=True) for h in proof.hashes]
        leaf = leaf_hash(canonical(record.statement))
        verify_inclusion(leaf, proof.leaf_index, proof.tree_size, hashes, checkpoint.root)
    except (binascii.Error, UnicodeEncodeError):
        checks.add("inclusion", False, "a proof hash is not valid base64")
        return
    except LogError as exc:
        checks.add("inclusion", False, str(exc))
        return
    checks.add("inclusion", True, f"leaf {proof.leaf_index} of {proof.tree_size}")


def verify_bare_envelope(envelope: Envelope, probe_key_pem: bytes) -> VerifyResult:
    """Checks 1 and 2 only: the signature by the PEM key, and that the payload is a measurement of it."""
    result = VerifyResult(kind="envelope")
    checks = _Checks(result)
    try:
        public = load_pem_public_key(probe_key_pem)
    except ValueError:
        raise VerifyInputError("--probe-key is not a PEM public key") from None
    if not isinstance(public, Ed25519PublicKey):
        raise VerifyInputError("--probe-key is not an Ed25519 public key")
    body = _check_signature(checks, envelope, public, result)
    measurement = _check_measurement(checks, body, result.probe_key_id if body else None)
    result.lab_data = measurement is not None and is_lab_payload(measurement)
    _check_verdict(checks, measurement)
    return result


def load_evidence(path: Path) -> EvidenceRecord | Envelope:
    """Read an EvidenceRecord or a bare DSSE envelope from `path`; VerifyInputError if it is neither."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise VerifyInputError(f"{path} is larger than {MAX_FILE_BYTES >> 20} MiB; it is not evidence")
        data = json.loads(path.read_bytes())
    except OSError as exc:
        raise VerifyInputError(f"cannot read {path}: {exc.strerror}") from None
    except (ValueError, UnicodeDecodeError):
        raise VerifyInputError(f"{path} is not JSON; give an evidence record or a DSSE envelope") from None
    if not isinstance(data, dict):
        raise VerifyInputError(f"{path} is not an evidence record nor a DSSE envelope")
    model: type[EvidenceRecord] | type[Envelope] = Envelope if "payloadType" in data else EvidenceRecord
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        what = "a DSSE envelope" if model is Envelope else "an evidence record"
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the top level"
        raise VerifyInputError(f"{path} is not {what}: {where}: {first['msg']}") from None


def verify_file(
    path: Path, *, log_key: str | None = None, probe_key_pem: bytes | None = None
) -> VerifyResult:
    """Verify an EvidenceRecord file, or a bare envelope file with `probe_key_pem`."""
    evidence = load_evidence(path)
    if isinstance(evidence, Envelope):
        if probe_key_pem is None:
            raise VerifyInputError(
                f"{path} is a bare DSSE envelope: give the probe's public key with --probe-key PEM to check its "
                "signature (an evidence record from the collector carries it)"
            )
        return verify_bare_envelope(evidence, probe_key_pem)
    return verify_record(evidence, log_key=log_key)
