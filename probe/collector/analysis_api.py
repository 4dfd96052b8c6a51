"""The analysis API: timelines, events and the overview matrix, read from the facts table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from probe.analysis.dashboard.ranking import count_param, ranked_domains, ranked_networks
from probe.analysis.provenance import LAB_FIELD, is_lab
from probe.analysis.query import FilterError, Filters, matrix, parse_when, timeline
from probe.analysis.rules import TIMELINE_RULES_VERSION
from probe.analysis.timeline import Current
from probe.collector.params import query_problem
from probe.collector.storage import Storage

FILTER_PARAMS = frozenset({"domain", "asn", "country", "cc", "category", "since", "until", "window"})


def filters_of(request: Request, also: frozenset[str] = frozenset()) -> Filters:
    """The filters in the query string; an unknown parameter is an error (a typo must not widen a query)."""
    q = request.query_params
    problem = query_problem(request, FILTER_PARAMS | also)
    if problem:
        raise FilterError(problem)
    return Filters.parse(
        domain=q.get("domain"),
        asn=q.get("asn"),
        cc=q.get("country") or q.get("cc"),
        category=q.get("category"),
        since=q.get("since"),
        until=q.get("until"),
    )


def current_row(c: Current) -> dict[str, Any]:
    return {
        "domain": c.domain,
        "asn": c.asn,
        "state": c.state,
        "published": c.published,
        "method": c.since.method if c.since else c.latest.decision.method,
        "since": c.since.row() if c.since else None,
        "latest_window": c.latest.row(),
    }


def analysis_routes(
    db: Storage, error: Callable[..., Response], max_domains: int = 300, max_networks: int = 40
) -> list[Route]:
    """`max_domains`, `max_networks`: the overview's caps (settings overview_max_domains, _networks)."""

    def timeline_view(with_cells: bool) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            try:
                filters = filters_of(request)
                window = request.query_params.get("window", "day")
                found, lab = await db.read(lambda conn: (timeline(conn, filters, window), is_lab(conn)))
            except FilterError as exc:
                return error(400, "bad_filter", str(exc))
            body: dict[str, Any] = {
                LAB_FIELD: lab,
                "rules_version": TIMELINE_RULES_VERSION,
                "window": found.window,
                "filters": filters.as_dict(),
            }
            if with_cells:
                body["cells"] = [c.row() for c in found.cells]
            body["events"] = [e.row() for e in found.events]
            return JSONResponse(body)

        return endpoint

    async def overview_endpoint(request: Request) -> Response:
        """The matrix's cells for at most `limit` sites (from `offset`, in ranking.py's order) on the
        `max_networks` first-ranked networks; the answer says how many it left out."""
        q = request.query_params
        at_text = q.get("at")
        try:
            if problem := query_problem(request, ("at", "limit", "offset")):
                raise FilterError(problem)
            at = parse_when(at_text, "at") if at_text else None
            limit = count_param(q.get("limit"), "limit", max_domains, most=max_domains)
            offset = count_param(q.get("offset"), "offset", 0)
        except FilterError as exc:
            return error(400, "bad_filter", str(exc))
        cells, lab = await db.read(lambda conn: (matrix(conn, at), is_lab(conn)))
        domains = ranked_domains(cells)
        networks = ranked_networks(cells)
        kept_domains = set(domains[offset : offset + limit])
        kept_networks = set(networks[:max_networks])
        return JSONResponse(
            {
                LAB_FIELD: lab,
                "rules_version": TIMELINE_RULES_VERSION,
                "sites": len(domains),
                "networks": len(networks),
                "offset": offset,
                "limit": limit,
                "left_out_sites": len(domains) - len(kept_domains),
                "left_out_networks": len(networks) - len(kept_networks),
                "cells": [
                    current_row(c) for c in cells if c.domain in kept_domains and c.asn in kept_networks
                ],
            }
        )

    return [
        Route("/api/v1/timeline", timeline_view(with_cells=True)),
        Route("/api/v1/events", timeline_view(with_cells=False)),
        Route("/api/v1/overview", overview_endpoint),
    ]
