"""Which measurements from before `since` a bundle holds: what deciding and dating its events needs, and
no more, however long the history before `since` is (docs/bundles.md, "Context").

A bundle cut with --since gives the events `probe export events --since` gives: those of the pair's whole
history, cut at `since` (query.timeline). Per (site, network) pair, the events from `since` on depend on
the earlier windows only through the state of timeline.changes_of when it reaches the first window that
ends after `since` (C): the published state, and the run of windows in progress. So, of the windows
before C, the bundle holds (each whole, with its probes' control measurements):

- the run of windows that published the state in force at `since`, and the run that published the state
  before it, so that the state in force is the same change (same kind, from the same state);
- the run in progress just before C when it is of another state than the one in force (fewer than
  PUBLISH_AFTER windows), so that a change it starts is published in the same window.

A run of the state in force before C needs nothing: it publishes nothing. Of single measurements, the
bundle holds those that bound the kept events' dates (first seen, last seen, last contradicting); these
count for dates only, never as windows (MANIFEST.json `context_dates_only`), or they would add windows the
history has in other company.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from probe.analysis.facts import Fact
from probe.analysis.timeline import (
    PUBLISHED_STATES,
    WINDOW_HOURS,
    Cell,
    Pair,
    Timeline,
    changes_of,
    window_start,
)


@dataclass(frozen=True)
class Context:
    """The earlier measurements to bundle: those in `windows` ((domain, asn, window start), taken whole) or
    in a window from `first_window` on (the one holding `since`, C), and those among `dates` (the uids
    that bound the kept events' dates) in no such window, bundled for their dates only."""

    window: str
    windows: frozenset[tuple[str, int | None, int]]
    first_window: int
    dates: frozenset[str]

    def wanted(self, fact: Fact) -> bool:
        start = window_start(fact.hour, self.window)
        return start >= self.first_window or (fact.domain, fact.asn, start) in self.windows

    def dated(self, fact: Fact) -> bool:
        """Bundled for the dates it bounds alone (MANIFEST.json `context_dates_only`)."""
        return fact.uid in self.dates and not self.wanted(fact)


def _runs_needed(cells: list[Cell], since_hour: int) -> set[int]:
    """Indexes of one pair's cells before C that deciding its events from `since` on needs."""
    size = WINDOW_HOURS[cells[0].window] if cells else 24
    c = next((i for i, cell in enumerate(cells) if cell.start + size > since_hour), len(cells))
    changes = [change for change in changes_of(cells) if cells[change[2]].start + size <= since_hour]
    needed: set[int] = set()
    for _, first, at in changes[-2:]:  # the state in force at `since`, and the one it changed from
        needed.update(range(first, at + 1))
    in_force = cells[changes[-1][2]].state if changes else None
    trailing = [i for i in range(c) if cells[i].complete]
    if trailing and cells[trailing[-1]].state in PUBLISHED_STATES:
        state = cells[trailing[-1]].state
        if state != in_force:
            for i in reversed(trailing):
                if cells[i].state != state:
                    break
                needed.add(i)
    return needed


def choose(history: Timeline, since_hour: int) -> Context:
    """The context to bundle, from the timeline of the bundle's whole history (its measurements and every
    earlier one of the same site and network, with their probes' controls)."""
    by_pair: dict[Pair, list[Cell]] = defaultdict(list)
    for cell in history.cells:
        by_pair[(cell.domain, cell.asn)].append(cell)
    windows = {
        (domain, asn, cells[i].start)
        for (domain, asn), cells in by_pair.items()
        for i in _runs_needed(cells, since_hour)
    }
    dates = {
        seen.uid
        for event in history.since(since_hour).events
        for seen in (event.first_seen, event.last_seen, event.last_contradicting)
        if seen is not None
    }
    first = window_start(since_hour, history.window)
    return Context(history.window, frozenset(windows), first, frozenset(dates))
