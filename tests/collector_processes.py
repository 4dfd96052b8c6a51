"""Several real `probe collector serve` processes on one PostgreSQL database, as an operator runs them.

Every instance listens on 127.0.0.5 (its own port) and shares one data dir: the collector key (made once
here, before any instance starts, so that they cannot race to create different ones) and the ip2asn table
that maps 127.0.0.0/24 to AS38623. Each instance names itself to PostgreSQL (application_name), so a
test can see which one holds the sequencer's lock.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

from probe.collector.db import SEQUENCER_LOCK
from probe.collector.signing import CollectorKey
from probe.service_settings import CollectorSettings

HOST = "127.0.0.5"
ASN_TABLE = "127.0.0.0\t127.0.0.255\t38623\tKH\tVIETTEL-KH Metfone\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def probe_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a `probe` command: none of our own PROBE_ settings but the loopback guard."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    return {**env, **(extra or {})}


@dataclass
class Instance:
    name: str
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def client(self, timeout: float = 30) -> httpx.Client:
        """A client whose calls come from 127.0.0.2 (a probe on AS38623), like `Rig.client`."""
        return httpx.Client(
            base_url=self.url, transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=timeout
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Fleet:
    """`count` collectors on the database `dsn`; `env`: more PROBE_ settings for all of them."""

    tmp: Path
    dsn: str
    count: int
    env: dict[str, str] = field(default_factory=dict)
    instances: list[Instance] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.data_dir = self.tmp / "collector"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        (self.data_dir / "ip2asn.tsv").write_text(ASN_TABLE)
        self.key = CollectorKey.load_or_create(self.data_dir, CollectorSettings().origin)
        self.instances = [Instance(f"c{i}", _free_port(), self.tmp / f"c{i}.log") for i in range(self.count)]

    def environment(self) -> dict[str, str]:
        return probe_env(
            {
                "PROBE_COLLECTOR__DATA_DIR": str(self.data_dir),
                "PROBE_COLLECTOR__CHECKPOINT_INTERVAL_S": "0.2",
                **self.env,
            }
        )

    def spawn(self, instance: Instance) -> None:
        """Start the instance's process (not waiting for it to answer)."""
        assert not instance.running, f"{instance.name} is already running"
        dsn = f"{self.dsn}?application_name={instance.name}"
        argv = [sys.executable, "-m", "probe", "collector", "serve", "--db", dsn]
        with instance.log.open("ab") as log:
            instance.process = subprocess.Popen(
                [*argv, "--host", HOST, "--port", str(instance.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.environment(),
            )
        instance.starts += 1

    def wait_ready(self, instance: Instance, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        with instance.client(timeout=2) as client:
            while True:
                if not instance.running:
                    raise AssertionError(f"collector {instance.name} exited at start:\n{self.tail(instance)}")
                try:
                    if client.get("/api/v1/whoami").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"collector {instance.name} did not answer in {timeout} s")
                time.sleep(0.05)

    def start_all(self) -> None:
        for instance in self.instances:
            self.spawn(instance)
        for instance in self.instances:
            self.wait_ready(instance)

    def kill9(self, instance: Instance) -> None:
        assert instance.process is not None
        os.kill(instance.process.pid, signal.SIGKILL)
        instance.process.wait()

    def stop_all(self) -> None:
        for instance in self.instances:
            if instance.running:
                assert instance.process is not None
                instance.process.terminate()
        for instance in self.instances:
            if instance.process is not None:
                try:
                    instance.process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    instance.process.kill()
                    instance.process.wait()

    def tail(self, instance: Instance, chars: int = 3000) -> str:
        return instance.log.read_text(errors="replace")[-chars:] if instance.log.exists() else ""

    def logs(self) -> str:
        return "\n".join(f"--- {i.name} ---\n{self.tail(i)}" for i in self.instances)

    def sequencer_holder(self, conn: psycopg.Connection[tuple[object, ...]]) -> str | None:
        """The name of the instance holding the sequencer's advisory lock right now, if any."""
        row = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid::bigint = %s",
            [SEQUENCER_LOCK],
        ).fetchone()
        return str(row[0]) if row else None


@contextmanager
def fleet(tmp: Path, dsn: str, count: int, env: dict[str, str] | None = None) -> Iterator[Fleet]:
    """Start `count` collectors on `dsn` and wait until each answers; stop them after."""
    f = Fleet(tmp, dsn, count, env or {})
    try:
        f.start_all()
        yield f
    finally:
        f.stop_all()
