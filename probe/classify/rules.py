"""The rule table: every verdict names the rule that produced it. Rules are data, versioned.

Changing what a rule decides means bumping RULES_VERSION, so stored verdicts can be recomputed and
told apart. Rule ids are stable: never reuse one for a different decision.
"""

from __future__ import annotations

from dataclasses import dataclass

RULES_VERSION = "2026.12.0"  # 2026.12.0: ooni_blocking false for down, http-failure for tcp.reset


@dataclass(frozen=True)
class Rule:
    rule_id: str
    summary: str


RULES: tuple[Rule, ...] = (
    Rule("dns.injection", "Two different replies to one UDP query: an on-path injector answered first."),
    Rule(
        "dns.rcode",
        "The network's resolver failed (NXDOMAIN, SERVFAIL, REFUSED, no answer, timeout) "
        "while the control resolved the name.",
    ),
    Rule("dns.rcode.local", "The network's resolver failed while other resolvers answered; no control."),
    Rule("dns.bogon", "The network's resolver answered only bogon or private addresses."),
    Rule(
        "dns.fingerprint", "The network's resolver answered an address known to host blockpages or sinkholes."
    ),
    Rule(
        "dns.isp_sinkhole",
        "The answer is an address of the probe's own ISP, unlike the control's, and "
        "connecting to it failed (the Cambodian sinkhole pattern).",
    ),
    Rule(
        "dns.inconsistent",
        "The answer is not the control's, no valid certificate vouches for it, its ASN "
        "differs, and the site could not be reached through it.",
    ),
    Rule("tls.mitm", "A certificate for the host from an authority that is not trusted: interception."),
    Rule(
        "tls.sni",
        "The handshake with the target's SNI failed where one with a control SNI on the same "
        "address got a ServerHello: SNI filtering.",
    ),
    Rule("tcp.ip", "Every connection to the address failed, whatever the SNI, where the control connected."),
    Rule("tcp.connect", "TCP connect failed on every address where the control connected."),
    Rule("http.fingerprint", "The page matches a known blockpage fingerprint (after known false positives)."),
    Rule("http.failure", "The HTTP exchange failed where the control fetched the page."),
    Rule(
        "http.diff", "The page differs from the control's in status, length, headers and title (OONI rules)."
    ),
    Rule("down.control", "The control could not reach the site either."),
    Rule("down.dns", "The control could not resolve the name either."),
    Rule("accessible.http", "The page was fetched and matches the control (or no control disagrees)."),
    Rule("accessible.fp", "The page matches a known false-positive pattern: not a blockpage."),
    Rule("inconclusive.no_control", "Something failed but there is no control to compare with."),
    Rule("inconclusive.mixed", "The observations do not fit any blocking rule."),
    Rule("inconclusive.incomplete", "The measurement stopped before it could be completed."),
)

RULE_IDS = frozenset(r.rule_id for r in RULES)
