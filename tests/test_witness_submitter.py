"""The collector's side of witnessing: a witness that is down is logged and asked again, a k-of-n policy
decides which checkpoint is served, a bad cosignature is never kept, and an operator's resume clears a
fork report."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from probe.collector.signing import CollectorKey
from probe.collector.witnessing import halt, resume
from probe.control.service import ServerThread
from probe.log import Checkpoint
from probe.log.cosignature import CosignatureSigner, CosignatureVerifier
from probe.witness.server import create_app
from probe.witness.state import WitnessState
from tests.collector_rig import Prober, collector

ORIGIN = "saksi.test/log"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.6", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(app: Starlette, port: int = 0) -> Iterator[str]:
    server = ServerThread(uvicorn.Config(app, host="127.0.0.6", port=port, log_level="warning"))
    server.start()
    try:
        yield f"http://127.0.0.6:{server.port}"
    finally:
        server.stop()


@contextmanager
def witness(tmp: Path, name: str, key: CollectorKey, port: int = 0) -> Iterator[tuple[str, WitnessState]]:
    state = WitnessState(
        tmp / f"{name}.db",
        CosignatureSigner.from_seed(name, name.encode().ljust(32, b"-")),
        [key.notes.verifier()],
    )
    try:
        with serving(create_app(state), port) as url:
            yield url, state
    finally:
        state.close()


def db_rows(tmp: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{tmp / 'collector' / 'collector.db'}?mode=ro", uri=True) as conn:
        return conn.execute(sql, params).fetchall()


def send(c: httpx.Client, prober: Prober, n: int) -> None:
    envelopes = [prober.envelope() for _ in range(n)]
    assert c.post("/api/v1/measurements", json={"envelopes": envelopes}).status_code == 200


def wait(predicate: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def test_a_down_witness_is_retried_and_the_quorum_decides_what_is_served(tmp_path: Path) -> None:
    key = CollectorKey.load_or_create(tmp_path / "collector", ORIGIN)
    late_port = free_port()
    a_signer = CosignatureSigner.from_seed("wa.test", b"wa.test".ljust(32, b"-"))
    b_signer = CosignatureSigner.from_seed("wb.test", b"wb.test".ljust(32, b"-"))
    with witness(tmp_path, "wa.test", key) as (a_url, _):
        witnesses = [
            {"url": a_url, "key": a_signer.verifier_key()},
            {"url": f"http://127.0.0.6:{late_port}", "key": b_signer.verifier_key()},  # down for now
        ]
        with (
            collector(
                tmp_path, origin=ORIGIN, witnesses=witnesses, witness_quorum=2, witness_retry_s=0.3
            ) as rig,
            rig.client() as c,
        ):
            prober = Prober(tmp_path)
            assert c.post("/api/v1/probes", json=prober.enrol_body()).status_code in (200, 201)
            send(c, prober, 3)
            # A cosigned by A only: not served (quorum 2); B's failure is recorded.
            wait(lambda: db_rows(tmp_path, "SELECT count(*) FROM cosignatures")[0][0] >= 1, "A's cosignature")
            wait(
                lambda: any(
                    "unreachable" in str(r[0])
                    for r in db_rows(tmp_path, "SELECT last_error FROM witness_progress")
                ),
                "B's error",
            )
            assert c.get("/api/v1/log/checkpoint").status_code == 404
            # B comes up on its port: the retry reaches it, the checkpoint is served with both cosignatures.
            with witness(tmp_path, "wb.test", key, late_port):
                deadline = time.monotonic() + 20
                while True:
                    served = c.get("/api/v1/log/checkpoint")
                    if served.status_code == 200:
                        break
                    assert time.monotonic() < deadline, "never served after B came up"
                    time.sleep(0.1)
                text = served.text
                for signer in (a_signer, b_signer):
                    CosignatureVerifier.from_vkey(signer.verifier_key()).verify(text)
                assert Checkpoint.parse(text.split("\n\n")[0] + "\n").size == 3
                error = "SELECT last_error FROM witness_progress WHERE witness = ?"
                assert db_rows(tmp_path, error, (b_signer.verifier_key(),)) == [(None,)]


def test_a_cosignature_that_does_not_verify_is_not_kept(tmp_path: Path) -> None:
    real = CosignatureSigner.from_seed("w.test", b"\x03" * 32)
    other = CosignatureSigner.from_seed("w.test", b"\x04" * 32)  # same name, another key

    async def liar(request):  # type: ignore[no-untyped-def]
        body = (await request.body()).decode()
        note = body.split("\n\n", 1)[1]
        text = note.split("\n\n", 1)[0] + "\n"
        return PlainTextResponse(other.signature_line(text, int(time.time())))

    with serving(Starlette(routes=[Route("/add-checkpoint", liar, methods=["POST"])])) as url:
        witnesses = [{"url": url, "key": real.verifier_key()}]
        with (
            collector(tmp_path, origin=ORIGIN, witnesses=witnesses, witness_retry_s=0.3) as rig,
            rig.client() as c,
        ):
            prober = Prober(tmp_path)
            assert c.post("/api/v1/probes", json=prober.enrol_body()).status_code in (200, 201)
            send(c, prober, 2)
            wait(
                lambda: any(
                    "no cosignature by its configured key" in str(r[0])
                    for r in db_rows(tmp_path, "SELECT last_error FROM witness_progress")
                ),
                "the refusal of a foreign cosignature",
            )
            assert db_rows(tmp_path, "SELECT count(*) FROM cosignatures")[0][0] == 0
            assert c.get("/api/v1/log/checkpoint").status_code == 404


def test_resume_clears_a_fork_report_and_signing_goes_on(tmp_path: Path) -> None:
    with collector(tmp_path, origin=ORIGIN) as rig, rig.client() as c:
        prober = Prober(tmp_path)
        assert c.post("/api/v1/probes", json=prober.enrol_body()).status_code in (200, 201)
        send(c, prober, 2)
        wait(lambda: c.get("/api/v1/log/checkpoint").status_code == 200, "a first checkpoint")
        db = sqlite3.connect(tmp_path / "collector" / "collector.db", isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        halt(db, "w.test+00000000+x", "FORK: test", "evidence")
        db.execute("COMMIT")
        send(c, prober, 2)
        time.sleep(1.0)
        assert db_rows(tmp_path, "SELECT max(size) FROM checkpoints")[0][0] == 2
        db.execute("BEGIN IMMEDIATE")
        assert resume(db, "checked: a test") == 1
        db.execute("COMMIT")
        db.close()
        wait(lambda: db_rows(tmp_path, "SELECT max(size) FROM checkpoints")[0][0] == 4, "signing again")
        assert db_rows(tmp_path, "SELECT cleared_note FROM signing_halts") == [("checked: a test",)]
