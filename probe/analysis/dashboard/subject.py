"""A site's page (one row per network) or a network's (one row per site): each row's windows as a strip of
bars, its published changes as marks, and the events table, computed from the collector's database (read
only) for the context a template renders (probe.analysis.dashboard.render).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from probe.analysis.chart import STATE_LABELS, Row, extent, rows, spans
from probe.analysis.dashboard.overview import control_domains, data_range, latest_hour, next_minute
from probe.analysis.dashboard.ranking import corroborated, listed_domains
from probe.analysis.dashboard.records import ooni_counts
from probe.analysis.dashboard.render import LABEL_KEYS, incomplete_label, iso, short, words
from probe.analysis.facts import hour_iso
from probe.analysis.query import Filters, network_names, timeline
from probe.analysis.rules import EVENT_RULES, WINDOW_RULES
from probe.analysis.timeline import WINDOW_HOURS, Cell, Event, Seen
from probe.analysis.wording import plural
from probe.collector.db import Connection
from probe.i18n.catalogue import MESSAGES

STRIP_WIDTH = 1000  # SVG user units; the strip scales with the page
DEFAULT_DAYS = 90  # a subject page without --since shows this many days before its latest data


# -- a site across networks, or a network across sites ----------------------------------------------------


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    state: str
    label: str | None  # printed in the bar when it is wide enough (the blocking method)
    title: str  # the tooltip
    incomplete: bool = False  # the span's windows reach past the time of the query


@dataclass(frozen=True)
class Mark:
    x: float
    kind: str
    title: str


@dataclass(frozen=True)
class Strip:
    key: str  # "AS38623" or a domain
    link: str
    name: str | None
    anchor: str
    bars: list[Bar]
    marks: list[Mark]
    now: str  # the row's last state, as text
    incomplete: str | None  # the row's last window is incomplete: its label


def between(event: Event, lang: str = "en") -> str:
    """When the change happened, as far as the measurements bound it."""
    tr = words(lang)
    first = event.first_seen.at if event.first_seen else None
    if event.last_contradicting and first:
        return tr("dash_between", after=short(event.last_contradicting.at), by=short(first))
    if first:
        return tr("dash_no_later", by=short(first))
    return tr("dash_published_at", at=short(event.published_at))


def event_row(event: Event, by: Row, incomplete: str | None = None, lang: str = "en") -> dict[str, Any]:
    def seen(s: Seen | None) -> dict[str, str] | None:
        return {"at": s.at, "uid": s.uid} if s else None

    return {
        "key": f"AS{event.asn}" if by == "asn" else event.domain,
        "link": f"/asn/{event.asn}" if by == "asn" else f"/domain/{quote(event.domain)}",
        "kind": event.kind,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "between": between(event, lang),
        "method": event.method,
        "confidence": event.confidence,
        "published_at": event.published_at,
        "first_seen": seen(event.first_seen),
        "last_seen": seen(event.last_seen),
        "last_contradicting": seen(event.last_contradicting),
        "ongoing": event.ongoing,
        "incomplete": incomplete,
    }


def axis(start: int, end: int) -> list[dict[str, Any]]:
    """Date ticks at whole days (UTC), at most about eight."""
    days = max(1, (end - start) // 24)
    step = max(1, -(-days // 8))
    first = start - start % 24 + (24 if start % 24 else 0)
    ticks = []
    for hour in range(first, end + 1, 24 * step):
        ticks.append(
            {"x": round((hour - start) / (end - start) * STRIP_WIDTH, 2), "label": hour_iso(hour)[:10]}
        )
    return ticks


EVENT_KINDS = {
    "blocking_start": "blocking started",
    "blocking_end": "blocking ended",
    "state_change": "state changed",
    "state_at_start": "in force when the data begins",
}


def kind_word(kind: str, lang: str) -> str:
    """An event's kind as the marks' tooltips say it: its name in English, its description in Khmer."""
    return kind.replace("_", " ") if lang == "en" else words(lang)(f"dash_event_{kind}")


def epoch_hour_of(at: str) -> int:
    return int(datetime.fromisoformat(at.replace("Z", "+00:00")).timestamp()) // 3600


def hour_text(hour: int) -> str:
    return hour_iso(hour)[:13].replace("T", " ") + "h"


def strip_of(
    key: str,
    cells: list[Cell],
    events: list[Event],
    by: Row,
    span: tuple[int, int],
    now: datetime,
    lang: str = "en",
) -> Strip:
    """One row of the page: its cells as bars, its published changes as marks at their first measurement."""
    start, end = span
    window = cells[0].window

    def x(hour: int) -> float:
        return round((hour - start) / (end - start) * STRIP_WIDTH, 2)

    open_cell = next((c for c in reversed(cells) if not c.complete), None)
    open_label = incomplete_label(open_cell, now) if open_cell else None
    tr = words(lang)
    state_words = {state: tr(f"chart_state_{state}") for state in STATE_LABELS}
    bars = []
    for part in spans(cells, start, end):
        dates = tr("dash_bar_dates", start=hour_text(part.start), end=hour_text(part.end))
        if part.state == "gap":
            title = tr("dash_bar_gap", dates=dates)
        else:
            confidence = part.confidence or ""
            if lang != "en" and f"report_conf_{confidence}" in MESSAGES:
                confidence = tr(f"report_conf_{confidence}")
            what = state_words[part.state] + (f" ({part.method}, {confidence})" if part.method else "")
            if lang == "en":
                title = f"{what}, {dates}: {plural(part.windows, f'{window} window')}, {plural(part.measurements, 'measurement')}"
            else:
                title = tr(
                    "dash_bar", what=what, dates=dates, windows=part.windows, measurements=part.measurements
                )
            if not part.complete:
                label = tr(LABEL_KEYS[open_label]) if open_label in LABEL_KEYS else open_label
                title = tr("dash_bar_open", label=label or tr("chart_incomplete"), title=title)
        bar_width = x(part.end) - x(part.start)
        label = part.method if part.method and bar_width > 9 * len(part.method) else None
        bars.append(Bar(x(part.start), round(bar_width, 2), part.state, label, title, not part.complete))
    marks = []
    for event in events:
        if event.kind == "state_at_start" or event.first_seen is None:
            continue
        marks.append(
            Mark(
                x(epoch_hour_of(event.first_seen.at)),
                event.kind,
                tr("dash_mark", kind=kind_word(event.kind, lang), when=between(event, lang)),
            )
        )
    number = int(key[2:]) if by == "asn" and key[2:].isdigit() else None
    return Strip(
        key=key,
        link=f"/asn/{number}" if number is not None else f"/domain/{quote(key)}",
        name=None,
        anchor=key.lower().replace(".", "-"),
        bars=bars,
        marks=marks,
        now=events[-1].to_state if events else cells[-1].state,
        incomplete=open_label if cells[-1] is open_cell else None,
    )


def event_incomplete(event: Event, cells: list[Cell], now: datetime, lang: str = "en") -> str | None:
    """The label of an incomplete window the event rests on: the one that published it, or, for an
    ongoing state, the row's latest."""
    published = epoch_hour_of(event.published_at)
    for cell in cells:
        if cell.complete:
            continue
        if cell.start + WINDOW_HOURS[cell.window] == published:
            label = incomplete_label(cell, now)
            return words(lang)("dash_published_open", label=words(lang)(LABEL_KEYS[label]))
        if event.ongoing and cell is cells[-1]:
            label = incomplete_label(cell, now)
            return words(lang)("dash_latest_window", label=words(lang)(LABEL_KEYS[label]))
    return None


def subject_page(
    conn: Connection,
    filters: Filters,
    window: str,
    page: Row,
    query: dict[str, str],
    now: datetime,
    *,
    max_rows: int = 300,
    max_events: int = 500,
    lang: str = "en",
) -> dict[str, Any] | None:
    """A site's page (page="domain": one row per network) or a network's (page="asn": one row per site);
    None when nothing was ever measured for it. The permalink holds the exact since, until and window
    shown, so that it shows the same windows later. At most `max_rows` rows (the most measured) and the
    latest `max_events` events are shown, whatever probes claimed; the page says how many it left out."""
    by: Row = "asn" if page == "domain" else "domain"
    scope = Filters(domain=filters.domain, asn=filters.asn)
    last = latest_hour(conn, scope)
    if last is None:
        return None
    chosen_since = filters.since is not None
    asked = filters  # OONI's external history is shown for the period asked, not the default window
    if filters.since is None:
        begin = datetime.fromtimestamp((last + 1) * 3600, UTC) - timedelta(days=DEFAULT_DAYS)
        filters = Filters(filters.domain, filters.asn, since=begin, until=filters.until)
    found = timeline(conn, filters, window, now=now)
    names = network_names(conn)
    controls = control_domains(conn) if by == "domain" else set()
    bounds = extent(found)
    start, end = bounds if bounds else (0, 1)
    if chosen_since and filters.since is not None and bounds:
        start = min(start, int(filters.since.timestamp()) // 3600)
    if filters.until is not None and bounds:
        end = max(end, -(-int(filters.until.timestamp()) // 3600))
    # Without `until`, the page ends at the end of its last window, or now if that window is still open.
    shown_until = filters.until or (
        min(datetime.fromtimestamp(end * 3600, UTC), next_minute(now)) if bounds else None
    )
    strips: list[Strip] = []
    control_strips: list[Strip] = []
    cells_by_key: dict[str, list[Cell]] = {}
    events_by_key: dict[str, list[Event]] = defaultdict(list)
    for e in found.events:
        events_by_key[f"AS{e.asn}" if by == "asn" else e.domain].append(e)
    all_rows = list(rows(found, by))
    weight = {key: sum(sum(c.decision.counts.values()) for c in cells) for key, cells in all_rows}
    # published or listed rows first, then corroborated ones, then the most measured (ranking.py): an
    # uncorroborated key's many measurements never push a real site or network off the page
    standing = {
        key: 0
        if events_by_key.get(key)
        else 1
        if by == "domain" and key in listed_domains()
        else 2
        if any(corroborated(c.decision) for c in cells)
        else 3
        for key, cells in all_rows
    }
    kept = set(sorted(weight, key=lambda k: (standing[k], -weight[k], k))[:max_rows])
    for key, cells in all_rows:
        if key not in kept:
            continue
        cells_by_key[key] = cells
        row_events = events_by_key.get(key, [])
        strip = strip_of(key, cells, row_events, by, (start, end), now, lang)
        number = int(key[2:]) if by == "asn" and key[2:].isdigit() else None
        if number is not None and number in names:
            strip = replace(strip, name=names[number])
        (control_strips if key in controls else strips).append(strip)
    events = []
    shown_events = found.events[-max_events:] if len(found.events) > max_events else found.events
    # changes first (to blocked first), newest first; the states in force when the data begins after them
    shown_events = sorted(shown_events, key=lambda e: e.published_at, reverse=True)
    shown_events = sorted(shown_events, key=lambda e: (e.kind == "state_at_start", e.to_state != "blocked"))
    for e in shown_events:
        key = f"AS{e.asn}" if by == "asn" else e.domain
        events.append(event_row(e, by, event_incomplete(e, cells_by_key.get(key, []), now, lang), lang))
    where, params = filters.where()
    measurements, probes = conn.execute(
        f"SELECT count(*), count(DISTINCT key_id) FROM facts{where}", params
    ).fetchone()
    tiers = dict(
        conn.execute(
            f"SELECT tier, count(DISTINCT key_id) FROM facts{where} GROUP BY tier", params
        ).fetchall()
    )
    first, last_at = data_range(conn, filters)
    # The header's start and the permalink's since are one value: the since asked for, else the start of
    # the first window shown (a permalink then shows the same windows as the page it was copied from).
    shown_since = (
        iso(filters.since) if chosen_since and filters.since else hour_iso(start) if bounds else None
    )
    permalink_query = {
        "since": shown_since or "",
        "until": iso(shown_until) if shown_until else "",
        "window": window,
    }
    windows_used = Counter(c.decision.rule_id for c in found.cells)
    return {
        "by": by,
        "page": page,
        "event_kinds": EVENT_KINDS,
        "start_at": shown_since,
        "strips": strips,
        "control_strips": control_strips,
        "ticks": axis(start, end) if bounds else [],
        "strip_width": STRIP_WIDTH,
        "events": events,
        "left_out_rows": len(all_rows) - len(kept),
        "left_out_events": len(found.events) - len(shown_events),
        "measurements": measurements,
        "probes": probes,
        "tiers": tiers,
        "data_first": first,
        "data_last": last_at,
        "window": window,
        "since": shown_since,
        "until": iso(shown_until) if shown_until else None,
        "query": query,
        "permalink_query": urlencode({k: v for k, v in permalink_query.items() if v}, safe=":"),
        "rules": [(rule, WINDOW_RULES.get(rule, ""), n) for rule, n in sorted(windows_used.items())],
        "event_rules": EVENT_RULES,
        "ooni": ooni_counts(conn, asked),
        "network_name": names.get(filters.asn) if filters.asn is not None else None,
        "incomplete": any(not c.complete for c in found.cells),
    }
