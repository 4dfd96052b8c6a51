"""The control service over HTTP: POST /api/v1/control. The caller's address is mapped to a network
and dropped; it is never logged (uvicorn's access log is off) nor returned.

Too much work in flight gets 503 with Retry-After, as OONI's helpers refuse work above their limit.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from probe.asn import AsnTable
from probe.collector.signing import CollectorKey
from probe.config import Settings
from probe.control.measure import control_measure
from probe.measure.env import Env, open_env
from probe.models.control import ControlRequest
from probe.sign.dsse import CONTROL_TYPE

MAX_BODY_BYTES = 16 * 1024


class ControlEndpoint:
    """POST /api/v1/control, for the standalone control service and the collector alike.

    Answers are DSSE envelopes (type application/vnd.saksi.control.v1+json) signed by the service's key,
    so a measurement can carry its control with proof of who measured it.
    """

    def __init__(self, settings: Settings, key: CollectorKey, asn: AsnTable) -> None:
        self.settings = settings
        self.key = key
        self.asn = asn
        self.gate = asyncio.Semaphore(settings.control.max_in_flight)
        self.env: Env | None = None

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # The control looks for the page, not for injection: no need to keep listening after a DNS reply.
        network = self.settings.network.model_copy(update={"injection_listen_s": 0.0})
        async with open_env(self.settings.model_copy(update={"network": network})) as env:
            self.env = env
            try:
                yield
            finally:
                self.env = None

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        if len(body) > MAX_BODY_BYTES:
            return JSONResponse({"error": "body_too_large"}, status_code=413)
        try:
            query = ControlRequest.model_validate_json(body)
        except ValidationError as exc:
            return JSONResponse(
                {"error": "invalid_request", "detail": exc.errors(include_url=False)[:5]}, 422
            )
        if not query.url.startswith(("http://", "https://")):
            return JSONResponse({"error": "invalid_request", "detail": "url must be http(s)"}, 422)
        if self.gate.locked() or self.env is None:
            return JSONResponse({"error": "busy"}, status_code=503, headers={"retry-after": "5"})
        async with self.gate:
            client = request.client.host if request.client else None
            answer = await control_measure(self.env, query, self.asn, client)
        envelope, _ = self.key.sign_model(CONTROL_TYPE, answer)
        return Response(envelope.model_dump_json(), media_type="application/json")


def create_app(settings: Settings) -> Starlette:
    asn = AsnTable.load(settings.control.asn_db) if settings.control.asn_db else AsnTable.empty()
    key = CollectorKey.load_or_create(settings.collector.data_dir, settings.collector.origin)
    endpoint = ControlEndpoint(settings, key, asn)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with endpoint.running():
            yield

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def verifier_key(request: Request) -> Response:
        return PlainTextResponse(key.verifier_key() + "\n")

    return Starlette(
        routes=[
            Route("/api/v1/control", endpoint.handle, methods=["POST"]),
            Route("/api/v1/log/key", verifier_key),
            Route("/healthz", health),
        ],
        lifespan=lifespan,
    )


def uvicorn_config(settings: Settings, host: str, port: int) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        lifespan="on",
        server_header=False,
    )


class ServerThread:
    """Runs a uvicorn server in a background thread (the demo and the tests)."""

    def __init__(self, config: uvicorn.Config) -> None:
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="control", daemon=True)

    def start(self, timeout_s: float = 10) -> None:
        self.thread.start()
        deadline = time.monotonic() + timeout_s
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the control service did not start")
            time.sleep(0.01)

    @property
    def port(self) -> int:
        sockets = [s for server in self.server.servers for s in server.sockets]
        return int(sockets[0].getsockname()[1])

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
