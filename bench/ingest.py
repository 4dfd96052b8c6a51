"""bench/ingest: signed measurements uploaded over HTTP in batches to a collector on loopback.

The collector runs as the real command (`probe collector serve`, SQLite, synchronous=FULL) in its own
process; this script signs N realistic measurements beforehand, uploads them in batches from a few
concurrent connections, and prints the throughput beside the single-core Ed25519 verification rate
measured in the same run, and their ratio. Target: at least 3,000 measurements per second.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from probe.models.evidence import ENROL_CONTEXT
from probe.models.measurement import Measurement, ProbeInfo, Software, TargetRef
from probe.models.observation import (
    CertSummary,
    DnsAnswer,
    DnsObservation,
    HttpObservation,
    Observations,
    TcpObservation,
    TlsObservation,
)
from probe.models.verdict import Outcome, Verdict
from probe.sign.dsse import pae
from probe.sign.keys import DeviceSeed, raw_public
from probe.sign.signer import ProbeSigner

TARGET_PER_S = 3000


def utc(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def measurement(kid: str, now: datetime, i: int) -> Measurement:
    host = f"site-{i % 500}.example.org"
    dns = [
        DnsObservation(
            resolver_kind=kind,
            resolver="203.0.113.53:53",
            query_type=q,
            hostname=host,
            t_start=0.0,
            t_end=0.04,
            rcode="NOERROR",
            answers=[DnsAnswer(type=q, value="198.51.100.7" if q == "A" else "2001:db8::7", ttl=300)],
        )
        for kind in ("system", "udp", "doh")
        for q in ("A", "AAAA")
    ]
    return Measurement(
        measurement_uid=secrets.token_hex(16),
        software=Software(name="saksi-probe", version="bench"),
        rules_version="bench",
        probe=ProbeInfo(asn=38623, network_name="Metfone", cc="KH", key_id=kid),
        target=TargetRef(url=f"https://{host}/", category_code="NEWS", list="kh"),
        started_at=utc(now),
        finished_at=utc(now),
        observations=Observations(
            dns=dns,
            tcp=[TcpObservation(ip="198.51.100.7", port=443, t_start=0.05, t_end=0.09)],
            tls=[
                TlsObservation(
                    ip="198.51.100.7",
                    port=443,
                    sni=host,
                    purpose="target",
                    t_start=0.09,
                    t_end=0.2,
                    version="TLSv1.3",
                    cipher="TLS_AES_256_GCM_SHA384",
                    alpn="http/1.1",
                    cert=CertSummary(
                        subject=f"CN={host}",
                        issuer="CN=Example CA",
                        sans=[host],
                        leaf_sha256="ab" * 32,
                        not_before_at="2026-01-01T00:00:00Z",
                        not_after_at="2027-01-01T00:00:00Z",
                    ),
                    cert_valid_for_host=True,
                )
            ],
            http=[
                HttpObservation(
                    url=f"https://{host}/",
                    ip="198.51.100.7",
                    port=443,
                    t_start=0.2,
                    t_end=0.4,
                    request_headers={"user-agent": "Mozilla/5.0"},
                    status=200,
                    response_headers={"content-type": "text/html", "server": "nginx"},
                    body_length=48213,
                    body_sha256="cd" * 32,
                    title="Example news",
                    body_excerpt="<html>" + "x" * 900,
                )
            ],
        ),
        verdict=Verdict(
            outcome=Outcome.ACCESSIBLE, rule_id="accessible.http", explanation="Fetched.", ooni_blocking=False
        ),
    )


def verify_rate(seconds: float = 1.0) -> float:
    key = Ed25519PrivateKey.generate()
    message = pae("application/vnd.saksi.measurement.v1+json", b"x" * 3000)
    signature, public = key.sign(message), key.public_key()
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(200):
            public.verify(signature, message)
        count += 200
    return count / (time.perf_counter() - start)


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


async def upload(base: str, batches: list[list[dict[str, object]]], connections: int) -> tuple[int, int]:
    queue: asyncio.Queue[list[dict[str, object]]] = asyncio.Queue()
    for b in batches:
        queue.put_nowait(b)
    stored = other = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal stored, other
        while not queue.empty():
            batch = queue.get_nowait()
            answer = await client.post(f"{base}/api/v1/measurements", json={"envelopes": batch})
            for result in answer.json()["results"]:
                if result["status"] == 201:
                    stored += 1
                else:
                    other += 1

    async with httpx.AsyncClient(timeout=120) as client, asyncio.TaskGroup() as group:
        for _ in range(connections):
            group.create_task(worker(client))
    return stored, other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1, help="collector processes")
    args = parser.parse_args()
    host = "127.0.0.7"
    with tempfile.TemporaryDirectory(prefix="saksi-bench-ingest-") as tmp:
        workdir = Path(tmp)
        signer = ProbeSigner(DeviceSeed(workdir / "seed"))
        now = datetime.now(UTC)
        kid = signer.key_id_for(38623, now)
        t0 = time.perf_counter()
        envelopes = [signer.sign(measurement(kid, now, i))[0].model_dump() for i in range(args.count)]
        size = len(str(envelopes[0]))
        print(
            f"prepared:                  {args.count} signed measurements (~{size} bytes of envelope each) in "
            f"{time.perf_counter() - t0:.1f} s"
        )
        config = workdir / "collector.toml"
        config.write_text(
            f'[collector]\ndata_dir = "{workdir / "data"}"\nrate_per_key_per_min = 10000000\nworkers = {args.workers}\n'
            f'[store]\npath = "{workdir / "unused.db"}"\n'
        )
        port = free_port(host)
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "probe",
                "collector",
                "serve",
                "--config",
                str(config),
                "--host",
                host,
                "--port",
                str(port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://{host}:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    httpx.get(f"{base}/api/v1/log/key", timeout=1)
                    break
                except httpx.HTTPError:
                    if time.monotonic() > deadline:
                        raise SystemExit("the collector did not start") from None
                    time.sleep(0.1)
            key = signer.key(38623, now)
            public = __import__("base64").b64encode(raw_public(key.public_key())).decode()
            proof = __import__("base64").b64encode(key.sign(f"{ENROL_CONTEXT}\n{public}".encode())).decode()
            httpx.post(
                f"{base}/api/v1/probes", json={"public_key": public, "proof": proof}
            ).raise_for_status()
            batches = [envelopes[i : i + args.batch] for i in range(0, len(envelopes), args.batch)]
            start = time.perf_counter()
            stored, other = asyncio.run(upload(base, batches, args.connections))
            elapsed = time.perf_counter() - start
            rate = stored / elapsed
            verify = verify_rate()
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)
    status = "MET" if rate >= TARGET_PER_S else "MISSED"
    print(
        f"collector:                 probe collector serve, SQLite WAL synchronous=FULL, group commit, "
        f"{os.cpu_count()} cores"
    )
    print(
        f"upload:                    batches of {args.batch}, {args.connections} connections; {stored} stored, "
        f"{other} other"
    )
    print(
        f"ingest throughput:         {rate:,.0f} measurements/s ({elapsed:.2f} s)   target ≥ {TARGET_PER_S:,}   {status}"
    )
    print(f"Ed25519 verify, one core:  {verify:,.0f} signatures/s (same run)")
    print(f"throughput / verify rate:  {rate / verify:.2f}")


if __name__ == "__main__":
    main()
