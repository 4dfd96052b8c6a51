"""The ingestion contract (EVIDENCE.md), one envelope at a time, in its fixed order:

parse envelope (exactly one signature) -> key enrolled and not revoked -> verify signature (before the
payload is parsed) -> payload bytes: UTF-8, no duplicate keys, within bounds, RFC 8785 canonical ->
strict validation (no coercion, ranges) -> observed ASN (from the address, in memory, then dropped) ->
time checks -> network evidence and time bracket (probe.collector.attest) -> insert keyed on
SHA-256(payload), the envelope stored as the exact bytes received -> durable commit -> signed receipt.

Every rejection is an `IngestResult` with a 4xx status and a machine-readable reason (429 and 503 ask
the probe to retry).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import math
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from probe.analysis.facts import epoch_hour, fact_of
from probe.collector.attest import network_evidence, time_bracket
from probe.collector.db import Connection, is_postgres
from probe.collector.renewal import tier_at
from probe.collector.signing import CollectorKey
from probe.collector.storage import NewMeasurement, ProbeRow, Storage, StorageUnavailable
from probe.collector.wire import Received, WireError, checked_payload
from probe.models.evidence import IngestResult, Receipt
from probe.models.measurement import Measurement, TimeAnchor
from probe.service_settings import CollectorSettings
from probe.sign.dsse import MEASUREMENT_TYPE, RECEIPT_TYPE, Envelope, SignatureError, verify_envelope

CountryOf = Callable[[int], str | None]  # ASN -> country code, from the collector's own ip2asn table

FUTURE_SLACK = timedelta(hours=1)
T = TypeVar("T")


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def reject(status: int, reason: str, detail: str | None = None) -> IngestResult:
    return IngestResult(status=status, reason=reason, detail=detail)


class KeyCache:
    """Enrolled keys by id, from storage, kept for `ttl_s` so that a revocation made by another process
    (`probe collector revoke`, another worker) takes effect within that time."""

    def __init__(self, storage: Storage, ttl_s: float = 30.0) -> None:
        self.storage = storage
        self.ttl_s = ttl_s
        self._keys: dict[str, tuple[float, Ed25519PublicKey, ProbeRow]] = {}

    async def get(self, key_id: str, tier_now: bool = False) -> tuple[Ed25519PublicKey, ProbeRow] | None:
        """`tier_now`: read again a vouched key that has not vouched for a successor yet, so that a renewal
        accepted by another collector process ends its vouched turn at once here too (one read per request
        of a vouched key; probe.collector.renewal)."""
        now = time.monotonic()
        found = self._keys.get(key_id)
        stale = (
            found is not None and tier_now and found[2].tier == "vouched" and found[2].superseded_at is None
        )
        if found is None or stale or now - found[0] > self.ttl_s:
            row = await self.storage.probe(key_id)
            if row is None:
                return None
            found = (now, Ed25519PublicKey.from_public_bytes(row.public_key), row)
            self._keys[key_id] = found
        return found[1], found[2]

    async def enrolled(self, key_id: str) -> Ed25519PublicKey | None:
        """The key when it is enrolled and not revoked (what the collector's control serves)."""
        found = await self.get(key_id)
        return found[0] if found is not None and found[1].revoked_at is None else None

    def forget(self, key_id: str) -> None:
        self._keys.pop(key_id, None)


class RateLimiter:
    """`per_minute` envelopes per key and minute, counted in the database, so that every collector process
    on it shares one limit. Each process leases a share of the minute's allowance at a time (a twentieth
    of it), which costs one write per lease, not per envelope; the database never grants more than the
    limit, so all processes together accept at most `per_minute` a minute."""

    def __init__(self, per_minute: int, storage: Storage) -> None:
        self.per_minute = per_minute
        self.lease = max(1, per_minute // 20)
        self.storage = storage
        self._held: dict[str, tuple[int, int]] = {}  # key id -> (minute, envelopes left in the lease)

    async def take(self, key_id: str, now: float | None = None) -> float:
        """0 when allowed; otherwise the seconds to wait."""
        now = time.time() if now is None else now
        minute = int(now // 60)
        held_minute, left = self._held.get(key_id, (minute, 0))
        if held_minute != minute:
            left = 0
        if left == 0:
            want = self.lease
            granted = await self.storage.write(
                lambda conn: lease(conn, key_id, minute, want, self.per_minute)
            )
            # Another request for this key may have leased meanwhile: add to what it left, never overwrite.
            again_minute, again = self._held.get(key_id, (minute, 0))
            left = granted + (again if again_minute == minute else 0)
            if left == 0:
                self._held[key_id] = (minute, 0)
                return 60 - now % 60
        self._held[key_id] = (minute, left - 1)
        return 0.0


def lease(conn: Connection, key_id: str, minute: int, want: int, limit: int) -> int:
    """Grant up to `want` of this minute's allowance for a key; returns how many were granted."""
    conn.execute(
        "INSERT INTO rate_windows (key_id, minute, used) VALUES (?, ?, 0) ON CONFLICT (key_id, minute) DO NOTHING",
        [key_id, minute],
    )
    lock = " FOR UPDATE" if is_postgres(conn) else ""  # SQLite's writer is alone in its transaction
    used = int(
        conn.execute(
            f"SELECT used FROM rate_windows WHERE key_id = ? AND minute = ?{lock}", [key_id, minute]
        ).fetchone()[0]
    )
    granted = max(0, min(want, limit - used))
    if granted:
        conn.execute(
            "UPDATE rate_windows SET used = used + ? WHERE key_id = ? AND minute = ?",
            [granted, key_id, minute],
        )
    if used == 0:  # the first lease of a minute sweeps away old minutes
        conn.execute("DELETE FROM rate_windows WHERE minute < ?", [minute - 1])
    return granted


@dataclass
class Pending:
    index: int
    new: NewMeasurement


MAX_ASN = 2**32 - 1
MAX_KEYS_PER_REQUEST = 16
INT64 = 2**63


def range_problem(parsed: object) -> str | None:
    """The first value in a parsed payload that no database column could hold: an integer outside signed
    64 bits, or a text with a NUL or a lone surrogate (PostgreSQL and UTF-8 refuse both); None if none."""
    todo = [parsed]
    while todo:
        value = todo.pop()
        if isinstance(value, bool) or value is None or isinstance(value, float):
            continue
        if isinstance(value, int) and not -INT64 <= value < INT64:
            return "an integer does not fit in 64 bits"
        if isinstance(value, str):
            if "\x00" in value:
                return "a text holds a NUL character"
            try:
                value.encode()
            except UnicodeEncodeError:
                return "a text holds a lone UTF-16 surrogate"
        elif isinstance(value, dict):
            todo.extend(value.keys())
            todo.extend(value.values())
        elif isinstance(value, list):
            todo.extend(value)
    return None


def column_problem(parsed: object, body: bytes, simple: bool) -> str | None:
    """range_problem, without the walk when the payload cannot hold any of its problems: every integer
    within 2^53 (`simple`, from probe.collector.wire) and no `\\u` escape in the bytes (a payload is valid
    UTF-8 JSON, so a NUL or a lone surrogate in a text can only be written as such an escape)."""
    if simple and b"\\u" not in body:
        return None
    return range_problem(parsed)


def asn_problem(m: Measurement) -> str | None:
    for name, value in (("probe.asn", m.probe.asn), ("probe.resolver_asn", m.probe.resolver_asn)):
        if value is not None and not 0 <= value <= MAX_ASN:
            return f"{name} {value} is not an AS number (0 to 2^32 - 1)"
    return None


@dataclass
class Signed:
    """An envelope whose signature verified: what the rest of the checks need."""

    received: Received
    key_id: str
    body: bytes
    row: ProbeRow


@dataclass
class Valid:
    """A measurement whose payload passed every check: what its receipt and fact need."""

    signed: Signed
    m: Measurement


class Ingestor:
    """The contract's checks for a batch, in stages: what costs CPU (parsing envelopes, verifying
    signatures, validating payloads, signing receipts) runs on ingest's own threads, one call per stage for
    the whole batch, so the event loop only waits for it; key lookups, the rate limit and the time anchors'
    signing times (database reads) run between stages."""

    def __init__(
        self,
        settings: CollectorSettings,
        storage: Storage,
        key: CollectorKey,
        keys: KeyCache,
        limiter: RateLimiter,
        country_of: CountryOf | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.key = key
        self.keys = keys
        self.limiter = limiter
        self.country_of = country_of or (lambda asn: None)
        self.control_keys = {key.key_id: key.private.public_key()}
        self.log_within_s = max(5, math.ceil(settings.checkpoint_interval_s * 5))
        self.max_payload_b64 = 4 * -(-settings.max_measurement_bytes // 3)
        # Ingest's own threads: its CPU work never queues behind page rendering or other thread work.
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="collector-ingest")
        self._anchors: dict[tuple[int, str], str | None] = {}  # checkpoints never change: cached

    async def cpu(self, job: Callable[[], T]) -> T:
        """Run CPU-bound work of ingest on its own threads, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._pool, job)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def anchor_signed_at(self, anchor: TimeAnchor | None) -> str | None:
        """When this collector signed the checkpoint a measurement names as its time anchor; None when it
        names none, or one this collector never signed (then it bounds nothing)."""
        if anchor is None:
            return None
        slot = (anchor.tree_size, anchor.root_hash)
        if slot not in self._anchors:

            def job(conn: Any) -> str | None:
                row = conn.execute(
                    "SELECT root, signed_at FROM checkpoints WHERE size = ?", [anchor.tree_size]
                ).fetchone()
                if row is None or base64.b64encode(bytes(row[0])).decode() != anchor.root_hash:
                    return None
                return str(row[1])

            found = await self.storage.read(job)
            if found is None:
                return None  # not cached: the checkpoint may be signed a moment later
            if len(self._anchors) > 10_000:
                self._anchors.clear()
            self._anchors[slot] = found
        return self._anchors[slot]

    async def check(
        self, received: Received | Any, observed_asn: int | None, received_at: str
    ) -> IngestResult | NewMeasurement:
        """Every check before storage, in the contract's order. `received`: the envelope's JSON and exact
        bytes (a bare JSON value is re-serialised: only for callers inside the collector)."""
        return (await self.check_all([received], observed_asn, received_at))[0]

    async def check_all(
        self, items: list[Received | Any], observed_asn: int | None, received_at: str
    ) -> list[IngestResult | NewMeasurement]:
        envelopes = await self.cpu(lambda: [self.envelope_of(item) for item in items])
        keys: dict[str, tuple[Ed25519PublicKey, ProbeRow] | None] = {}
        for i, e in enumerate(envelopes):
            if isinstance(e, tuple) and e[1].signatures[0].keyid not in keys:
                if len(keys) >= MAX_KEYS_PER_REQUEST:  # a probe sends its own; each lookup costs a read
                    envelopes[i] = reject(
                        400,
                        "too_many_keys",
                        f"one request carries envelopes of at most {MAX_KEYS_PER_REQUEST} keys",
                    )
                    continue
                kid = e[1].signatures[0].keyid
                keys[kid] = await self.keys.get(kid, tier_now=True)
        signed = await self.cpu(lambda: [self.verify(e, keys) for e in envelopes])
        for i, item in enumerate(signed):
            if isinstance(item, Signed):
                wait = await self.limiter.take(item.key_id)
                if wait > 0:
                    signed[i] = reject(429, "rate_limited", f"retry after {math.ceil(wait)} s")
        valid = await self.cpu(lambda: [self.validate(item, received_at) for item in signed])
        anchors = [
            await self.anchor_signed_at(v.m.time_anchor) if isinstance(v, Valid) else None for v in valid
        ]
        return await self.cpu(
            lambda: [
                self.finish(v, observed_asn, received_at, anchor)
                for v, anchor in zip(valid, anchors, strict=True)
            ]
        )

    def envelope_of(self, item: Received | Any) -> IngestResult | tuple[Received, Envelope]:
        received = (
            item
            if isinstance(item, Received)
            else Received(item, json.dumps(item, separators=(",", ":")).encode())
        )
        raw = received.value
        if not isinstance(raw, dict):
            return reject(
                400, "bad_envelope", "an envelope is a JSON object with payloadType, payload, signatures"
            )
        payload = raw.get("payload")
        if isinstance(payload, str) and len(payload) > self.max_payload_b64:
            return reject(
                413, "too_large", f"a measurement is at most {self.settings.max_measurement_bytes} bytes"
            )
        try:
            envelope = Envelope.model_validate(raw, strict=True)
        except ValidationError as exc:
            return reject(400, "bad_envelope", f"{exc.error_count()} invalid fields")
        if envelope.payloadType != MEASUREMENT_TYPE:
            return reject(415, "wrong_type", f"payloadType must be {MEASUREMENT_TYPE}")
        if len(envelope.signatures) != 1:
            return reject(400, "signatures", "a measurement carries exactly one signature, by its probe key")
        return received, envelope

    def verify(
        self,
        item: IngestResult | tuple[Received, Envelope],
        keys: dict[str, tuple[Ed25519PublicKey, ProbeRow] | None],
    ) -> IngestResult | Signed:
        if isinstance(item, IngestResult):
            return item
        received, envelope = item
        key_id = envelope.signatures[0].keyid
        known = keys.get(key_id)
        if known is None:
            return reject(403, "unknown_key", "enrol the key first: POST /api/v1/probes")
        public, row = known
        if row.revoked_at is not None:
            return reject(403, "revoked_key", f"the key was revoked at {row.revoked_at}")
        try:
            body = verify_envelope(envelope, MEASUREMENT_TYPE, {key_id: public})
        except SignatureError as exc:
            reason = "bad_base64" if "base64" in str(exc) else "bad_signature"
            return reject(400, reason, str(exc))
        return Signed(received, key_id, body, row)

    def validate(self, item: IngestResult | Signed, received_at: str) -> IngestResult | Valid:
        """The payload's checks, for an envelope whose signature verified."""
        if isinstance(item, IngestResult):
            return item
        key_id, body = item.key_id, item.body
        try:
            value, simple = checked_payload(body)
        except WireError as exc:
            return reject(422, exc.reason, exc.detail)
        try:
            m = Measurement.model_validate_json(body, strict=True, context={"ingest": True})
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(p) for p in first["loc"])
            return reject(
                422, "bad_payload", f"{exc.error_count()} invalid fields, first: {where}: {first['msg']}"
            )
        if m.probe.key_id != key_id:
            return reject(422, "bad_payload", "probe.key_id does not name the key that signed the envelope")
        if problem := asn_problem(m) or column_problem(value, body, simple):
            return reject(422, "out_of_range", problem)
        try:
            started = datetime.fromisoformat(m.started_at.replace("Z", "+00:00"))
            started.timestamp()
        except (ValueError, OverflowError, OSError):
            return reject(422, "bad_payload", "started_at is not an ISO 8601 time")
        now = datetime.fromisoformat(received_at.replace("Z", "+00:00"))
        if started > now + FUTURE_SLACK:
            return reject(422, "future_start", f"started_at {m.started_at} is more than an hour ahead")
        if started < now - timedelta(days=self.settings.max_age_days):
            return reject(422, "too_old", f"started_at is more than {self.settings.max_age_days} days old")
        return Valid(item, m)

    def finish(
        self,
        item: IngestResult | Valid,
        observed_asn: int | None,
        received_at: str,
        anchor_signed_at: str | None,
    ) -> IngestResult | NewMeasurement:
        """Network evidence, time bracket and the signed receipt, for a measurement that passed."""
        if isinstance(item, IngestResult):
            return item
        m, key_id, body, row = item.m, item.signed.key_id, item.signed.body, item.signed.row
        attestation = network_evidence(m, key_id, observed_asn, self.control_keys)
        bracket = time_bracket(m.started_at, received_at, row.enrolled_at, anchor_signed_at, attestation)
        tier = tier_at(row, m.started_at)  # a renewed chain is one vouched key at a time
        asn_of_record = m.probe.asn if m.probe.asn is not None else observed_asn
        digest = hashlib.sha256(body).hexdigest()
        receipt, _ = self.key.sign_model(
            RECEIPT_TYPE,
            Receipt(
                collector=self.key.origin,
                measurement_uid=m.measurement_uid,
                payload_sha256=digest,
                key_id=key_id,
                received_at=received_at,
                observed_asn=observed_asn,
                tier=tier,
                log_within_s=self.log_within_s,
                network_evidence=attestation.evidence,
                network_why=attestation.why,
                time_earliest=bracket.earliest,
                time_ok=bracket.inside,
                key_enrolled_at=row.enrolled_at,
            ),
        )
        return NewMeasurement(
            payload_sha256=digest,
            uid=m.measurement_uid,
            key_id=key_id,
            asn=observed_asn,
            tier=tier,
            received_at=received_at,
            started_at=m.started_at,
            envelope=item.signed.received.raw.decode("utf-8"),  # the exact bytes received
            receipt=receipt.model_dump_json(),
            url=m.target.url,
            fact=fact_of(
                m,
                seq=0,
                observed_asn=observed_asn,
                tier=tier,
                evidence=attestation.evidence,
                time_ok=bracket.inside,
                key_since=epoch_hour(row.enrolled_at),
                cc=self.country_of(asn_of_record) if asn_of_record is not None else None,
            ),
        )

    async def ingest(
        self, raws: list[Received], observed_asn: int | None
    ) -> list[tuple[IngestResult, str | None]]:
        """Results in order, each with the stored receipt's exact JSON text when there is one."""
        received_at = utc_now()
        results: list[tuple[IngestResult, str | None] | None] = []
        pending: list[Pending] = []
        for index, checked in enumerate(await self.check_all(raws, observed_asn, received_at)):
            if isinstance(checked, IngestResult):
                results.append((checked, None))
            else:
                results.append(None)
                pending.append(Pending(index, checked))
        if pending:
            try:
                stored = await self.storage.store([p.new for p in pending])
            except StorageUnavailable as exc:
                for p in pending:
                    results[p.index] = (reject(503, "unavailable", f"not stored: {exc}"), None)
            else:
                for p, outcome in zip(pending, stored, strict=True):
                    if outcome.status == 409:
                        results[p.index] = (
                            reject(409, "conflict", "this uid was stored with other bytes"),
                            None,
                        )
                    elif outcome.receipt is None:  # the database refused this one item (Stored.reason)
                        results[p.index] = (reject(outcome.status, "not_storable", outcome.reason), None)
                    else:
                        # The stored receipt travels as its exact JSON text; it is not parsed again here.
                        results[p.index] = (IngestResult(status=outcome.status), outcome.receipt)
        return [r for r in results if r is not None]
