"""The lab's DNS: the zone and its censorship policy (no I/O), and the UDP resolvers that serve it.

`Zone.replies` decides, for one query, which replies go back and after how long: the honest answer, the ISP's
lie (NXDOMAIN, SERVFAIL, REFUSED, another address, or nothing at all), and the on-path injector's forged reply
sent ahead of the real one. `DnsServer` only moves datagrams. Only queries from the probe's source address are
censored; the control and everyone else get the truth from every resolver.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import cast

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from probe.lab.scenarios import INJECTED_ANSWER, INJECTION_DELAY_S, IspDns, Scenario

TTL_S = 60

Reply = tuple[float, bytes]  # (delay in seconds, DNS message on the wire)


class Zone:
    """The `.lab.test` names, their true addresses, and what the ISP and the injector do to the probe."""

    def __init__(self, sites: Iterable[tuple[str, str]], scenarios: Iterable[Scenario]) -> None:
        self._honest: dict[str, list[str]] = {}
        for host, address in sites:
            self._honest.setdefault(host.lower(), []).append(address)
        self._isp: dict[str, Scenario] = {}
        self._injected: set[str] = set()
        for scenario in scenarios:
            self._honest.setdefault(scenario.host.lower(), []).append(scenario.address)
            if scenario.isp_dns is not IspDns.HONEST:
                self._isp[scenario.host.lower()] = scenario
            if scenario.injected:
                self._injected.add(scenario.host.lower())

    def honest_reply(self, wire: bytes) -> bytes | None:
        """The truthful reply to a query, or None when the query cannot be parsed."""
        query = _parse(wire)
        return None if query is None else self._honest_message(query).to_wire()

    def replies(self, wire: bytes, *, from_probe: bool, isp: bool) -> list[Reply]:
        """Replies to one UDP query from an `isp` (or public) resolver, after the injector's forgery."""
        query = _parse(wire)
        if query is None:
            return []
        name = _qname(query)
        out: list[Reply] = []
        if from_probe and name in self._injected and query.question[0].rdtype == dns.rdatatype.A:
            # The injector sits on the path to every resolver and is closer than any of them.
            forged = _response(query, dns.rcode.NOERROR)
            _add_a(forged, query, [INJECTED_ANSWER])
            out.append((0.0, forged.to_wire()))
        delay = INJECTION_DELAY_S if out else 0.0
        scenario = self._isp.get(name) if from_probe and isp else None
        if scenario is None:
            out.append((delay, self._honest_message(query).to_wire()))
        elif scenario.isp_dns is IspDns.SILENT:
            pass
        elif scenario.isp_dns is IspDns.ADDRESS:
            assert scenario.isp_address is not None
            lie = _response(query, dns.rcode.NOERROR)
            _add_a(lie, query, [scenario.isp_address])
            out.append((delay, lie.to_wire()))
        else:
            rcode = {
                IspDns.NXDOMAIN: dns.rcode.NXDOMAIN,
                IspDns.SERVFAIL: dns.rcode.SERVFAIL,
                IspDns.REFUSED: dns.rcode.REFUSED,
            }[scenario.isp_dns]
            out.append((delay, _response(query, rcode).to_wire()))
        return out

    def _honest_message(self, query: dns.message.Message) -> dns.message.Message:
        addresses = self._honest.get(_qname(query))
        if addresses is None:
            return _response(query, dns.rcode.NXDOMAIN)
        response = _response(query, dns.rcode.NOERROR)
        _add_a(response, query, addresses)
        return response


def _parse(wire: bytes) -> dns.message.Message | None:
    try:
        query = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return None
    if query.flags & dns.flags.QR or len(query.question) != 1:
        return None
    return query


def _qname(query: dns.message.Message) -> str:
    return str(query.question[0].name.to_text(omit_final_dot=True)).lower()


def _response(query: dns.message.Message, rcode: dns.rcode.Rcode) -> dns.message.Message:
    response = dns.message.make_response(query)
    response.flags |= dns.flags.RA
    response.set_rcode(rcode)
    return response


def _add_a(response: dns.message.Message, query: dns.message.Message, addresses: list[str]) -> None:
    """Answer A queries with `addresses`; any other type gets an empty NOERROR (the lab has no IPv6)."""
    question = query.question[0]
    if question.rdtype == dns.rdatatype.A:
        response.answer.append(
            dns.rrset.from_text_list(question.name, TTL_S, dns.rdataclass.IN, dns.rdatatype.A, addresses)
        )


class DnsServer(asyncio.DatagramProtocol):
    """A UDP resolver serving the zone; `isp` makes it the probe's censoring ISP resolver."""

    def __init__(self, zone: Zone, *, isp: bool, probe_source: str) -> None:
        self._zone = zone
        self._isp = isp
        self._probe_source = probe_source
        self._transport: asyncio.DatagramTransport | None = None
        self._pending: set[asyncio.TimerHandle] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        from_probe = addr[0] == self._probe_source
        for delay_s, reply in self._zone.replies(data, from_probe=from_probe, isp=self._isp):
            if delay_s <= 0:
                self._send(reply, addr)
            else:
                loop = asyncio.get_running_loop()
                # Forget handles that have fired; the rest are cancelled when the lab stops.
                self._pending = {h for h in self._pending if h.when() > loop.time()}
                self._pending.add(loop.call_later(delay_s, self._send, reply, addr))

    def _send(self, reply: bytes, addr: tuple[str | int, ...]) -> None:
        if self._transport is not None and not self._transport.is_closing():
            self._transport.sendto(reply, addr)

    def close(self) -> None:
        for handle in self._pending:
            handle.cancel()
        self._pending.clear()
        if self._transport is not None:
            self._transport.close()
