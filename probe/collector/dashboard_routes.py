"""The dashboard's routes (docs/dashboard.md): HTML pages under /, their CSS under /static, read only.

Pages are rendered by probe.analysis.dashboard.pages; every page is usable without JavaScript and is
served with a Content-Security-Policy that allows nothing from elsewhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from probe.analysis.dashboard import pages
from probe.analysis.query import FilterError, Filters, parse_when
from probe.collector.records import evidence
from probe.collector.storage import Storage

HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


def html(body: str, status: int = 200) -> Response:
    return HTMLResponse(body, status_code=status, headers=HEADERS)


def not_found(what: str, detail: str) -> Response:
    return html(pages.render("error.html", title=f"Unknown {what}", detail=detail, status=404), 404)


def bad_request(detail: str) -> Response:
    return html(pages.render("error.html", title="Bad request", detail=detail, status=400), 400)


def dashboard_routes(db: Storage, log_key: str) -> list[Route | Mount]:
    async def overview(request: Request) -> Response:
        at_text = request.query_params.get("at")
        try:
            at = parse_when(at_text, "at") if at_text else None
        except FilterError as exc:
            return bad_request(str(exc))
        now = datetime.now(UTC)
        context = await db.read(lambda conn: pages.overview(conn, at, now))
        return html(pages.render("overview.html", **context))

    async def subject(request: Request, page: Literal["asn", "domain"]) -> Response:
        q = request.query_params
        raw = request.path_params["subject"]
        window = q.get("window") or "day"
        try:
            if page == "asn":
                filters = Filters.parse(asn=raw, since=q.get("since"), until=q.get("until"))
            else:
                filters = Filters.parse(domain=raw, since=q.get("since"), until=q.get("until"))
            if window not in ("day", "hour"):
                raise FilterError(f"window: {window!r} is not one of day, hour")
        except FilterError as exc:
            return bad_request(str(exc))
        query = {k: q.get(k) or "" for k in ("since", "until")}
        context = await db.read(lambda conn: pages.subject_page(conn, filters, window, page, query))
        name = f"AS{filters.asn}" if page == "asn" else str(filters.domain)
        if context is None:
            what = "network" if page == "asn" else "site"
            return not_found(what, f"Nothing has been measured for {name} on this collector.")
        return html(
            pages.render("subject.html", subject=name, asn=filters.asn, domain=filters.domain, **context)
        )

    async def domain_page(request: Request) -> Response:
        return await subject(request, "domain")

    async def asn_page(request: Request) -> Response:
        return await subject(request, "asn")

    async def measurement(request: Request) -> Response:
        found = await evidence(db, log_key, request.path_params["ident"])
        if found is None:
            return not_found("measurement", "No measurement with this id or payload hash is stored here.")
        base = str(request.base_url)
        context = pages.measurement_page(found.record, found.row.envelope, base)
        return html(pages.render("measurement.html", **context))

    async def download(request: Request, part: str) -> Response:
        """The envelope exactly as the probe sent it, or the payload bytes its signature covers."""
        found = await evidence(db, log_key, request.path_params["ident"])
        if found is None:
            return not_found("measurement", "No measurement with this id or payload hash is stored here.")
        data = found.row.envelope.encode() if part == "envelope" else found.record.envelope.body()
        name = f"{found.row.uid}.{part}.json"
        return Response(
            data,
            media_type="application/json",
            headers={**HEADERS, "content-disposition": f'attachment; filename="{name}"'},
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
