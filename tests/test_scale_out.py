"""Several `probe collector serve` processes on one PostgreSQL database behave as one collector (issue 6).

Real processes on loopback, a real PostgreSQL server, real signed envelopes: the same envelope sent to
two collectors at once is stored once and both answer the same receipt bytes; an invite is single-use
across collectors; the log stays one gap-free, consistent log while the sequencer is killed with
SIGKILL again and again; and a key's rate limit holds across collectors.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import queue
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import psycopg
import pytest

from probe.collector.db import PgConnection
from probe.collector.sequencer import DbHashes, statement_bytes
from probe.log import Checkpoint, CompactRange, NoteVerifier, consistency_proof, leaf_hash, verify_consistency
from probe.models.evidence import Receipt
from tests.collector_processes import Fleet, Instance, fleet
from tests.collector_rig import Prober
from tests.postgres_server import fresh_database

MEASUREMENTS = "/api/v1/measurements"

T = TypeVar("T")


def payload_sha256(envelope: dict[str, Any]) -> str:
    return hashlib.sha256(base64.b64decode(envelope["payload"])).hexdigest()


def enrol(instance: Instance, prober: Prober, token: str | None = None) -> httpx.Response:
    with instance.client() as client:
        return client.post("/api/v1/probes", json=prober.enrol_body(token))


def enrolled(instance: Instance, tmp: Path) -> Prober:
    prober = Prober(tmp)
    answer = enrol(instance, prober)
    assert answer.status_code == 201, answer.text
    return prober


def together(calls: list[Callable[[threading.Barrier], T]]) -> list[T]:
    """Run each call in its own thread; each waits on the barrier it is given, so they act at one instant."""
    barrier = threading.Barrier(len(calls))
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            results[i] = calls[i](barrier)
        except BaseException as exc:
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return [results[i] for i in range(len(calls))]


def posting(instance: Instance, path: str, body: Any) -> Callable[[threading.Barrier], httpx.Response]:
    """A POST for `together`: connected first, so that the requests leave at the same instant."""

    def call(barrier: threading.Barrier) -> httpx.Response:
        with instance.client() as client:
            client.get("/api/v1/whoami")
            barrier.wait()
            return client.post(path, json=body)

    return call


def one(conn: psycopg.Connection[Any], sql: str, params: list[Any] | None = None) -> Any:
    """The single value of a query that always answers one row."""
    row = conn.execute(sql, params).fetchone()
    assert row is not None, sql
    return row[0]


def stored_rows(dsn: str) -> dict[str, tuple[int, str]]:
    """payload hash -> (how many rows hold it, its stored receipt text)."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        counts: dict[str, int] = dict(
            conn.execute(
                "SELECT payload_sha256, count(*) FROM measurements GROUP BY payload_sha256"
            ).fetchall()
        )
        receipts: dict[str, str] = dict(
            conn.execute("SELECT payload_sha256, receipt FROM measurements").fetchall()
        )
    return {sha: (int(n), str(receipts[sha])) for sha, n in counts.items()}


def parse_time(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def check_log(dsn: str, vkey: str, timeout: float = 30) -> list[tuple[int, float]]:
    """Wait until every stored statement is in the log, then check the log whole: indexes 0..n-1, every
    checkpoint signed by the log key, its root the root of the first `size` stored leaves, and every
    successive pair of checkpoints consistent. Returns (size, signed_at) of each checkpoint."""
    verifier = NoteVerifier.from_vkey(vkey)
    with psycopg.connect(dsn, autocommit=True) as conn:
        deadline = time.monotonic() + timeout
        while waiting := one(conn, "SELECT count(*) FROM measurements WHERE log_index IS NULL"):
            assert time.monotonic() < deadline, (
                f"{waiting} stored statements are still not in the log after {timeout} s"
            )
            time.sleep(0.1)
        indexes = [r[0] for r in conn.execute("SELECT log_index FROM measurements ORDER BY log_index")]
        n = len(indexes)
        twice = [i for i, c in Counter(indexes).items() if c > 1]
        missing = sorted(set(range(n)) - set(indexes))
        assert indexes == list(range(n)), (
            f"log indexes of {n} statements are not 0..{n - 1}: twice {twice[:10]}, missing {missing[:10]}"
        )
        checkpoints = conn.execute(
            "SELECT size, root, note, signed_at FROM checkpoints ORDER BY size"
        ).fetchall()
        assert checkpoints, "no checkpoint was signed"
        assert checkpoints[-1][0] == n, f"the latest checkpoint covers {checkpoints[-1][0]} of {n} statements"
        for size, root, note, _ in checkpoints:
            signed = Checkpoint.parse(verifier.verify(note))
            assert (signed.size, signed.root) == (size, bytes(root)), (
                f"checkpoint {size}: its note says otherwise"
            )
        hashes = DbHashes(PgConnection(conn))
        for (old, old_root, _, _), (new, new_root, _, _) in itertools.pairwise(checkpoints):
            proof = consistency_proof(old, new, hashes)
            verify_consistency(old, new, bytes(old_root), bytes(new_root), proof)  # raises when inconsistent
        roots = {int(size): bytes(root) for size, root, _, _ in checkpoints}
        tree = CompactRange()
        rows = conn.execute(
            "SELECT payload_sha256, key_id, asn, received_at FROM measurements ORDER BY log_index"
        ).fetchall()
        for digest, key_id, asn, received_at in rows:
            tree.append(leaf_hash(statement_bytes(digest, key_id, asn, received_at)))
            if tree.size in roots:
                assert tree.root() == roots[tree.size], (
                    f"checkpoint {tree.size}'s root is not the root of the first {tree.size} stored statements"
                )
    return [(int(size), parse_time(str(at))) for size, _, _, at in checkpoints]


@pytest.fixture(scope="module")
def trio(postgres_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fleet]:
    """Three collectors on one fresh database."""
    tmp = tmp_path_factory.mktemp("trio")
    with fleet(tmp, fresh_database(postgres_dsn), 3) as f:
        yield f


@pytest.mark.slow
def test_concurrent_and_duplicate_uploads_are_stored_once_with_one_receipt(
    trio: Fleet, tmp_path: Path
) -> None:
    a, b, c = trio.instances
    probers = [enrolled(a, tmp_path) for _ in range(3)]  # enrolled on one collector, used on all
    batches = [[p.envelope() for _ in range(10)] for p in probers for _ in range(6)]
    # Every batch goes to two different collectors, from different threads, in shuffled order.
    jobs: queue.Queue[tuple[int, Instance]] = queue.Queue()
    pairs = [(i, trio.instances[(i + k) % 3]) for i in range(len(batches)) for k in (0, 1)]
    random.Random(6).shuffle(pairs)
    for pair in pairs:
        jobs.put(pair)
    answers: dict[str, list[tuple[int, str, dict[str, Any] | None]]] = {}
    failures: list[str] = []
    lock = threading.Lock()

    def send() -> None:
        clients = {i.name: i.client() for i in trio.instances}
        try:
            while True:
                try:
                    index, instance = jobs.get_nowait()
                except queue.Empty:
                    return
                answer = clients[instance.name].post(MEASUREMENTS, json={"envelopes": batches[index]})
                if answer.status_code != 200:
                    with lock:
                        failures.append(f"{instance.name}: {answer.status_code} {answer.text[:200]}")
                    continue
                with lock:
                    for envelope, result in zip(batches[index], answer.json()["results"], strict=True):
                        answers.setdefault(payload_sha256(envelope), []).append(
                            (result["status"], instance.name, result["receipt"])
                        )
        finally:
            for client in clients.values():
                client.close()

    threads = [threading.Thread(target=send) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not failures, f"batch requests failed: {failures[:5]}"

    # The same single envelope to two collectors at the same instant, many times.
    single_answers: dict[str, list[httpx.Response]] = {}
    for i in range(15):
        envelope = probers[i % 3].envelope()
        two = (trio.instances[i % 3], trio.instances[(i + 1) % 3])
        single_answers[payload_sha256(envelope)] = together(
            [posting(instance, MEASUREMENTS, envelope) for instance in two]
        )

    stored = stored_rows(trio.dsn)
    sent = {payload_sha256(e) for batch in batches for e in batch} | set(single_answers)
    assert sent <= stored.keys(), f"{len(sent - stored.keys())} acknowledged envelopes are not stored"
    twice = {sha: n for sha, (n, _) in stored.items() if n != 1}
    assert not twice, f"envelopes stored more than once: {twice}"
    for sha, results in answers.items():
        statuses = sorted(status for status, _, _ in results)
        assert statuses == [200, 201], f"{sha[:12]} sent to two collectors was answered {results}"
        receipts = {json.dumps(receipt, sort_keys=True) for _, _, receipt in results}
        assert len(receipts) == 1, f"{sha[:12]}: the two collectors answered different receipts"
        assert json.loads(stored[sha][1]) == results[0][2], (
            f"{sha[:12]}: the answered receipt is not the stored one"
        )
    for sha, got in single_answers.items():
        assert sorted(r.status_code for r in got) == [200, 201], f"{sha[:12]}: answered {got}"
        bodies = {r.content for r in got}
        assert len(bodies) == 1, f"{sha[:12]}: two collectors answered different receipt bytes: {bodies}"
        assert bodies == {stored[sha][1].encode()}, f"{sha[:12]}: the receipt answered is not the stored text"

    # A key enrolled on one collector is known to every collector.
    for instance in trio.instances:
        with instance.client() as client:
            answer = client.get(f"/api/v1/probes/{probers[0].key_id}")
        assert answer.status_code == 200, f"{instance.name} does not know a key enrolled on {a.name}"

    # An invite made with the CLI on the database is single-use across collectors.
    made = subprocess.run(
        [sys.executable, "-m", "probe", "collector", "invite", "--db", trio.dsn, "--count", "2"],
        capture_output=True,
        text=True,
        env=trio.environment(),
        timeout=60,
    )
    assert made.returncode == 0, made.stderr
    token, raced = made.stdout.split()
    vouched, other = Prober(tmp_path), Prober(tmp_path)
    first = enrol(a, vouched, token)
    assert first.status_code == 201 and first.json()["tier"] == "vouched", first.text
    again = enrol(b, other, token)
    assert again.status_code == 403, f"{b.name} accepted an invite already used on {a.name}: {again.text}"
    assert again.json()["reason"] == "bad_token"
    with c.client() as client:
        assert client.get(f"/api/v1/probes/{vouched.key_id}").json()["tier"] == "vouched"
        answer = client.post(MEASUREMENTS, json=vouched.envelope())
    assert answer.status_code == 201, answer.text
    receipt = Receipt.model_validate_json(base64.b64decode(answer.json()["payload"]))
    assert receipt.tier == "vouched", f"{c.name} signed a receipt with tier {receipt.tier}"
    # One invite used on two collectors at the same instant: exactly one enrolment gets it.
    racers = [Prober(tmp_path), Prober(tmp_path)]
    raced_answers = together(
        [posting(inst, "/api/v1/probes", p.enrol_body(raced)) for inst, p in zip((b, c), racers, strict=True)]
    )
    codes = [answer.status_code for answer in raced_answers]
    assert sorted(codes) == [201, 403], f"one invite used on two collectors at once was answered {codes}"


@pytest.mark.slow
def test_one_consistent_log_across_collectors(trio: Fleet, tmp_path: Path) -> None:
    probers = [enrolled(trio.instances[i], tmp_path) for i in range(3)]

    def load(prober: Prober, offset: int) -> None:
        clients = [i.client() for i in trio.instances]
        try:
            for n in range(12):
                answer = clients[(n + offset) % 3].post(
                    MEASUREMENTS, json={"envelopes": [prober.envelope() for _ in range(10)]}
                )
                assert answer.status_code == 200, answer.text
                time.sleep(0.05)  # spread over several checkpoints
        finally:
            for client in clients:
                client.close()

    threads = [threading.Thread(target=load, args=(p, i)) for i, p in enumerate(probers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = set()
    for instance in trio.instances:
        with instance.client() as client:
            keys.add(client.get("/api/v1/log/key").text.strip())
    assert keys == {trio.key.verifier_key()}, f"the collectors publish different log keys: {keys}"
    checkpoints = check_log(trio.dsn, trio.key.verifier_key())
    assert len(checkpoints) >= 3, f"only {len(checkpoints)} checkpoints: the load did not span several"
    # Every collector serves the same head, and proves it extends the first checkpoint.
    first, head = checkpoints[0][0], checkpoints[-1][0]
    verifier = NoteVerifier.from_vkey(trio.key.verifier_key())
    for instance in trio.instances:
        with instance.client() as client:
            note = client.get("/api/v1/log/checkpoint").text
            proof = client.get(f"/api/v1/log/proof/consistency?from={first}&to={head}").json()
        served = Checkpoint.parse(verifier.verify(note))
        assert served.size == head, f"{instance.name} serves size {served.size}, the database holds {head}"
        with psycopg.connect(trio.dsn) as conn:
            old_root = bytes(one(conn, "SELECT root FROM checkpoints WHERE size = %s", [first]))
        hashes = [base64.b64decode(h) for h in proof["hashes"]]
        verify_consistency(first, head, old_root, served.root, hashes)


def _loader(
    f: Fleet,
    prober: Prober,
    stop: threading.Event,
    acks: dict[str, dict[str, Any]],
    problems: list[str],
    seed: int,
) -> None:
    """Upload batches continuously through random collectors; a batch not acknowledged (a dead collector,
    a 429 or 503) is sent again elsewhere. Every envelope answered 200/201 is recorded with its receipt."""
    rng = random.Random(seed)
    clients = {i.name: i.client(timeout=10) for i in f.instances}
    pending: list[dict[str, Any]] = []
    try:
        while not stop.is_set():
            if not pending:
                pending = [prober.envelope() for _ in range(8)]
            instance = rng.choice(f.instances)
            try:
                answer = clients[instance.name].post(MEASUREMENTS, json={"envelopes": pending})
            except httpx.TransportError:
                time.sleep(0.02)
                continue
            if answer.status_code != 200:
                problems.append(f"{instance.name} answered {answer.status_code}: {answer.text[:200]}")
                continue
            again = []
            for envelope, result in zip(pending, answer.json()["results"], strict=True):
                sha = payload_sha256(envelope)
                if result["status"] in (200, 201):
                    if sha in acks and acks[sha] != result["receipt"]:
                        problems.append(f"{sha[:12]} was acknowledged twice with different receipts")
                    acks[sha] = result["receipt"]
                elif result["status"] in (429, 503):
                    again.append(envelope)
                else:
                    problems.append(f"{instance.name}: {result}")
            pending = again
            time.sleep(0.03)  # leave the two cores some room for the collectors and restarts
    finally:
        for client in clients.values():
            client.close()


def log_delays(dsn: str, checkpoints: list[tuple[int, float]]) -> list[tuple[float, float]]:
    """(received_at, seconds until the first checkpoint that holds it was signed) of every statement."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        received = [
            parse_time(str(r[0]))
            for r in conn.execute("SELECT received_at FROM measurements ORDER BY log_index")
        ]
    delays = []
    start = 0
    for size, signed_at in checkpoints:
        delays += [(at, signed_at - at) for at in received[start:size]]
        start = size
    return delays


@pytest.mark.slow
def test_kill_9_collectors_under_load_loses_nothing_and_sequencing_resumes(
    postgres_dsn: str, tmp_path: Path
) -> None:
    rng = random.Random(9)
    unlimited = {"PROBE_COLLECTOR__RATE_PER_KEY_PER_MIN": "100000000"}  # the load, not the limit, is tested
    with fleet(tmp_path, fresh_database(postgres_dsn), 3, unlimited) as f:
        probers = [enrolled(f.instances[0], tmp_path) for _ in range(3)]
        stop = threading.Event()
        acks: dict[str, dict[str, Any]] = {}
        problems: list[str] = []
        loaders = [
            threading.Thread(target=_loader, args=(f, p, stop, acks, problems, i))
            for i, p in enumerate(probers)
        ]
        load_start = time.time()
        for t in loaders:
            t.start()
        kills: Counter[str] = Counter()
        while_sequencing = 0
        kill_times: list[float] = []
        by_name = {i.name: i for i in f.instances}
        with psycopg.connect(f.dsn, autocommit=True) as watch:
            try:
                while min(kills[i.name] for i in f.instances) < 5:
                    time.sleep(rng.uniform(1.0, 2.0))
                    for instance in f.instances:  # the one restarted last is up again: one down at a time
                        f.wait_ready(instance)
                    fewest = min(kills[i.name] for i in f.instances)
                    # Prefer the collector holding the sequencer's lock, caught within half a second.
                    victim = None
                    deadline = time.monotonic() + 0.5
                    while victim is None and time.monotonic() < deadline:
                        holder = f.sequencer_holder(watch)
                        if holder in by_name and kills[holder] == fewest:
                            victim = by_name[holder]
                            while_sequencing += 1
                        else:
                            time.sleep(0.002)
                    if victim is None:
                        victim = rng.choice([i for i in f.instances if kills[i.name] == fewest])
                    f.kill9(victim)
                    kill_times.append(time.time())
                    kills[victim.name] += 1
                    f.spawn(victim)
                for instance in f.instances:
                    f.wait_ready(instance)
            finally:
                stop.set()
                for t in loaders:
                    t.join()
        load_end = time.time()
        assert not problems, f"unexpected answers under load: {problems[:5]}"
        checkpoints = check_log(f.dsn, f.key.verifier_key())
        stored = stored_rows(f.dsn)
        delays = log_delays(f.dsn, checkpoints)
        with psycopg.connect(f.dsn, autocommit=True) as conn:
            rollbacks = one(
                conn, "SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()"
            )
        logs = f.logs()
    lost = set(acks) - stored.keys()
    assert not lost, f"{len(lost)} of {len(acks)} acknowledged envelopes are not in the database"
    twice = {sha: n for sha, (n, _) in stored.items() if n != 1}
    assert not twice, f"envelopes stored more than once: {twice}"
    differ = [sha for sha, receipt in acks.items() if json.loads(stored[sha][1]) != receipt]
    assert not differ, f"{len(differ)} acknowledged receipts differ from the stored ones"
    assert "sequencer failed" not in logs, f"a sequencer pass failed:\n{logs}"
    times = [at for _, at in checkpoints if load_start <= at <= load_end]
    longest_gap = max(b - a for a, b in itertools.pairwise([load_start, *times, load_end]))
    received_at, longest_wait = max(delays, key=lambda d: d[1])
    last_kill = max((k for k in kill_times if k <= received_at), default=load_start)
    print(
        f"\nkill -9 x{sum(kills.values())} ({dict(kills)}, {while_sequencing} while holding the sequencer lock, {rollbacks} "
        f"transactions rolled back) over {load_end - load_start:.1f} s; {len(acks)} envelopes acknowledged, {len(checkpoints)} checkpoints; "
        f"longest gap between checkpoints {longest_gap:.2f} s; longest wait of a statement for the log "
        f"{longest_wait:.2f} s (received {received_at - last_kill:.2f} s after the last kill)"
    )
    # Receipts promise a statement is in the log within log_within_s = 5 s: that holds through the kills.
    assert longest_wait < 5, f"a statement waited {longest_wait:.1f} s for the log while collectors were up"
    assert longest_gap < 5, f"no checkpoint was signed for {longest_gap:.1f} s while uploads went on"


def test_rate_limit_holds_across_collectors(postgres_dsn: str, tmp_path: Path) -> None:
    limit = 50
    env = {"PROBE_COLLECTOR__RATE_PER_KEY_PER_MIN": str(limit)}
    with fleet(tmp_path, fresh_database(postgres_dsn), 2, env) as f:
        a, b = f.instances
        prober = enrolled(a, tmp_path)
        envelopes = [prober.envelope() for _ in range(80)]

        def sending(
            instance: Instance, part: list[dict[str, Any]]
        ) -> Callable[[threading.Barrier], list[int]]:
            def call(barrier: threading.Barrier) -> list[int]:
                statuses = []
                with instance.client() as client:
                    client.get("/api/v1/whoami")
                    barrier.wait()
                    for i in range(0, len(part), 10):
                        answer = client.post(MEASUREMENTS, json={"envelopes": part[i : i + 10]})
                        statuses += [r["status"] for r in answer.json()["results"]]
                return statuses

            return call

        # The limit is per minute of the clock: send well inside one, not across a boundary.
        if time.time() % 60 > 45:
            time.sleep(60.5 - time.time() % 60)
        through_a, through_b = together([sending(a, envelopes[:40]), sending(b, envelopes[40:])])
    statuses = through_a + through_b
    counts = Counter(statuses)
    assert set(counts) <= {201, 429}, f"unexpected answers: {counts}"
    assert counts[201] <= limit, (
        f"{counts[201]} of 80 envelopes of one key were accepted by two collectors with a limit of {limit} a "
        "minute: the collectors do not share the limit"
    )
    # Each collector leases a twentieth of the allowance at a time; what one holds unused is not lost to
    # the limit, only unspent.
    assert counts[201] >= limit - 2 * (limit // 20), f"only {counts[201]} accepted under a limit of {limit}"
