"""The collector's HTTP API (docs/collector-api.md) as a Starlette app."""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import json
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from typing import Any

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from probe.analysis import overview_state
from probe.asn import AsnTable
from probe.collector import alerts
from probe.collector.analysis_api import analysis_routes
from probe.collector.body import BodyBudget, BodyError, read_body
from probe.collector.dashboard_routes import dashboard_routes
from probe.collector.evidence_api import evidence_routes
from probe.collector.export_api import export_routes
from probe.collector.ingest import Ingestor, KeyCache, RateLimiter, utc_now
from probe.collector.limits import AnonymousLimits, ClientKeys, EnrolLimits, HeavyGate, HeavyReads, Lanes
from probe.collector.params import query_problem
from probe.collector.records import evidence
from probe.collector.renewal import RenewalRefused, renew
from probe.collector.sequencer import SigningHalted, b64, latest, sequence
from probe.collector.signing import CollectorKey
from probe.collector.storage import ProbeRow, SqlStorage, Storage, StorageUnavailable, open_storage
from probe.collector.trust import start_trust
from probe.collector.wire import WireError, split_envelopes
from probe.collector.witnessing import Submitter, latest_witnessed
from probe.config import Settings
from probe.control.service import ControlEndpoint
from probe.lists import builtin_lists
from probe.log import LogError, check_public_key, consistency_proof, inclusion_proof
from probe.log.merkle import HashSource
from probe.models.evidence import ENROL_CONTEXT, EnrolRequest, ProbeKey, WhoAmI
from probe.sign.dsse import LISTS_TYPE, sign_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import key_id, public_pem

log = logging.getLogger("saksi.collector")

ASN_FILE = "ip2asn.tsv"


def error(
    status: int, reason: str, detail: str | None = None, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse({"reason": reason, "detail": detail}, status_code=status, headers=headers)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.ingested = Counter(
            "saksi_ingest_total", "Envelopes by result status", ["status"], registry=self.registry
        )
        self.rejected = Counter(
            "saksi_rejections_total", "Rejected envelopes by reason", ["reason"], registry=self.registry
        )
        self.log_size = Gauge(
            "saksi_log_size", "Entries in the latest signed checkpoint", registry=self.registry
        )


def create_app(settings: Settings, *, storage: Storage | None = None) -> Starlette:
    cfg = settings.collector
    data = cfg.data_dir
    key = CollectorKey.load_or_create(data, cfg.origin)
    asn_path = data / ASN_FILE
    asn = AsnTable.load(asn_path) if asn_path.exists() else AsnTable.empty()
    db: Storage = storage or open_storage(cfg)
    keys = KeyCache(db)
    ingestor = Ingestor(cfg, db, key, keys, RateLimiter(cfg.rate_per_key_per_min, db), asn.country_of)
    metrics = Metrics()
    control = ControlEndpoint(settings, key, asn, keys.enrolled)
    clients = ClientKeys(asn)
    enrolments = EnrolLimits(clients, cfg.enrol_per_address_per_hour, cfg.enrol_per_network_per_hour)
    bodies = BodyBudget(cfg.max_body_memory_bytes)
    lanes = Lanes(cfg.ingest_per_network)
    # Heavy reads get their own threads; a storage of another kind (none today) shares its readers.
    heavy: Storage = HeavyReads(db, cfg.heavy_workers) if isinstance(db, SqlStorage) else db
    offload = heavy.run if isinstance(heavy, HeavyReads) else asyncio.to_thread
    wake = asyncio.Event()
    witnessed = asyncio.Event()
    witness_keys = [w.key for w in cfg.witnesses]
    if len(witness_keys) < cfg.witness_quorum and witness_keys:
        raise ValueError(
            f"collector.witness_quorum is {cfg.witness_quorum} but only {len(witness_keys)} witness(es) "
            "are configured"
        )
    halted_logged = False

    async def sequencer() -> None:
        nonlocal halted_logged
        while True:
            try:
                signed = await db.write(lambda conn: sequence(conn, key))
                halted_logged = False
                if signed is not None:
                    metrics.log_size.set(signed.size)
                    witnessed.set()
            except SigningHalted as exc:
                if not halted_logged:
                    log.error("sequencer: %s", exc)
                    halted_logged = True
            except StorageUnavailable as exc:
                log.warning("sequencer: storage unavailable (%s); will retry", exc)
            except Exception:
                log.exception("sequencer failed; no checkpoint was signed")
            with suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), cfg.checkpoint_interval_s)
            wake.clear()

    async def alerter() -> None:
        """Queue alerts for published changes every alert_interval_s; deliver due ones every second."""
        last_detect = 0.0
        async with httpx.AsyncClient(timeout=cfg.webhook_timeout_s, follow_redirects=False) as client:
            while True:
                try:
                    if time.monotonic() - last_detect >= cfg.alert_interval_s:
                        last_detect = time.monotonic()
                        await db.write(lambda conn: alerts.detect(conn, key, cfg.alert_lookback_days))
                    due = await db.write(lambda conn: alerts.claim(conn, lease_s=cfg.webhook_timeout_s * 3))
                    errors = await asyncio.gather(*(alerts.post(client, d) for d in due))
                    for d, problem in zip(due, errors, strict=True):
                        await db.write(partial(alerts.record, due=d, error=problem, settings=cfg))
                except StorageUnavailable as exc:
                    log.warning("alerts: storage unavailable (%s); will retry", exc)
                except Exception:
                    log.exception("alerts: a pass failed; it will run again")
                await asyncio.sleep(1.0)

    async def witnesser() -> None:
        """Each new checkpoint to every witness; a witness that failed is asked again after its pause."""
        async with httpx.AsyncClient(timeout=cfg.webhook_timeout_s, follow_redirects=False) as client:
            submitter = Submitter(db, cfg.witnesses, cfg.witness_retry_s, client)
            while True:
                try:
                    await submitter.run_once()
                except Exception:
                    log.exception("witnesses: a round failed; it will run again")
                with suppress(TimeoutError):
                    await asyncio.wait_for(witnessed.wait(), min(cfg.witness_retry_s, 5.0))
                witnessed.clear()

    async def overview_keeper() -> None:
        """Keep the overview's table (probe.analysis.overview_state) in step with committed facts."""
        filling = await db.write(overview_state.start_fill)
        if filling:
            log.info("overview: filling its table from the stored facts; until done it is computed per view")
        while True:
            try:
                # decided on a reader, stored in a short write: ingest never waits behind the rules
                found = await db.read(lambda conn: overview_state.plan(conn, datetime.now(UTC), limit=50))
                done = await db.write(partial(overview_state.apply, done=found))
                done = done or len(found.ids)
                if filling and await db.read(overview_state.ready):
                    log.info("overview: table filled")
                    filling = False
            except StorageUnavailable as exc:
                log.warning("overview: storage unavailable (%s); will retry", exc)
                done = 0
            except Exception:
                log.exception("overview: a pass failed; it will run again")
                done = 0
            await asyncio.sleep(0.05 if done else 1.0)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await start_trust(db, key, asn)
        async with control.running(), asyncio.TaskGroup() as group:
            tasks = [
                group.create_task(sequencer()),
                group.create_task(alerter()),
                group.create_task(overview_keeper()),
            ]
            if cfg.witnesses:
                tasks.append(group.create_task(witnesser()))
            try:
                yield
            finally:
                for task in tasks:
                    task.cancel()
        if isinstance(heavy, HeavyReads):
            heavy.close()
        ingestor.close()
        if storage is None:
            db.close()

    def network_of(request: Request) -> tuple[int | None, str | None, str | None]:
        # The address is used here, in memory, and dropped: it is never stored or logged.
        found = asn.lookup(request.client.host) if request.client else None
        return (found.asn, found.name, found.cc) if found else (None, None, None)

    async def whoami(request: Request) -> Response:
        if problem := query_problem(request):
            return error(400, "bad_filter", problem)
        number, name, cc = network_of(request)
        return JSONResponse(WhoAmI(asn=number, network_name=name, cc=cc).model_dump())

    def probe_key(row: ProbeRow) -> ProbeKey:
        public = Ed25519PublicKey.from_public_bytes(row.public_key)
        return ProbeKey(
            key_id=row.key_id,
            public_key=base64.b64encode(row.public_key).decode(),
            public_key_pem=public_pem(public),
            tier=row.tier,
            enrolled_at=row.enrolled_at,
            revoked_at=row.revoked_at,
        )

    async def enrol(request: Request) -> Response:
        wait = enrolments.allowed(request.client.host if request.client else None)
        if wait:
            return error(
                429,
                "rate_limited",
                "too many enrolments from this address or network",
                {"retry-after": str(max(1, int(wait)))},
            )
        try:
            body = await read_body(
                request, max_bytes=16 * 1024, max_decompressed=16 * 1024, timeout_s=cfg.body_timeout_s
            )
            req = EnrolRequest.model_validate_json(body)
            raw = base64.b64decode(req.public_key, validate=True)
            proof = base64.b64decode(req.proof, validate=True)
        except BodyError as exc:
            return error(exc.status, exc.reason, exc.detail)
        except (ValueError, binascii.Error):
            return error(400, "bad_request", "expected {public_key, proof, token?} with base64 values")
        try:
            check_public_key(raw)
            public = Ed25519PublicKey.from_public_bytes(raw)
        except (LogError, ValueError) as exc:
            return error(400, "bad_key", str(exc))
        try:
            public.verify(proof, f"{ENROL_CONTEXT}\n{req.public_key}".encode())
        except InvalidSignature:
            return error(400, "bad_proof", "the proof is not a signature by this key")
        kid = key_id(public)
        tier = "unverified"
        now = utc_now()
        if req.renewal is not None:
            try:
                row, created = await renew(db, req.renewal, ProbeRow(kid, raw, tier, now, None))
            except RenewalRefused as exc:
                return error(403, exc.reason, str(exc))
            keys.forget(kid)
            keys.forget(req.renewal.key_id)  # its turn as the vouched key of its chain ended now
            return JSONResponse(probe_key(row).model_dump(), status_code=201 if created else 200)
        if req.token:
            if not await db.use_invite(hashlib.sha256(req.token.encode()).hexdigest(), kid, now):
                return error(403, "bad_token", "the invite token is unknown or was already used")
            tier = "vouched"
        elif not cfg.open_enrolment:
            return error(403, "bad_token", "this collector enrols only with an invite token")
        row, created = await db.enrol(ProbeRow(kid, raw, tier, now, None))
        keys.forget(kid)
        return JSONResponse(probe_key(row).model_dump(), status_code=201 if created else 200)

    async def get_probe(request: Request) -> Response:
        row = await db.probe(request.path_params["key_id"])
        if row is None:
            return error(404, "unknown_key")
        return JSONResponse(probe_key(row).model_dump())

    async def measurements(request: Request) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            metrics.rejected.labels("bad_content_type").inc()
            return error(415, "bad_content_type", "send application/json")
        client = clients.address(request.client.host if request.client else None)
        async with bodies.hold(client) as held:
            try:
                body = await read_body(
                    request,
                    max_bytes=cfg.max_body_bytes,
                    max_decompressed=cfg.max_decompressed_bytes,
                    timeout_s=cfg.body_timeout_s,
                    held=held,
                )
            except BodyError as exc:
                metrics.rejected.labels(exc.reason).inc()
                retry = {"retry-after": "5"} if exc.status == 503 else None
                return error(exc.status, exc.reason, exc.detail, retry)
            async with lanes.take(clients.network(request.client.host if request.client else None)):
                return await ingest_body(request, body)

    async def ingest_body(request: Request, body: bytes) -> Response:
        try:
            raws, batch = await ingestor.cpu(partial(split_envelopes, body))  # never on the event loop
        except WireError as exc:
            metrics.rejected.labels(exc.reason).inc()
            return error(400, exc.reason, exc.detail)
        except RecursionError:
            metrics.rejected.labels("bad_json").inc()
            return error(400, "bad_json", "the body is not JSON")
        if not raws:
            metrics.rejected.labels("bad_envelope").inc()
            return error(400, "bad_envelope", '"envelopes" must be a non-empty list')
        if len(raws) > cfg.max_batch:
            metrics.rejected.labels("too_many").inc()
            return error(413, "too_many", f"at most {cfg.max_batch} envelopes per request")
        observed, _, _ = network_of(request)
        results = await ingestor.ingest(raws, observed)
        wake.set()
        for result, _ in results:
            metrics.ingested.labels(str(result.status)).inc()
            if result.reason:
                metrics.rejected.labels(result.reason).inc()
        if not batch:
            result, receipt = results[0]
            if receipt is not None:  # the stored receipt, byte for byte
                return Response(receipt, status_code=result.status, media_type="application/json")
            retry = {"retry-after": "5"} if result.status in (429, 503) else None
            return error(result.status, result.reason or "rejected", result.detail, retry)
        parts = [receipt_json(r, raw_receipt) for r, raw_receipt in results]
        return Response('{"results":[' + ",".join(parts) + "]}", media_type="application/json")

    def receipt_json(result: Any, raw_receipt: str | None) -> str:
        if raw_receipt is None:
            return str(result.model_dump_json(exclude={"receipt"}))
        return f'{{"status":{int(result.status)},"reason":null,"detail":null,"receipt":{raw_receipt}}}'

    async def get_measurement(request: Request) -> Response:
        found = await evidence(db, key.verifier_key(), request.path_params["ident"])
        if found is None:
            return error(404, "unknown_measurement")
        return Response(await asyncio.to_thread(found.record.model_dump_json), media_type="application/json")

    async def checkpoint(request: Request) -> Response:
        """The latest checkpoint; with witnesses configured, the latest that a quorum cosigned, with the
        cosignatures, so that a probe's time anchor is always a checkpoint already witnessed."""
        if problem := query_problem(request):
            return error(400, "bad_filter", problem)
        head = await db.read(lambda conn: latest_witnessed(conn, witness_keys, cfg.witness_quorum))
        if head is None:
            return error(404, "empty_log", "no checkpoint has been signed (and witnessed) yet")
        return PlainTextResponse(head.note)

    async def inclusion(request: Request) -> Response:
        digest = request.query_params.get("hash", "").lower()
        row = await db.measurement(digest) if digest else None
        if row is None or row.log_index is None:
            return error(404, "not_in_log", "no statement with this payload hash is in the log yet")
        index = row.log_index
        size_text = request.query_params.get("size")
        asked = tree_size(size_text) if size_text is not None else None
        if size_text is not None and asked is None:
            return error(400, "bad_size", "size must be a tree size (a whole number)")

        def job(conn: Any) -> Response:
            head = latest(conn)
            size = asked if asked is not None else (head.size if head else 0)
            if head is None or not index < size <= head.size:
                return error(400, "bad_size", "size must be a signed tree size that holds the entry")
            proof = inclusion_proof(index, size, _hashes(conn))
            return JSONResponse({"leaf_index": index, "tree_size": size, "hashes": [b64(h) for h in proof]})

        return await db.read(job)

    async def consistency(request: Request) -> Response:
        old, new = (tree_size(request.query_params.get(k, "")) for k in ("from", "to"))
        if old is None or new is None:
            return error(400, "bad_size", "give from and to as tree sizes")

        def job(conn: Any) -> Response:
            head = latest(conn)
            if head is None or not 0 < old <= new <= head.size:
                return error(400, "bad_size", "0 < from <= to <= the latest signed size")
            proof = consistency_proof(old, new, _hashes(conn))
            return JSONResponse({"old_size": old, "new_size": new, "hashes": [b64(h) for h in proof]})

        return await db.read(job)

    async def log_key(request: Request) -> Response:
        if problem := query_problem(request):
            return error(400, "bad_filter", problem)
        return PlainTextResponse(key.verifier_key() + "\n")

    async def targets(request: Request) -> Response:
        """The test lists, each ordered so that the URLs least measured on the caller's network come first."""
        if problem := query_problem(request):
            return error(400, "bad_filter", problem)
        lists = {name: [e.model_dump() for e in entries] for name, entries in builtin_lists().items()}
        version = hashlib.sha256(json.dumps(lists, sort_keys=True).encode()).hexdigest()[:16]
        caller, _, _ = network_of(request)

        def counts(conn: Any) -> dict[str, int]:
            rows = conn.execute(
                "SELECT url, count(*) FROM measurements WHERE asn IS NOT DISTINCT FROM ? GROUP BY url",
                [caller],
            ).fetchall()
            return {str(url): int(n) for url, n in rows}

        measured = await heavy.read(counts)  # a scan of the network's measurements: a heavy read
        ordered = {
            name: sorted(entries, key=lambda e: measured.get(str(e["url"]), 0))
            for name, entries in lists.items()
        }
        body = {"version": version, "asn": caller, "lists": ordered}
        # Signed by the log key, so that a probe takes only lists its pinned collector made (probe.daemon.jobs).
        signed = sign_envelope(LISTS_TYPE, canonical(body), key.private, key.key_id)
        return JSONResponse({**body, "envelope": signed.model_dump()})

    async def metrics_endpoint(request: Request) -> Response:
        return Response(generate_latest(metrics.registry), media_type="text/plain; version=0.0.4")

    return Starlette(
        routes=[
            Route("/api/v1/whoami", whoami),
            Route("/api/v1/probes", enrol, methods=["POST"]),
            Route("/api/v1/probes/{key_id}", get_probe),
            Route("/api/v1/measurements", measurements, methods=["POST"]),
            Route("/api/v1/measurements/{ident}", get_measurement),
            Route("/api/v1/log/checkpoint", checkpoint),
            Route("/api/v1/log/proof/inclusion", inclusion),
            Route("/api/v1/log/proof/consistency", consistency),
            Route("/api/v1/log/key", log_key),
            Route("/api/v1/control", control.handle, methods=["POST"]),
            Route("/api/v1/targets", targets),
            Route("/metrics", metrics_endpoint),
            *analysis_routes(heavy, error, cfg.overview_max_domains, cfg.overview_max_networks),
            *evidence_routes(heavy, key, error, cfg.witness_quorum),
            *export_routes(heavy, error),
            *dashboard_routes(heavy, key.verifier_key(), cfg, offload),
        ],
        middleware=[
            Middleware(
                AnonymousLimits,
                keys=clients,
                per_address=cfg.anonymous_per_address_per_min,
                per_network=cfg.anonymous_per_network_per_min,
            ),
            Middleware(HeavyGate, keys=clients, queue=cfg.heavy_queue, per_client=cfg.heavy_per_client),
        ],
        exception_handlers={StorageUnavailable: unavailable},
        lifespan=lifespan,
    )


def tree_size(text: str) -> int | None:
    """A tree size from a query parameter: 1 to 19 ASCII digits; None for anything else."""
    return int(text) if text.isascii() and text.isdigit() and len(text) < 20 else None


async def unavailable(request: Request, exc: Exception) -> Response:
    """A read the database could not serve now (locked, no pooled connection in time): 503, one line."""
    log.warning("storage unavailable for a read (%s)", str(exc)[:200])
    return error(503, "unavailable", "the database is busy; retry later", {"retry-after": "5"})


def app_from_environment() -> Starlette:
    """The app factory uvicorn's worker processes call: settings from PROBE_CONFIG and PROBE_* variables."""
    from probe.config import load_settings

    return create_app(load_settings())


def _hashes(conn: Any) -> HashSource:
    from probe.collector.sequencer import DbHashes

    return DbHashes(conn)
