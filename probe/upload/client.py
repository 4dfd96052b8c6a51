"""Drain the outbox to a collector (docs/collector-api.md), checking every receipt before an item leaves it.

The one place in the probe that talks to a collector. What it does, in order:

1. Pin the collector's log key (`GET /api/v1/log/key`): equal to `upload.log_key` when that is set, else
   trusted on first use and kept in the store under ``collector_log_key:<url>``. A key that differs from
   the pinned or configured one raises `CollectorKeyError`: it is never accepted silently.
2. Enrol every key that has items due and is not yet enrolled at this collector (`POST /api/v1/probes`),
   proving possession with an Ed25519 signature over ``"saksi-enrol-v1\\n" + base64(raw public key)``.
3. Send due items oldest first, `upload.batch_size` at a time (`POST /api/v1/measurements`, gzip).
4. For each result: a stored one (201/200) is marked uploaded only after its receipt verifies (DSSE type
   `application/vnd.saksi.receipt.v1+json`, signed by the pinned key, naming this item's payload hash,
   uid and key id); a rejection with the collector's machine-readable reason is dead; everything else
   (429, 5xx, a bad receipt, no answer) is retried later with backoff (probe.upload.policy).
5. After anything was stored, fetch the checkpoint, verify its signature and its consistency with the
   last one seen from this collector, and keep it as the time anchor of later measurements.

How the probe names the collector's key in DSSE: the vkey (C2SP ``<name>+<hex id>+base64(0x01 || key)``)
carries the raw 32-byte Ed25519 key; the receipt's DSSE ``keyid`` must be the hex SHA-256 of that raw key
(`probe.sign.keys.key_id`), exactly as for probe keys. The 4-byte C2SP key id is used only in notes.

A collector that is down, slow or overloaded never raises: items stay pending with a later next attempt
and `UploadReport.error` says what happened in one sentence. What a person must fix raises an
`UploadError` (the tree is drawn in probe.upload.errors).

Everything the probe sends to the collector (uploads, enrolment, whoami, the test lists, the reachability
check of `probe status`) leaves through one client, `collector_client`. With `upload.socks5` set (Tor:
127.0.0.1:9050) it goes through that SOCKS5 proxy, so that the collector never sees the volunteer's address;
the measurements (and the control service, which is part of measuring) never do. Through the proxy:

- names are resolved by the proxy, never locally: httpx 0.28 (httpcore + socksio) sends the collector's host
  name in the CONNECT request as a domain name (address type 3) and only IP literals as IPv4/IPv6; "socks5"
  and "socks5h" behave the same there, and the probe asks for "socks5h://" to say so. No DNS query for the
  collector leaves the machine, as Tor needs;
- `network.source_address` is not applied: httpcore's SOCKS pool cannot bind a local address, and the proxy is
  usually on loopback, which a non-loopback source address could not reach anyway;
- a proxy that does not answer is said in one sentence ("the SOCKS5 proxy at ... is not answering (is Tor
  running?)"), and is handled like a collector that is down: the items wait in the outbox.

This module may write only the outbox, enrolment and kv rows of the store; it never deletes a measurement.
"""

from __future__ import annotations

import base64
import gzip
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from probe.config import Settings
from probe.log import Checkpoint, NoteError, NoteVerifier, ProofError, verify_consistency
from probe.models.evidence import (
    BatchResult,
    ConsistencyProof,
    IngestResult,
)
from probe.models.measurement import Measurement, TimeAnchor
from probe.sign.dsse import Envelope, SignatureError
from probe.sign.keys import SEED_FILE, DeviceSeed, KeyFileError, key_id, quarter_of
from probe.sign.signer import ProbeSigner
from probe.store import TIME_ANCHOR_KEY, Store
from probe.store.db import OutboxItem
from probe.upload.connection import (
    API,
    _collector_url,
    _network_problem,
    _reason,
    _unreachable_sentence,
    collector_client,
)
from probe.upload.errors import (
    CollectorUnreachable,
    EnrolError,
    ReceiptError,
)
from probe.upload.identity import (
    check_receipt,
    enrol,
    pin_log_key,
    previous_vouched_key,
)
from probe.upload.policy import classify_status, next_attempt, parse_retry_after

__all__ = ["UploadReport", "stamp", "upload"]

CHECKPOINT_PREFIX = "collector_checkpoint:"  # the last checkpoint verified from a collector (consistency)


@dataclass
class UploadReport:
    """What one drain of the outbox did."""

    collector: str
    uploaded: int = 0  # stored now (201)
    duplicates: int = 0  # already stored (200); also marked uploaded
    dead: list[tuple[str, str]] = field(default_factory=list)  # (uid, the collector's reason)
    retrying: int = 0
    refused_receipts: int = 0  # receipts that did not verify (items kept, retried)
    enrolled: list[str] = field(default_factory=list)  # key ids enrolled during this run
    next_attempt_at: str | None = None  # the earliest retry scheduled during this run
    checkpoint_size: int | None = None  # the verified checkpoint taken as time anchor, if any
    pending: int = 0  # items left in the outbox after this run
    error: str | None = None  # one sentence, or None when all went well
    enrol_error: str | None = None  # a refused enrolment (also in `error`); its items wait in the outbox
    tiers: dict[str, str] = field(default_factory=dict)  # key id -> tier, for the keys enrolled now
    _loud: bool = field(default=False, repr=False)

    def problem(self, message: str, *, loud: bool = False) -> None:
        """Keep the first problem, unless a louder one (a trust failure) comes later."""
        if self.error is None or (loud and not self._loud):
            self.error, self._loud = message, loud

    def retry_at(self, when: str) -> None:
        self.retrying += 1
        if self.next_attempt_at is None or when < self.next_attempt_at:
            self.next_attempt_at = when


def stamp(when: datetime) -> str:
    """The store's timestamp form (ISO 8601 UTC, milliseconds, Z), which sorts as text."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


async def upload(
    settings: Settings,
    store: Store,
    *,
    now: datetime | None = None,
    rng: random.Random | None = None,
    client: httpx.AsyncClient | None = None,
) -> UploadReport:
    """Drain the due outbox items to `upload.url` (see the module docstring).

    Raises NoCollectorError when no collector is set and CollectorKeyError when its key cannot be trusted;
    a collector that is down, busy or wrong otherwise only leaves items pending, said in `report.error`.
    """
    url = _collector_url(settings)
    async with collector_client(settings, client) as http:
        run = _Run(settings, store, http, url, now or datetime.now(UTC), rng or random.Random())
        await run.drain()
    report = run.report
    report.pending = store.outbox_counts().get("pending", 0)
    # What went wrong is kept by kind for `probe status` and the daemon's log; a success clears it.
    if report.enrol_error:
        store.note_problem("enrolment", report.enrol_error)
    elif report.enrolled:
        store.clear_problem("enrolment")
    other = report.error if report.error != report.enrol_error else None
    if other:
        store.note_problem("upload", other)
    elif report.uploaded or report.duplicates or not report.pending:
        store.clear_problem("upload")
    return report


class _Unreachable(Exception):
    """Internal: the collector did not answer; stop this run."""


class _Run:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        http: httpx.AsyncClient,
        url: str,
        now: datetime,
        rng: random.Random,
    ) -> None:
        self.settings, self.store, self.http, self.url = settings, store, http, url
        self.now, self.rng = now, rng
        self.report = UploadReport(collector=url)
        self.verifier: NoteVerifier | None = None
        self._signer: ProbeSigner | None = None

    # scheduling ---------------------------------------------------------------------------------

    def retry(self, items: list[OutboxItem], error: str, retry_after_s: float | None = None) -> None:
        for item in items:
            when = next_attempt(
                item.attempts,
                self.now,
                base_s=self.settings.upload.retry_base_s,
                max_s=self.settings.upload.retry_max_s,
                rng=self.rng,
                retry_after_s=retry_after_s,
            )
            self.store.schedule_retry(item.uid, stamp(when), error)
            self.report.retry_at(stamp(when))

    async def unreachable(self, items: list[OutboxItem], exc: httpx.HTTPError) -> None:
        sentence, proxy_down = await _unreachable_sentence(self.settings, self.url, exc)
        self.retry(
            items, "SOCKS5 proxy not answering" if proxy_down else f"unreachable: {_network_problem(exc)}"
        )
        if proxy_down:
            self.report.problem(f"{sentence}; the measurements wait in the outbox")
        else:
            self.report.problem(f"{sentence}; the measurements stay in the outbox and will be sent later")

    # the run ------------------------------------------------------------------------------------

    async def drain(self) -> None:
        batch = self.settings.upload.batch_size
        due = self.store.outbox_due(stamp(self.now), batch)
        if not due:
            return
        try:
            self.verifier = await pin_log_key(self.settings, self.store, self.http)
        except httpx.HTTPStatusError as exc:
            self.retry(due, f"log key: status {exc.response.status_code}")
            self.report.problem(
                f"the collector at {self.url} answered {exc.response.status_code} when asked for its log key; "
                "is upload.url right? The measurements stay in the outbox"
            )
            return
        except httpx.HTTPError as exc:
            await self.unreachable(due, exc)
            return
        seen: set[str] = set()
        stored_any = False
        while due:
            fresh = [item for item in due if item.uid not in seen]
            if not fresh:
                break
            seen.update(item.uid for item in fresh)
            try:
                ready = await self.enrolled(fresh)
                before = self.report.uploaded + self.report.duplicates
                carry_on = await self.send(ready) if ready else True
            except _Unreachable:
                break
            stored_any = stored_any or self.report.uploaded + self.report.duplicates > before
            if not carry_on:
                break
            due = self.store.outbox_due(stamp(self.now), batch)
        if stored_any:
            await self.anchor()

    # enrolment ----------------------------------------------------------------------------------

    def private_key(self, item: OutboxItem) -> Ed25519PrivateKey:
        """The key that signed `item`, derived again from the device seed (as probe.runner does)."""
        if self._signer is None:
            seed = DeviceSeed(self.settings.store.seed_folder / SEED_FILE)
            seed.load(create=False)  # never make a new seed here: it could not have signed anything
            self._signer = ProbeSigner(seed)
        measurement = Measurement.model_validate_json(item.envelope.body())
        when = datetime.fromisoformat(measurement.started_at.replace("Z", "+00:00"))
        key = self._signer.key(measurement.probe.asn, when)
        if key_id(key.public_key()) != item.key_id:
            raise KeyFileError(
                f"the device key in {self.settings.store.seed_folder} did not sign these measurements (was it "
                "replaced?); restore the old one to enrol their key"
            )
        return key

    async def enrolled(self, items: list[OutboxItem]) -> list[OutboxItem]:
        """The items whose key is enrolled at this collector, enrolling keys first as needed."""
        groups: dict[str, list[OutboxItem]] = {}
        for item in items:
            groups.setdefault(item.key_id, []).append(item)
        ready: list[OutboxItem] = []
        for kid, group in groups.items():
            if self.store.is_enrolled(self.url, kid):
                ready += group
                continue
            if await self.enrol_group(kid, group):
                ready += group
        return ready

    def predecessor(self, item: OutboxItem) -> Ed25519PrivateKey | None:
        """The same network's vouched key of an earlier quarter, to vouch for this item's key."""
        assert self._signer is not None  # private_key(item) made it
        measurement = Measurement.model_validate_json(item.envelope.body())
        seed = self._signer
        asn = measurement.probe.asn
        quarter = quarter_of(datetime.fromisoformat(measurement.started_at.replace("Z", "+00:00")))
        return previous_vouched_key(self.store, self.url, lambda q: seed.key_in(asn, q), quarter)

    async def enrol_group(self, kid: str, group: list[OutboxItem]) -> bool:
        try:
            key = self.private_key(group[0])
            record, _new = await enrol(
                self.settings, self.store, key, predecessor=self.predecessor(group[0]), client=self.http
            )
        except CollectorUnreachable as exc:
            self.retry(group, "unreachable during enrolment")
            self.report.problem(f"{exc}; the measurements stay in the outbox and will be sent later")
            raise _Unreachable from None
        except (EnrolError, KeyFileError, SignatureError, ValidationError) as exc:
            message = str(exc) if not isinstance(exc, ValidationError) else "a stored envelope is unreadable"
            self.retry(group, f"enrolment: {message}")
            self.report.problem(message)
            self.report.enrol_error = message
            return False
        self.report.enrolled.append(kid)
        self.report.tiers[kid] = record.tier
        return True

    # sending ------------------------------------------------------------------------------------

    async def post(self, body: bytes) -> httpx.Response:
        return await self.http.post(
            f"{self.url}{API}/measurements",
            content=gzip.compress(body, compresslevel=6),
            headers={"content-type": "application/json", "content-encoding": "gzip"},
        )

    async def send(self, items: list[OutboxItem]) -> bool:
        """Send one batch; False when the collector is struggling and this run should stop."""
        body = b'{"envelopes":[' + b",".join(i.envelope.model_dump_json().encode() for i in items) + b"]}"
        try:
            response = await self.post(body)
        except httpx.HTTPError as exc:
            await self.unreachable(items, exc)
            return False
        status = response.status_code
        if status == 200:
            try:
                results = BatchResult.model_validate_json(response.content).results
            except ValidationError:
                results = []
            if len(results) != len(items):
                self.retry(items, "unreadable batch answer")
                self.report.problem(
                    f"the collector at {self.url} answered a batch with something that is not a result per "
                    "measurement; the measurements stay in the outbox"
                )
                return False
            fine = True
            for item, result in zip(items, results, strict=True):
                fine &= self.settle(
                    item, result.status, result.reason, result.detail, result.receipt, response
                )
            await self.reenrol(items, results)
            return fine
        return await self.whole_batch_refused(items, response)

    async def whole_batch_refused(self, items: list[OutboxItem], response: httpx.Response) -> bool:
        status = response.status_code
        reason, detail = _reason(response)
        if classify_status(status) == "dead" and reason is not None:
            if len(items) == 1:
                return self.settle(items[0], status, reason, detail, None, response)
            # The request as a whole was refused (too large, say): each envelope gets its own answer.
            fine = True
            for item in items:
                fine &= await self.send_single(item)
            return fine
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        self.retry(items, reason or f"status {status}", retry_after)
        if classify_status(status) == "dead":
            self.report.problem(
                f"the collector at {self.url} answered {status} without a reason; is upload.url right? The "
                "measurements stay in the outbox"
            )
        else:
            self.report.problem(
                f"the collector at {self.url} is busy or failing ({reason or status}); the measurements stay "
                "in the outbox and will be sent later"
            )
        return False

    async def send_single(self, item: OutboxItem) -> bool:
        try:
            response = await self.post(item.envelope.model_dump_json().encode())
        except httpx.HTTPError as exc:
            await self.unreachable([item], exc)
            return False
        receipt: Envelope | None = None
        reason, detail = _reason(response)
        if response.status_code in (200, 201):
            try:
                receipt = Envelope.model_validate_json(response.content)
            except ValidationError:
                receipt = None
        elif classify_status(response.status_code) == "dead" and reason is None:
            self.retry([item], f"status {response.status_code}")
            self.report.problem(
                f"the collector at {self.url} answered {response.status_code} without a reason; is upload.url "
                "right? The measurement stays in the outbox"
            )
            return False
        fine = self.settle(item, response.status_code, reason, detail, receipt, response)
        if reason == "unknown_key":
            await self.force_enrol(item)
        return fine

    def settle(
        self,
        item: OutboxItem,
        status: int,
        reason: str | None,
        detail: str | None,
        receipt: Envelope | None,
        response: httpx.Response,
    ) -> bool:
        """Record one envelope's fate; False when it should be retried (the collector is struggling)."""
        fate = classify_status(status)
        if fate == "done":
            if receipt is None:
                self.retry([item], "stored without a receipt")
                self.report.problem(
                    f"the collector at {self.url} said it stored a measurement but sent no receipt; it stays "
                    "in the outbox",
                    loud=True,
                )
                return True
            assert self.verifier is not None
            try:
                check_receipt(
                    receipt,
                    self.verifier,
                    uid=item.uid,
                    payload_sha256=item.payload_sha256,
                    probe_key_id=item.key_id,
                )
            except ReceiptError as exc:
                self.report.refused_receipts += 1
                self.retry([item], f"bad receipt: {exc}")
                self.report.problem(
                    f"REFUSED a receipt from {self.url}: {exc}; the measurement stays in the outbox",
                    loud=True,
                )
                return True
            self.store.mark_uploaded(item.uid, receipt.model_dump_json())
            if status == 201:
                self.report.uploaded += 1
            else:
                self.report.duplicates += 1
            return True
        if fate == "dead" and reason != "unknown_key":
            why = reason or f"status_{status}"
            self.store.mark_dead(item.uid, f"{why}: {detail}" if detail else why)
            self.report.dead.append((item.uid, why))
            return True
        # Retry: 429/5xx, or a key the collector does not know (it is enrolled again below).
        retry_after = parse_retry_after(response.headers.get("retry-after"))
        self.retry([item], reason or f"status {status}", retry_after)
        if reason == "unknown_key":
            return True
        self.report.problem(
            f"the collector at {self.url} is busy or failing ({reason or status}); the measurements stay in "
            "the outbox and will be sent later"
        )
        return False

    async def reenrol(self, items: list[OutboxItem], results: list[IngestResult]) -> None:
        """Keys the collector does not know (it lost or never had the enrolment) are enrolled again."""
        done: set[str] = set()
        for item, result in zip(items, results, strict=True):
            if result.reason == "unknown_key" and item.key_id not in done:
                done.add(item.key_id)
                await self.force_enrol(item)

    async def force_enrol(self, item: OutboxItem) -> None:
        try:
            key = self.private_key(item)
            await enrol(self.settings, self.store, key, predecessor=self.predecessor(item), client=self.http)
        except CollectorUnreachable:
            raise _Unreachable from None
        except (EnrolError, KeyFileError, SignatureError, ValidationError) as exc:
            self.report.problem(str(exc) if not isinstance(exc, ValidationError) else "unreadable envelope")
            return
        self.report.enrolled.append(item.key_id)

    # the time anchor ----------------------------------------------------------------------------

    async def anchor(self) -> None:
        """Keep the collector's latest checkpoint, verified and consistent with the last one, as time anchor."""
        assert self.verifier is not None
        try:
            response = await self.http.get(f"{self.url}{API}/log/checkpoint")
            response.raise_for_status()
            checkpoint = Checkpoint.parse(self.verifier.verify(response.text))
        except httpx.HTTPError:
            return  # the next upload tries again; the items themselves are safe
        except NoteError as exc:
            self.report.problem(f"REFUSED the checkpoint of {self.url}: {exc}", loud=True)
            return
        last_key = CHECKPOINT_PREFIX + self.url
        last = self.store.kv_get(last_key)
        if last is not None:
            previous = TimeAnchor.model_validate_json(last)
            if checkpoint.size < previous.tree_size:
                self.report.problem(
                    f"REFUSED the checkpoint of {self.url}: its log shrank from {previous.tree_size} to "
                    f"{checkpoint.size} entries",
                    loud=True,
                )
                return
            if not await self.consistent(previous, checkpoint):
                return
        anchor = TimeAnchor(tree_size=checkpoint.size, root_hash=base64.b64encode(checkpoint.root).decode())
        self.store.kv_set(last_key, anchor.model_dump_json())
        self.report.checkpoint_size = checkpoint.size
        stored = self.store.kv_get(TIME_ANCHOR_KEY)
        if stored is None or TimeAnchor.model_validate_json(stored).tree_size < checkpoint.size:
            self.store.kv_set(TIME_ANCHOR_KEY, anchor.model_dump_json())

    async def consistent(self, previous: TimeAnchor, checkpoint: Checkpoint) -> bool:
        old_root = base64.b64decode(previous.root_hash)
        if previous.tree_size == 0 or previous.tree_size == checkpoint.size:
            if previous.tree_size == checkpoint.size and old_root != checkpoint.root:
                self.report.problem(
                    f"REFUSED the checkpoint of {self.url}: two different roots for {checkpoint.size} entries "
                    "(the log was forked or rewritten)",
                    loud=True,
                )
                return False
            return True
        try:
            response = await self.http.get(
                f"{self.url}{API}/log/proof/consistency",
                params={"from": previous.tree_size, "to": checkpoint.size},
            )
            response.raise_for_status()
            proof = ConsistencyProof.model_validate_json(response.content)
            verify_consistency(
                previous.tree_size,
                checkpoint.size,
                old_root,
                checkpoint.root,
                [base64.b64decode(h, validate=True) for h in proof.hashes],
            )
        except httpx.HTTPError:
            return False  # try again next time; keep the old anchor
        except (ValidationError, ValueError, ProofError) as exc:
            self.report.problem(
                f"REFUSED the checkpoint of {self.url}: it is not consistent with the one seen before ({exc})",
                loud=True,
            )
            return False
        return True
