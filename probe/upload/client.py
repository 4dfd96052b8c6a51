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
and `UploadReport.error` says what happened in one sentence. Exceptions, for what a person must fix::

    Exception
     └── UploadError            base of everything raised here
          ├── NoCollectorError  upload.url is not set
          ├── CollectorKeyError the collector's key is malformed, not the configured one, or changed since pinned
          ├── CollectorUnreachable  (enrolment and whoami only) no answer from the collector
          └── EnrolError        the collector refused an enrolment, or the device key is missing

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

import asyncio
import base64
import gzip
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import socksio
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from probe import SOFTWARE_NAME, __version__
from probe.config import Settings
from probe.log import Checkpoint, NoteError, NoteVerifier, ProofError, verify_consistency
from probe.models.evidence import (
    ENROL_CONTEXT,
    BatchResult,
    ConsistencyProof,
    EnrolRequest,
    IngestResult,
    ProbeKey,
    Receipt,
    WhoAmI,
)
from probe.models.measurement import Measurement, TimeAnchor
from probe.netio.tls import verifying_context
from probe.sign.dsse import RECEIPT_TYPE, Envelope, SignatureError, verify_envelope
from probe.sign.keys import SEED_FILE, DeviceSeed, KeyFileError, key_id, raw_public
from probe.sign.signer import ProbeSigner
from probe.store import TIME_ANCHOR_KEY, Store
from probe.store.db import OutboxItem
from probe.upload.policy import classify_status, next_attempt, parse_retry_after

__all__ = [
    "CollectorKeyError",
    "CollectorUnreachable",
    "EnrolError",
    "NoCollectorError",
    "ReceiptError",
    "UploadError",
    "UploadReport",
    "check_receipt",
    "collector_client",
    "collector_keys",
    "collector_problem",
    "enrol",
    "enrol_request",
    "pin_key_name",
    "pin_log_key",
    "upload",
    "whoami",
]

PIN_PREFIX = "collector_log_key:"
CHECKPOINT_PREFIX = "collector_checkpoint:"  # the last checkpoint verified from a collector (consistency)
API = "/api/v1"


class UploadError(Exception):
    """Something a person must fix before uploads can work; the message says what, in one sentence."""


class NoCollectorError(UploadError):
    pass


class CollectorKeyError(UploadError):
    pass


class CollectorUnreachable(UploadError):
    pass


class EnrolError(UploadError):
    pass


class ReceiptError(ValueError):
    """A receipt that must not be trusted: wrong signer, altered, or about another measurement."""


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


def pin_key_name(url: str) -> str:
    return PIN_PREFIX + url


def collector_keys(verifier: NoteVerifier) -> dict[str, Ed25519PublicKey]:
    """The receipt-signing key as `verify_envelope` wants it: DSSE keyid (hex SHA-256 of raw key) -> key."""
    public = Ed25519PublicKey.from_public_bytes(verifier.public_key)
    return {key_id(public): public}


def check_receipt(
    receipt: Envelope, verifier: NoteVerifier, *, uid: str, payload_sha256: str, probe_key_id: str
) -> Receipt:
    """The receipt's payload, once its signature by the collector key and its content are checked."""
    try:
        body = verify_envelope(receipt, RECEIPT_TYPE, collector_keys(verifier))
    except SignatureError as exc:
        raise ReceiptError(f"the receipt is not signed by the pinned collector key: {exc}") from None
    try:
        payload = Receipt.model_validate_json(body)
    except ValidationError:
        raise ReceiptError("the receipt's signed payload is not a receipt") from None
    if payload.payload_sha256 != payload_sha256:
        raise ReceiptError("the receipt names another payload hash than the one sent")
    if payload.measurement_uid != uid:
        raise ReceiptError("the receipt names another measurement uid than the one sent")
    if payload.key_id != probe_key_id:
        raise ReceiptError("the receipt names another probe key than the one that signed the measurement")
    return payload


def enrol_request(key: Ed25519PrivateKey, token: str | None) -> EnrolRequest:
    public = base64.b64encode(raw_public(key.public_key())).decode()
    proof = key.sign(f"{ENROL_CONTEXT}\n{public}".encode())
    return EnrolRequest(public_key=public, proof=base64.b64encode(proof).decode(), token=token)


def _reason(response: httpx.Response) -> tuple[str | None, str | None]:
    """The collector's machine-readable reason and detail, when the body carries them."""
    try:
        data = response.json()
    except ValueError:
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
        return None, None
    detail = data.get("detail")
    return data["reason"], detail if isinstance(detail, str) else None


def _network_problem(exc: httpx.HTTPError) -> str:
    return type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"


class _NotSocks(httpx.ProxyError):
    """The proxy port answered, but not in SOCKS5."""


class _SocksTransport(httpx.AsyncBaseTransport):
    """httpx's SOCKS transport, with a proxy that speaks something else than SOCKS5 as an httpx.ProxyError.

    (httpcore lets socksio's parse errors through as they are, which would escape the callers' handling of
    network problems.)
    """

    def __init__(self, inner: httpx.AsyncHTTPTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except socksio.SOCKSError as exc:
            raise _NotSocks(str(exc) or type(exc).__name__, request=request) from None

    async def aclose(self) -> None:
        await self._inner.aclose()


def _transport(settings: Settings) -> httpx.AsyncBaseTransport:
    verify = verifying_context(settings.network.ca_bundle)  # the same roots as the measurements trust
    if settings.upload.socks5 is None:
        # Without a proxy, uploads leave by the same path as measurements (network.source_address).
        return httpx.AsyncHTTPTransport(verify=verify, local_address=settings.network.source_address)
    # socks5h: the proxy resolves the collector's name (see the module docstring); no source address.
    proxy = httpx.Proxy(f"socks5h://{settings.upload.socks5}")
    return _SocksTransport(httpx.AsyncHTTPTransport(verify=verify, proxy=proxy))


@asynccontextmanager
async def collector_client(
    settings: Settings, client: httpx.AsyncClient | None = None, *, timeout_s: float | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The one client for talking to the collector: through `upload.socks5` when set, else directly.

    `client`, when given (tests), is used as it is. `timeout_s` defaults to `upload.timeout_s`.
    """
    if client is not None:
        yield client
        return
    headers = {"user-agent": f"{SOFTWARE_NAME}/{__version__}"}
    async with httpx.AsyncClient(
        transport=_transport(settings),
        timeout=settings.upload.timeout_s if timeout_s is None else timeout_s,
        headers=headers,
        trust_env=False,
    ) as own:
        yield own


def proxy_down_sentence(proxy: str) -> str:
    return f"the SOCKS5 proxy at {proxy} is not answering (is Tor running?)"


async def _proxy_answers(proxy: str, timeout_s: float) -> bool:
    """Whether a TCP connection to the proxy is accepted (to tell a dead proxy from an unreachable collector)."""
    host, _, port = proxy.rpartition(":")
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host.strip("[]"), int(port)), timeout=timeout_s
        )
    except (OSError, TimeoutError):
        return False
    writer.close()
    with suppress(OSError):
        await writer.wait_closed()
    return True


async def _unreachable_sentence(settings: Settings, url: str, exc: httpx.HTTPError) -> tuple[str, bool]:
    """Why `url` did not answer, in one sentence, and whether it is the proxy that is down."""
    proxy = settings.upload.socks5
    if proxy is None:
        return f"the collector at {url} cannot be reached ({_network_problem(exc)})", False
    if isinstance(exc, _NotSocks):
        return f"what answers at {proxy} is not a SOCKS5 proxy ({exc}); is upload.socks5 right?", False
    if isinstance(exc, httpx.ProxyError):
        return f"the SOCKS5 proxy at {proxy} could not reach the collector at {url} ({exc})", False
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) and not await _proxy_answers(
        proxy, min(settings.upload.timeout_s, 5.0)
    ):
        return proxy_down_sentence(proxy), True
    return (
        f"the collector at {url} cannot be reached through the SOCKS5 proxy at {proxy} "
        f"({_network_problem(exc)})",
        False,
    )


async def collector_problem(settings: Settings, *, timeout_s: float = 3.0) -> str | None:
    """None when the collector answers for its log key (through the proxy when set), else why not."""
    url = _collector_url(settings)
    async with collector_client(settings, timeout_s=timeout_s) as http:
        try:
            (await http.get(f"{url}{API}/log/key")).raise_for_status()
        except httpx.HTTPStatusError as exc:
            return f"the collector at {url} answered {exc.response.status_code}"
        except httpx.HTTPError as exc:
            return (await _unreachable_sentence(settings, url, exc))[0]
    return None


def _collector_url(settings: Settings) -> str:
    if not settings.upload.url:
        raise NoCollectorError(
            "no collector is set: set upload.url in the config file (or PROBE_UPLOAD__URL), for example "
            "https://collector.example.org"
        )
    return settings.upload.url


async def pin_log_key(settings: Settings, store: Store, client: httpx.AsyncClient) -> NoteVerifier:
    """The collector's verifier, after checking its key against the configured or pinned one.

    Raises CollectorKeyError (the trust problem), or httpx.HTTPError when the collector cannot be reached.
    """
    url = _collector_url(settings)
    response = await client.get(f"{url}{API}/log/key")
    response.raise_for_status()
    presented = response.text.strip()
    try:
        verifier = NoteVerifier.from_vkey(presented)
    except NoteError as exc:
        raise CollectorKeyError(f"the collector at {url} presents a malformed log key ({exc})") from None
    configured = settings.upload.log_key
    if configured is not None:
        if configured.strip() != verifier.verifier_key():
            raise CollectorKeyError(
                f"the collector at {url} presents log key {verifier.verifier_key()}, not the configured "
                f"upload.log_key {configured.strip()}: nothing was uploaded; ask the operator which is right"
            )
    else:
        pinned = store.kv_get(pin_key_name(url))
        if pinned is None:
            store.kv_set(pin_key_name(url), verifier.verifier_key())
        elif pinned != verifier.verifier_key():
            raise CollectorKeyError(
                f"the collector at {url} now presents log key {verifier.verifier_key()}, but this probe pinned "
                f"{pinned} on first use: nothing was uploaded; if the operator confirms a new key, set "
                "upload.log_key to it"
            )
    return verifier


async def whoami(settings: Settings, *, client: httpx.AsyncClient | None = None) -> WhoAmI:
    """The network the collector sees this probe on. Raises CollectorUnreachable or UploadError.

    Through `upload.socks5` that is the proxy's exit (a Tor exit's network, usually unmapped), not this one.
    """
    url = _collector_url(settings)
    async with collector_client(settings, client) as http:
        try:
            response = await http.get(f"{url}{API}/whoami")
        except httpx.HTTPError as exc:
            raise CollectorUnreachable((await _unreachable_sentence(settings, url, exc))[0]) from None
    if response.status_code != 200:
        raise UploadError(f"the collector at {url} answered {response.status_code} to whoami")
    try:
        return WhoAmI.model_validate_json(response.content)
    except ValidationError:
        raise UploadError(f"the collector at {url} answered whoami with something unexpected") from None


async def enrol(
    settings: Settings,
    store: Store,
    key: Ed25519PrivateKey,
    *,
    token: str | None = None,
    client: httpx.AsyncClient | None = None,
) -> tuple[ProbeKey, bool]:
    """Enrol `key` at the collector; return its record and whether it was new (201) rather than known (200).

    Raises EnrolError (refused, with the collector's reason) or CollectorUnreachable.
    """
    url = _collector_url(settings)
    request = enrol_request(key, token if token is not None else settings.upload.token)
    kid = key_id(key.public_key())
    async with collector_client(settings, client) as http:
        try:
            response = await http.post(
                f"{url}{API}/probes",
                content=request.model_dump_json(exclude_none=True),
                headers={"content-type": "application/json"},
            )
        except httpx.HTTPError as exc:
            raise CollectorUnreachable((await _unreachable_sentence(settings, url, exc))[0]) from None
    if response.status_code not in (200, 201):
        reason, detail = _reason(response)
        hint = {
            "bad_token": "check upload.token (or --token), or remove it to enrol as unverified",
            "bad_key": "this key cannot be enrolled; report it to the project",
            "bad_proof": "the collector did not accept the proof of possession; report it to the project",
        }.get(reason or "", "try again later")
        what = reason or f"status {response.status_code}"
        raise EnrolError(
            f"the collector at {url} refused to enrol key {kid[:16]} ({what}{': ' + detail if detail else ''}); {hint}"
        )
    try:
        record = ProbeKey.model_validate_json(response.content)
    except ValidationError:
        raise EnrolError(f"the collector at {url} answered an enrolment with something unexpected") from None
    if record.key_id != kid:
        raise EnrolError(f"the collector at {url} answered the enrolment of {kid[:16]} about another key")
    store.mark_enrolled(url, kid, record.tier)
    return record, response.status_code == 201


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
    run.report.pending = store.outbox_counts().get("pending", 0)
    return run.report


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

    async def enrol_group(self, kid: str, group: list[OutboxItem]) -> bool:
        try:
            key = self.private_key(group[0])
            await enrol(self.settings, self.store, key, client=self.http)
        except CollectorUnreachable as exc:
            self.retry(group, "unreachable during enrolment")
            self.report.problem(f"{exc}; the measurements stay in the outbox and will be sent later")
            raise _Unreachable from None
        except (EnrolError, KeyFileError, SignatureError, ValidationError) as exc:
            message = str(exc) if not isinstance(exc, ValidationError) else "a stored envelope is unreadable"
            self.retry(group, f"enrolment: {message}")
            self.report.problem(message)
            return False
        self.report.enrolled.append(kid)
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
            await enrol(self.settings, self.store, key, client=self.http)
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
