"""The private-address check: every IPv6 form that carries a private IPv4 address, multicast, and anything
unparseable count as bogon (never connected to for a caller, never a public answer)."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probe.addresses import is_bogon, is_ip_literal
from probe.config import DEFAULT_BOGON_RANGES
from probe.lab.lab import LAB_BOGON_RANGES

RANGES = [ipaddress.ip_network(n) for n in DEFAULT_BOGON_RANGES]
PRIVATE_V4 = [
    "10.1.2.3",
    "127.0.0.1",
    "192.168.1.1",
    "172.16.0.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
]


@pytest.mark.parametrize(
    "address",
    [
        *PRIVATE_V4,
        "::10.1.2.3",  # IPv4-compatible
        "::127.0.0.1",
        "::ffff:10.1.2.3",  # IPv4-mapped
        "::ffff:0:10.1.2.3",  # IPv4-translated
        "::ffff:0:127.0.0.1",
        "64:ff9b::10.1.2.3",  # NAT64
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
        "2002:0a01:0203::1",  # 6to4 of 10.1.2.3
        "2002:c0a8:0101::",  # 6to4 of 192.168.1.1
        "2001:0:4136:e378:8000:63bf:f5fe:fdfc",  # Teredo, client 10.1.2.3
        "224.0.0.1",
        "239.255.255.250",
        "ff02::1",  # multicast
        "ff0e::1",
        "::",
        "::1",
        "fe80::1%eth0",
        "[::1]",
        "fd00::1",
        "",
        "localhost",
        "0177.0.0.1",  # octal: not an address Python accepts, so refused
        "127.1",
        "1.2.3.4.5",
        "not an address",
    ],
)
def test_bogon_in_every_form(address: str) -> None:
    assert is_bogon(address, RANGES), address


@pytest.mark.parametrize(
    "address",
    [
        "1.1.1.1",
        "203.0.113.7",
        "2001:4860:4860::8888",
        "::ffff:8.8.8.8",
        "64:ff9b::8.8.8.8",
        "2002:0808:0808::1",
    ],
)
def test_public_addresses_are_not_bogon(address: str) -> None:
    assert not is_bogon(address, RANGES), address


def test_the_lab_keeps_loopback_public() -> None:
    lab = [ipaddress.ip_network(n) for n in LAB_BOGON_RANGES]
    assert not is_bogon("127.0.0.1", lab) and not is_bogon("::1", lab)
    assert is_bogon("10.0.0.1", lab) and is_bogon("::ffff:10.0.0.1", lab)


@given(st.ip_addresses(v=4))
def test_every_ipv6_form_of_an_address_agrees_with_it(v4: ipaddress.IPv4Address) -> None:
    expected = is_bogon(str(v4), RANGES)
    n = int(v4)
    forms = [
        ipaddress.IPv6Address((0xFFFF << 32) | n),  # mapped
        ipaddress.IPv6Address((0xFFFF << 48) | n),  # translated
        ipaddress.IPv6Address((0x0064FF9B << 96) | n),  # NAT64
        ipaddress.IPv6Address((0x2002 << 112) | (n << 80) | 1),  # 6to4
    ]
    for form in forms:
        assert is_bogon(str(form), RANGES) is (expected or form.is_multicast), str(form)


@given(st.text(max_size=60))
def test_any_text_gets_an_answer_and_unparseable_is_bogon(text: str) -> None:
    try:
        ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError:
        assert is_bogon(text, RANGES)
    else:
        assert isinstance(is_bogon(text, RANGES), bool)


def test_names_are_not_literals_and_the_run_check_applies_to_literals_only() -> None:
    assert is_ip_literal("10.0.0.1") and is_ip_literal("[::1]") and is_ip_literal("::ffff:10.0.0.1")
    assert not is_ip_literal("www.rfa.org") and not is_ip_literal("0177.0.0.1")
