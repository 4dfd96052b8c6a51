"""The timeline rules (METHODS.md, "From measurements to timelines"): pure, versioned, with rule ids.

A window's state is decided from the facts of one (domain, ASN, window) by counts and shares, never by
the maximum: one forged or broken measurement cannot flip a cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from probe.analysis.facts import ATTESTED, CLAIMED, OBSERVED, Fact

TIMELINE_RULES_VERSION = "2026.12.0"

MIN_MEASUREMENTS = 3  # in a window, for any state: fewer is too little to say anything
MIN_BLOCKED = 3  # blocked measurements in the window
# Corroboration: a state is published only with one of these bases (rule window.uncorroborated otherwise).
MIN_ATTESTED_PROBES = 2  # distinct probes whose network the collector attested ...
MIN_VOUCHED_PROBES = 1  # ... or this many vouched probes (invited by the operator) on the network
MIN_KEY_AGE_HOURS = 7 * 24  # an attested key counts toward MIN_ATTESTED_PROBES once enrolled this long
METHOD_SHARE = 0.8  # of blocked measurements sharing one method
MAX_ACCESSIBLE_SHARE = 0.2  # of all counted measurements
STATE_SHARE = 0.8  # for accessible / down
CONTROL_FAILURE_SHARE = 0.75  # a probe whose own control targets fail more than this is excluded
PUBLISH_AFTER = 2  # consecutive windows in the new state before a change is published

# What each window rule means, for the docs and the dashboard.
WINDOW_RULES = {
    "window.blocked": (
        f"at least {MIN_BLOCKED} blocked measurements, {METHOD_SHARE:.0%} of them by one method, at most "
        f"{MAX_ACCESSIBLE_SHARE:.0%} accessible, on a corroborated basis"
    ),
    "window.accessible": f"at least {STATE_SHARE:.0%} of measurements reached the site as the control did",
    "window.down": f"at least {STATE_SHARE:.0%} of measurements found the site down for the control too",
    "window.sparse": f"fewer than {MIN_MEASUREMENTS} measurements: too few to say anything, either way",
    "window.uncorroborated": (
        f"a state without a basis to publish it: fewer than {MIN_ATTESTED_PROBES} probes with attested "
        f"networks (keys enrolled at least {MIN_KEY_AGE_HOURS // 24} days) and fewer than "
        f"{MIN_VOUCHED_PROBES} vouched probe, or blocked measurements too few or split between methods"
    ),
    "window.mixed": "no state reaches its threshold: results disagree",
    "window.excluded": (
        "no measurement counts: each came from a probe whose own control targets were failing, names a "
        "network the collector did not confirm (claimed), or lies outside its time bracket"
    ),
}
# What counts as evidence for the (domain, network) a fact is filed under, and what is shown only.
BASIS_RULE = (
    "only measurements whose network the collector attested (control answer) or observed (upload) and "
    "whose time lies in its bracket are counted; claimed and out-of-bracket ones are stored and shown"
)
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
    tiers: dict[str, int] = field(default_factory=dict)  # distinct counted probes by enrolment tier
    excluded: int = 0
    basis: dict[str, int] = field(default_factory=dict)  # see basis_of


def probe_excluded(tried: int, failed: int) -> bool:
    """A probe whose own control targets failed more than CONTROL_FAILURE_SHARE of the time in a window:
    its results for that window say more about its network than about any site (rule window.excluded)."""
    return tried > 0 and failed / tried > CONTROL_FAILURE_SHARE


def decide(facts: Sequence[Fact], excluded: frozenset[str] = frozenset()) -> Decision:
    """The state of one (domain, ASN, window) from its facts. One pass: this runs for every cell of every
    timeline and of the overview matrix. Only counted facts (BASIS_RULE) decide; every fact is in the
    basis, so a page can say what was set aside and why."""
    counts: dict[str, int] = {}
    pairs: set[tuple[str, str]] = set()  # (probe, tier)
    attested: set[str] = set()  # probes with an attested network and a key old enough to count
    methods: dict[str | None, int] = {}
    blocked_probes: set[str] = set()
    confirmed = False
    basis = {"attested": 0, "observed": 0, "claimed": 0, "out_of_time": 0, "probes_attested": 0}
    set_aside = 0
    for f in facts:
        if excluded and f.key_id in excluded:
            set_aside += 1
            continue
        if not f.time_ok:
            basis["out_of_time"] += 1
            set_aside += 1
            continue
        counted = f.evidence in (ATTESTED, OBSERVED)  # unknown (NULL, not yet recomputed) is not
        what = f.evidence if counted else CLAIMED
        basis[what] = basis.get(what, 0) + 1
        if not counted:
            set_aside += 1
            continue
        counts[f.outcome] = counts.get(f.outcome, 0) + 1
        pairs.add((f.key_id, f.tier))
        if f.evidence == ATTESTED and f.hour - f.key_since >= MIN_KEY_AGE_HOURS:
            attested.add(f.key_id)
        if f.outcome == "blocked":
            methods[f.method] = methods.get(f.method, 0) + 1
            blocked_probes.add(f.key_id)
            confirmed = confirmed or f.confidence == "confirmed"
    total = sum(counts.values())
    tiers: dict[str, int] = {}
    for _, tier in pairs:
        tiers[tier] = tiers.get(tier, 0) + 1
    basis["probes_attested"] = len(attested)
    corroborated = len(attested) >= MIN_ATTESTED_PROBES or tiers.get("vouched", 0) >= MIN_VOUCHED_PROBES

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
            excluded=set_aside,
            basis=basis,
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
        if blocked >= MIN_BLOCKED and corroborated and top / blocked >= METHOD_SHARE:
            return decision("blocked", "window.blocked", method, "confirmed" if confirmed else "likely")
        if blocked / total >= STATE_SHARE:
            return decision("inconclusive", "window.uncorroborated", method)
    for state in ("accessible", "down"):
        if counts.get(state, 0) / total >= STATE_SHARE:
            if not corroborated:
                return decision("inconclusive", "window.uncorroborated")
            return decision(state, f"window.{state}")
    return decision("inconclusive", "window.mixed")
