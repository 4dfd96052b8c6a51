"""The dashboard's routes (docs/dashboard.md): HTML pages under /, their CSS under /static, read only.

Pages are computed by probe.analysis.dashboard (overview, subject, records) and rendered by its render module; every page is usable without JavaScript and is
served with a Content-Security-Policy that allows nothing from elsewhere.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any, Literal
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from probe.analysis.dashboard import records
from probe.analysis.dashboard.overview import overview as overview_of
from probe.analysis.dashboard.overview import suggest_domains, suggest_networks
from probe.analysis.dashboard.ranking import count_param
from probe.analysis.dashboard.render import render, words
from probe.analysis.dashboard.subject import subject_page
from probe.analysis.provenance import is_lab
from probe.analysis.query import FilterError, Filters, network_names, parse_when
from probe.collector.headers import attachment
from probe.collector.records import evidence
from probe.collector.storage import Storage
from probe.service_settings import CollectorSettings

HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def html(body: str, status: int = 200) -> Response:
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def language(request: Request) -> str:
    """The page's language: `?lang=km` for Khmer; English otherwise (an unknown value too, so that a
    mistyped link still shows a page, with a switch to the Khmer)."""
    return "km" if (request.query_params.get("lang") or "").strip().lower() == "km" else "en"


def dashboard_routes(
    db: Storage, log_key: str, cfg: CollectorSettings, offload: Callable[[Callable[[], Any]], Awaitable[Any]]
) -> list[Route | Mount]:
    """`offload` runs a page's CPU work (rendering) on the heavy-read threads, never the event loop."""

    async def page(request: Request, template: str, code: int = 200, **context: Any) -> Response:
        """A page, with the lab-data banner when the database holds invented measurements, in the language
        `?lang=` asks for (en, the default, or km); rendered on a worker thread (a page never holds the
        event loop)."""
        lab = await db.read(is_lab)
        lang = language(request)
        other = "en" if lang == "km" else "km"
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "lang"]
        other_link = request.url.path + (
            "?" + urlencode(query + ([("lang", other)] if other != "en" else []), safe=":")
            if query or other != "en"
            else ""
        )
        text: str = await offload(
            lambda: render(template, lab=lab, lang=lang, other_lang=other_link, **context)
        )
        return html(text, code)

    async def not_found(
        request: Request, what: str, detail: str, suggestions: list[dict[str, str]] | None = None
    ) -> Response:
        return await page(
            request,
            "error.html",
            404,
            title=words(language(request))(f"dash_error_unknown_{what}"),
            detail=detail,
            status=404,
            suggestions=suggestions or [],
        )

    async def bad_request(request: Request, detail: str) -> Response:
        return await page(
            request,
            "error.html",
            400,
            title=words(language(request))("dash_error_bad_request"),
            detail=detail,
            status=400,
            suggestions=[],
        )

    async def overview(request: Request) -> Response:
        q = request.query_params
        at_text = q.get("at")
        only = q.get("only") or ""
        try:
            at = parse_when(at_text, "at") if at_text else None
            if only not in ("", "blocked"):
                raise FilterError.of("filter_only", value=repr(only))
            offset = count_param(q.get("offset"), "offset", 0)
        except FilterError as exc:
            return await bad_request(request, exc.said(language(request)))
        now = datetime.now(UTC)
        context = await db.read(
            lambda conn: overview_of(
                conn,
                at,
                now,
                only_blocked=only == "blocked",
                max_domains=cfg.overview_max_domains,
                max_networks=cfg.overview_max_networks,
                offset=offset,
            )
        )
        return await page(request, "overview.html", **context)

    async def subject(request: Request, kind: Literal["asn", "domain"]) -> Response:
        q = request.query_params
        raw = request.path_params["subject"]
        window = q.get("window") or "day"
        if kind == "asn" and not raw.upper().removeprefix("AS").isdigit():
            found = await db.read(lambda conn: suggest_networks(conn, raw))
            tr = words(language(request))
            detail = tr("dash_error_not_asn" if found else "dash_error_not_asn_none", raw=repr(raw))
            return await not_found(request, "network", detail, found)
        try:
            if kind == "asn":
                filters = Filters.parse(asn=raw, since=q.get("since"), until=q.get("until"))
            else:
                filters = Filters.parse(domain=raw, since=q.get("since"), until=q.get("until"))
            if window not in ("day", "hour"):
                raise FilterError.of("filter_window", value=repr(window), allowed="day, hour")
        except FilterError as exc:
            return await bad_request(request, exc.said(language(request)))
        query = {k: q.get(k) or "" for k in ("since", "until")}
        now = datetime.now(UTC)
        context = await db.read(
            lambda conn: subject_page(
                conn,
                filters,
                window,
                kind,
                query,
                now,
                max_rows=cfg.overview_max_domains,
                lang=language(request),
            )
        )
        name = f"AS{filters.asn}" if kind == "asn" else str(filters.domain)
        if context is None:
            if kind == "asn":
                found = await db.read(lambda conn: suggest_networks(conn, raw))
                what = "network"
            else:
                found = await db.read(lambda conn: suggest_domains(conn, raw))
                what = "site"
            detail = words(language(request))("dash_error_nothing_measured", name=name)
            return await not_found(request, what, detail, found)
        return await page(
            request, "subject.html", subject=name, asn=filters.asn, domain=filters.domain, **context
        )

    async def domain_page(request: Request) -> Response:
        return await subject(request, "domain")

    async def asn_page(request: Request) -> Response:
        return await subject(request, "asn")

    async def measurement(request: Request) -> Response:
        found = await evidence(db, log_key, request.path_params["ident"])
        if found is None:
            detail = words(language(request))("dash_error_no_measurement")
            return await not_found(request, "measurement", detail)
        base = str(request.base_url)
        names = await db.read(network_names)
        context = await offload(
            partial(records.measurement_page, found.record, found.row.envelope, base, names)
        )
        return await page(request, "measurement.html", **context)

    async def download(request: Request, part: str) -> Response:
        """The envelope exactly as the probe sent it, or the payload bytes its signature covers."""
        found = await evidence(db, log_key, request.path_params["ident"])
        if found is None:
            detail = words(language(request))("dash_error_no_measurement")
            return await not_found(request, "measurement", detail)
        data = found.row.envelope.encode() if part == "envelope" else found.record.envelope.body()
        name = f"{found.row.uid}.{part}.json"
        return Response(
            data,
            media_type="application/json",
            headers={**HEADERS, "content-disposition": attachment(name)},
        )

    async def envelope(request: Request) -> Response:
        return await download(request, "envelope")

    async def payload(request: Request) -> Response:
        return await download(request, "payload")

    return [
        Route("/", overview),
        Route("/domain/{subject}", domain_page),
        Route("/asn/{subject}", asn_page),
        Route("/measurement/{ident}", measurement),
        Route("/measurement/{ident}/envelope.json", envelope),
        Route("/measurement/{ident}/payload.json", payload),
        Mount("/static", StaticFiles(packages=[("probe.analysis.dashboard", "static")]), name="static"),
    ]
