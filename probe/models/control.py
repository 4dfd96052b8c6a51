"""The control (test helper) wire format: what the probe asks and what the control answers.

Modelled on OONI's Web Connectivity test helper, extended with TLS per endpoint and ASN per address.
The control never returns or stores the caller's IP address, only the network it maps to.
"""

from __future__ import annotations

from pydantic import Field

from probe.failures import Failure
from probe.models.base import Wire
from probe.sign.dsse import Envelope


class ControlRequest(Wire):
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    tcp_connect: list[str] = Field(default_factory=list, max_length=64)  # "ip:port" endpoints


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


class ControlResult(Wire):
    """The control as recorded in a measurement: the answer, or why there is none."""

    url: str  # the control service asked
    response: ControlResponse | None = None
    envelope: Envelope | None = None  # the signed answer, as received (its payload is `response`)
    failure: str | None = None  # why no answer: "unreachable: ...", "bad_response: ..."
