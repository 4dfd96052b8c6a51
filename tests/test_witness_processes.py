"""A witness and two collectors as real processes: honest growth is cosigned, a forked collector with the
same key is refused by the witness (and stops signing), `probe verify` catches the fork; the honest
bundle's brackets are exactly the times the witness cosigned."""

from __future__ import annotations

import base64
import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from probe.analysis.brackets import iso
from probe.collector.signing import KEY_FILE, CollectorKey
from probe.log import Checkpoint, NoteVerifier
from probe.log.cosignature import CosignatureVerifier
from probe.models.measurement import TimeAnchor
from tests.collector_processes import ASN_TABLE, probe_env
from tests.collector_rig import Prober

ORIGIN = "saksi.test/log"
DOMAIN = "www.rfa.org"


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def probe(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "probe", *args], capture_output=True, text=True, env=env, timeout=120
    )


def spawn(argv: list[str], env: dict[str, str], host: str, port: int, log: Path, ready: str) -> Proc:
    with log.open("ab") as fh:
        process = subprocess.Popen(
            [sys.executable, "-m", "probe", *argv, "--host", host, "--port", str(port)],
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
        )
    proc = Proc(f"http://{host}:{port}", process, log)
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, f"{argv[0]} exited at start:\n{proc.tail()}"
        try:
            if httpx.get(proc.url + ready, timeout=2).status_code < 500:
                return proc
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, f"{argv[0]} did not answer:\n{proc.tail()}"
        time.sleep(0.05)


def stop(proc: Proc) -> None:
    if proc.process.poll() is None:
        proc.process.terminate()
        try:
            proc.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.process.kill()
            proc.process.wait()


def witness_env(data: Path, vkey: str) -> dict[str, str]:
    return probe_env(
        {
            "PROBE_WITNESS__DATA_DIR": str(data),
            "PROBE_WITNESS__LOGS": json.dumps([vkey]),
            "PROBE_WITNESS__NAME": "witness.test/w1",
        }
    )


@contextmanager
def witness_process(tmp: Path, vkey: str) -> Iterator[tuple[Proc, str, dict[str, str]]]:
    env = witness_env(tmp / "witness", vkey)
    key = probe("witness", "key", env=env)
    assert key.returncode == 0, key.stderr
    wkey = key.stdout.strip()
    proc = spawn(["witness", "serve"], env, "127.0.0.7", free_port("127.0.0.7"), tmp / "witness.log", "/key")
    try:
        yield proc, wkey, env
    finally:
        stop(proc)


def collector_env(data: Path, witness_url: str, wkey: str) -> dict[str, str]:
    return probe_env(
        {
            "PROBE_COLLECTOR__DATA_DIR": str(data),
            "PROBE_COLLECTOR__ORIGIN": ORIGIN,
            "PROBE_COLLECTOR__CHECKPOINT_INTERVAL_S": "0.2",
            "PROBE_COLLECTOR__WITNESSES": json.dumps([{"url": witness_url, "key": wkey}]),
            "PROBE_COLLECTOR__WITNESS_QUORUM": "1",
            "PROBE_COLLECTOR__WITNESS_RETRY_S": "0.5",
        }
    )


@contextmanager
def collector_process(data: Path, env: dict[str, str], log: Path) -> Iterator[Proc]:
    (data / "ip2asn.tsv").write_text(ASN_TABLE)
    proc = spawn(["collector", "serve"], env, "127.0.0.5", free_port("127.0.0.5"), log, "/api/v1/whoami")
    try:
        yield proc
    finally:
        stop(proc)


def client(proc: Proc) -> httpx.Client:
    return httpx.Client(
        base_url=proc.url, transport=httpx.HTTPTransport(local_address="127.0.0.2"), timeout=30
    )


def send(proc: Proc, prober: Prober, count: int, anchor: TimeAnchor | None = None) -> None:
    with client(proc) as c:
        assert c.post("/api/v1/probes", json=prober.enrol_body()).status_code in (200, 201)
        envelopes = [prober.envelope(prober.measurement(time_anchor=anchor)) for _ in range(count)]
        answer = c.post("/api/v1/measurements", json={"envelopes": envelopes})
        assert answer.status_code == 200, answer.text


def wait_cosigned(proc: Proc, size: int, wkey: str, timeout: float = 30) -> str:
    """The collector's served checkpoint once it is cosigned and holds at least `size` entries."""
    verifier = CosignatureVerifier.from_vkey(wkey)
    deadline = time.monotonic() + timeout
    while True:
        note = httpx.get(proc.url + "/api/v1/log/checkpoint", timeout=5)
        if note.status_code == 200:
            text = note.text
            cp = Checkpoint.parse(text.split("\n\n", 1)[0] + "\n")
            if cp.size >= size:
                verifier.verify(text)
                return text
        assert time.monotonic() < deadline, f"no cosigned checkpoint of {size} entries:\n{proc.tail()}"
        time.sleep(0.1)


def anchor_of(note: str) -> TimeAnchor:
    cp = Checkpoint.parse(note.split("\n\n", 1)[0] + "\n")
    return TimeAnchor(tree_size=cp.size, root_hash=base64.b64encode(cp.root).decode())


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return conn.execute(sql).fetchall()


def test_witness_cosigns_honest_growth_refuses_a_fork_and_verify_catches_it(tmp_path: Path) -> None:
    honest_dir, fork_dir = tmp_path / "honest", tmp_path / "fork"
    honest_dir.mkdir()
    fork_dir.mkdir()
    key = CollectorKey.load_or_create(honest_dir, ORIGIN)
    shutil.copy(honest_dir / KEY_FILE, fork_dir / KEY_FILE)  # a second collector with the same key
    vkey = key.verifier_key()
    with witness_process(tmp_path, vkey) as (witness, wkey, wenv):
        henv = collector_env(honest_dir, witness.url, wkey)
        with collector_process(honest_dir, henv, tmp_path / "honest.log") as honest:
            prober = Prober(tmp_path)
            send(honest, prober, 4)
            first = wait_cosigned(honest, 4, wkey)
            send(honest, prober, 6, anchor=anchor_of(first))  # measured after seeing a witnessed checkpoint
            saved = wait_cosigned(honest, 10, wkey)
            (tmp_path / "honest-checkpoint.txt").write_text(saved)
            NoteVerifier.from_vkey(vkey).verify(saved)

        # The forked collector: same key, its own history of 12 entries, one checkpoint.
        fenv = collector_env(fork_dir, witness.url, wkey)
        with collector_process(fork_dir, fenv, tmp_path / "fork.log") as fork:
            send(fork, Prober(tmp_path), 12)
            deadline = time.monotonic() + 30
            while not rows(
                fork_dir / "collector.db", "SELECT id FROM signing_halts WHERE cleared_at IS NULL"
            ):
                assert time.monotonic() < deadline, f"the forked collector did not stop:\n{fork.tail()}"
                time.sleep(0.1)
            status = probe("collector", "witnesses", env=fenv)
            assert status.returncode == 1 and "SIGNING STOPPED" in status.stdout, status.stdout
            # It signs nothing more while the fork report is open.
            sizes = rows(fork_dir / "collector.db", "SELECT max(size) FROM checkpoints")
            send(fork, Prober(tmp_path), 3)
            time.sleep(1.0)
            assert rows(fork_dir / "collector.db", "SELECT max(size) FROM checkpoints") == sizes
            consistency = httpx.get(fork.url + "/api/v1/log/proof/consistency", params={"from": 10, "to": 12})
            (tmp_path / "fork-proof.json").write_text(consistency.text)

        # The operator acts: resume needs a note, and then clears the report.
        assert probe("collector", "resume", env=fenv).returncode == 2
        resumed = probe("collector", "resume", "--note", "a copy of the data dir ran on host B", env=fenv)
        assert resumed.returncode == 0 and "cleared 1 fork report" in resumed.stdout, resumed.stderr
        assert probe("collector", "witnesses", env=fenv).returncode == 0

        conflicts = probe("witness", "conflicts", "--json", env=wenv)
        found = json.loads(conflicts.stdout)
        assert [c["kind"] for c in found] == ["consistency-proof-failed"]
        assert Checkpoint.parse(found[0]["held_note"].split("\n\n")[0] + "\n").size == 10
        assert Checkpoint.parse(found[0]["offered_note"].split("\n\n")[0] + "\n").size == 12
        history = rows(tmp_path / "witness" / "witness.db", "SELECT size, root, timestamp FROM history")

    # No cosignature of the fork ever: every size the witness cosigned is the honest log's.
    honest_roots = dict(rows(honest_dir / "collector.db", "SELECT size, root FROM checkpoints"))
    assert history and all(honest_roots.get(size) == root for size, root, _ in history)

    # The honest bundle verifies, dates witnessed, and its brackets are the witness's own times.
    honest_zip, fork_zip = tmp_path / "honest.zip", tmp_path / "fork.zip"
    for data, out, env in ((honest_dir, honest_zip, henv), (fork_dir, fork_zip, fenv)):
        made = probe("evidence", "--data-dir", str(data), "--domain", DOMAIN, "--output", str(out), env=env)
        assert made.returncode == 0, made.stderr
    ok = probe(
        "verify", str(honest_zip), "--log-key", vkey, "--witness-key", wkey,
        "--checkpoint", str(tmp_path / "honest-checkpoint.txt"), env=henv,
    )  # fmt: skip
    assert ok.returncode == 0, ok.stdout
    assert "dates witnessed" in ok.stdout and "vouches for itself" not in ok.stdout
    assert f"witness      {wkey} (given with --witness-key)" in ok.stdout
    import zipfile

    with zipfile.ZipFile(honest_zip) as z:
        brackets = json.loads(z.read("brackets.json"))
    first_time = {}
    for size, _, ts in history:
        first_time.setdefault(int(size), int(ts))  # type: ignore[arg-type]
    anchor_size = Checkpoint.parse(first.split("\n\n")[0] + "\n").size
    for b in brackets:
        expected_after = min(t for s, t in first_time.items() if s > b["log_index"])
        assert b["not_after"] == iso(expected_after)
        if b["anchor_size"] is not None:
            assert b["anchor_size"] == anchor_size
            assert b["not_before"] == iso(first_time[anchor_size])
            assert b["not_before"] <= b["not_after"]
    assert sum(b["anchor_size"] is not None for b in brackets) == 6

    # The fork's bundle: no witness cosigned it, and it contradicts the checkpoint the user kept.
    unwitnessed = probe("verify", str(fork_zip), "--log-key", vkey, "--witness-key", wkey, env=fenv)
    assert unwitnessed.returncode == 1 and "not witnessed" in unwitnessed.stdout, unwitnessed.stdout
    unlinked = probe(
        "verify", str(fork_zip), "--log-key", vkey, "--checkpoint", str(tmp_path / "honest-checkpoint.txt"),
        env=fenv,
    )  # fmt: skip
    assert unlinked.returncode == 1 and "no consistency proof links it" in unlinked.stdout, unlinked.stdout
    forked = probe(
        "verify", str(fork_zip), "--log-key", vkey, "--checkpoint", str(tmp_path / "honest-checkpoint.txt"),
        "--consistency", str(tmp_path / "fork-proof.json"), env=fenv,
    )  # fmt: skip
    assert forked.returncode == 1 and "FORK" in forked.stdout, forked.stdout
    assert "honest-checkpoint.txt" in forked.stdout
    selfish = probe("verify", str(fork_zip), env=fenv)
    assert "this bundle vouches for itself" in selfish.stdout
