"""The probe's side of the control: ask (signed by the measurement's key, naming its uid), and record the
answer or why there is none."""

from __future__ import annotations

import asyncio
import base64

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError

from probe.models.control import MAX_ENDPOINTS, ControlRequest, ControlResponse, ControlResult
from probe.sign.dsse import CONTROL_REQUEST_TYPE, CONTROL_TYPE, Envelope, SignatureError, sign_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import key_id, raw_public


def signed_request(url: str, endpoints: list[str], key: Ed25519PrivateKey, uid: str) -> bytes:
    """The control request as sent: a DSSE envelope signed by the key that will sign the measurement."""
    kid = key_id(key.public_key())
    request = ControlRequest(
        url=url,
        tcp_connect=endpoints[:MAX_ENDPOINTS],
        key_id=kid,
        public_key=base64.b64encode(raw_public(key.public_key())).decode(),
        measurement_uid=uid,
    )
    return sign_envelope(CONTROL_REQUEST_TYPE, canonical(request), key, kid).model_dump_json().encode()


async def ask(
    client: httpx.AsyncClient,
    control_url: str,
    url: str,
    endpoints: list[str],
    *,
    timeout_s: float,
    key: Ed25519PrivateKey,
    uid: str,
) -> ControlResult:
    content = signed_request(url, endpoints, key, uid)
    for attempt in range(BUSY_RETRIES + 1):
        try:
            response = await client.post(
                control_url, content=content, headers={"content-type": "application/json"}, timeout=timeout_s
            )
        except httpx.HTTPError as exc:
            return ControlResult(
                url=control_url, failure=f"unreachable: {type(exc).__name__}: {exc}".rstrip(": ")
            )
        wait = _retry_after(response)
        if wait is None or attempt == BUSY_RETRIES:
            break
        # Busy or over this key's limit: a long list outruns the control's pace. Waiting keeps the URL's
        # control (and so its verdict) instead of recording "no control".
        await asyncio.sleep(wait)
    if response.status_code != 200:
        return ControlResult(url=control_url, failure=f"refused: HTTP {response.status_code}{_why(response)}")
    try:
        envelope = Envelope.model_validate_json(response.content)
        body = envelope.body()
        if envelope.payloadType != CONTROL_TYPE:
            return ControlResult(
                url=control_url, failure=f"bad_response: payload type {envelope.payloadType}"
            )
        answer = ControlResponse.model_validate_json(body)
    except (ValidationError, SignatureError) as exc:
        return ControlResult(url=control_url, failure=f"bad_response: {type(exc).__name__}")
    return ControlResult(url=control_url, response=answer, envelope=envelope)


BUSY_RETRIES = 3
MAX_BUSY_WAIT_S = 60.0


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds to wait before asking again, when the control said 429 or 503 with a usable Retry-After."""
    if response.status_code not in (429, 503):
        return None
    try:
        seconds = float(response.headers.get("retry-after", ""))
    except ValueError:
        return None
    return min(seconds, MAX_BUSY_WAIT_S) if seconds >= 0 else None


def _why(response: httpx.Response) -> str:
    """The control's machine-readable reason, when it gave one."""
    try:
        reason = response.json().get("reason")
    except (ValueError, AttributeError):
        return ""
    return f" ({reason[:64]})" if isinstance(reason, str) else ""
