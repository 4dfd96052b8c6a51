"""The collector's identity and this probe's: pinning the collector's log key, checking receipts against it,
asking the collector which network it sees (whoami), and enrolling probe keys."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import ValidationError

from probe.config import Settings
from probe.log import NoteError, NoteVerifier
from probe.models.evidence import (
    ENROL_CONTEXT,
    EnrolRequest,
    ProbeKey,
    Receipt,
    Renewal,
    WhoAmI,
    renewal_statement,
)
from probe.sign.dsse import RECEIPT_TYPE, Envelope, SignatureError, verify_envelope
from probe.sign.keys import key_id, raw_public
from probe.store import Store
from probe.upload.connection import (
    API,
    _collector_url,
    _reason,
    _unreachable_sentence,
    collector_client,
)
from probe.upload.errors import (
    CollectorKeyError,
    CollectorUnreachable,
    EnrolError,
    ReceiptError,
    UploadError,
)

PIN_PREFIX = "collector_log_key:"  # kv: the collector key pinned on first use, per collector URL
TOKEN_USED_PREFIX = "token_used:"  # kv: "token_used:<url>:<sha256 of a token>" once that collector took it
RENEW_QUARTERS_BACK = 8  # how far back a predecessor key is looked for (two years)


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


def enrol_request(
    key: Ed25519PrivateKey, token: str | None, predecessor: Ed25519PrivateKey | None = None
) -> EnrolRequest:
    """The enrolment of `key`: its proof of possession, and either the predecessor's renewal statement
    (the tier carries over; see probe.collector.renewal) or the invite token."""
    public = base64.b64encode(raw_public(key.public_key())).decode()
    proof = key.sign(f"{ENROL_CONTEXT}\n{public}".encode())
    renewal = None
    if predecessor is not None:
        old = key_id(predecessor.public_key())
        signature = predecessor.sign(renewal_statement(public, old))
        renewal = Renewal(key_id=old, signature=base64.b64encode(signature).decode())
        token = None  # the token stays unused: it is single-use, and the renewal is enough
    return EnrolRequest(
        public_key=public, proof=base64.b64encode(proof).decode(), token=token, renewal=renewal
    )


def previous_vouched_key(
    store: Store, url: str, derive: Callable[[str], Ed25519PrivateKey], quarter: str
) -> Ed25519PrivateKey | None:
    """The latest earlier quarter's key of the same network that is enrolled as vouched at `url`.

    `derive(quarter)` gives this network's key of a quarter. Only keys of the same network are chained, so
    the collector never learns that two networks are one volunteer's (docs/evidence.md).
    """
    year, q = int(quarter[:4]), int(quarter[-1])
    for _ in range(RENEW_QUARTERS_BACK):
        year, q = (year, q - 1) if q > 1 else (year - 1, 4)
        candidate = derive(f"{year:04d}-Q{q}")
        if store.enrolled_tier(url, key_id(candidate.public_key())) == "vouched":
            return candidate
    return None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


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


async def whoami(
    settings: Settings, *, client: httpx.AsyncClient | None = None, timeout_s: float | None = None
) -> WhoAmI:
    """The network the collector sees this probe on. Raises CollectorUnreachable or UploadError.

    Through `upload.socks5` that is the proxy's exit (a Tor exit's network, usually unmapped), not this one.
    """
    url = _collector_url(settings)
    async with collector_client(settings, client, timeout_s=timeout_s) as http:
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
    predecessor: Ed25519PrivateKey | None = None,
    client: httpx.AsyncClient | None = None,
) -> tuple[ProbeKey, bool]:
    """Enrol `key` at the collector; return its record and whether it was new (201) rather than known (200).

    Raises EnrolError (refused, with the collector's reason) or CollectorUnreachable.
    """
    url = _collector_url(settings)
    given = token if token is not None else settings.upload.token
    if token is None:
        # Tokens from the settings are single-use: the first one this collector has not taken yet (a spent one
        # would be refused, bad_token). upload.spare_tokens vouch for keys of new networks, one each.
        unspent = [
            tok
            for tok in [settings.upload.token, *settings.upload.spare_tokens]
            if tok and store.kv_get(f"{TOKEN_USED_PREFIX}{url}:{_token_hash(tok)}") is None
        ]
        given = unspent[0] if unspent and predecessor is None else None
    request = enrol_request(key, given, predecessor)
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
            "bad_renewal": "the previous key's statement was refused; ask the operator for a new invite token",
            "already_renewed": "the previous key already vouched for another key; ask for a new invite token",
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
    if request.token is not None and record.tier == "vouched":
        store.kv_set(f"{TOKEN_USED_PREFIX}{url}:{_token_hash(request.token)}", kid)
    return record, response.status_code == 201
