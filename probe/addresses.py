"""Pure helpers about addresses: bogon ranges and endpoint strings. No I/O."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from probe.config import IPNetwork

NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
COMPATIBLE = ipaddress.IPv6Network("::/96")  # IPv4-compatible, ::a.b.c.d (deprecated, still routable)
TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")  # IPv4-translated, ::ffff:0:a.b.c.d (SIIT)


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries and that a host may reach through it: IPv4-mapped and
    -translated, IPv4-compatible, NAT64 (64:ff9b::/96), 6to4 (2002::/16) and Teredo's client."""
    found: list[ipaddress.IPv4Address] = []
    low = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip in TRANSLATED or ip in NAT64 or (ip in COMPATIBLE and int(ip) > 1):  # not :: nor ::1
        found.append(low)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.append(ip.teredo[1])
    return found


def is_ip_literal(text: str) -> bool:
    """Whether a URL's host is an IP address (v4, or v6 with or without brackets) rather than a name."""
    try:
        ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


def is_bogon(address: str, ranges: Sequence[IPNetwork]) -> bool:
    """Whether an address is bogon or private: in `ranges`, multicast, or an IPv6 form carrying such an
    IPv4 address (embedded_ipv4). Anything that is not an address is refused too (True): a caller must
    never treat what it cannot parse as a public address."""
    try:
        ip = ipaddress.ip_address(address.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        return True
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id is not None:
        return True  # a zone (fe80::1%eth0) names a link, never a public host
    candidates: list[ipaddress.IPv4Address | ipaddress.IPv6Address] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        candidates += embedded_ipv4(ip)
    return any(
        c.is_multicast or c.is_unspecified or any(c.version == net.version and c in net for net in ranges)
        for c in candidates
    )


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
