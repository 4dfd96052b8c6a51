"""What belongs in an evidence bundle and what its timeline files hold: shared by the builder
(probe.analysis.bundle) and the verifier (probe.analysis.bundle_verify), so both make the same bytes.

A bundle holds the measurements of its filters (in_filters) and, with `since`, earlier ones as
context (in_context; which of them: probe.analysis.bundle_context). Its timeline.csv, timeline.json and
events.json are those of its measurements and context (bundle_timeline), cut at `since` as every export
cuts: a date filter never moves a change's dates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from probe.analysis.export import TIMELINE_COLUMNS, CsvWriter, encode
from probe.analysis.facts import Fact
from probe.analysis.provenance import LAB_FIELD
from probe.analysis.query import Filters
from probe.analysis.rules import TIMELINE_RULES_VERSION
from probe.analysis.timeline import Timeline, build, excluded_slots

BUNDLE_TYPE = "application/vnd.saksi.bundle.v1+json"
BUNDLE_FORMAT = "saksi-evidence-bundle/1"
WINDOW = "day"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same inputs give the same bytes

MANIFEST = "MANIFEST.json"
SIGNATURE = "SIGNATURE.json"
# report.km.* only with --lang km: the same report in Khmer (probe.analysis.report_doc), also signed
REPORTS = ("report.html", "report.pdf", "report.km.html", "report.km.pdf")


def in_filters(fact: Fact, filters: Filters) -> bool:
    """The bundle's selection rule, in Python (the builder runs the same rule in SQL)."""
    domain = filters.domain
    if domain is not None and fact.domain != domain and not fact.domain.endswith("." + domain):
        return False
    if filters.asn is not None and fact.asn != filters.asn:
        return False
    if filters.since is not None and fact.hour < int(filters.since.timestamp()) // 3600:
        return False
    return filters.until is None or fact.hour < -(-int(filters.until.timestamp()) // 3600)


def in_context(fact: Fact, filters: Filters) -> bool:
    """A measurement of the bundle's site (and network) from before `since`: context, bundled so that the
    events are decided from the same earlier data `probe export events` reads (query.timeline), never
    counted as one of the bundle's measurements."""
    if filters.since is None:
        return False
    return in_filters(fact, replace(filters, since=None)) and not in_filters(fact, filters)


def bundle_timeline(
    facts: Sequence[Fact],
    controls: Sequence[Fact],
    horizon: int | None,
    context: Sequence[Fact] = (),
    since: datetime | None = None,
    dates_only: frozenset[str] = frozenset(),
) -> Timeline:
    """The timeline of the bundle's measurements and their context, cut at `since` as the exports cut it:
    a date filter never moves a change's dates. `dates_only`: the context measurements bundled only for
    the dates they bound (MANIFEST.json `context_dates_only`, probe.analysis.bundle_context): they make no
    window."""
    windows = [f for f in context if f.uid not in dates_only]
    dating = [f for f in context if f.uid in dates_only]
    excluded = excluded_slots(controls, WINDOW)
    found = build([*windows, *facts], WINDOW, excluded, horizon=horizon, dating=dating)
    return found.since(int(since.timestamp()) // 3600) if since is not None else found


def bundle_horizon(created_at: object, filters: Filters) -> int | None:
    """The epoch hour up to which the bundle could hold data: its checkpoint's time (MANIFEST.json's
    created_at), or `until` when earlier. A window reaching past it is incomplete, as in every export.
    None when created_at is not a time (the recomputed timeline then differs from a tampered one)."""
    try:
        signed = datetime.fromisoformat(str(created_at).replace("Z", "+00:00"))
    except ValueError:
        return None
    if signed.tzinfo is None:
        return None
    end = min(signed, filters.until) if filters.until is not None else signed
    return int(end.timestamp()) // 3600


def json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=1, ensure_ascii=False) + "\n").encode()


def timeline_files(tl: Timeline, filters: Filters, lab: bool) -> dict[str, bytes]:
    """timeline.csv, timeline.json and events.json, byte for byte as the builder writes them. The CSV is
    written by the export's writer: the same columns and the same `true`/`false` as `probe export`."""
    cells = [c.row() for c in tl.cells]
    head = {
        "rules_version": TIMELINE_RULES_VERSION,
        "window": tl.window,
        "filters": filters.as_dict(),
        LAB_FIELD: lab,
    }
    csv_writer = CsvWriter(TIMELINE_COLUMNS, lab=lab)
    table = b"".join(encode(csv_writer, [cells])) if cells else b""
    return {
        "timeline.csv": table,
        "timeline.json": json_bytes({**head, "cells": cells}),
        "events.json": json_bytes({**head, "events": [e.row() for e in tl.events]}),
    }


def filters_from_manifest(data: dict[str, Any]) -> Filters:
    return Filters.parse(
        domain=data.get("domain"),
        asn=data.get("asn"),
        since=data.get("since"),
        until=data.get("until"),
    )
