"""Offline verification of evidence records: every check passes on real evidence, and each byte changed in
any part of the chain makes the check responsible for that part fail, by name.

The evidence is made with the project's own pieces (ProbeSigner, DSSE, RFC 8785, a MemoryHashes Merkle
tree and a C2SP NoteSigner) by `TinyLog`, a log small enough to read in one screen.
"""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from typer.testing import CliRunner

from probe.cli.verify import verify as verify_command
from probe.config import DEFAULT_BOGON_RANGES, Settings
from probe.log import Checkpoint, MemoryHashes, NoteSigner, inclusion_proof, leaf_hash
from probe.measure.flow import UrlFacts
from probe.models.evidence import EvidenceRecord, InclusionProof, LogStatement, Receipt
from probe.models.measurement import Measurement, TargetRef
from probe.models.verdict import Verdict
from probe.runner import build_measurement, fingerprint_set
from probe.sign.dsse import RECEIPT_TYPE, Envelope, sign_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import DeviceSeed, key_id, public_pem, raw_public
from probe.sign.signer import ProbeSigner
from probe.verify import CHECK_NAMES, VerifyResult, verify_file, verify_record
from tests.shared_data import require_tools
from tests.test_classify import dns as classify_dns

ORIGIN = "saksi.test/log"


class TinyLog:
    """A collector's signing side in miniature: receipts, statements, a Merkle tree, checkpoints."""

    def __init__(self, origin: str = ORIGIN, seed: bytes = b"\x07" * 32) -> None:
        self.key = Ed25519PrivateKey.from_private_bytes(seed)
        self.notes = NoteSigner(origin, self.key)
        self.origin = origin
        self.hashes = MemoryHashes()
        # Other probes' entries, so the proofs have several hashes.
        for i in range(5):
            self.hashes.append(leaf_hash(f"other statement {i}".encode()))

    @property
    def vkey(self) -> str:
        return self.notes.verifier_key()

    def receipt(self, m: Measurement, digest: str, received_at: str, asn: int | None) -> Envelope:
        assert m.probe.key_id is not None
        receipt = Receipt(
            collector=self.origin,
            measurement_uid=m.measurement_uid,
            payload_sha256=digest,
            key_id=m.probe.key_id,
            received_at=received_at,
            observed_asn=asn,
            tier="unverified",
            log_within_s=10,
        )
        return sign_envelope(RECEIPT_TYPE, canonical(receipt), self.key, key_id(self.key.public_key()))

    def append(self, statement: LogStatement) -> int:
        self.hashes.append(leaf_hash(canonical(statement)))
        for i in range(3):  # and a few later entries
            self.hashes.append(leaf_hash(f"later statement {self.hashes.size}-{i}".encode()))
        return self.hashes.size - 4

    def checkpoint(self) -> str:
        size = self.hashes.size
        return self.notes.sign(Checkpoint(self.origin, size, self.hashes.root(size)).text())

    def record(
        self, envelope: Envelope, m: Measurement, digest: str, *, sequenced: bool = True
    ) -> EvidenceRecord:
        received_at = "2025-01-02T03:04:07.123Z"
        assert m.probe.key_id is not None
        statement = LogStatement(
            payload_sha256=digest, key_id=m.probe.key_id, asn=m.probe.asn, received_at=received_at
        )
        receipt = self.receipt(m, digest, received_at, m.probe.asn)
        inclusion, checkpoint = None, None
        if sequenced:
            index = self.append(statement)
            size = self.hashes.size
            proof = inclusion_proof(index, size, self.hashes)
            inclusion = InclusionProof(
                leaf_index=index, tree_size=size, hashes=[base64.b64encode(h).decode() for h in proof]
            )
            checkpoint = self.checkpoint()
        return EvidenceRecord(
            envelope=envelope,
            receipt=receipt,
            probe_key=probe_key_b64(envelope, m),
            statement=statement,
            inclusion=inclusion,
            checkpoint=checkpoint,
            log_key=self.vkey,
        )


_KEYS: dict[str, str] = {}


def probe_key_b64(envelope: Envelope, m: Measurement) -> str:
    return _KEYS[envelope.signatures[0].keyid]


def signed_measurement(
    tmp_path: Path, asn: int | None = 38623
) -> tuple[Measurement, Envelope, str, ProbeSigner]:
    """A measurement as `probe run` makes it (build_measurement, ProbeSigner), with no network."""
    signer = ProbeSigner(DeviceSeed(tmp_path / "device.seed"))
    settings = Settings(probe={"asn": asn}, store={"path": tmp_path / "probe.db"})
    facts = UrlFacts(
        url="https://www.rfa.org/",
        started_at="2025-01-02T03:04:05.000Z",
        finished_at="2025-01-02T03:04:06.000Z",
    )
    m = build_measurement(facts, TargetRef(url=facts.url), settings, fingerprint_set(None), signer=signer)
    envelope, digest = signer.sign(m)
    key = signer.key(asn, datetime(2025, 1, 2, tzinfo=UTC)).public_key()
    _KEYS[key_id(key)] = base64.b64encode(raw_public(key)).decode()
    return m, envelope, digest, signer


@pytest.fixture
def evidence(tmp_path: Path) -> tuple[EvidenceRecord, TinyLog]:
    log = TinyLog()
    m, envelope, digest, _ = signed_measurement(tmp_path)
    return log.record(envelope, m, digest), log


def test_real_evidence_verifies_every_check(evidence: tuple[EvidenceRecord, TinyLog]) -> None:
    record, log = evidence
    result = verify_record(record)
    assert [c.name for c in result.checks] == list(CHECK_NAMES)
    assert result.ok, result.checks
    assert result.summary() == (
        f"verified: signature, receipt, inclusion in checkpoint {log.hashes.size} of {ORIGIN}, "
        f"checkpoint signature by {ORIGIN}; verdict recomputed from its observations; network evidence and "
        "time bracket not recorded (a receipt from before 2026-12)"
    )
    assert verify_record(record, log_key=log.vkey).ok


def test_a_verdict_its_observations_do_not_give_fails(tmp_path: Path) -> None:
    """A probe (or whoever holds its key) signs "blocked" over observations that show nothing of the kind:
    every signature verifies, the recomputed verdict does not."""
    log = TinyLog()
    m, _, _, signer = signed_measurement(tmp_path)
    lie = Verdict(
        outcome="blocked",
        method="dns.nxdomain",
        confidence="confirmed",
        rule_id="dns.rcode",
        explanation="DNS: the resolver said the name does not exist.",
    )
    forged = m.model_copy(update={"verdict": lie})
    envelope, digest = signer.sign(forged)
    result = verify_record(log.record(envelope, forged, digest))
    _assert_fails_at(result, "verdict")
    assert "the verdict says blocked (dns.nxdomain, confirmed) by rule dns.rcode" in result.summary()
    assert "its signed observations give" in result.summary() and m.verdict.outcome in result.summary()

    # A verdict made under other rules is not recomputed, and the summary says so (it is not a failure).
    other = m.model_copy(update={"rules_version": "2025.01.0"})
    envelope, digest = signer.sign(other)
    result = verify_record(log.record(envelope, other, digest))
    assert result.ok and "verdict not recomputed: the verdict names rules 2025.01.0" in result.summary()


# -- tampering ---------------------------------------------------------------------------------------


def _flip_b64(value: str, index: int) -> str:
    raw = bytearray(base64.b64decode(value))
    raw[index % len(raw)] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def _positions(length: int, most: int = 120) -> list[int]:
    """Every byte of short values; for long ones an even spread, first and last byte included."""
    if length <= most:
        return list(range(length))
    step = length / most
    return sorted({int(i * step) for i in range(most)} | {length - 1})


def _with(record: EvidenceRecord, **changes: Any) -> EvidenceRecord:
    return EvidenceRecord.model_validate({**record.model_dump(), **changes})


def _env_with(envelope: Envelope, *, payload: str | None = None, sig: str | None = None) -> dict[str, Any]:
    data = envelope.model_dump()
    if payload is not None:
        data["payload"] = payload
    if sig is not None:
        data["signatures"][0]["sig"] = sig
    return data


def test_a_probe_with_its_own_bogon_ranges_verifies_and_a_changed_range_fails(tmp_path: Path) -> None:
    """A probe that counts 203.0.113.0/24 as bogon (network.bogon_ranges) says dns.bogon for an answer
    there: the record carries its ranges, so the recomputed verdict agrees; the same record signed with
    another range recorded fails, and a record with the default ranges carries none."""
    log = TinyLog()
    signer = ProbeSigner(DeviceSeed(tmp_path / "device.seed"))
    ranges = [*DEFAULT_BOGON_RANGES, "203.0.113.0/24"]
    settings = Settings(
        probe={"asn": 38623}, network={"bogon_ranges": ranges}, store={"path": tmp_path / "probe.db"}
    )
    facts = UrlFacts(
        url="http://www.rfa.org/",
        started_at="2025-01-02T03:04:05.000Z",
        finished_at="2025-01-02T03:04:06.000Z",
        dns=[classify_dns("203.0.113.10")],
    )
    m = build_measurement(facts, TargetRef(url=facts.url), settings, fingerprint_set(None), signer=signer)
    assert (m.verdict.method, m.verdict.rule_id) == ("dns.bogon", "dns.bogon")
    assert m.classifier is not None and m.classifier.bogon_ranges[-1] == "203.0.113.0/24"
    key = signer.key(38623, datetime(2025, 1, 2, tzinfo=UTC)).public_key()
    _KEYS[key_id(key)] = base64.b64encode(raw_public(key)).decode()
    envelope, digest = signer.sign(m)
    result = verify_record(log.record(envelope, m, digest))
    assert result.ok and "verdict recomputed from its observations" in result.summary(), result.checks

    changed = m.model_copy(
        update={"classifier": m.classifier.model_copy(update={"bogon_ranges": [*DEFAULT_BOGON_RANGES]})}
    )
    envelope, digest = signer.sign(changed)
    result = verify_record(log.record(envelope, changed, digest))
    _assert_fails_at(result, "verdict")
    assert "the verdict says blocked (dns.bogon, likely) by rule dns.bogon" in result.summary()
    assert "the bogon ranges it records" in result.summary()

    plain = Settings(probe={"asn": 38623}, store={"path": tmp_path / "probe.db"})
    default = build_measurement(facts, TargetRef(url=facts.url), plain, fingerprint_set(None), signer=signer)
    assert default.classifier is None
    assert default.verdict.method != "dns.bogon"


def test_recorded_bogon_ranges_are_checked_at_ingest(tmp_path: Path) -> None:
    m, _, _, _ = signed_measurement(tmp_path)
    for ranges, problem in (
        (["203.0.113.0/24"], None),
        (["not a network"], "is not a network in CIDR form"),
        (["10.0.0.0/8"] * 257, "more than 256 ranges"),
    ):
        data = {**m.model_dump(mode="json", exclude_none=True), "classifier": {"bogon_ranges": ranges}}
        if problem is None:
            assert Measurement.model_validate(data, context={"ingest": True}).classifier is not None
        else:
            with pytest.raises(ValueError, match=problem):
                Measurement.model_validate(data, context={"ingest": True})


def _assert_fails_at(result: VerifyResult, name: str) -> None:
    failure = result.first_failure
    assert failure is not None and failure.name == name, result.checks
    assert result.summary().startswith(f"FAILED: {name}: ")
    for check in result.checks[: CHECK_NAMES.index(name)]:
        assert check.ok or check.skipped, (name, check)  # skipped: it depends on the failing one


Tamper = Callable[[EvidenceRecord, int], EvidenceRecord]


def _payload(record: EvidenceRecord, i: int) -> EvidenceRecord:
    return _with(record, envelope=_env_with(record.envelope, payload=_flip_b64(record.envelope.payload, i)))


def _signature(record: EvidenceRecord, i: int) -> EvidenceRecord:
    sig = record.envelope.signatures[0].sig
    return _with(record, envelope=_env_with(record.envelope, sig=_flip_b64(sig, i)))


def _receipt_payload(record: EvidenceRecord, i: int) -> EvidenceRecord:
    return _with(record, receipt=_env_with(record.receipt, payload=_flip_b64(record.receipt.payload, i)))


def _receipt_signature(record: EvidenceRecord, i: int) -> EvidenceRecord:
    sig = record.receipt.signatures[0].sig
    return _with(record, receipt=_env_with(record.receipt, sig=_flip_b64(sig, i)))


def _proof_hash(record: EvidenceRecord, i: int) -> EvidenceRecord:
    assert record.inclusion is not None
    hashes = list(record.inclusion.hashes)
    which = i % len(hashes)
    hashes[which] = _flip_b64(hashes[which], i // len(hashes))
    return _with(record, inclusion={**record.inclusion.model_dump(), "hashes": hashes})


def _checkpoint_char(record: EvidenceRecord, i: int) -> EvidenceRecord:
    assert record.checkpoint is not None
    text = record.checkpoint
    i %= len(text)
    replacement = "x" if text[i] != "x" else "y"
    return _with(record, checkpoint=text[:i] + replacement + text[i + 1 :])


def _probe_key(record: EvidenceRecord, i: int) -> EvidenceRecord:
    return _with(record, probe_key=_flip_b64(record.probe_key, i))


def _length(record: EvidenceRecord, part: str) -> int:
    if part == "payload":
        return len(base64.b64decode(record.envelope.payload))
    if part == "receipt_payload":
        return len(base64.b64decode(record.receipt.payload))
    if part in ("signature", "receipt_signature"):
        return 64
    if part == "proof":
        assert record.inclusion is not None
        return 32 * len(record.inclusion.hashes)
    if part == "checkpoint":
        assert record.checkpoint is not None
        return len(record.checkpoint)
    return 32


TAMPERING: list[tuple[str, Tamper, str]] = [
    ("payload", _payload, "signature"),
    ("signature", _signature, "signature"),
    ("probe_key", _probe_key, "signature"),
    ("receipt_payload", _receipt_payload, "receipt"),
    ("receipt_signature", _receipt_signature, "receipt"),
    ("proof", _proof_hash, "inclusion"),
    ("checkpoint", _checkpoint_char, "checkpoint"),
]


@pytest.mark.parametrize(("part", "tamper", "expected"), TAMPERING, ids=[t[0] for t in TAMPERING])
def test_each_changed_byte_fails_the_right_check(
    evidence: tuple[EvidenceRecord, TinyLog], part: str, tamper: Tamper, expected: str
) -> None:
    record, _ = evidence
    for i in _positions(_length(record, part)):
        _assert_fails_at(verify_record(tamper(record, i)), expected)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("payload_sha256", "0" * 64),
        ("key_id", "f" * 64),
        ("received_at", "2025-01-02T03:04:07.124Z"),
        ("asn", 38624),
        ("asn", None),
    ],
)
def test_a_changed_statement_field_fails_the_statement_check(
    evidence: tuple[EvidenceRecord, TinyLog], field: str, value: object
) -> None:
    record, _ = evidence
    changed = _with(record, statement={**record.statement.model_dump(), field: value})
    result = verify_record(changed)
    _assert_fails_at(result, "statement")
    assert field in result.check("statement").message
    assert result.check("inclusion").skipped


def test_a_statement_the_receipt_also_names_but_not_in_the_tree_fails_inclusion(
    evidence: tuple[EvidenceRecord, TinyLog],
) -> None:
    record, _ = evidence
    assert record.inclusion is not None
    moved = _with(
        record, inclusion={**record.inclusion.model_dump(), "leaf_index": record.inclusion.leaf_index + 1}
    )
    _assert_fails_at(verify_record(moved), "inclusion")


def test_another_log_key_fails_the_receipt_and_a_given_key_must_match(
    evidence: tuple[EvidenceRecord, TinyLog],
) -> None:
    record, _ = evidence
    stranger = TinyLog(seed=b"\x09" * 32)
    result = verify_record(record, log_key=stranger.vkey)
    _assert_fails_at(result, "receipt")
    assert "not the one given" in result.check("receipt").message
    # The record claims the stranger's key: the receipt (signed by the real one) no longer verifies.
    _assert_fails_at(verify_record(_with(record, log_key=stranger.vkey)), "receipt")


def test_a_checkpoint_of_another_origin_fails(tmp_path: Path) -> None:
    log = TinyLog(origin="elsewhere.test/log")
    m, envelope, digest, _ = signed_measurement(tmp_path)
    record = log.record(envelope, m, digest)
    # The receipt says saksi.test/log was the collector, the checkpoint is elsewhere's.
    other = TinyLog(origin=ORIGIN, seed=b"\x07" * 32)
    record = _with(record, receipt=other.receipt(m, digest, record.statement.received_at, m.probe.asn))
    result = verify_record(record, log_key=None)
    # Receipts name the raw key (DSSE keyid = SHA-256 of it), so the receipt verifies under either name;
    # the checkpoint's origin is what differs.
    _assert_fails_at(result, "checkpoint")
    assert "origin" in result.check("checkpoint").message


def test_a_key_id_that_is_not_the_probe_key_hash_fails_the_signature(
    evidence: tuple[EvidenceRecord, TinyLog],
) -> None:
    record, _ = evidence
    data = record.envelope.model_dump()
    data["signatures"][0]["keyid"] = "ab" * 32
    _assert_fails_at(verify_record(_with(record, envelope=data)), "signature")


def test_unsequenced_record_is_not_verified_yet(tmp_path: Path) -> None:
    log = TinyLog()
    m, envelope, digest, _ = signed_measurement(tmp_path)
    result = verify_record(log.record(envelope, m, digest, sequenced=False))
    assert not result.ok and result.unsequenced and result.ok_except_sequencing()
    assert result.summary().startswith("not verified yet:")


# -- the command ---------------------------------------------------------------------------------


def _cli(*args: str) -> Any:
    import typer

    app = typer.Typer()
    app.command()(verify_command)
    return CliRunner().invoke(app, list(args))


def test_command_prints_one_line_and_exit_codes(
    tmp_path: Path, evidence: tuple[EvidenceRecord, TinyLog]
) -> None:
    record, log = evidence
    good = tmp_path / "record.json"
    good.write_text(record.model_dump_json())
    result = _cli(str(good), "--log-key", log.vkey)
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == (
        f"verified: signature, receipt, inclusion in checkpoint {log.hashes.size} of {ORIGIN}, "
        f"checkpoint signature by {ORIGIN}; verdict recomputed from its observations; network evidence and "
        "time bracket not recorded (a receipt from before 2026-12)"
    )
    bad = tmp_path / "bad.json"
    bad.write_text(_checkpoint_char(record, 3).model_dump_json())
    result = _cli(str(bad))
    assert result.exit_code == 1
    assert result.stdout.startswith("FAILED: checkpoint: ")


def test_command_unsequenced_exits_1_unless_allowed(tmp_path: Path) -> None:
    log = TinyLog()
    m, envelope, digest, _ = signed_measurement(tmp_path)
    path = tmp_path / "record.json"
    path.write_text(log.record(envelope, m, digest, sequenced=False).model_dump_json())
    assert _cli(str(path)).exit_code == 1
    result = _cli(str(path), "--allow-unsequenced")
    assert result.exit_code == 0
    assert "not in a signed checkpoint yet" in result.stdout


def test_bare_envelope_with_probe_key_says_what_was_not_checked(tmp_path: Path) -> None:
    _, envelope, _, signer = signed_measurement(tmp_path)
    path = tmp_path / "env.json"
    path.write_text(envelope.model_dump_json())
    pem = tmp_path / "probe_pub.pem"
    pem.write_text(public_pem(signer.key(38623, datetime(2025, 1, 2, tzinfo=UTC)).public_key()))
    result = verify_file(path, probe_key_pem=pem.read_bytes())
    assert result.ok and result.kind == "envelope"
    assert "NOT checked" in result.summary()
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(_env_with(envelope, payload=_flip_b64(envelope.payload, 10))))
    assert verify_file(tampered, probe_key_pem=pem.read_bytes()).first_failure.name == "signature"  # type: ignore[union-attr]


def test_unreadable_inputs_are_one_sentence(tmp_path: Path) -> None:
    _, envelope, _, _ = signed_measurement(tmp_path)
    path = tmp_path / "env.json"
    path.write_text(envelope.model_dump_json())
    for args in (
        [str(path)],  # a bare envelope without --probe-key
        [str(tmp_path / "missing.json")],
        [str(path), "--probe-key", str(tmp_path / "missing.pem")],
    ):
        result = _cli(*args)
        assert result.exit_code != 0
        assert result.exception is not None and "Traceback" not in result.output
        assert "\n" not in str(result.exception).strip()
    (tmp_path / "junk.json").write_text("[1, 2]")
    assert "not an evidence record" in str(_cli(str(tmp_path / "junk.json")).exception)


# -- the third-party recipe in docs/evidence.md ------------------------------------------------------


def _recipe() -> str:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "evidence.md").read_text()
    block = doc.split("<!-- openssl-recipe -->", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    return block


def test_the_documented_openssl_recipe_verifies_our_envelope(
    tmp_path: Path, evidence: tuple[EvidenceRecord, TinyLog]
) -> None:
    """Runs the shell lines of docs/evidence.md as written (bash, jq, openssl 3), no project code."""
    require_tools("jq", "openssl")
    record, _ = evidence
    (tmp_path / "record.json").write_text(record.model_dump_json(indent=2))
    script = _recipe()
    ok = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "Signature Verified Successfully" in ok.stdout
    digest = hashlib.sha256((tmp_path / "payload.json").read_bytes()).hexdigest()
    assert digest == record.statement.payload_sha256

    tampered = _payload(record, 40)
    (tmp_path / "record.json").write_text(tampered.model_dump_json(indent=2))
    bad = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], cwd=tmp_path, capture_output=True, text=True
    )
    assert bad.returncode != 0
    assert "Signature Verification Failure" in bad.stdout + bad.stderr
