"""bench/attack: honest probes upload at a steady rate while each attack runs in turn against a real
collector process on loopback; honest throughput and p99 latency printed beside the same run without attack.

The collector is `probe collector serve` (SQLite, default limits) on 127.0.0.7, with an ip2asn table that
puts the honest probes (127.0.0.2) on AS38623 and the attackers (127.0.1.x) on AS64500. Honest load: four
enrolled probes, each a batch of 10 signed measurements every 0.2 s (200 measurements/s in all), open loop
(a request is sent on its schedule whatever the others are doing). Each attack runs for --seconds with a
bounded number of concurrent attacker loops; then the next. Attacks, as issue 11 found them:

- gzip-bomb:     3 loops POSTing a 65 KB gzip body that inflates to 64 MiB of JSON
- poisoned:      16 enrolled keys sending batches of 50 envelopes with probe.asn = 2^63
- front-page:    1,500 measurements of new domains on claimed new networks, then 4 loops viewing /
- heavy-reads:   4 loops of an evidence bundle and 4 of a measurements export of a 5,000-measurement domain
- huge-measure:  2 loops POSTing one signed 56 MiB measurement (refused on its size)
- slow-clients:  300 connections trickling their headers and 100 trickling a body
- enrol-flood:   8 loops enrolling fresh keys
- bad-params:    8 loops of analysis URLs with impossible parameters

Target, for every attack: honest p99 latency < 1 s and honest throughput >= 80 % of the quiet run.

    python bench/attack.py [--seconds S]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gzip
import json
import os
import secrets
import socket
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.ingest import measurement, start
from probe.models.evidence import ENROL_CONTEXT
from probe.sign.dsse import MEASUREMENT_TYPE, sign_envelope
from probe.sign.keys import DeviceSeed, raw_public
from probe.sign.signer import ProbeSigner

HOST = "127.0.0.7"
HONEST = "127.0.0.2"
ASN_TABLE = (
    "127.0.0.0\t127.0.0.255\t38623\tKH\tVIETTEL-KH Metfone\n127.0.1.0\t127.0.1.255\t64500\tZZ\tATTACKER\n"
)
HONEST_PROBES, BATCH, INTERVAL_S = 4, 10, 0.2


def attacker(i: int) -> str:
    return f"127.0.1.{1 + i % 250}"


class Probe:
    def __init__(self, workdir: Path, name: str) -> None:
        self.signer = ProbeSigner(DeviceSeed(workdir / f"seed-{name}"))
        self.now = datetime.now(UTC)
        self.key = self.signer.key(38623, self.now)
        self.kid = self.signer.key_id_for(38623, self.now)

    def enrol_body(self) -> dict[str, Any]:
        public = base64.b64encode(raw_public(self.key.public_key())).decode()
        proof = base64.b64encode(self.key.sign(f"{ENROL_CONTEXT}\n{public}".encode())).decode()
        return {"public_key": public, "proof": proof}

    def envelope(self, i: int, **changes: Any) -> dict[str, Any]:
        m = measurement(self.kid, self.now, i)
        if not changes:
            return self.signer.sign(m)[0].model_dump()
        payload = {**m.model_dump(mode="json"), **changes}
        return sign_envelope(MEASUREMENT_TYPE, json.dumps(payload).encode(), self.key, self.kid).model_dump()


def enrol(base: str, probe: Probe, source: str) -> None:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=source), timeout=30) as http:
        http.post(f"{base}/api/v1/probes", json=probe.enrol_body()).raise_for_status()


def client(source: str, timeout: float = 30) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.AsyncHTTPTransport(local_address=source),
        timeout=timeout,
        limits=httpx.Limits(max_connections=64, max_keepalive_connections=64),
    )


# -- the honest load ------------------------------------------------------------------------------------------


async def honest(
    base: str, bodies: list[bytes], seconds: float
) -> tuple[int, float, list[float], Counter[str]]:
    """POST `bodies` on a steady schedule for `seconds`; (stored, seconds until the last answer,
    latencies, answers)."""
    latencies: list[float] = []
    answers: Counter[str] = Counter()
    stored = 0
    headers = {"content-type": "application/json"}

    async with client(HONEST, timeout=60) as http, asyncio.TaskGroup() as group:

        async def one(body: bytes) -> None:
            nonlocal stored
            t = time.perf_counter()
            try:
                r = await http.post(f"{base}/api/v1/measurements", content=body, headers=headers)
            except httpx.HTTPError as exc:
                answers[type(exc).__name__] += 1
                latencies.append(time.perf_counter() - t)
                return
            latencies.append(time.perf_counter() - t)
            answers[str(r.status_code)] += 1
            if r.status_code == 200:
                stored += sum(x["status"] in (200, 201) for x in r.json()["results"])

        started = time.perf_counter()
        per_tick = HONEST_PROBES
        tick = 0
        while (due := started + tick * INTERVAL_S) < started + seconds:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            for _ in range(per_tick):
                group.create_task(one(bodies.pop()))
            tick += 1
    return stored, time.perf_counter() - started, latencies, answers


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98] if len(values) >= 2 else (values[0] if values else 0.0)


# -- the attacks ----------------------------------------------------------------------------------------------

Attack = Callable[[str, asyncio.Event, Counter[str]], Awaitable[None]]


def loops(count: int, body: Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]) -> Attack:
    async def run(base: str, stop: asyncio.Event, answers: Counter[str]) -> None:
        async def loop(i: int) -> None:
            async with client(attacker(i)) as http:
                while not stop.is_set():
                    try:
                        r = await body(http, i)
                        answers[str(r.status_code)] += 1
                    except httpx.HTTPError as exc:
                        answers[type(exc).__name__] += 1
                        await asyncio.sleep(0.05)

        async with asyncio.TaskGroup() as group:
            for i in range(count):
                group.create_task(loop(i))

    return run


def gzip_bomb(base: str) -> Attack:
    bomb = gzip.compress(b'{"envelopes":[' + b" " * (64 * 1024 * 1024) + b"]}", 9)
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    return loops(3, lambda h, i: h.post(f"{base}/api/v1/measurements", content=bomb, headers=headers))


def poisoned(base: str, workdir: Path) -> Attack:
    keys = [Probe(workdir, f"poison-{i}") for i in range(16)]
    for i, k in enumerate(keys):
        enrol(base, k, attacker(i))
    bodies = [
        json.dumps(
            {"envelopes": [k.envelope(j, probe={"asn": 2**63, "key_id": k.kid}) for j in range(50)]}
        ).encode()
        for k in keys
    ]
    headers = {"content-type": "application/json"}
    return loops(16, lambda h, i: h.post(f"{base}/api/v1/measurements", content=bodies[i], headers=headers))


def front_page(base: str, workdir: Path) -> Attack:
    k = Probe(workdir, "front")
    enrol(base, k, attacker(20))
    for start_at in range(0, 1500, 100):
        envs = []
        for i in range(start_at, start_at + 100):
            m = measurement(k.kid, k.now, i).model_dump(mode="json")
            m["target"]["url"] = f"https://new-{i}-{secrets.token_hex(3)}.example/"
            m["probe"]["asn"] = 70000 + i
            envs.append(sign_envelope(MEASUREMENT_TYPE, json.dumps(m).encode(), k.key, k.kid).model_dump())
        httpx.post(f"{base}/api/v1/measurements", json={"envelopes": envs}, timeout=60).raise_for_status()
    return loops(4, lambda h, i: h.get(f"{base}/"))


def heavy_reads(base: str) -> Attack:
    def one(h: httpx.AsyncClient, i: int) -> Awaitable[httpx.Response]:
        if i % 2:
            return h.get(f"{base}/api/v1/evidence?domain=site-0.example.org")
        return h.get(f"{base}/api/v1/export?dataset=measurements&format=csv&domain=site-0.example.org")

    return loops(8, one)


def huge_measurement(base: str, workdir: Path) -> Attack:
    k = Probe(workdir, "huge")
    enrol(base, k, attacker(21))
    big = k.envelope(0, target={"url": "https://big.example/" + "x" * (56 * 1024 * 1024)})
    body = gzip.compress(json.dumps(big).encode(), 1)
    headers = {"content-type": "application/json", "content-encoding": "gzip"}
    return loops(2, lambda h, i: h.post(f"{base}/api/v1/measurements", content=body, headers=headers))


def enrol_flood(base: str, workdir: Path) -> Attack:
    bodies = [Probe(workdir, f"flood-{i}").enrol_body() for i in range(400)]
    return loops(8, lambda h, i: h.post(f"{base}/api/v1/probes", json=bodies[secrets.randbelow(400)]))


def bad_params(base: str) -> Attack:
    urls = [
        "/api/v1/timeline?asn=%C2%B2",
        "/api/v1/timeline?since=0001-01-01",
        "/api/v1/export?dataset=timeline&until=9999-12-31",
        "/asn/12345678901234567890",
        "/api/v1/log/proof/consistency?from=abc&to=1",
    ]
    return loops(8, lambda h, i: h.get(base + urls[secrets.randbelow(len(urls))]))


def slow_clients(base: str) -> Attack:
    host, port = base.removeprefix("http://").split(":")

    async def run(_: str, stop: asyncio.Event, answers: Counter[str]) -> None:
        async def trickle(i: int, body: bool) -> None:
            while not stop.is_set():
                try:
                    sock = socket.socket()
                    sock.setblocking(False)
                    sock.bind((attacker(i), 0))
                    await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
                    reader, writer = await asyncio.open_connection(sock=sock)
                    head = (
                        b"POST /api/v1/measurements HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    )
                    if body:
                        writer.write(head + b"Content-Length: 100000\r\n\r\n")
                    else:
                        writer.write(head[:10])
                    while not stop.is_set() and not reader.at_eof():
                        writer.write(b" " if body else b"X")
                        await writer.drain()
                        try:
                            data = await asyncio.wait_for(reader.read(100), 1.0)
                            if data or reader.at_eof():
                                answers[data.split(b" ")[1].decode() if data else "closed"] += 1
                                break
                        except TimeoutError:
                            pass
                    writer.close()
                except (OSError, IndexError):
                    answers["closed"] += 1
                    await asyncio.sleep(0.2)

        async with asyncio.TaskGroup() as group:
            for i in range(300):
                group.create_task(trickle(i, False))
            for i in range(100):
                group.create_task(trickle(i, True))

    return run


# -- the run --------------------------------------------------------------------------------------------------


async def phase(
    base: str, name: str, attack: Attack | None, bodies: list[bytes], seconds: float
) -> dict[str, Any]:
    stop = asyncio.Event()
    answers: Counter[str] = Counter()
    async with asyncio.TaskGroup() as group:
        if attack is not None:
            group.create_task(attack(base, stop, answers))
            await asyncio.sleep(0.5)  # the attack under way first
        stored, took, latencies, honest_answers = await honest(base, bodies, seconds)
        stop.set()
    return {
        "name": name,
        "rate": stored / max(seconds, took),
        "p99": p99(latencies),
        "max": max(latencies, default=0.0),
        "honest": honest_answers,
        "attack": answers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="saksi-bench-attack-") as tmp:
        workdir = Path(tmp)
        data = workdir / "data"
        data.mkdir()
        (data / "ip2asn.tsv").write_text(ASN_TABLE)
        collectors = start(workdir, "attack", data, None, 1, 1)
        base = collectors.bases[0]
        try:
            probes = [Probe(workdir, f"honest-{i}") for i in range(HONEST_PROBES)]
            for p in probes:
                enrol(base, p, HONEST)
            # The heavy-read target: 5,000 measurements of one domain, stored before the runs.
            seed = Probe(workdir, "seed")
            enrol(base, seed, HONEST)
            for j in range(0, 5000, 500):
                envs = [seed.envelope(500 * i) for i in range(j, j + 500)]
                httpx.post(
                    f"{base}/api/v1/measurements", json={"envelopes": envs}, timeout=120
                ).raise_for_status()
            attacks: list[tuple[str, Callable[[], Attack] | None]] = [
                ("quiet", None),
                ("gzip-bomb", lambda: gzip_bomb(base)),
                ("poisoned", lambda: poisoned(base, workdir)),
                ("front-page", lambda: front_page(base, workdir)),
                ("heavy-reads", lambda: heavy_reads(base)),
                ("huge-measure", lambda: huge_measurement(base, workdir)),
                ("slow-clients", lambda: slow_clients(base)),
                ("enrol-flood", lambda: enrol_flood(base, workdir)),
                ("bad-params", lambda: bad_params(base)),
            ]
            per_phase = int(args.seconds / INTERVAL_S + 2) * HONEST_PROBES
            t0 = time.perf_counter()
            counter = 10_000_000
            results = []
            for name, make in attacks:
                bodies = []
                for _ in range(per_phase):
                    p = probes[counter % HONEST_PROBES]
                    bodies.append(
                        json.dumps({"envelopes": [p.envelope(counter + j) for j in range(BATCH)]}).encode()
                    )
                    counter += BATCH
                attack = make() if make else None
                results.append(asyncio.run(phase(base, name, attack, bodies, args.seconds)))
                r = results[-1]
                print(
                    f"  {name:<13} done: honest {dict(r['honest'])}, attack answers {dict(r['attack'].most_common(4))}"
                )
            print(f"(prepared and ran in {time.perf_counter() - t0:.0f} s)")
        finally:
            collectors.stop()
    quiet = results[0]
    print()
    print(f"{'run':<13} {'honest stored/s':>15} {'of quiet':>9} {'p99 s':>7} {'max s':>7}  target")
    for r in results:
        share = r["rate"] / quiet["rate"] if quiet["rate"] else 0.0
        met = r["p99"] < 1.0 and share >= 0.8
        print(
            f"{r['name']:<13} {r['rate']:>15.0f} {100 * share:>8.0f}% {r['p99']:>7.3f} {r['max']:>7.3f}  "
            f"{'MET' if met else 'MISSED'}"
        )


if __name__ == "__main__":
    main()
