"""Which sites and networks the overview (page and /api/v1/overview) shows first when it cannot show all.

What an uncorroborated key claims must never push aside what is published or what the operator's test
lists name: a fresh key can upload hundreds of junk sites in a few requests, so ranking by measurement
counts alone would let it empty the front page. Sites rank by standing first (a published state, then named
in the collector's built-in test lists: what /api/v1/targets serves), then by a corroborated basis (rule
window.uncorroborated), then by counted measurements. Pure functions over the matrix's cells.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import cache

from probe.analysis.facts import domain_of
from probe.analysis.query import FilterError
from probe.analysis.rules import MIN_ATTESTED_PROBES, MIN_VOUCHED_PROBES, Decision
from probe.analysis.timeline import Current
from probe.lists import builtin_lists


@cache
def listed_domains() -> frozenset[str]:
    """The hosts of every URL in the collector's built-in test lists (read once: they ship with the code)."""
    return frozenset(domain_of(e.url) for entries in builtin_lists().values() for e in entries)


def corroborated(d: Decision) -> bool:
    """The window's counted measurements rest on enough attested or vouched probes to publish a state."""
    return (
        d.basis.get("probes_attested", 0) >= MIN_ATTESTED_PROBES
        or d.tiers.get("vouched", 0) >= MIN_VOUCHED_PROBES
    )


def _order(cells: Iterable[Current], subject: str, listed: frozenset[str]) -> list[str | int | None]:
    # 0: a published state (it rests on corroborated windows), 1: named in the test lists, 2: a
    # corroborated latest window, 3: none of these (what an uncorroborated key alone can make)
    standing: dict[str | int | None, int] = {}
    counted: Counter[str | int | None] = Counter()
    blocked: set[str | int | None] = set()
    for c in cells:
        key: str | int | None = c.domain if subject == "domain" else c.asn
        if c.published:
            rank = 0
        elif subject == "domain" and c.domain in listed:
            rank = 1
        else:
            rank = 2 if corroborated(c.latest.decision) else 3
        standing[key] = min(standing.get(key, 3), rank)
        counted[key] += sum(c.latest.decision.counts.values())
        if c.state == "blocked":
            blocked.add(key)
    return sorted(
        standing,
        key=lambda k: (
            standing[k],
            k not in blocked,
            -counted[k],
            k is None,
            str(k) if subject == "domain" else k or 0,
        ),
    )


def ranked_domains(cells: Iterable[Current], listed: frozenset[str] | None = None) -> list[str]:
    """Every domain of `cells`, the ones to show first first."""
    return [str(d) for d in _order(cells, "domain", listed_domains() if listed is None else listed)]


def ranked_networks(cells: Iterable[Current]) -> list[int | None]:
    """Every network of `cells`: those with a published or corroborated cell first, then the most measured."""
    return [a if a is None else int(a) for a in _order(cells, "asn", frozenset())]


def count_param(text: str | None, name: str, default: int, most: int | None = None) -> int:
    """A query's `offset` or `limit`: a whole number from 0 (up to `most`); else FilterError in one sentence."""
    if text is None or text == "":
        return default
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise FilterError.of("filter_not_count", name=name, value=repr(text[:40]))
    value = int(text)
    if most is not None and value > most:
        raise FilterError.of("filter_too_many", name=name, value=value, most=most)
    return value
