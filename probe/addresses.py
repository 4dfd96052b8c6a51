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


# Special-use names (RFC 6761, RFC 8375, ICANN's .internal) and what kind of address each stands for.
_LOOPBACK_NAMES = ("localhost",)
_LOCAL_NETWORK_NAMES = ("local", "home.arpa", "internal", "lan")


def is_local_name(host: str, ranges: Sequence[IPNetwork]) -> bool:
    """Whether `host` is a name for this machine or its local network whose addresses are in `ranges`.

    `localhost` is measured like 127.0.0.1, `printer.local` like 192.168.0.1: both stay unmeasured whenever
    those addresses are bogons, as `http://192.168.1.1/` is.
    """
    name = host.lower().rstrip(".")
    if any(name == n or name.endswith("." + n) for n in _LOOPBACK_NAMES):
        return is_bogon("127.0.0.1", ranges)
    if any(name == n or name.endswith("." + n) for n in _LOCAL_NETWORK_NAMES):
        return is_bogon("192.168.0.1", ranges)
    return False


def endpoint(ip: str, port: int) -> str:
    """ "ip:port", with IPv6 addresses in brackets."""
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
