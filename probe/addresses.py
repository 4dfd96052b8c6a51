"""Pure helpers about addresses: bogon ranges and endpoint strings. No I/O."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from probe.config import IPNetwork


def is_bogon(address: str, ranges: Sequence[IPNetwork]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip.version == net.version and ip in net for net in ranges)


def endpoint(ip: str, port: int) -> str:
    """ "ip:port", with IPv6 addresses in brackets."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
