"""`probe witness serve`: the C2SP tlog-witness HTTP interface over WitnessState.

    POST /add-checkpoint          old size, consistency proof, signed checkpoint -> cosignature line(s)
    GET  /<sha256(origin) hex>/checkpoint  the latest cosigned checkpoint of that log (monitoring)
    GET  /conflicts               every conflicting checkpoint refused, with both signed checkpoints (JSON)
    GET  /key                     this witness's cosignature/v1 verifier key

The monitoring prefix is the submission prefix. Requests carry no authentication: the checkpoint's
signature by a log key the witness trusts is the only credential (as the protocol says).
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from probe.log import NoteError, NoteVerifier
from probe.log.cosignature import CosignatureSigner
from probe.service_settings import WitnessSettings
from probe.sign.keys import KeyFileError, load_key_file
from probe.witness.protocol import MAX_BODY, RequestError, parse_add_checkpoint
from probe.witness.state import WitnessState

log = logging.getLogger("saksi.witness")

KEY_FILE = "witness.key"
DB_FILE = "witness.db"


def load_signer(data_dir: Path, name: str, *, create: bool) -> CosignatureSigner:
    """The witness's cosigning key from data_dir/witness.key (a 32-byte Ed25519 seed), made on first use."""
    hint = None if create else "run `probe witness serve` once to make it"
    return CosignatureSigner(name, load_key_file(data_dir / KEY_FILE, "witness key", create_hint=hint))


def log_verifiers(vkeys: list[str]) -> list[NoteVerifier]:
    """The trusted log keys; KeyFileError naming the bad one."""
    verifiers = []
    for vkey in vkeys:
        try:
            verifiers.append(NoteVerifier.from_vkey(vkey))
        except NoteError as exc:
            raise KeyFileError(f"witness.logs: {vkey[:60]!r} is not a log verifier key: {exc}") from None
    return verifiers


def open_state(settings: WitnessSettings) -> WitnessState:
    signer = load_signer(settings.data_dir, settings.name, create=True)
    return WitnessState(settings.data_dir / DB_FILE, signer, log_verifiers(settings.logs))


def create_app(state: WitnessState) -> Starlette:
    by_hash = {hashlib.sha256(origin.encode()).hexdigest(): origin for origin in state.logs}

    async def add_checkpoint(request: Request) -> Response:
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return PlainTextResponse("the request is too large for an add-checkpoint\n", status_code=413)
        try:
            parsed = parse_add_checkpoint(body)
        except RequestError as exc:
            return PlainTextResponse(f"{exc}\n", status_code=400)
        answer = await run_in_threadpool(state.add_checkpoint, parsed)
        if answer.status == 422:
            log.warning("refused a checkpoint of %s: %s", parsed.checkpoint.origin, answer.body.strip())
        # Set verbatim: the protocol's text/x.tlog.size has no charset parameter.
        return Response(
            answer.body.encode(), status_code=answer.status, headers={"content-type": answer.content_type}
        )

    async def checkpoint(request: Request) -> Response:
        origin = by_hash.get(request.path_params["origin_hash"])
        note = await run_in_threadpool(state.cosigned, origin) if origin else None
        if note is None:
            return PlainTextResponse("this witness has cosigned no checkpoint of that log\n", status_code=404)
        return PlainTextResponse(note)

    async def conflicts(request: Request) -> Response:
        found = await run_in_threadpool(state.conflicts)
        return JSONResponse(
            [
                {
                    "id": c.id,
                    "origin": c.origin,
                    "kind": c.kind,
                    "recorded_at": c.recorded_at,
                    "cosigned_checkpoint": c.held_note,
                    "refused_checkpoint": c.offered_note,
                    "old_size": c.old_size,
                }
                for c in found
            ]
        )

    async def key(request: Request) -> Response:
        return PlainTextResponse(state.signer.verifier_key() + "\n")

    return Starlette(
        routes=[
            Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
            Route("/conflicts", conflicts),
            Route("/key", key),
            Route("/{origin_hash:str}/checkpoint", checkpoint),
        ]
    )
