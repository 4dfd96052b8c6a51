"""The probe's side of the control: ask, and record the answer or why there is none."""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from probe.models.control import ControlRequest, ControlResponse, ControlResult
from probe.sign.dsse import CONTROL_TYPE, Envelope, SignatureError


async def ask(
    client: httpx.AsyncClient, control_url: str, url: str, endpoints: list[str], *, timeout_s: float
) -> ControlResult:
    request = ControlRequest(url=url, tcp_connect=endpoints[:64])
    try:
        response = await client.post(
            control_url,
            content=request.model_dump_json(),
            headers={"content-type": "application/json"},
            timeout=timeout_s,
        )
    except httpx.HTTPError as exc:
        return ControlResult(
            url=control_url, failure=f"unreachable: {type(exc).__name__}: {exc}".rstrip(": ")
        )
    if response.status_code != 200:
        return ControlResult(url=control_url, failure=f"bad_response: HTTP {response.status_code}")
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
