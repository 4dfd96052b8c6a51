"""GET /api/v1/evidence: an evidence bundle for one domain (probe/analysis/bundle.py), streamed as a zip.

The bundle is built by the same code as `probe evidence`, into a temporary file on a database reader
thread, then streamed and deleted. The collector signs it with its own key.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from probe.analysis.bundle import Built, BundleError, LabDataRefused, build_bundle
from probe.analysis.query import FilterError, Filters
from probe.collector.db import Connection
from probe.collector.headers import attachment
from probe.collector.signing import CollectorKey
from probe.collector.storage import Storage

CHUNK = 256 * 1024


def evidence_routes(
    db: Storage, key: CollectorKey, error: Callable[..., Response], quorum: int = 1
) -> list[Route]:
    async def evidence(request: Request) -> Response:
        q = request.query_params
        if not q.get("domain"):
            return error(400, "bad_filter", "give domain=, e.g. domain=www.rfa.org")
        try:
            filters = Filters.parse(
                domain=q.get("domain"), asn=q.get("asn"), since=q.get("since"), until=q.get("until")
            )
        except FilterError as exc:
            return error(400, "bad_filter", str(exc))
        lab_ok = q.get("lab_data", "").lower() in ("1", "true", "yes")
        lang = q.get("lang", "en")
        if lang not in ("en", "km"):
            return error(400, "bad_filter", "lang must be en or km")

        def job(conn: Connection) -> tuple[Built, Path, int]:
            fd, name = tempfile.mkstemp(prefix="saksi-bundle-", suffix=".zip")
            path = Path(name)
            try:
                with os.fdopen(fd, "wb") as out:
                    built = build_bundle(conn, key, filters, out, quorum=quorum, lab_ok=lab_ok, lang=lang)
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            return built, path, path.stat().st_size

        try:
            built, path, size = await db.read(job)
        except LabDataRefused as exc:
            return error(409, "lab_data", str(exc))
        except BundleError as exc:
            return error(404, "no_evidence", str(exc))

        def body() -> Iterator[bytes]:  # a plain iterator: Starlette reads it on a worker thread
            try:
                with path.open("rb") as fh:
                    while chunk := fh.read(CHUNK):
                        yield chunk
            finally:
                path.unlink(missing_ok=True)

        filename = f"evidence-{filters.domain}-{built.checkpoint_size}.zip"
        return StreamingResponse(
            body(),
            media_type="application/zip",
            headers={
                "content-disposition": attachment(filename),
                "content-length": str(size),
                "x-saksi-manifest-sha256": built.manifest_sha256,
                "x-saksi-lab-data": "true" if built.lab_data else "false",
            },
        )

    return [Route("/api/v1/evidence", evidence)]
