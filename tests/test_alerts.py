"""Webhook alerts: queued with the state change in one transaction, signed by the collector, retried with
backoff until a 2xx, and never lost across a restart of the collector."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from probe.collector.alerts import backoff
from probe.collector.signing import KEY_FILE
from probe.control.service import ServerThread
from probe.models.alert import Alert
from probe.sign.dsse import ALERT_TYPE, Envelope, verify_envelope
from probe.sign.keys import key_id
from tests.analysis_rig import ASNS
from tests.collector_rig import collector
from tests.test_cli import _no_traceback, probe

FAST = {
    "alert_lookback_days": 3650,
    "alert_interval_s": 0.2,
    "webhook_backoff_s": 0.2,
    "webhook_backoff_max_s": 1.0,
}


@dataclass
class Receiver:
    """A webhook receiver on loopback that refuses the first `fail_first` POSTs with 503."""

    fail_first: int = 0
    bodies: list[bytes] = field(default_factory=list)
    refused: int = 0
    url: str = ""

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        if self.refused < self.fail_first:
            self.refused += 1
            return Response("busy", status_code=503)
        self.bodies.append(body)
        return Response(status_code=204)

    def alerts(self, public: object) -> dict[str, Alert]:
        kid = key_id(public)  # type: ignore[arg-type]
        out = {}
        for body in self.bodies:
            payload = verify_envelope(Envelope.model_validate_json(body), ALERT_TYPE, {kid: public})  # type: ignore[dict-item]
            alert = Alert.model_validate_json(payload)
            out[alert.alert_id] = alert
        return out


@contextmanager
def receiving(receiver: Receiver) -> Iterator[Receiver]:
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    server = ServerThread(
        uvicorn.Config(app, host="127.0.0.7", port=0, access_log=False, log_level="warning")
    )
    server.start()
    receiver.url = f"http://127.0.0.7:{server.port}/hook"
    try:
        yield receiver
    finally:
        server.stop()


def cli(data_dir: Path, *args: str) -> str:
    result = probe("collector", *args, env={"PROBE_COLLECTOR__DATA_DIR": str(data_dir)})
    _no_traceback(result)
    assert result.returncode == 0, result.stderr
    return result.stdout


def collector_public(data_dir: Path) -> object:
    return Ed25519PrivateKey.from_private_bytes((data_dir / KEY_FILE).read_bytes()).public_key()


def wait_for(check: object, timeout_s: float = 20) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    rng = random.Random(1)
    waits = [backoff(n, 10, 3600, rng) for n in range(1, 12)]
    for n, wait in enumerate(waits, start=1):
        ceiling = min(3600, 10 * 2 ** (n - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert waits[-1] <= 3600


def test_signed_alerts_reach_a_flaky_receiver(history_dir: Path, tmp_path: Path) -> None:
    with receiving(Receiver(fail_first=2)) as receiver:
        out = cli(history_dir, "subscribe", receiver.url, "--domain", "www.rfa.org")
        assert "subscription 1" in out
        cli(history_dir, "subscribe", receiver.url, "--domain", "vodkhmer.news", "--asn", "AS38623")
        with collector(tmp_path, **FAST):
            wait_for(lambda: len(receiver.bodies) >= 4)
        alerts = receiver.alerts(collector_public(history_dir))
    assert receiver.refused == 2  # refused twice, delivered on retry
    rfa = [a for a in alerts.values() if a.domain == "www.rfa.org"]
    assert sorted(a.asn for a in rfa) == sorted(ASNS)
    assert all((a.from_state, a.to_state, a.method) == ("accessible", "blocked", "dns.bogon") for a in rfa)
    (vod,) = [a for a in alerts.values() if a.domain == "vodkhmer.news"]
    assert (vod.asn, vod.from_state, vod.to_state) == (38623, "blocked", "accessible")
    assert vod.event["kind"] == "blocking_end" and vod.event["last_contradicting_at"]
    listing = cli(history_dir, "subscriptions")
    assert "delivered 3, pending 0" in listing and "delivered 1, pending 0" in listing


def test_alerts_wait_out_a_restart_and_an_absent_receiver(history_dir: Path, tmp_path: Path) -> None:
    receiver = Receiver()
    with receiving(receiver):
        url = receiver.url
    cli(history_dir, "subscribe", url, "--domain", "www.rfa.org", "--asn", "17976")
    db = history_dir / "collector.db"

    def pending_with_attempts() -> bool:
        with sqlite3.connect(db) as conn:
            row = conn.execute(
                "SELECT count(*), min(attempts) FROM deliveries WHERE delivered_at IS NULL"
            ).fetchone()
        return bool(row[0] == 1 and row[1] >= 1)

    with collector(tmp_path, **FAST):  # the receiver is gone: connection refused
        wait_for(pending_with_attempts)
    with sqlite3.connect(db) as conn:
        error = conn.execute("SELECT last_error FROM deliveries").fetchone()[0]
    assert "Connect" in error
    # The collector is stopped; the receiver comes back on the same address and port.
    host_port = url.split("//")[1].split("/")[0]
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    server = ServerThread(
        uvicorn.Config(
            app, host=host_port.split(":")[0], port=int(host_port.split(":")[1]), log_level="warning"
        )
    )
    server.start()
    try:
        with collector(tmp_path, **FAST):
            wait_for(lambda: len(receiver.bodies) == 1)
            time.sleep(0.5)  # nothing more comes: the alert was queued once
    finally:
        server.stop()
    (alert,) = receiver.alerts(collector_public(history_dir)).values()
    assert (alert.domain, alert.asn, alert.to_state) == ("www.rfa.org", 17976, "blocked")
    assert len(receiver.bodies) == 1
    body = json.loads(receiver.bodies[0])
    assert body["payloadType"] == ALERT_TYPE


def test_subscribe_refuses_bad_input(tmp_path: Path) -> None:
    env = {"PROBE_COLLECTOR__DATA_DIR": str(tmp_path / "c")}
    for args, message in (
        (["subscribe", "ftp://x/"], "not an http"),
        (["subscribe", "http://127.0.0.1/", "--asn", "Metfone"], "not an AS number"),
        (["subscribe", "http://127.0.0.1/", "--window", "week"], "--window"),
        (["unsubscribe", "7"], "no active subscription"),
    ):
        result = probe("collector", *args, env=env)
        _no_traceback(result)
        assert result.returncode == 2 and message in result.stderr, (args, result.stderr)
