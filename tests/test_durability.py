"""Storage-system tests: kill -9 the collector at random moments while a client uploads, many times.

Every envelope the collector acknowledged (201/200 with a receipt) must be stored exactly once, and
every pair of successive checkpoints must have a consistency proof that verifies.
"""

from __future__ import annotations

import itertools
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from probe.collector.sequencer import DbHashes
from probe.log import consistency_proof, verify_consistency
from tests.collector_rig import Prober

KILLS = 6


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.6", 0))
        return int(s.getsockname()[1])


def _start(config: Path, port: int) -> subprocess.Popen[bytes]:
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
            "127.0.0.6",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.6:{port}/api/v1/log/key", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the collector did not start")


@pytest.mark.slow
def test_kill_9_while_uploading_loses_nothing_acknowledged(tmp_path: Path) -> None:
    config = tmp_path / "collector.toml"
    config.write_text(
        f'[collector]\ndata_dir = "{tmp_path / "data"}"\ncheckpoint_interval_s = 0.05\n'
        f'[store]\npath = "{tmp_path / "unused.db"}"\n'
    )
    port = _free_port()
    base = f"http://127.0.0.6:{port}"
    prober = Prober(tmp_path)
    acknowledged: set[str] = set()
    rng = random.Random(7)
    process = _start(config, port)
    httpx.post(f"{base}/api/v1/probes", json=prober.enrol_body(), timeout=10).raise_for_status()
    try:
        for _ in range(KILLS):
            kill_at = time.monotonic() + rng.uniform(0.2, 1.2)
            while time.monotonic() < kill_at:
                batch = [prober.measurement() for _ in range(rng.randint(1, 40))]
                try:
                    answer = httpx.post(
                        f"{base}/api/v1/measurements",
                        json={"envelopes": [prober.envelope(m) for m in batch]},
                        timeout=10,
                    )
                except httpx.HTTPError:
                    continue
                if answer.status_code == 200:
                    for m, result in zip(batch, answer.json()["results"], strict=True):
                        if result["status"] in (200, 201):
                            acknowledged.add(m.measurement_uid)
            os.kill(process.pid, signal.SIGKILL)
            process.wait()
            process = _start(config, port)
        time.sleep(0.5)  # let the sequencer catch up once more
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)

    assert len(acknowledged) > 50
    with sqlite3.connect(tmp_path / "data" / "collector.db") as conn:
        uids = [r[0] for r in conn.execute("SELECT uid FROM measurements")]
        assert acknowledged <= set(uids), "an acknowledged envelope was lost"
        assert len(uids) == len(set(uids))
        checkpoints = conn.execute("SELECT size, root FROM checkpoints ORDER BY size").fetchall()
        assert len(checkpoints) >= 2
        hashes = DbHashes(conn)
        for (old, old_root), (new, new_root) in itertools.pairwise(checkpoints):
            verify_consistency(
                old, new, bytes(old_root), bytes(new_root), consistency_proof(old, new, hashes)
            )
        indexed = conn.execute("SELECT count(*) FROM measurements WHERE log_index IS NOT NULL").fetchone()[0]
        assert indexed == checkpoints[-1][0]
