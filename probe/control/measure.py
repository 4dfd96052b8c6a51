"""The control's measurement of one URL: its own DNS, TCP to the union of endpoints, TLS, HTTP."""

from __future__ import annotations

import asyncio
import ipaddress
import re

import httpx

from probe.addresses import endpoint
from probe.asn import AsnTable
from probe.measure.dns import addresses_by_preference, resolve
from probe.measure.env import Clock, Env
from probe.measure.http import fetch_chain
from probe.measure.tcp import connect
from probe.measure.tls import measure_endpoint
from probe.models.control import (
    ClientInfo,
    ControlDns,
    ControlHttp,
    ControlRequest,
    ControlResponse,
    ControlTcp,
    ControlTls,
    IpInfo,
)


class BadTarget(ValueError):
    """The URL cannot be measured; the message says why in one sentence."""


_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def control_target(raw: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) URL the control may measure. Raises BadTarget for anything
    else: a host that is not a DNS name or an IP literal in its one standard form (`0177.0.0.1`, `1.2.3`
    are refused, not guessed at), an unclosed `[`, a label longer than 63 characters, a bad port."""
    try:
        url = httpx.URL(raw)
        scheme, host, port = url.scheme, url.host, url.port
    except (httpx.InvalidURL, ValueError, TypeError):
        raise BadTarget("url is not a valid URL") from None
    if scheme not in ("http", "https"):
        raise BadTarget("url must be http:// or https://")
    if not host:
        raise BadTarget("url has no host")
    if port is not None and not 0 < port < 65536:
        raise BadTarget("url has a port outside 1..65535")
    literal = _parse_endpoint(f"{host}:0")
    if literal is None:
        name = host.rstrip(".").lower()
        labels = name.split(".")
        if len(name) > 253 or not all(_LABEL.match(label) for label in labels):
            raise BadTarget("url's host is not a DNS name (labels of 1..63 letters, digits, hyphens)")
        if labels[-1].isdigit():
            raise BadTarget("url's host looks like an IP address but is not one in standard form")
    return scheme, host, port or (443 if scheme == "https" else 80)


def _parse_endpoint(value: str) -> tuple[str, int] | None:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit():
        return None
    try:
        ip = str(ipaddress.ip_address(host.strip("[]")))
    except ValueError:
        return None
    return ip, int(port)


async def control_measure(
    env: Env, request: ControlRequest, asn: AsnTable, client_address: str | None
) -> ControlResponse:
    scheme, host, port = control_target(request.url)
    clock = Clock()
    literal = _parse_endpoint(f"{host}:0")
    lookups = [] if literal else await resolve(env, host, clock)
    own = addresses_by_preference(lookups, env)
    if literal and not env.bogon(literal[0]):
        own = [literal[0]]
    dns_failure = None
    if not own and lookups:
        first_a = next((o for o in lookups if o.query_type == "A"), None)
        dns_failure = first_a.failure if first_a else None
    endpoints: list[tuple[str, int]] = [(ip, port) for ip in own]
    for raw in request.tcp_connect:
        parsed = _parse_endpoint(raw)
        # Only the URL's own port, and never private or bogon space for a caller (that would make the
        # control a port scanner of other hosts, or of our own network).
        if parsed and parsed[1] == port and parsed not in endpoints and not env.bogon(parsed[0]):
            endpoints.append(parsed)

    tcp = await asyncio.gather(*(connect(env, ip, p, clock) for ip, p in endpoints))
    tls: dict[str, ControlTls] = {}
    if scheme == "https":
        reachable = [(t.ip, t.port) for t in tcp if t.failure is None]
        for group in await asyncio.gather(
            *(measure_endpoint(env, ip, p, host, clock) for ip, p in reachable)
        ):
            target = group[0]
            tls[endpoint(target.ip, target.port)] = ControlTls(
                server_name=host,
                status=target.failure is None,
                failure=target.failure,
                cert_valid_for_host=target.cert_valid_for_host,
                leaf_sha256=target.cert.leaf_sha256 if target.cert else None,
            )
    own_reachable = [t.ip for t in tcp if t.failure is None and t.ip in own]
    http = ControlHttp(failure=dns_failure)
    if own_reachable:

        async def redirect_address(new_host: str) -> str | None:
            found = addresses_by_preference(await resolve(env, new_host, clock), env)
            return found[0] if found else None

        final = (await fetch_chain(env, request.url, own_reachable[0], redirect_address, clock))[-1]
        http = ControlHttp(
            failure=final.failure,
            status_code=final.status,
            headers=final.response_headers,
            title=final.title,
            body_length=final.body_length,
            body_truncated=final.body_truncated,
        )
    elif own:
        http = ControlHttp(failure=next((t.failure for t in tcp if t.failure is not None), None))

    def info(ip: str) -> IpInfo:
        network = asn.lookup(ip)
        return IpInfo(asn=network.asn, network_name=network.name) if network else IpInfo()

    client = asn.lookup(client_address) if client_address else None
    return ControlResponse(
        dns=ControlDns(failure=dns_failure, addrs=own),
        tcp_connect={
            endpoint(t.ip, t.port): ControlTcp(status=t.failure is None, failure=t.failure) for t in tcp
        },
        tls_handshake=tls,
        http_request=http,
        ip_info={ip: info(ip) for ip, _ in endpoints},
        client=ClientInfo(asn=client.asn, network_name=client.name, cc=client.cc) if client else ClientInfo(),
    )
