"""The data files the lab hands to the probe and the control: an ip2asn database and DNS fingerprints.

Both describe the lab's loopback addresses as if they were the internet: the probe's source address and
the ISP's sinkhole and blockpage server sit in AS38623 ("Lab Metfone", KH), the sites in a hosting network,
the two geo-DNS nodes of the CDN in two other networks.
"""

from __future__ import annotations

import csv
import ipaddress
from pathlib import Path

from probe.lab.scenarios import (
    BLOCKPAGE_FINGERPRINT,
    BLOCKPAGE_SERVER_IP,
    PROBE_ASN,
    PROBE_CC,
    PROBE_NETWORK_NAME,
)
from probe.lists import FINGERPRINT_COLUMNS

LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")

# (network, AS number, country, AS description); gaps become AS0 "Not routed", as in ip2asn itself.
ASN_RANGES: tuple[tuple[str, int, str, str], ...] = (
    ("127.0.53.0/24", 64497, "US", "Lab Public DNS"),
    ("127.0.99.0/24", 64500, "US", "Lab Hosting"),
    ("127.10.0.0/16", 64500, "US", "Lab Hosting"),
    ("127.20.0.0/16", 64501, "KH", "Lab CDN Phnom Penh"),
    ("127.21.0.0/16", 64502, "DE", "Lab CDN Frankfurt"),
    ("127.36.0.0/16", PROBE_ASN, PROBE_CC, PROBE_NETWORK_NAME),
    ("127.38.0.0/16", PROBE_ASN, PROBE_CC, PROBE_NETWORK_NAME),
    ("127.40.0.0/15", 64500, "US", "Lab Hosting"),
    ("127.42.0.0/16", 64500, "US", "Lab Hosting"),
)
CONTROL_ASN = (64496, "DE", "Lab Control Hosting")

FINGERPRINT_HEADER = FINGERPRINT_COLUMNS  # the OONI blocking-fingerprints columns


def asn_rows(probe_source: str, control_source: str) -> list[tuple[str, str, int, str, str]]:
    """ip2asn rows covering 127.0.0.0/8 in order: (range_start, range_end, asn, cc, description)."""
    ranges: list[tuple[int, int, int, str, str]] = []
    for network, asn, cc, name in ASN_RANGES:
        net = ipaddress.IPv4Network(network)
        ranges.append((int(net.network_address), int(net.broadcast_address), asn, cc, name))
    for source, (asn, cc, name) in (
        (probe_source, (PROBE_ASN, PROBE_CC, PROBE_NETWORK_NAME)),
        (control_source, CONTROL_ASN),
    ):
        value = int(ipaddress.IPv4Address(source))
        ranges.append((value, value, asn, cc, name))
    ranges.sort()
    rows: list[tuple[str, str, int, str, str]] = []
    cursor = int(LOOPBACK.network_address)
    for start, end, asn, cc, name in ranges:
        if start < cursor:
            raise ValueError(f"{ipaddress.IPv4Address(start)} is in two ranges of the lab's ASN database")
        if start > cursor:
            rows.append((_ip(cursor), _ip(start - 1), 0, "None", "Not routed"))
        rows.append((_ip(start), _ip(end), asn, cc, name))
        cursor = end + 1
    if cursor <= int(LOOPBACK.broadcast_address):
        rows.append((_ip(cursor), _ip(int(LOOPBACK.broadcast_address)), 0, "None", "Not routed"))
    return rows


def _ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def write_asn_db(path: Path, probe_source: str, control_source: str) -> None:
    lines = ["\t".join(str(field) for field in row) for row in asn_rows(probe_source, control_source)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_fingerprints(path: Path) -> None:
    """The lab's DNS fingerprints, in the OONI blocking-fingerprints CSV format."""
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(FINGERPRINT_HEADER)
        writer.writerow(
            (
                BLOCKPAGE_FINGERPRINT,
                "isp",
                "",
                "dns",
                "full",
                BLOCKPAGE_SERVER_IP,
                "5",
                PROBE_CC,
                "saksi-lab",
                "",
                "The lab ISP's blockpage server, standing in for Metfone's 36.37.242.94 (ooni.kh_dns_1)",
            )
        )
