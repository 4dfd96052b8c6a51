"""Who the control serves: requests signed by an enrolled probe key, each key within its limit.

A request is a DSSE envelope (CONTROL_REQUEST_TYPE) whose payload is a ControlRequest; its `key_id`
must name the signing key, and the key must be enrolled and not revoked (the collector's own table, or
for a standalone service the collector it names). The signed answer echoes the key id and measurement
uid: that is what lets the collector attest a measurement's network at ingest.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from probe.models.control import ControlRequest
from probe.models.evidence import ProbeKey
from probe.sign.dsse import CONTROL_REQUEST_TYPE, Envelope, SignatureError, verify_envelope

# key id -> the enrolled, unrevoked public key, or None
KeyLookup = Callable[[str], Awaitable[Ed25519PublicKey | None]]


@dataclass(frozen=True)
class Refusal:
    status: int
    reason: str
    detail: str


async def verified_request(
    body: bytes, keys: KeyLookup | None, *, any_key: bool = False
) -> ControlRequest | Refusal:
    """The request once its envelope is signed by the enrolled key it names (`keys`), or with `any_key`
    (a lab or demo) by the key it carries; otherwise why not."""
    try:
        envelope = Envelope.model_validate_json(body, strict=True)
    except ValidationError:
        return Refusal(
            400, "bad_request", "send a DSSE envelope of a control request signed by your probe key"
        )
    if envelope.payloadType != CONTROL_REQUEST_TYPE or len(envelope.signatures) != 1:
        return Refusal(400, "bad_request", f"one signature over a {CONTROL_REQUEST_TYPE} payload")
    key_id = envelope.signatures[0].keyid
    public = await keys(key_id) if keys is not None else None
    if public is None and any_key:
        public = _carried_key(envelope, key_id)
    if public is None:
        return Refusal(403, "unknown_key", "the control serves enrolled probe keys only: enrol first")
    try:
        payload = verify_envelope(envelope, CONTROL_REQUEST_TYPE, {key_id: public})
    except SignatureError as exc:
        return Refusal(403, "bad_signature", str(exc))
    try:
        request = ControlRequest.model_validate_json(payload, strict=True)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"])
        return Refusal(400, "bad_request", f"{where}: {first['msg']}")
    if request.key_id != key_id:
        return Refusal(400, "bad_request", "key_id does not name the key that signed the request")
    return request


def _carried_key(envelope: Envelope, key_id: str) -> Ed25519PublicKey | None:
    """The public key a request carries, when its SHA-256 is the envelope's key id (checked before the
    signature is: the key is only a candidate until then)."""
    try:
        carried = json.loads(envelope.body()).get("public_key")
        raw = base64.b64decode(carried, validate=True) if isinstance(carried, str) else b""
        if hashlib.sha256(raw).hexdigest() != key_id:
            return None
        return Ed25519PublicKey.from_public_bytes(raw)
    except (SignatureError, ValueError, AttributeError, RecursionError):
        return None


class PerKeyLimit:
    """At most `per_minute` requests per key and clock minute, in this process."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._used: dict[str, tuple[int, int]] = {}

    def take(self, key_id: str, now: float | None = None) -> bool:
        minute = int((time.time() if now is None else now) // 60)
        if len(self._used) > 100_000:  # forget old minutes rather than grow without bound
            self._used = {k: v for k, v in self._used.items() if v[0] == minute}
        held, used = self._used.get(key_id, (minute, 0))
        if held != minute:
            used = 0
        if used >= self.per_minute:
            return False
        self._used[key_id] = (minute, used + 1)
        return True


class CollectorKeys:
    """Enrolled keys as a collector publishes them (GET /api/v1/probes/{key_id}), for a standalone control:
    found keys are kept for `ttl_s`, unknown ones for a tenth of it."""

    def __init__(self, collector_url: str, client: httpx.AsyncClient, ttl_s: float = 300.0) -> None:
        self.url = collector_url.rstrip("/")
        self.client = client
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, Ed25519PublicKey | None]] = {}

    async def __call__(self, key_id: str) -> Ed25519PublicKey | None:
        if len(key_id) != 64 or not all(c in "0123456789abcdef" for c in key_id):
            return None
        now = time.monotonic()
        found = self._cache.get(key_id)
        if found is not None and now - found[0] < (self.ttl_s if found[1] else self.ttl_s / 10):
            return found[1]
        try:
            response = await self.client.get(f"{self.url}/api/v1/probes/{key_id}")
        except httpx.HTTPError:
            return found[1] if found else None  # the collector is unreachable: keep what was known
        public = None
        if response.status_code == 200:
            try:
                record = ProbeKey.model_validate_json(response.content)
                if record.revoked_at is None and record.key_id == key_id:
                    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(record.public_key))
            except (ValidationError, ValueError):
                public = None
        if len(self._cache) > 100_000:
            self._cache.clear()
        self._cache[key_id] = (now, public)
        return public
