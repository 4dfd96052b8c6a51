"""The dashboard's overview: the matrix of sites by networks as of a time, computed from the collector's
database (read only), and the lookups the other pages share (the data's range, control sites, suggestions
for a subject that was never measured).

Pure of HTTP: functions take a database connection and return the context a template renders
(probe.analysis.dashboard.render); probe.collector.dashboard_routes serves them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from probe.analysis.dashboard.ranking import ranked_domains, ranked_networks
from probe.analysis.dashboard.render import incomplete_label, iso
from probe.analysis.facts import CONTROL_CATEGORY, hour_iso
from probe.analysis.query import MATRIX_DAYS, Filters, matrix, network_names
from probe.analysis.wording import plural
from probe.collector.db import Connection


def control_domains(conn: Connection) -> set[str]:
    """Sites measured as controls (category CTRL): they should be reachable everywhere."""
    found = conn.execute("SELECT DISTINCT domain FROM facts WHERE category = ?", [CONTROL_CATEGORY])
    return {row[0] for row in found.fetchall()}


def suggest_networks(conn: Connection, text: str) -> list[dict[str, str]]:
    """Networks whose name contains `text` (case-insensitive); every known network when `text` is a number."""
    names = network_names(conn)
    asns = [int(a) for (a,) in conn.execute("SELECT DISTINCT asn FROM facts WHERE asn IS NOT NULL")]
    needle = text.strip().lower().removeprefix("as")
    if needle.isdigit() or not needle:
        chosen = sorted(asns)
    else:
        chosen = sorted(a for a in asns if needle in names.get(a, "").lower())
    return [
        {"link": f"/asn/{a}", "text": f"AS{a}" + (f" ({names[a]})" if a in names else "")} for a in chosen
    ][:20]


def suggest_domains(conn: Connection, text: str) -> list[dict[str, str]]:
    """Measured sites containing `text`, or else its longest label ("rfa" for "www.rfa.com")."""
    domains = [d for (d,) in conn.execute("SELECT DISTINCT domain FROM facts ORDER BY domain")]
    needle = text.strip().lower()
    found = [d for d in domains if needle and needle in d]
    if not found:
        labels = [p for p in needle.split(".") if p not in ("www", "com", "org", "net", "news", "")]
        longest = max(labels, key=len, default="")
        found = [d for d in domains if len(longest) >= 3 and longest in d]
    return [{"link": f"/domain/{quote(d)}", "text": d} for d in found][:20]


def data_range(conn: Connection, filters: Filters | None = None) -> tuple[str | None, str | None]:
    """The first and last measurement times (UTC ISO) among the facts the filters select."""
    where, params = (filters or Filters()).where()
    first, last = conn.execute(
        f"SELECT min(started_at), max(started_at) FROM facts{where}", params
    ).fetchone()
    return first, last


def latest_hour(conn: Connection, filters: Filters | None = None) -> int | None:
    where, params = (filters or Filters()).where()
    found = conn.execute(f"SELECT max(hour) FROM facts{where}", params).fetchone()[0]
    return int(found) if found is not None else None


# -- the overview matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixCell:
    state: str
    published: bool
    method: str | None
    confidence: str | None
    since: str | None  # when the published state was first seen
    changed: bool  # the published state is a change seen in the period, not its first state
    start_known: bool  # False: the state may have begun before the period read ("since at least")
    latest_window: str
    measurements: int
    incomplete: str | None  # the latest window reaches past the time shown: its label
    blocked: int = 0  # the latest window's measurements that found it blocked
    probes: int = 0  # the latest window's distinct probes, and how many of them vouched
    vouched: int = 0

    @property
    def counts(self) -> str:
        """What the state rests on, in the cell: the latest window's counts."""
        return (
            f"{self.blocked} of {plural(self.measurements, 'measurement')} blocked · "
            f"{plural(self.probes, 'probe')} ({self.vouched} vouched)"
        )


def next_minute(now: datetime) -> datetime:
    """Now, rounded up to the minute: a permalink's end that includes everything measured so far."""
    floor = now.replace(second=0, microsecond=0)
    return floor if floor == now else floor + timedelta(minutes=1)


def overview(
    conn: Connection,
    at: datetime | None,
    now: datetime,
    only_blocked: bool = False,
    *,
    max_domains: int = 300,
    max_networks: int = 40,
    offset: int = 0,
) -> dict[str, Any]:
    """`offset`: how many of the ranked sites (ranking.py) to skip, to reach those past `max_domains`.
    The matrix as of `at`; without it, as of now (rounded up to the minute), or of the end of the data when that is
    older than the matrix's reach (so an archive still shows its last state, saying so). Sites blocked
    somewhere come first; control sites (category CTRL) are listed apart."""
    source = "requested" if at is not None else "now"
    if at is None:
        last = latest_hour(conn)
        at = next_minute(now)
        if last is not None and (last + 1) * 3600 < (now - timedelta(days=MATRIX_DAYS)).timestamp():
            at = datetime.fromtimestamp((last + 1) * 3600, UTC)
            source = "end_of_data"
    at = at.astimezone(UTC).replace(microsecond=0)  # the permalink holds whole seconds: so does the page
    cells = matrix(conn, at)
    names = network_names(conn)
    controls = control_domains(conn)
    # A page's size is bounded whatever probes claim: sites and networks rank by standing (ranking.py), so
    # an uncorroborated key's junk never pushes aside a published or listed site; the page says how many
    # it left out and links to the next ones (`offset`).
    networks = ranked_networks(cells)
    kept_asns = set(networks[:max_networks])
    asns = sorted(kept_asns, key=lambda a: (a is None, a or 0))
    grid: dict[tuple[str, int | None], MatrixCell] = {}
    for c in cells:
        d = c.latest.decision
        grid[(c.domain, c.asn)] = MatrixCell(
            state=c.state,
            published=c.published,
            method=c.since.method if c.since else d.method,
            confidence=c.since.confidence if c.since else d.confidence,
            since=c.since.first_seen.at if c.since and c.since.first_seen else None,
            changed=bool(c.since and c.since.from_state),
            start_known=c.since.start_known if c.since else True,
            latest_window=hour_iso(c.latest.start)[:10],
            measurements=sum(d.counts.values()),
            blocked=d.counts.get("blocked", 0),
            probes=d.probes,
            vouched=d.tiers.get("vouched", 0),
            # only a provisional state rests on the open window; a published one on complete windows
            incomplete=None if c.latest.complete or c.published else incomplete_label(c.latest, now),
        )
    blocked = {domain for (domain, _), cell in grid.items() if cell.state == "blocked"}
    domains = sorted({c.domain for c in cells} - controls, key=lambda d: (d not in blocked, d))
    shown = [d for d in domains if d in blocked] if only_blocked else domains
    showable = set(shown)
    order = [d for d in ranked_domains(cells) if d in showable]
    kept = set(order[offset : offset + max_domains])
    left_out = len(shown) - len(kept)
    shown = [d for d in shown if d in kept]
    counts = Counter(cell.state for (domain, _), cell in grid.items() if domain not in controls)
    first, last_at = data_range(conn)
    query = {"at": iso(at)} | ({"only": "blocked"} if only_blocked else {})
    pages_of = {
        "next": "/?" + urlencode(query | {"offset": str(offset + max_domains)}, safe=":"),
        "previous": "/?"
        + urlencode(
            query | ({"offset": str(max(0, offset - max_domains))} if offset > max_domains else {}), safe=":"
        ),
    }
    if offset:
        query["offset"] = str(offset)
    return {
        "at": iso(at),
        "at_source": source,
        "from": iso(at - timedelta(days=MATRIX_DAYS)),
        "matrix_days": MATRIX_DAYS,
        "domains": shown,
        "hidden": len(domains) - len(shown) - left_out,
        "left_out_sites": left_out,
        "left_out_networks": len(networks) - len(asns),
        "offset": offset,
        "more_after": max(0, len(order) - offset - max_domains),
        "pages": pages_of,
        "only_blocked": only_blocked,
        "controls": sorted({c.domain for c in cells} & controls)[:max_domains],
        "asns": [{"asn": a, "name": names.get(a) if a is not None else None} for a in asns],
        "grid": grid,
        "counts": counts,
        "open_windows": any(not c.latest.complete for c in cells),
        "data_first": first,
        "data_last": last_at,
        "permalink": "/?" + urlencode(query, safe=":"),
    }
