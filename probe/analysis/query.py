"""Reading facts back from the collector's database: filters, streaming, and the timeline queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from probe.analysis.facts import CONTROL_CATEGORY, FACT_COLUMNS, Fact
from probe.analysis.timeline import WINDOW_HOURS, Current, Timeline, build, current, excluded_slots
from probe.collector.db import Connection


class FilterError(ValueError):
    """A filter value the user gave cannot be used; the message says which and why. Made with `of` from a
    catalogue message (probe.i18n.catalogue), it can be said in Khmer too (`said`): the dashboard's 400
    page does."""

    key: str | None = None
    values: dict[str, object] = {}  # noqa: RUF012  (replaced, never changed, by `of`)

    @classmethod
    def of(cls, key: str, /, **values: object) -> FilterError:
        from probe.i18n.catalogue import MESSAGES

        error = cls(MESSAGES[key][0].format(**values))
        error.key, error.values = key, values
        return error

    def said(self, lang: str) -> str:
        """The message in `lang` (en or km); in English when it was not made from the catalogue."""
        from probe.i18n.catalogue import MESSAGES

        if self.key is None or lang != "km":
            return str(self)
        return MESSAGES[self.key][1].format(**self.values)


FIRST_YEAR, LAST_YEAR = 1970, 2999  # dates outside are refused: no measurement can lie there
MAX_ASN = 2**32 - 1


def parse_when(text: str, name: str) -> datetime:
    """A date (YYYY-MM-DD, midnight UTC) or an ISO 8601 time; a time without an offset is UTC. Years
    outside FIRST_YEAR..LAST_YEAR are refused (they could only overflow the date arithmetic after)."""
    problem = FilterError.of("filter_not_date", name=name, value=repr(text[:40]))
    if len(text) > 40 or not text.isascii():
        raise problem
    try:
        if len(text) == 10:
            when = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
        when = when if when.tzinfo else when.replace(tzinfo=UTC)
        year = when.astimezone(UTC).year
    except (ValueError, OverflowError):
        raise problem from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise FilterError.of("filter_year", name=name, first=FIRST_YEAR, last=LAST_YEAR)
    return when


def _text(value: str, name: str, longest: int) -> str:
    """A free-text filter: at most `longest` characters, none of them a control character."""
    if len(value) > longest or any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        raise FilterError.of("filter_text", name=name, longest=longest)
    return value


def parse_asn(value: str | int, name: str = "asn") -> int:
    """An AS number, 1 to 10 ASCII digits with an optional AS prefix, at most 2^32 - 1."""
    text = str(value).strip().upper().removeprefix("AS")
    if not (text.isascii() and text.isdigit() and len(text) <= 10) or int(text) > MAX_ASN:
        raise FilterError.of("filter_not_asn", name=name, value=repr(str(value)[:40]))
    return int(text)


def hour_of(when: datetime) -> int:
    return int(when.timestamp()) // 3600


@dataclass(frozen=True)
class Filters:
    domain: str | None = None
    asn: int | None = None
    cc: str | None = None
    category: str | None = None
    since: datetime | None = None  # inclusive
    until: datetime | None = None  # exclusive

    @classmethod
    def parse(
        cls,
        *,
        domain: str | None = None,
        asn: str | int | None = None,
        cc: str | None = None,
        category: str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> Filters:
        number: int | None = None
        if asn not in (None, ""):
            number = parse_asn(asn)
        begin = parse_when(since, "since") if since else None
        end = parse_when(until, "until") if until else None
        if until and end is not None and len(until) == 10:
            end += timedelta(days=1)  # --until 2026-11-24 includes that day
        if begin and end and begin >= end:
            raise FilterError.of("filter_since_until")
        return cls(
            domain=_text(domain, "domain", 253).lower().strip() if domain else None,
            asn=number,
            cc=_text(cc, "country", 8).upper() if cc else None,
            category=_text(category, "category", 64).upper() if category else None,
            since=begin,
            until=end,
        )

    def where(self) -> tuple[str, list[object]]:
        parts: list[str] = []
        params: list[object] = []
        for column, value in (
            ("domain", self.domain),
            ("asn", self.asn),
            ("cc", self.cc),
            ("category", self.category),
        ):
            if value is not None:
                parts.append(f"{column} = ?")
                params.append(value)
        if self.since is not None:
            parts.append("hour >= ?")
            params.append(hour_of(self.since))
        if self.until is not None:
            parts.append("hour < ?")
            params.append(-(-int(self.until.timestamp()) // 3600))
        return (" WHERE " + " AND ".join(parts)) if parts else "", params

    def as_dict(self) -> dict[str, object]:
        return {
            "domain": self.domain,
            "asn": self.asn,
            "country": self.cc,
            "category": self.category,
            "since": self.since.isoformat().replace("+00:00", "Z") if self.since else None,
            "until": self.until.isoformat().replace("+00:00", "Z") if self.until else None,
        }


SELECT_FACTS = f"SELECT {', '.join(FACT_COLUMNS)} FROM facts"


def iter_facts(conn: Connection, filters: Filters, order: str = "domain, asn, hour, seq") -> Iterator[Fact]:
    """Facts in order, streamed from the database (never all in memory). The query selects whole hours;
    in the first and last hour, each fact's own time is checked against since and until."""
    where, params = filters.where()
    cursor = conn.execute(f"{SELECT_FACTS}{where} ORDER BY {order}", params)
    first = hour_of(filters.since) if filters.since is not None else None
    last = hour_of(filters.until) if filters.until is not None else None
    while rows := cursor.fetchmany(5000):
        for row in rows:
            fact = Fact(*row)
            if (fact.hour == first or fact.hour == last) and not within_period(fact.started_at, filters):
                continue
            yield fact


def within_period(started_at: str, filters: Filters) -> bool:
    """Whether a time lies in [since, until): the exact check behind the hour-precise SQL filter."""
    when = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
    return (filters.since is None or when >= filters.since) and (
        filters.until is None or when < filters.until
    )


def excluded_windows(conn: Connection, filters: Filters, window: str) -> frozenset[tuple[str, int]]:
    """(probe key id, window start) pairs set aside for the period of `filters` (timeline.excluded_slots)."""
    controls = Filters(category=CONTROL_CATEGORY, since=filters.since, until=filters.until)
    return excluded_slots(iter_facts(conn, controls, order="seq"), window)


def timeline(
    conn: Connection,
    filters: Filters,
    window: str = "day",
    now: datetime | None = None,
    *,
    context_days: int | None = None,
) -> Timeline:
    """Cells and events for the filters. Events are decided from all the earlier data of the same pairs, so
    a date filter never moves a change's dates nor turns a change into a `state_at_start`: the result is
    the unfiltered timeline cut at `since` (Timeline.since). Windows that reach past now (or `until`) are
    marked incomplete. `context_days` bounds the earlier data read (alerts, which only look at a change
    just published, read ALERT_CONTEXT_DAYS): only for callers that never show an older event."""
    if window not in WINDOW_HOURS:
        raise FilterError.of("filter_window", value=repr(window), allowed=", ".join(WINDOW_HOURS))
    end = min(now or datetime.now(UTC), filters.until) if filters.until else (now or datetime.now(UTC))
    read = replace(filters, since=None)
    if filters.since is not None and context_days is not None:
        read = replace(filters, since=filters.since - timedelta(days=context_days))
    found = build(iter_facts(conn, read), window, excluded_windows(conn, read, window), horizon=hour_of(end))
    return found.since(hour_of(filters.since)) if filters.since is not None else found


MATRIX_DAYS = 14
# Pairs blocked when the matrix's days begin whose real start is looked up in their whole history; beyond
# this many the page stays bounded and says "since at least" for the rest (a hostile-load limit).
MATRIX_HISTORY_PAIRS = 100


def matrix(conn: Connection, at: datetime | None = None, days: int = MATRIX_DAYS) -> list[Current]:
    """The overview: the current state of every (domain, ASN) measured in the `days` days before `at`.

    The matrix reads `days` days of every pair; a pair blocked since before them gets its real start from
    its own whole history (blocked pairs are few), so the overview and the site page tell the same date."""
    end = at or datetime.now(UTC)
    begin = end - timedelta(days=days)
    from probe.analysis import overview_state  # it reads facts with this module's helpers

    if at is None and overview_state.ready(conn):
        # The state kept at ingest (probe.analysis.overview_state): one row per pair shown, whatever the
        # data's size, each decided from its whole history.
        kept = overview_state.overview(conn, begin, end)
        if kept is not None:
            return kept
    read = Filters(since=begin, until=end)
    horizon = hour_of(min(end, datetime.now(UTC)))
    found = current(
        build(iter_facts(conn, read), "day", excluded_windows(conn, read, "day"), horizon=horizon)
    )
    out = []
    budget = MATRIX_HISTORY_PAIRS
    for c in found:
        if c.since is not None and c.since.kind == "state_at_start" and c.state == "blocked" and budget > 0:
            budget -= 1
            whole = timeline(conn, Filters(domain=c.domain, asn=c.asn, until=end), "day", now=end)
            pair = [e for e in whole.events if (e.domain, e.asn) == (c.domain, c.asn)]
            if pair and pair[-1].to_state == c.state:
                c = Current(c.domain, c.asn, c.state, c.published, pair[-1], c.latest)
        out.append(c)
    return out


def network_names(conn: Connection) -> dict[int, str]:
    """Network names from the collector's own ip2asn table (the `networks` table it fills at start),
    never from a probe's claim: a probe cannot rename a network on the dashboard or in a report."""
    return {int(asn): str(name) for asn, name in conn.execute("SELECT asn, name FROM networks").fetchall()}
