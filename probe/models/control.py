"""The control (test helper) wire format: what the probe asks and what the control answers.

Modelled on OONI's Web Connectivity test helper, extended with TLS per endpoint and ASN per address.
The control never returns or stores the caller's IP address, only the network it maps to.
"""

from __future__ import annotations

from pydantic import Field

from probe.failures import Failure
from probe.models.base import Wire
from probe.models.types import KeyId, Uid, UtcTime
from probe.sign.dsse import Envelope

MAX_ENDPOINTS = 64


class ControlRequest(Wire):
    """What the probe asks, sent as a DSSE envelope (application/vnd.saksi.control-request.v1+json)
    signed by the enrolled key that will sign the measurement: the control serves enrolled probes only,
    and its signed answer echoes `key_id` and `measurement_uid`, which binds the answer to one
    measurement of one key (a copied answer names another)."""

    url: str = Field(max_length=2048)
    headers: dict[str, str] = Field(default_factory=dict, max_length=32)
    tcp_connect: list[str] = Field(default_factory=list, max_length=MAX_ENDPOINTS)  # "ip:port" endpoints
    key_id: KeyId
    public_key: str = Field(max_length=64)  # base64 of the raw Ed25519 key: key_id is its SHA-256
    measurement_uid: Uid


class ControlEcho(Wire):
    """Who asked, as the control verified it: the signing key and the measurement it is for."""

    key_id: KeyId
    measurement_uid: Uid


class ControlDns(Wire):
    failure: Failure | None = None
    addrs: list[str] = Field(default_factory=list)


class ControlTcp(Wire):
    status: bool
    failure: Failure | None = None


class ControlTls(Wire):
    server_name: str
    status: bool
    failure: Failure | None = None
    cert_valid_for_host: bool | None = None
    leaf_sha256: str | None = None


class ControlHttp(Wire):
    failure: Failure | None = None
    status_code: int | None = None
    headers: dict[str, str] = Field(default_factory=dict)  # names lower-cased
    title: str | None = None
    body_length: int | None = None
    body_truncated: bool = False


class IpInfo(Wire):
    asn: int | None = None
    network_name: str | None = None


class ClientInfo(Wire):
    """The network the control saw the request come from (never the address itself)."""

    asn: int | None = None
    network_name: str | None = None
    cc: str | None = None


class ControlResponse(Wire):
    dns: ControlDns
    tcp_connect: dict[str, ControlTcp] = Field(default_factory=dict)
    tls_handshake: dict[str, ControlTls] = Field(default_factory=dict)
    http_request: ControlHttp
    ip_info: dict[str, IpInfo] = Field(default_factory=dict)
    client: ClientInfo = Field(default_factory=ClientInfo)
    request: ControlEcho | None = None  # who asked (the verified request); None in answers before 2026-12
    answered_at: UtcTime | None = None  # when the control saw the request, by its own clock


class ControlResult(Wire):
    """The control as recorded in a measurement: the answer, or why there is none."""

    url: str  # the control service asked
    response: ControlResponse | None = None
    envelope: Envelope | None = None  # the signed answer, as received (its payload is `response`)
    # why no answer: "unreachable: ...", "refused: HTTP 403 (unknown_key)", "bad_response: ..."
    failure: str | None = None
