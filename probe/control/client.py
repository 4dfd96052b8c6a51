"""The probe's side of the control: ask, and record the answer or why there is none."""

from __future__ import annotations

import httpx
from pydantic import ValidationError

from probe.models.control import ControlRequest, ControlResponse, ControlResult


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
        return ControlResult(url=control_url, response=ControlResponse.model_validate_json(response.content))
    except ValidationError as exc:
        return ControlResult(url=control_url, failure=f"bad_response: {exc.error_count()} invalid fields")
