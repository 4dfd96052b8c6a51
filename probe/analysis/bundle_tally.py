"""What a bundle's report says, accumulated while the bundle is streamed (probe.analysis.bundle): counts
per network and per host, probes and their tiers, the probes' own words, blockpage fingerprints, and the
blocking periods read from the events. No I/O.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from probe.analysis.brackets import Bracket
from probe.analysis.bundle_dates import span_words
from probe.analysis.facts import ATTESTED, OBSERVED, Fact
from probe.analysis.report import BlockingPeriod, Network, basis_words
from probe.analysis.timeline import Timeline, window_start
from probe.models.measurement import Measurement


def set_aside_reason(f: Fact, excluded: frozenset[tuple[str, int]], window: str) -> str | None:
    """Why the timeline rules (rules.decide) do not count a measurement, or None when they count it:
    its probe's own controls failed in that window, its time lies outside its bracket, or its network
    was only claimed. The report counts exactly what the rules count, and shows the rest apart."""
    if excluded and (f.key_id, window_start(f.hour, window)) in excluded:
        return "controls"
    if not f.time_ok:
        return "out_of_time"
    if f.evidence not in (ATTESTED, OBSERVED):
        return "claimed"
    return None


@dataclass
class Tally:
    """Filled by add() while the bundle streams, then by finish() once the controls are known. Every count
    but `set_aside` and `keys` is of counted measurements only (set_aside_reason)."""

    measurements: int = 0
    controls: int = 0
    lab: int = 0  # invented lab measurements (probe.lab.history), controls included
    keys: set[str] = field(default_factory=set)  # every probe key of the bundle's measurements
    set_aside: Counter[str] = field(default_factory=Counter)  # reason -> measurements not counted
    tiers: dict[str, str] = field(default_factory=dict)  # key id -> tier, of probes with counted measurements
    names: dict[int | None, Counter[str]] = field(default_factory=dict)
    per_asn: Counter[int | None] = field(default_factory=Counter)
    set_aside_per_asn: Counter[int | None] = field(default_factory=Counter)
    keys_per_asn: dict[int | None, set[str]] = field(default_factory=dict)
    blocked_per_asn: Counter[int | None] = field(default_factory=Counter)
    explanations: dict[tuple[int | None, str | None], Counter[str]] = field(default_factory=dict)
    fingerprints: dict[tuple[int | None, str | None], Counter[str]] = field(default_factory=dict)
    per_domain: Counter[str] = field(default_factory=Counter)
    blocked_per_domain: Counter[str] = field(default_factory=Counter)
    countries: Counter[str] = field(default_factory=Counter)
    domains: set[str] = field(default_factory=set)
    first_at: str | None = None
    last_at: str | None = None

    def add(self, m: Measurement, fact: Fact) -> None:
        """What only the measurement holds (the probe's words, the fingerprint), of blocked results the
        rules may count; finish() does the counting."""
        self.keys.add(fact.key_id)
        self.domains.add(fact.domain)
        if fact.outcome == "blocked" and set_aside_reason(fact, frozenset(), "day") is None:
            self.explanations.setdefault((fact.asn, fact.method), Counter())[m.verdict.explanation] += 1
            if m.verdict.fingerprint:
                self.fingerprints.setdefault((fact.asn, fact.method), Counter())[m.verdict.fingerprint] += 1

    def finish(self, facts: list[Fact], excluded: frozenset[tuple[str, int]], window: str) -> list[Fact]:
        """Count `facts` as the timeline rules do (`excluded`: timeline.excluded_slots); the counted ones."""
        counted = []
        for fact in facts:
            reason = set_aside_reason(fact, excluded, window)
            self.per_domain[fact.domain] += 0  # every host measured is listed, counted or not
            if reason is not None:
                self.set_aside[reason] += 1
                self.set_aside_per_asn[fact.asn] += 1
                continue
            counted.append(fact)
            self.measurements += 1
            self.tiers[fact.key_id] = fact.tier
            self.per_asn[fact.asn] += 1
            self.keys_per_asn.setdefault(fact.asn, set()).add(fact.key_id)
            if fact.outcome == "blocked":
                self.blocked_per_asn[fact.asn] += 1
                self.blocked_per_domain[fact.domain] += 1
            self.per_domain[fact.domain] += 1
            if fact.cc:
                self.countries[fact.cc] += 1
            self.first_at = min(self.first_at or fact.started_at, fact.started_at)
            self.last_at = max(self.last_at or fact.started_at, fact.started_at)
        return counted

    def networks(self) -> list[Network]:
        """Every network a measurement was filed under; counts of counted ones, and how many were set aside."""
        return [
            Network(
                asn=asn,
                name=self.names[asn].most_common(1)[0][0] if asn in self.names else None,
                measurements=self.per_asn[asn],
                probes=len(self.keys_per_asn.get(asn, ())),
                blocked=self.blocked_per_asn[asn],
                vouched=sum(self.tiers.get(k) == "vouched" for k in self.keys_per_asn.get(asn, ())),
                unverified=sum(self.tiers.get(k) != "vouched" for k in self.keys_per_asn.get(asn, ())),
                set_aside=self.set_aside_per_asn[asn],
            )
            for asn in sorted(set(self.per_asn) | set(self.set_aside_per_asn), key=lambda a: a or 0)
        ]


def blocking_periods(
    tl: Timeline,
    tally: Tally,
    brackets: dict[str, Bracket] | None = None,
    total: int = 0,
    independent: bool = True,
) -> list[BlockingPeriod]:
    periods = []
    events = tl.events
    brackets = brackets or {}

    def uid(seen: Any) -> str | None:
        return seen.uid if seen is not None else None

    for i, e in enumerate(events):
        if e.to_state != "blocked":
            continue
        after = next((x for x in events[i + 1 :] if (x.domain, x.asn) == (e.domain, e.asn)), None)
        said = tally.explanations.get((e.asn, e.method), Counter()).most_common(1)
        matched = tally.fingerprints.get((e.asn, e.method), Counter()).most_common(1)
        # a state_at_start has no known beginning, whatever measurement came before it
        before = e.last_contradicting if e.kind != "state_at_start" else None

        def began(lang: str, e: Any = e, before: Any = before) -> str | None:
            return span_words(
                uid(before),
                uid(e.first_seen),
                brackets,
                total,
                point=before is None,
                independent=independent,
                lang=lang,
            )

        def ended(lang: str, e: Any = e, after: Any = after) -> str | None:
            if after is None:
                seen = uid(e.last_seen)
                return span_words(seen, seen, brackets, total, point=True, independent=independent, lang=lang)
            return span_words(
                uid(after.last_contradicting),
                uid(after.first_seen),
                brackets,
                total,
                independent=independent,
                lang=lang,
            )

        periods.append(
            BlockingPeriod(
                domain=e.domain,
                asn=e.asn,
                network=tally.names[e.asn].most_common(1)[0][0] if e.asn in tally.names else None,
                method=e.method,
                confidence=e.confidence,
                probe_words=said[0][0] if said else None,
                began_after=before.at if before else None,
                began_by=e.first_seen.at if e.first_seen else None,
                last_seen=e.last_seen.at if e.last_seen else None,
                ended_after=after.last_contradicting.at if after and after.last_contradicting else None,
                ended_by=after.first_seen.at if after and after.first_seen else None,
                ongoing=after is None,
                began_words=began("en"),
                ended_words=ended("en"),
                began_words_km=began("km"),
                ended_words_km=ended("km"),
                basis=basis_words(e.row()),
                basis_counts={
                    k: int(v or 0) for k, v in e.row().items() if k.startswith(("probes", "measurements_"))
                },
                fingerprint=matched[0][0] if matched else None,
            )
        )
    return periods
