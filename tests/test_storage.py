"""One storage test suite, run on both backends (SQLite and PostgreSQL): every method of the Storage
interface, the log sequencer, and the analysis queries on what was stored."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from itertools import pairwise
from pathlib import Path
from typing import Any

from probe.analysis.query import Filters, timeline
from probe.collector.ingest import Ingestor, KeyCache, RateLimiter
from probe.collector.sequencer import DbHashes, latest, sequence
from probe.collector.signing import CollectorKey
from probe.collector.storage import NewMeasurement, ProbeRow, SqlStorage
from probe.log import consistency_proof, inclusion_proof, leaf_hash, verify_consistency, verify_inclusion
from probe.service_settings import CollectorSettings
from probe.sign.keys import raw_public
from tests.collector_rig import Prober, utc
from tests.storage_backends import MakeStorage


def run(coro: Any) -> Any:
    return asyncio.run(coro)


async def checked(
    storage: SqlStorage, key: CollectorKey, prober: Prober, n: int, **changes: Any
) -> list[NewMeasurement]:
    settings = CollectorSettings(data_dir=Path("/nonexistent"))
    ingestor = Ingestor(settings, storage, key, KeyCache(storage), RateLimiter(10**6, storage))
    out = []
    for _ in range(n):
        new = await ingestor.check(prober.envelope(prober.measurement(**changes)), 38623, utc())
        assert isinstance(new, NewMeasurement), new
        out.append(new)
    return out


def enrolled(storage: SqlStorage, tmp_path: Path, tier: str = "unverified") -> Prober:
    p = Prober(tmp_path)
    row = ProbeRow(p.key_id, raw_public(p.key.public_key()), tier, utc(), None)
    found, created = run(storage.enrol(row))
    assert created and found == row
    return p


def test_store_duplicates_and_conflicts(make_storage: MakeStorage, tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    try:
        key = CollectorKey.load_or_create(tmp_path, "test/log")
        p = enrolled(storage, tmp_path)

        async def scenario() -> None:
            items = await checked(storage, key, p, 5)
            first = await storage.store(items)
            assert [r.status for r in first] == [201] * 5
            # The same envelopes again, one twice in the same group: the stored receipts, byte for byte.
            again = await storage.store([*items, items[0]])
            assert [r.status for r in again] == [200] * 6
            assert [r.receipt for r in again[:5]] == [r.receipt for r in first]
            # Concurrent groups with the same payload: stored once.
            more = await checked(storage, key, p, 3)
            results = await asyncio.gather(storage.store(more), storage.store(more))
            assert sorted(r.status for group in results for r in group) == [200] * 3 + [201] * 3
            # The same uid with other bytes: quarantined, 409.
            clash = await checked(
                storage, key, p, 1, measurement_uid=items[0].uid, url="https://other.example/"
            )
            assert [r.status for r in await storage.store(clash)] == [409]

        run(scenario())
        counts = run(
            storage.read(
                lambda c: [
                    c.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                    for t in ("measurements", "facts", "quarantine")
                ]
            )
        )
        assert counts == [8, 8, 1]
        row = run(
            storage.measurement(
                run(
                    storage.read(
                        lambda c: c.execute("SELECT uid FROM measurements ORDER BY seq LIMIT 1").fetchone()[0]
                    )
                )
            )
        )
        assert row is not None and row.log_index is None and row.asn == 38623
    finally:
        storage.close()


def test_probes_invites_and_revocation(make_storage: MakeStorage, tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    try:
        p = enrolled(storage, tmp_path)
        again, created = run(storage.enrol(ProbeRow(p.key_id, b"x" * 32, "vouched", utc(), None)))
        assert not created and again.tier == "vouched"  # an invite upgrades an open enrolment
        token = secrets.token_hex(8)
        run(storage.add_invite(token, utc()))
        assert run(storage.use_invite(token, p.key_id, utc())) is True
        assert run(storage.use_invite(token, "someone-else", utc())) is False
        assert run(storage.revoke(p.key_id, utc())) == 1
        assert run(storage.revoke(p.key_id, utc())) == 0
        found = run(storage.probe(p.key_id))
        assert found is not None and found.revoked_at is not None
        assert run(storage.probe("unknown")) is None
    finally:
        storage.close()


def test_the_log_on_each_backend(make_storage: MakeStorage, tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    try:
        key = CollectorKey.load_or_create(tmp_path, "test/log")
        p = enrolled(storage, tmp_path)
        heads = []
        for n in (3, 1, 6):
            run(storage.store(run(checked(storage, key, p, n))))
            head = run(storage.write(lambda c: sequence(c, key)))
            assert head is not None
            heads.append(head)
        assert run(storage.write(lambda c: sequence(c, key))) is None  # nothing new
        assert [h.size for h in heads] == [3, 4, 10]

        def proofs(conn: Any) -> None:
            for old, new in pairwise(heads):
                proof = consistency_proof(old.size, new.size, DbHashes(conn))
                verify_consistency(old.size, new.size, old.root, new.root, proof)
            rows = conn.execute(
                "SELECT payload_sha256, key_id, asn, received_at, log_index FROM measurements"
            ).fetchall()
            from probe.collector.sequencer import statement_bytes

            for sha, kid, asn, received, index in rows:
                proof = inclusion_proof(index, 10, DbHashes(conn))
                verify_inclusion(
                    leaf_hash(statement_bytes(sha, kid, asn, received)), index, 10, proof, heads[-1].root
                )
            assert latest(conn) == heads[-1]

        run(storage.read(proofs))
    finally:
        storage.close()


def test_timelines_read_the_same_on_each_backend(make_storage: MakeStorage, tmp_path: Path) -> None:
    storage = make_storage(tmp_path)
    try:
        key = CollectorKey.load_or_create(tmp_path, "test/log")
        # Two observed probes are a basis only with a vouched one among them (issue 10: was any two).
        probes = [enrolled(storage, tmp_path / str(i), ("vouched", "unverified")[i]) for i in range(2)]
        for p in probes:
            run(storage.store(run(checked(storage, key, p, 3))))
        found = run(storage.read(lambda c: timeline(c, Filters.parse(domain="www.rfa.org"), "day")))
        (cell,) = found.cells
        assert (cell.state, cell.decision.method, cell.decision.probes) == ("blocked", "dns.nxdomain", 2)
    finally:
        storage.close()


def test_analysis_pages_and_exports_on_each_backend(make_storage: MakeStorage, tmp_path: Path) -> None:
    """The dashboard, the analysis API, exports, evidence bundles and alerts read either backend."""
    import time

    from probe.collector import alerts
    from tests.collector_rig import collector

    storage = make_storage(tmp_path / "db")
    try:
        with collector(tmp_path, storage=storage, checkpoint_interval_s=0.1) as rig, rig.client() as client:
            probes = [Prober(tmp_path / str(i)) for i in range(2)]
            # One of the two is vouched: two observed unverified probes are no basis (issue 10).
            run(storage.add_invite(hashlib.sha256(b"invite").hexdigest(), "2026-01-01T00:00:00Z"))
            for p, token in zip(probes, ("invite", None), strict=True):
                assert client.post("/api/v1/probes", json=p.enrol_body(token)).status_code == 201
                batch = {"envelopes": [p.envelope() for _ in range(3)]}
                assert client.post("/api/v1/measurements", json=batch).status_code == 200
            uid = run(storage.read(lambda c: c.execute("SELECT uid FROM facts LIMIT 1").fetchone()[0]))
            deadline = time.monotonic() + 10
            while run(
                storage.read(
                    lambda c: c.execute(
                        "SELECT count(*) FROM measurements WHERE log_index IS NULL"
                    ).fetchone()[0]
                )
            ):
                assert time.monotonic() < deadline
                time.sleep(0.1)
            for path in ("/", "/domain/www.rfa.org", "/asn/38623", f"/measurement/{uid}"):
                page = client.get(path)
                assert page.status_code == 200 and "www.rfa.org" in page.text, (path, page.text[-3000:])
            cells = client.get("/api/v1/timeline", params={"domain": "www.rfa.org"}).json()["cells"]
            assert [c["state"] for c in cells] == ["blocked"]
            csv_text = client.get("/api/v1/export", params={"dataset": "measurements", "format": "csv"}).text
            assert len(csv_text.strip().splitlines()) == 7
            bundle = client.get("/api/v1/evidence", params={"domain": "www.rfa.org"})
            assert bundle.status_code == 200 and bundle.content[:2] == b"PK"
        key = CollectorKey.load_or_create(rig.settings.collector.data_dir, rig.settings.collector.origin)
        run(
            storage.write(lambda c: alerts.subscribe(c, "http://127.0.0.7/hook", "www.rfa.org", None, "hour"))
        )
        queued = run(storage.write(lambda c: alerts.detect(c, key, 30)))
        assert queued == 0  # one window with data cannot publish a change; the pass still ran on this backend
    finally:
        storage.close()


def test_rate_limits_are_shared_by_every_process(make_storage: MakeStorage, tmp_path: Path) -> None:
    """Two limiters (two collector processes) on one database accept at most the limit together."""
    storage = make_storage(tmp_path)
    try:
        a, b = RateLimiter(50, storage), RateLimiter(50, storage)
        t = 1_000_000 * 60.0 + 5  # five seconds into a minute

        async def burst(limiter: RateLimiter, n: int, key: str = "k1", at: float = t) -> int:
            return sum([await limiter.take(key, at) == 0 for _ in range(n)])

        accepted = run(burst(a, 40)) + run(burst(b, 40))
        assert accepted == 50
        wait = run(a.take("k1", t))
        assert 50 < wait <= 55  # until the next minute
        assert run(burst(b, 10, key="k2")) == 10  # another key has its own allowance
        assert run(burst(a, 30, at=t + 60)) == 30  # a new minute starts afresh
    finally:
        storage.close()
