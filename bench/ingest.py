"""bench/ingest: signed measurements uploaded over HTTP in batches to collectors on loopback, on SQLite
and on PostgreSQL with 1, 2 and 4 collector processes, in one run.

Every collector is the real command (`probe collector serve`) in its own process. This script signs N
realistic measurements once and serialises them into batches beforehand; each run then uploads the same
bodies from the same client (a fixed number of concurrent requests) into a fresh database:
- SQLite (WAL, synchronous=FULL): one collector process, as in production on one machine;
- PostgreSQL (a throwaway server started here, probe/lab/postgres.py; fsync and synchronous_commit on): 1, 2
  and 4 separate `probe collector serve --db URL` processes, each on its own port, sharing one data dir
  (one signing key); batch i goes to instance i mod n.
It prints measurements/s for each, the PostgreSQL scaling ratios (2/1, 4/1), where the CPU went (the
client's share of a core, the collectors', PostgreSQL's, the whole machine's), and the single-core Ed25519
verification rate measured in the same run, and each rate's ratio to it (the signature check is the one
cost no collector avoids). Targets: at least 4,000 measurements per second, and (SQLite) at most 300 µs of
collector CPU per measurement.

    python bench/ingest.py [--envelopes N] [--batch B] [--connections C] [--processes 1,2,4]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from probe.lab import postgres
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

TARGET_PER_S = 4000
TARGET_COLLECTOR_US = 300  # collector CPU per measurement (its whole process tree), SQLite


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


# -- CPU accounting from /proc: whole process trees, and the whole machine -------------------------------------

TICK = os.sysconf("SC_CLK_TCK")
CORES = os.cpu_count() or 1


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def tree_cpu(root: int) -> float:
    """CPU seconds of `root` and every live descendant, each with the children it has reaped (so a
    PostgreSQL backend that exited still counts, through the postmaster)."""
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = _stat(int(entry.name))
            except (OSError, IndexError):
                continue  # gone meanwhile
            parents[int(entry.name)] = int(fields[1])
            times[int(entry.name)] = sum(int(x) for x in fields[11:15]) / TICK  # utime stime cutime cstime
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += times.get(pid, 0.0)
        todo.extend(child for child, parent in parents.items() if parent == pid)
    return total


def machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, every core."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / TICK, sum(fields[:8]) / TICK


# -- the collectors ---------------------------------------------------------------------------------------------


@dataclass
class Collectors:
    """`probe collector serve` processes, each on its own port, all on one database and one key."""

    processes: list[subprocess.Popen[bytes]]
    bases: list[str]

    def cpu(self) -> float:
        return sum(tree_cpu(p.pid) for p in self.processes)

    def stop(self) -> None:
        for p in self.processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.processes:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


def wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/api/v1/log/key", timeout=1).raise_for_status()
            return
        except httpx.HTTPError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the collector did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)


def start(workdir: Path, name: str, data_dir: Path, db: str | None, count: int, workers: int) -> Collectors:
    """`count` collectors; the first starts alone (it creates the key and the schema), then the rest."""
    host = "127.0.0.7"
    config = workdir / f"{name}.toml"
    config.write_text(
        f'[collector]\ndata_dir = "{data_dir}"\nrate_per_key_per_min = 10000000\nworkers = {workers}\n'
        f'[store]\npath = "{workdir / "unused.db"}"\n'
    )
    out = Collectors([], [])
    for i in range(count):
        port = free_port(host)
        log = workdir / f"{name}-{i}.log"
        argv = [sys.executable, "-m", "probe", "collector", "serve", "--config", str(config)]
        argv += ["--host", host, "--port", str(port)] + (["--db", db] if db else [])
        with log.open("wb") as sink:
            process = subprocess.Popen(argv, stdout=sink, stderr=subprocess.STDOUT, env=child_env())
        out.processes.append(process)
        out.bases.append(f"http://{host}:{port}")
        if i == 0:
            try:
                wait_ready(out.bases[0], process, log)
            except BaseException:
                out.stop()
                raise
    try:
        for i, (base, process) in enumerate(zip(out.bases, out.processes, strict=True)):
            wait_ready(base, process, workdir / f"{name}-{i}.log")
    except BaseException:
        out.stop()
        raise
    return out


def child_env() -> dict[str, str]:
    """This environment without PROBE_* variables: the config file and --db decide."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PROBE_")}


def enrol(base: str, signer: ProbeSigner, now: datetime) -> None:
    key = signer.key(38623, now)
    public = base64.b64encode(raw_public(key.public_key())).decode()
    proof = base64.b64encode(key.sign(f"{ENROL_CONTEXT}\n{public}".encode())).decode()
    httpx.post(f"{base}/api/v1/probes", json={"public_key": public, "proof": proof}).raise_for_status()


# -- the client -------------------------------------------------------------------------------------------------


async def upload(bases: list[str], bodies: list[bytes], connections: int) -> tuple[int, int]:
    """POST every body (a JSON batch, serialised beforehand), batch i to instance i mod n, from
    `connections` concurrent requests in all; returns (stored, other) counts of the results."""
    queue: asyncio.Queue[tuple[int, bytes]] = asyncio.Queue()
    for item in enumerate(bodies):
        queue.put_nowait(item)
    stored = other = 0
    headers = {"content-type": "application/json"}

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal stored, other
        while not queue.empty():
            i, body = queue.get_nowait()
            answer = await client.post(
                f"{bases[i % len(bases)]}/api/v1/measurements", content=body, headers=headers
            )
            answer.raise_for_status()
            for result in answer.json()["results"]:
                if result["status"] == 201:
                    stored += 1
                else:
                    other += 1

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(timeout=120, limits=limits) as client, asyncio.TaskGroup() as group:
        for _ in range(connections):
            group.create_task(worker(client))
    return stored, other


@dataclass(frozen=True)
class Run:
    name: str
    processes: int
    stored: int
    other: int
    wall_s: float
    client_s: float  # CPU seconds of this process (the client) during the upload
    collectors_s: float
    postgres_s: float | None
    machine_busy_s: float  # every process on the machine, other people's tests included
    machine_total_s: float
    logged_s: float | None  # from the first upload until the log's checkpoint covered every stored one

    @property
    def rate(self) -> float:
        return self.stored / self.wall_s

    @property
    def collector_us(self) -> float:
        """Collector CPU (whole process trees, PostgreSQL not included) per measurement stored, µs."""
        return 1e6 * self.collectors_s / max(self.stored, 1)

    def cpu_line(self) -> str:
        pg = f", PostgreSQL {self.postgres_s:5.1f}" if self.postgres_s is not None else ""
        ours = self.client_s + self.collectors_s + (self.postgres_s or 0.0)
        return (
            f"CPU s: client {self.client_s:5.1f} ({100 * self.client_s / self.wall_s:3.0f} % of a core), "
            f"collectors {self.collectors_s:5.1f}{pg}; {1e6 * ours / max(self.stored, 1):,.0f} µs/measurement "
            f"(ceiling on {CORES} cores {CORES * self.stored / ours:,.0f}/s); "
            f"machine {100 * self.machine_busy_s / self.machine_total_s:3.0f} % busy, "
            f"{100 * ours / self.machine_busy_s:3.0f} % of that this benchmark"
        )


def measure(
    name: str, collectors: Collectors, bodies: list[bytes], connections: int, postgres_pid: int | None
) -> Run:
    pg_before = tree_cpu(postgres_pid) if postgres_pid is not None else None
    before_c, (busy0, total0) = collectors.cpu(), machine_cpu()
    own = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    stored, other = asyncio.run(upload(collectors.bases, bodies, connections))
    wall = time.perf_counter() - started
    own_after = resource.getrusage(resource.RUSAGE_SELF)
    busy1, total1 = machine_cpu()
    logged = in_log(collectors.bases[0], stored, started)
    return Run(
        name=name,
        processes=len(collectors.processes),
        stored=stored,
        other=other,
        wall_s=wall,
        client_s=own_after.ru_utime - own.ru_utime + own_after.ru_stime - own.ru_stime,
        collectors_s=collectors.cpu() - before_c,
        postgres_s=tree_cpu(postgres_pid) - pg_before
        if postgres_pid is not None and pg_before is not None
        else None,
        machine_busy_s=busy1 - busy0,
        machine_total_s=total1 - total0,
        logged_s=logged,
    )


def in_log(base: str, size: int, started: float, timeout_s: float = 120) -> float | None:
    """Seconds from `started` until the signed checkpoint covers `size` entries (None: not within the
    timeout). The sequencer appends behind the receipts, so this may come after the last upload."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        answer = httpx.get(f"{base}/api/v1/log/checkpoint", timeout=10)
        if answer.status_code == 200 and int(answer.text.splitlines()[1]) >= size:
            return time.perf_counter() - started
        time.sleep(0.05)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--envelopes", "--count", type=int, default=20_000, help="signed measurements per run"
    )
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--connections", type=int, default=8, help="concurrent requests in all, every run")
    parser.add_argument("--processes", default="1,2,4", help="PostgreSQL runs: collector processes each")
    parser.add_argument(
        "--sqlite-workers", type=int, default=1, help="collector.workers of the one SQLite collector"
    )
    args = parser.parse_args()
    counts = [int(x) for x in args.processes.split(",") if x]
    cores = CORES
    print(f"machine:                   {cores} cores, load average {os.getloadavg()[0]:.2f} at start")
    with tempfile.TemporaryDirectory(prefix="saksi-bench-ingest-") as tmp:
        workdir = Path(tmp)
        signer = ProbeSigner(DeviceSeed(workdir / "seed"))
        now = datetime.now(UTC)
        kid = signer.key_id_for(38623, now)
        t0 = time.perf_counter()
        envelopes = [signer.sign(measurement(kid, now, i))[0].model_dump() for i in range(args.envelopes)]
        bodies = [
            json.dumps({"envelopes": envelopes[i : i + args.batch]}).encode()
            for i in range(0, len(envelopes), args.batch)
        ]
        print(
            f"prepared:                  {args.envelopes:,} signed measurements (~{len(json.dumps(envelopes[0]))} "
            f"bytes of envelope each) in {time.perf_counter() - t0:.1f} s; {len(bodies)} batches of "
            f"{args.batch}, serialised beforehand; {args.connections} concurrent requests in every run"
        )
        del envelopes
        runs: list[Run] = []
        sqlite = start(workdir, "sqlite", workdir / "sqlite-data", None, 1, args.sqlite_workers)
        try:
            enrol(sqlite.bases[0], signer, now)
            runs.append(measure("SQLite", sqlite, bodies, args.connections, None))
        finally:
            sqlite.stop()
        with postgres.server() as server:
            for count in counts:
                dsn = postgres.fresh_database(server.dsn)
                pg = start(workdir, f"pg{count}", workdir / "pg-data", dsn, count, 1)
                try:
                    enrol(pg.bases[0], signer, now)
                    runs.append(measure("PostgreSQL", pg, bodies, args.connections, server.pid))
                finally:
                    pg.stop()
        verify = verify_rate()
    print(
        f"SQLite:                    probe collector serve, WAL synchronous=FULL, group commit, "
        f"collector.workers = {args.sqlite_workers}"
    )
    print(
        f"PostgreSQL:                {postgres.version()}, throwaway cluster on loopback, fsync on, "
        f"synchronous_commit on; a fresh database per run; N separate `probe collector serve --db` processes "
        f"(collector.workers = 1, each on its own port, one data dir for the key), batches round-robin"
    )
    for run in runs:
        status = "MET" if run.rate >= TARGET_PER_S else "MISSED"
        label = f"{run.name}, {run.processes} process{'es' if run.processes > 1 else ''}:"
        print(
            f"{label:<27}{run.rate:7,.0f} measurements/s ({run.wall_s:5.2f} s; {run.stored:,} stored, "
            f"{run.other} other)   target ≥ {TARGET_PER_S:,}   {status}"
        )
        logged = (
            f"{run.logged_s:.2f} s after the first upload" if run.logged_s is not None else "not within 120 s"
        )
        print(f"{'':<27}all in a signed checkpoint {logged}")
        print(f"{'':<27}{run.cpu_line()}")
        print(
            f"{'':<27}collector CPU {run.collector_us:,.0f} µs/measurement"
            + (
                f"   target ≤ {TARGET_COLLECTOR_US} µs   "
                + ("MET" if run.collector_us <= TARGET_COLLECTOR_US else "MISSED")
                if run.name == "SQLite"
                else ""
            )
        )
    by_count = {r.processes: r for r in runs if r.name == "PostgreSQL"}
    if 1 in by_count:
        for count in sorted(by_count):
            if count > 1:
                print(
                    f"PostgreSQL scaling {count}/1:     {by_count[count].rate / by_count[1].rate:.2f}   "
                    f"(linear would be {count:.2f})"
                )
    print(
        f"CPU:                       {cores} cores for the client, the collectors and PostgreSQL together"
        + (
            f": {max(counts)} collector processes on {cores} cores cannot scale linearly; the rate is "
            f"bounded by about {cores} cores / the CPU seconds each measurement costs (the ceiling above), and the "
            f"whole machine is shared with whatever else runs (its busy share above)"
            if max(counts, default=1) > cores
            else ""
        )
    )
    print(
        f"Ed25519 verify, one core:  {verify:,.0f} signatures/s (same run; {1e6 / verify:,.0f} µs each), the "
        "physical reference:"
    )
    for run in runs:
        label = f"{run.name}, {run.processes} process{'es' if run.processes > 1 else ''}"
        print(
            f"  {label:<25}{run.rate / verify:5.2f} of the verify rate; collector CPU per measurement "
            f"{run.collector_us * verify / 1e6:4.1f}× one verify"
        )


if __name__ == "__main__":
    main()
