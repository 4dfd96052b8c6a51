"""The control service over HTTP: POST /api/v1/control. The caller's address is mapped to a network
and dropped; it is never logged (uvicorn's access log is off) nor returned.

Requests are signed by an enrolled probe key (probe.control.access); each key has a limit per minute,
every answer an overall deadline, and too much work in flight gets 503 with Retry-After, as OONI's
helpers refuse work above their limit. Every refusal is a 4xx/5xx with {"reason": reason, "detail": ...}.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from probe.asn import AsnTable
from probe.collector.signing import CollectorKey
from probe.config import Settings
from probe.control.access import CollectorKeys, KeyLookup, PerKeyLimit, Refusal, verified_request
from probe.control.measure import BadTarget, control_measure, control_target
from probe.measure.env import Env, open_env
from probe.models.control import ControlEcho
from probe.models.evidence import WhoAmI
from probe.sign.dsse import CONTROL_TYPE

MAX_BODY_BYTES = 16 * 1024


class ControlEndpoint:
    """POST /api/v1/control, for the standalone control service and the collector alike.

    Answers are DSSE envelopes (type application/vnd.saksi.control.v1+json) signed by the service's key,
    so a measurement can carry its control with proof of who measured it.
    """

    def __init__(self, settings: Settings, key: CollectorKey, asn: AsnTable, keys: KeyLookup | None) -> None:
        self.settings = settings
        self.key = key
        self.asn = asn
        self.keys = keys  # enrolled probe keys; None: only `control.open_to_any_key` can serve anyone
        self.limit = PerKeyLimit(settings.control.per_key_per_min)
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
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY_BYTES:
                return refuse(413, "body_too_large", f"a control request is at most {MAX_BODY_BYTES} bytes")
        cfg = self.settings.control
        query = await verified_request(bytes(body), self.keys, any_key=cfg.open_to_any_key)
        if isinstance(query, Refusal):
            return refuse(query.status, query.reason, query.detail)
        try:
            control_target(query.url)
        except BadTarget as exc:
            return refuse(400, "bad_url", str(exc))
        if not self.limit.take(query.key_id):
            return refuse(429, "rate_limited", f"at most {cfg.per_key_per_min} requests a minute per key", 60)
        if self.gate.locked() or self.env is None:
            return refuse(503, "busy", "too many control requests in flight", 5)
        answered_at = utc_now()
        async with self.gate:
            client = request.client.host if request.client else None
            try:
                async with asyncio.timeout(cfg.deadline_s):
                    answer = await control_measure(self.env, query, self.asn, client)
            except TimeoutError:
                return refuse(504, "deadline", f"the control measurement took longer than {cfg.deadline_s} s")
        echo = ControlEcho(key_id=query.key_id, measurement_uid=query.measurement_uid)
        answer = answer.model_copy(update={"request": echo, "answered_at": answered_at})
        envelope, _ = self.key.sign_model(CONTROL_TYPE, answer)
        return Response(envelope.model_dump_json(), media_type="application/json")


def refuse(status: int, reason: str, detail: str, retry_after: int | None = None) -> Response:
    headers = {"retry-after": str(retry_after)} if retry_after else None
    return JSONResponse({"reason": reason, "detail": detail}, status_code=status, headers=headers)


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def create_app(settings: Settings) -> Starlette:
    """The standalone service: it serves the keys enrolled at `control.collector_url` (or, in a lab,
    any key that signs its request, with `control.open_to_any_key`)."""
    cfg = settings.control
    asn = AsnTable.load(cfg.asn_db) if cfg.asn_db else AsnTable.empty()
    key = CollectorKey.load_or_create(settings.collector.data_dir, settings.collector.origin)
    client = httpx.AsyncClient(timeout=10, follow_redirects=False)
    keys = CollectorKeys(cfg.collector_url, client) if cfg.collector_url else None
    endpoint = ControlEndpoint(settings, key, asn, keys)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with client, endpoint.running():
            yield

    async def health(request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def whoami(request: Request) -> Response:
        found = asn.lookup(request.client.host) if request.client else None
        who = (
            WhoAmI(asn=found.asn, network_name=found.name, cc=found.cc)
            if found
            else WhoAmI(asn=None, network_name=None, cc=None)
        )
        return JSONResponse(who.model_dump())

    async def verifier_key(request: Request) -> Response:
        return PlainTextResponse(key.verifier_key() + "\n")

    return Starlette(
        routes=[
            Route("/api/v1/control", endpoint.handle, methods=["POST"]),
            Route("/api/v1/log/key", verifier_key),
            Route("/api/v1/whoami", whoami),
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
