"""What each dashboard page shows, computed from the collector's database, and its HTML.

Pure of HTTP: functions take a database connection (read only) and return the context a template renders.
probe.collector.dashboard_routes serves them. Templates autoescape everything; pages need no JavaScript.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup, escape

from probe.analysis.chart import COLOURS, STATE_LABELS, Row, extent, rows, spans
from probe.analysis.dashboard.ranking import corroborated, listed_domains, ranked_domains, ranked_networks
from probe.analysis.dashboard.records import ooni_counts
from probe.analysis.facts import CONTROL_CATEGORY, hour_iso
from probe.analysis.query import MATRIX_DAYS, Filters, matrix, network_names, timeline
from probe.analysis.rules import EVENT_RULES, PUBLISH_AFTER, TIMELINE_RULES_VERSION, WINDOW_RULES
from probe.analysis.timeline import WINDOW_HOURS, Cell, Event, Seen
from probe.analysis.wording import plural
from probe.collector.db import Connection
from probe.i18n.catalogue import MESSAGES

STRIP_WIDTH = 1000  # SVG user units; the strip scales with the page
DEFAULT_DAYS = 90  # a subject page without --since shows this many days before its latest data

_env = jinja2.Environment(
    loader=jinja2.PackageLoader("probe.analysis.dashboard", "templates"),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def with_lang(link: str, lang: str) -> str:
    """A link of the dashboard that keeps the page's language (`?lang=km`); English links carry none."""
    if lang == "en" or not link.startswith("/") or link.startswith("/api/") or link.startswith("/static/"):
        return link
    path, hashmark, fragment = link.partition("#")
    joiner = "&" if "?" in path else "?"
    return f"{path}{joiner}lang={lang}{hashmark}{fragment}"


def words(lang: str) -> Callable[..., str]:
    """`tr(key, **values)`: the catalogue's message `key` (probe.i18n.catalogue) in `lang`."""

    def tr(key: str, /, **values: object) -> str:
        english, khmer = MESSAGES[key]
        return (khmer if lang == "km" else english).format(**values)

    return tr


LABEL_KEYS = {  # the labels incomplete_label gives, to their catalogue keys
    "incomplete (today)": "dash_incomplete_today",
    "incomplete (this hour)": "dash_incomplete_hour",
    "incomplete (cut at the end of the period)": "dash_incomplete_cut",
}


def render(
    template: str, *, lab: bool, lang: str = "en", other_lang: str | None = None, **context: Any
) -> str:
    """A page; `lab` (probe.lab.history.is_lab of the database shown) puts the lab-data banner on top;
    `lang` (en or km) chooses its words and is kept in every link it makes; `other_lang` is the link to
    the same page in the other language (the overview's when not given)."""
    tr = words(lang)
    base = {
        "other_lang": other_lang or ("/?lang=km" if lang == "en" else "/"),
        "rules_version": TIMELINE_RULES_VERSION,
        "state_labels": {state: tr(f"chart_state_{state}") for state in STATE_LABELS},
        "colours": COLOURS,
        "publish_after": PUBLISH_AFTER,
        "lab": lab,
        "lang": lang,
        "tr": tr,
        "href": lambda link: with_lang(str(link), lang),
        "label": lambda text: tr(LABEL_KEYS[text]) if text in LABEL_KEYS else text,
        "confidence_word": lambda c: tr(f"report_conf_{c}") if f"report_conf_{c}" in MESSAGES else c,
    }
    return _env.get_template(template).render(**base, **context)


def iso(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def short(at: str | None) -> str:
    """An ISO time as "YYYY-MM-DD HH:MM" (UTC), for tables."""
    return at[:16].replace("T", " ") if at else ""


def exact(at: str | None) -> str:
    """An ISO time as "YYYY-MM-DD HH:MM", with ":SS" when the seconds are not zero: what a permalink holds."""
    if not at:
        return ""
    text = at[:19].replace("T", " ")
    return text[:16] if text.endswith(":00") else text


DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?Z?)?")


def nowrap(text: object) -> Markup:
    """Escaped text with every date or time in it kept on one line (a browser would break at the '-')."""
    safe = str(escape(str(text)))
    return Markup(DATE.sub(lambda m: f'<span class="date">{m.group(0)}</span>', safe))


_env.filters["short"] = short
_env.filters["exact"] = exact
_env.filters["nowrap"] = nowrap
_env.globals["plural"] = plural


def control_domains(conn: Connection) -> set[str]:
    """Sites measured as controls (category CTRL): they should be reachable everywhere."""
    found = conn.execute("SELECT DISTINCT domain FROM facts WHERE category = ?", [CONTROL_CATEGORY])
    return {row[0] for row in found.fetchall()}


def incomplete_label(cell: Cell, now: datetime) -> str:
    """How a window that reaches past the time of the query is labelled."""
    hour = int(now.timestamp()) // 3600
    if cell.start <= hour < cell.start + WINDOW_HOURS[cell.window]:
        return "incomplete (today)" if cell.window == "day" else "incomplete (this hour)"
    return "incomplete (cut at the end of the period)"


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
