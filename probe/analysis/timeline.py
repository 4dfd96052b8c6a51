"""Timelines: facts grouped into (domain, ASN, window) cells, decided by the rules, and the published
state changes (events) with the measurements that bound each date. Pure: no I/O."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from probe.analysis.facts import ATTESTED, CONTROL_CATEGORY, OBSERVED, Fact, hour_iso
from probe.analysis.rules import (
    CONTRADICTS,
    EVENT_RULE,
    PUBLISH_AFTER,
    TIMELINE_RULES_VERSION,
    Decision,
    decide,
    probe_excluded,
)

WINDOW_HOURS = {"hour": 1, "day": 24}
PUBLISHED_STATES = frozenset({"blocked", "accessible", "down"})


def window_start(hour: int, window: str) -> int:
    size = WINDOW_HOURS[window]
    return hour - hour % size


def excluded_slots(controls: Iterable[Fact], window: str) -> frozenset[tuple[str, int]]:
    """(probe key id, window start) pairs whose own control targets (category CTRL) failed too often in
    that window (rules.probe_excluded): the probe's results there are set aside."""
    tried: Counter[tuple[str, int]] = Counter()
    failed: Counter[tuple[str, int]] = Counter()
    for f in controls:
        if f.category != CONTROL_CATEGORY:
            continue
        slot = (f.key_id, window_start(f.hour, window))
        tried[slot] += 1
        failed[slot] += f.outcome != "accessible"
    return frozenset(slot for slot, n in tried.items() if probe_excluded(n, failed[slot]))


@dataclass(frozen=True)
class Cell:
    """The state of one (domain, ASN) in one window, with the counts behind it."""

    domain: str
    asn: int | None
    window: str
    start: int  # epoch hour
    decision: Decision
    first_at: str
    last_at: str
    complete: bool = True  # False when the window reaches past the time of the query (or its `until`)

    @property
    def state(self) -> str:
        return self.decision.state

    def row(self) -> dict[str, Any]:
        d = self.decision
        return {
            "domain": self.domain,
            "asn": self.asn,
            "window": self.window,
            "start": hour_iso(self.start),
            "end": hour_iso(self.start + WINDOW_HOURS[self.window]),
            "state": d.state,
            "method": d.method,
            "confidence": d.confidence,
            "rule_id": d.rule_id,
            "measurements": sum(d.counts.values()),
            "probes": d.probes,
            "probes_vouched": d.tiers.get("vouched", 0),
            "probes_unverified": d.tiers.get("unverified", 0),
            "blocked": d.counts.get("blocked", 0),
            "accessible": d.counts.get("accessible", 0),
            "down": d.counts.get("down", 0),
            "inconclusive": d.counts.get("inconclusive", 0),
            "excluded": d.excluded,
            "first_at": self.first_at,
            "last_at": self.last_at,
            "complete": self.complete,
            "rules_version": TIMELINE_RULES_VERSION,
            **basis_row(d),
        }


def basis_row(d: Decision) -> dict[str, int]:
    """What a state rests on, for every cell, event, alert, export row and report: measurements by network
    evidence (and those outside their time bracket), and probes whose network was attested."""
    b = d.basis
    return {
        "measurements_attested": b.get("attested", 0),
        "measurements_observed": b.get("observed", 0),
        "measurements_claimed": b.get("claimed", 0),
        "measurements_out_of_time": b.get("out_of_time", 0),
        "probes_attested": b.get("probes_attested", 0),
    }


@dataclass(frozen=True)
class Seen:
    at: str
    uid: str


@dataclass(frozen=True)
class Event:
    """A published state change of one (domain, ASN). The change happened after `last_contradicting`
    (the last measurement that showed otherwise; None when there was none) and no later than
    `first_seen`; the new state was last observed at `last_seen`."""

    domain: str
    asn: int | None
    window: str
    # state_at_start: the pair's first published state, already in force when its data begins (its start
    # is not known, so it is never a blocking_start); blocking_start | blocking_end | state_change: a
    # change seen happening between two measurements.
    kind: str
    from_state: str | None
    to_state: str
    method: str | None
    confidence: str | None
    published_at: str  # the end of the window that made the change public
    first_seen: Seen | None
    last_seen: Seen | None
    last_contradicting: Seen | None
    ongoing: bool  # no later event for this (domain, ASN), up to the end of the data read
    # False for a state_at_start: the state may have begun before `first_seen`, and `last_contradicting`
    # may exist before the data read.
    start_known: bool = True
    basis: Decision | None = None  # the decision of the window that published the change

    def row(self) -> dict[str, Any]:
        def at(s: Seen | None) -> str | None:
            return s.at if s else None

        def uid(s: Seen | None) -> str | None:
            return s.uid if s else None

        return {
            "domain": self.domain,
            "asn": self.asn,
            "window": self.window,
            "kind": self.kind,
            "from_state": self.from_state,
            "to_state": self.to_state,
            "method": self.method,
            "confidence": self.confidence,
            "published_at": self.published_at,
            "first_seen_at": at(self.first_seen),
            "first_seen_uid": uid(self.first_seen),
            "last_seen_at": at(self.last_seen),
            "last_seen_uid": uid(self.last_seen),
            "last_contradicting_at": at(self.last_contradicting),
            "last_contradicting_uid": uid(self.last_contradicting),
            "ongoing": self.ongoing,
            "start_known": self.start_known,
            "rule_id": EVENT_RULE,
            "rules_version": TIMELINE_RULES_VERSION,
            "probes": self.basis.probes if self.basis else 0,
            "probes_vouched": self.basis.tiers.get("vouched", 0) if self.basis else 0,
            **(basis_row(self.basis) if self.basis else basis_row(Decision("inconclusive", ""))),
        }


Pair = tuple[str, int | None]


def group_facts(facts: Iterable[Fact]) -> dict[Pair, list[Fact]]:
    groups: dict[Pair, list[Fact]] = defaultdict(list)
    for f in facts:
        groups[(f.domain, f.asn)].append(f)
    for group in groups.values():
        group.sort(key=lambda f: (f.started_at, f.seq))
    return groups


def cells_of(
    domain: str,
    asn: int | None,
    facts: Sequence[Fact],
    window: str,
    excluded: frozenset[tuple[str, int]] = frozenset(),
    horizon: int | None = None,
) -> list[Cell]:
    """One pair's facts (sorted by time) cut into windows. `excluded`: (key id, window start) pairs;
    `horizon`: the epoch hour up to which data could exist (now, or the query's end): a window that
    reaches past it is marked incomplete."""
    by_start: dict[int, list[Fact]] = defaultdict(list)
    for f in facts:
        by_start[window_start(f.hour, window)].append(f)
    cells = []
    for start in sorted(by_start):
        group = by_start[start]
        out = frozenset(k for k, s in excluded if s == start) if excluded else frozenset()
        complete = horizon is None or start + WINDOW_HOURS[window] <= horizon
        decision = decide(group, out)
        cells.append(
            Cell(domain, asn, window, start, decision, group[0].started_at, group[-1].started_at, complete)
        )
    return cells


EVENT_KINDS = ("state_at_start", "blocking_start", "blocking_end", "state_change")


def event_kind(before: str | None, state: str) -> str:
    """The one naming of a published state: the first is `state_at_start` whatever it is."""
    if before is None:
        return "state_at_start"
    if state == "blocked":
        return "blocking_start"
    return "blocking_end" if before == "blocked" else "state_change"


Change = tuple[str | None, int, int]  # (the state before, the run's first cell, the publishing cell)


def changes_of(cells: Sequence[Cell]) -> list[Change]:
    """Published changes: a state counts once PUBLISH_AFTER consecutive complete windows with data show it.
    Inconclusive windows (among them uncorroborated ones) publish nothing and break a run; windows without
    data are skipped; a window still open is provisional and publishes nothing."""
    changes: list[Change] = []
    published: str | None = None
    run_state: str | None = None
    run_first = run_len = 0
    for i, cell in enumerate(cells):
        if not cell.complete:
            continue
        if cell.state not in PUBLISHED_STATES:
            run_state, run_len = None, 0
            continue
        if cell.state == run_state:
            run_len += 1
        else:
            run_state, run_first, run_len = cell.state, i, 1
        if run_len == PUBLISH_AFTER and cell.state != published:
            changes.append((published, run_first, i))
            published = cell.state
    return changes


def events_of(cells: Sequence[Cell], facts: Sequence[Fact]) -> list[Event]:
    """The published changes of one pair's cells (changes_of), each with the measurements that bound its
    dates, from `facts` (the pair's, sorted by time)."""
    changes = changes_of(cells)
    events = []
    # Only counted measurements bound an event's dates: a claimed or out-of-bracket one is no evidence.
    facts = [f for f in facts if f.time_ok and f.evidence in (ATTESTED, OBSERVED)] if changes else []
    for n, (before, first, at) in enumerate(changes):
        state = cells[at].state
        begin = cells[first].start
        end_hint = cells[changes[n + 1][1]].start if n + 1 < len(changes) else None
        in_state = [
            f
            for f in facts
            if f.outcome == state
            and window_start(f.hour, cells[first].window) >= begin
            and (end_hint is None or window_start(f.hour, cells[first].window) < end_hint)
        ]
        contradicting = [
            f
            for f in facts
            if f.outcome in CONTRADICTS[state] and (not in_state or f.started_at < in_state[0].started_at)
        ]
        decision = cells[first].decision
        events.append(
            Event(
                domain=cells[at].domain,
                asn=cells[at].asn,
                window=cells[at].window,
                kind=event_kind(before, state),
                from_state=before,
                to_state=state,
                method=decision.method if state == "blocked" else None,
                confidence=decision.confidence if state == "blocked" else None,
                published_at=hour_iso(cells[at].start + WINDOW_HOURS[cells[at].window]),
                first_seen=Seen(in_state[0].started_at, in_state[0].uid) if in_state else None,
                last_seen=Seen(in_state[-1].started_at, in_state[-1].uid) if in_state else None,
                last_contradicting=Seen(contradicting[-1].started_at, contradicting[-1].uid)
                if contradicting
                else None,
                ongoing=n + 1 == len(changes),
                start_known=before is not None,
                basis=cells[at].decision,
            )
        )
    return events


@dataclass(frozen=True)
class Timeline:
    window: str
    cells: list[Cell]
    events: list[Event]

    def since(self, hour: int) -> Timeline:
        """The part from `hour` on, when earlier facts were read as context: the cells that end after it,
        the events published after it, and for each pair the event in force at that time."""
        size = WINDOW_HOURS[self.window]
        cells = [c for c in self.cells if c.start + size > hour]
        at = hour_iso(hour)
        kept: list[Event] = []
        for i, e in enumerate(self.events):
            following = self.events[i + 1] if i + 1 < len(self.events) else None
            same_pair_next = following is not None and (following.domain, following.asn) == (e.domain, e.asn)
            in_force = not same_pair_next or following.published_at > at  # type: ignore[union-attr]
            if e.published_at > at or in_force:
                kept.append(e)
        return Timeline(self.window, cells, kept)


def build(
    facts: Iterable[Fact],
    window: str,
    excluded: frozenset[tuple[str, int]] = frozenset(),
    horizon: int | None = None,
    dating: Iterable[Fact] = (),
) -> Timeline:
    """`horizon`: see cells_of. A pair's first published state is a `state_at_start` (events_of).
    `dating`: measurements that only bound events' dates, never make windows (a bundle's earlier
    measurements kept for their dates alone, probe.analysis.bundle_context)."""
    cells: list[Cell] = []
    events: list[Event] = []
    dates = group_facts(dating)
    for (domain, asn), group in sorted(group_facts(facts).items(), key=lambda kv: (kv[0][0], kv[0][1] or 0)):
        pair_cells = cells_of(domain, asn, group, window, excluded, horizon)
        cells.extend(pair_cells)
        extra = dates.get((domain, asn))
        bounds = sorted([*group, *extra], key=lambda f: (f.started_at, f.seq)) if extra else group
        events.extend(events_of(pair_cells, bounds))
    return Timeline(window, cells, events)


@dataclass(frozen=True)
class Current:
    """The overview matrix's cell: the last published state, and the latest window behind it."""

    domain: str
    asn: int | None
    state: str  # the published state, or the latest window's when nothing is published yet
    published: bool
    since: Event | None
    latest: Cell


def current(timeline: Timeline) -> list[Current]:
    last_cell: dict[Pair, Cell] = {}
    for cell in timeline.cells:
        last_cell[(cell.domain, cell.asn)] = cell
    last_event = {(e.domain, e.asn): e for e in timeline.events}
    out = []
    for pair, cell in last_cell.items():
        event = last_event.get(pair)
        out.append(
            Current(pair[0], pair[1], event.to_state if event else cell.state, event is not None, event, cell)
        )
    return out
