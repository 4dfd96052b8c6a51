"""The export API: GET /api/v1/export streams a dataset as a file; GET /api/v1/ooni lists the imported OONI
measurements (external corroboration, unsigned by us). Both only read the database."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from probe.analysis.export import (
    DATASETS,
    EXTENSIONS,
    MEDIA_TYPES,
    PAGE_ROWS,
    ExportError,
    Writer,
    columns_for,
    event_rows,
    measurement_page,
    timeline_rows,
    writer_for,
)
from probe.analysis.provenance import LAB_FIELD, is_lab
from probe.analysis.query import FilterError
from probe.collector.analysis_api import filters_of
from probe.collector.db import Connection
from probe.collector.headers import attachment
from probe.collector.storage import Storage

LAB_HEADER = "x-saksi-lab-data"  # on file downloads, whose bytes a JSON field cannot mark


def export_routes(db: Storage, error: Callable[..., Response]) -> list[Route]:
    async def export_endpoint(request: Request) -> Response:
        q = request.query_params
        dataset = q.get("dataset", "")
        fmt = q.get("format", "csv")
        window = q.get("window", "day")
        with_envelope = q.get("with_envelope", "").lower() in ("1", "true", "yes")
        if dataset not in DATASETS:
            return error(400, "bad_dataset", f"dataset must be one of {', '.join(DATASETS)}")
        allowed = ("csv", "json", "jsonl", "parquet", *(("ooni",) if dataset == "measurements" else ()))
        if fmt not in allowed:
            return error(400, "bad_format", f"format must be one of {', '.join(allowed)}")
        if window not in ("hour", "day"):
            return error(400, "bad_filter", "window must be hour or day")
        lab = await db.read(is_lab)
        try:
            filters = filters_of(request, also=frozenset({"dataset", "format", "with_envelope"}))
            writer: Writer
            if fmt == "ooni":
                from probe.analysis.ooni_export import OoniWriter

                writer = OoniWriter()
            else:
                writer = writer_for(fmt, columns_for(dataset, with_envelope=with_envelope), lab=lab)
        except FilterError as exc:
            return error(400, "bad_filter", str(exc))
        except ExportError as exc:
            return error(501, "unavailable", str(exc))

        async def body() -> AsyncIterator[bytes]:
            if head := writer.start():
                yield head
            if dataset == "measurements":
                after = 0
                while True:
                    # Page and encode on a reader thread: the event loop only passes bytes on.
                    chunk, after, n = await db.read(partial(_measurement_chunk, after=after))
                    if n == 0:
                        break
                    if chunk:
                        yield chunk
            else:
                source = timeline_rows if dataset == "timeline" else event_rows
                chunk = await db.read(lambda conn: writer.rows(source(conn, filters, window)))
                if chunk:
                    yield chunk
            if tail := writer.end():
                yield tail

        def _measurement_chunk(conn: Connection, after: int) -> tuple[bytes, int, int]:
            rows = measurement_page(
                conn, filters, after, PAGE_ROWS, with_envelope=with_envelope or fmt == "ooni"
            )
            if not rows:
                return b"", after, 0
            last = int(rows[-1]["seq"])
            if fmt == "ooni":
                from probe.analysis.ooni_export import ooni_rows

                rows = ooni_rows(rows)
            return writer.rows(rows), last, len(rows)

        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        filename = f"saksi-{dataset}-{stamp}.{EXTENSIONS[fmt]}"
        return StreamingResponse(
            body(),
            media_type=MEDIA_TYPES[fmt],
            headers={"content-disposition": attachment(filename), LAB_HEADER: "true" if lab else "false"},
        )

    async def ooni_endpoint(request: Request) -> Response:
        from probe.analysis.ooni import ooni_for

        try:
            filters = filters_of(request, also=frozenset({"dataset", "format", "with_envelope"}))
        except FilterError as exc:
            return error(400, "bad_filter", str(exc))

        def job(conn: Connection) -> dict[str, Any]:
            found = ooni_for(conn, filters.domain, filters.asn, filters.since, filters.until).as_dict()
            return {LAB_FIELD: is_lab(conn), **found}

        return JSONResponse(await db.read(job))

    return [
        Route("/api/v1/export", export_endpoint),
        Route("/api/v1/ooni", ooni_endpoint),
    ]
