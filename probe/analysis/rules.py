"""The timeline rules (METHODS.md, "From measurements to timelines"): pure, versioned, with rule ids.

A window's state is decided from the facts of one (domain, ASN, window) by counts and shares, never by
the maximum: one forged or broken measurement cannot flip a cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from probe.analysis.facts import Fact

TIMELINE_RULES_VERSION = "2026.11.0"

MIN_MEASUREMENTS = 3  # in a window, for any state: fewer is too little to say anything
MIN_BLOCKED = 3  # blocked measurements in the window
MIN_PROBES = 2  # distinct probes among them ...
MIN_HOURS_ONE_PROBE = 3  # ... or one probe in this many separate hours
METHOD_SHARE = 0.8  # of blocked measurements sharing one method
MAX_ACCESSIBLE_SHARE = 0.2  # of all counted measurements
STATE_SHARE = 0.8  # for accessible / down
CONTROL_FAILURE_SHARE = 0.75  # a probe whose own control targets fail more than this is excluded
PUBLISH_AFTER = 2  # consecutive windows in the new state before a change is published

# What each window rule means, for the docs and the dashboard.
WINDOW_RULES = {
    "window.blocked": (
        f"at least {MIN_BLOCKED} blocked measurements from at least {MIN_PROBES} probes (or one probe in "
        f"{MIN_HOURS_ONE_PROBE} separate hours), {METHOD_SHARE:.0%} of them by one method, at most "
        f"{MAX_ACCESSIBLE_SHARE:.0%} accessible"
    ),
    "window.accessible": f"at least {STATE_SHARE:.0%} of measurements reached the site as the control did",
    "window.down": f"at least {STATE_SHARE:.0%} of measurements found the site down for the control too",
    "window.sparse": f"fewer than {MIN_MEASUREMENTS} measurements: too few to say anything, either way",
    "window.uncorroborated": (
        "blocked measurements that are too few, from too few probes, or split between methods"
    ),
    "window.mixed": "no state reaches its threshold: results disagree",
    "window.excluded": "every measurement came from probes whose own control targets were failing",
}
EVENT_RULE = "event.consecutive"  # a state published after PUBLISH_AFTER consecutive windows
EVENT_RULES = {
    EVENT_RULE: f"a new state is published after {PUBLISH_AFTER} consecutive windows with data in that state"
}

# A measurement contradicts a state when it is evidence of another: for blocking, a measurement that got
# through; for accessible, a blocked one; for down, one that reached the site.
CONTRADICTS = {
    "blocked": frozenset({"accessible"}),
    "accessible": frozenset({"blocked"}),
    "down": frozenset({"accessible"}),
}


@dataclass(frozen=True)
class Decision:
    state: str  # blocked | accessible | down | inconclusive
    rule_id: str
    method: str | None = None
    confidence: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # by outcome
    probes: int = 0
    tiers: dict[str, int] = field(default_factory=dict)  # distinct probes by enrolment tier
    excluded: int = 0


def probe_excluded(tried: int, failed: int) -> bool:
    """A probe whose own control targets failed more than CONTROL_FAILURE_SHARE of the time in a window:
    its results for that window say more about its network than about any site (rule window.excluded)."""
    return tried > 0 and failed / tried > CONTROL_FAILURE_SHARE


def decide(facts: Sequence[Fact], excluded: frozenset[str] = frozenset()) -> Decision:
    """The state of one (domain, ASN, window) from its facts. One pass: this runs for every cell of every
    timeline and of the overview matrix."""
    counts: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()  # (probe, tier)
    methods: dict[str | None, int] = {}
    blocked_hours: dict[str, set[int]] = {}  # probe -> hours with a blocked result
    confirmed = False
    for f in facts:
        if excluded and f.key_id in excluded:
            continue
        counts[f.outcome] = counts.get(f.outcome, 0) + 1
        pairs.add((f.key_id, f.tier))
        if f.outcome == "blocked":
            methods[f.method] = methods.get(f.method, 0) + 1
            blocked_hours.setdefault(f.key_id, set()).add(f.hour)
            confirmed = confirmed or f.confidence == "confirmed"
    total = sum(counts.values())
    tiers: dict[str, int] = {}
    for _, tier in pairs:
        tiers[tier] = tiers.get(tier, 0) + 1

    def decision(
        state: str, rule_id: str, method: str | None = None, confidence: str | None = None
    ) -> Decision:
        return Decision(
            state,
            rule_id,
            method,
            confidence,
            counts=counts,
            probes=len({probe for probe, _ in pairs}),
            tiers=tiers,
            excluded=len(facts) - total,
        )

    if total == 0:
        return decision("inconclusive", "window.excluded")
    if total < MIN_MEASUREMENTS:  # one accessible result is an absence of evidence, not a finding
        return decision("inconclusive", "window.sparse")
    blocked = counts.get("blocked", 0)
    accessible = counts.get("accessible", 0)
    if blocked and accessible / total <= MAX_ACCESSIBLE_SHARE:
        # the most common method; ties go to the first name in order, so the result never depends on order
        method, top = min(methods.items(), key=lambda kv: (-kv[1], kv[0] or ""))
        hours_one_probe = max(len(hours) for hours in blocked_hours.values())
        corroborated = len(blocked_hours) >= MIN_PROBES or hours_one_probe >= MIN_HOURS_ONE_PROBE
        if blocked >= MIN_BLOCKED and corroborated and top / blocked >= METHOD_SHARE:
            return decision("blocked", "window.blocked", method, "confirmed" if confirmed else "likely")
        if blocked / total >= STATE_SHARE:
            return decision("inconclusive", "window.uncorroborated", method)
    if accessible / total >= STATE_SHARE:
        return decision("accessible", "window.accessible")
    if counts.get("down", 0) / total >= STATE_SHARE:
        return decision("down", "window.down")
    return decision("inconclusive", "window.mixed")
