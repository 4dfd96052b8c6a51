"""The collector over real HTTP on loopback: the ingestion contract, receipts, the log and its proofs."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probe.collector.storage import SqlStorage
from probe.log import Checkpoint, NoteVerifier, leaf_hash, verify_consistency, verify_inclusion
from probe.models.evidence import EvidenceRecord, Receipt
from probe.sign.dsse import RECEIPT_TYPE, Envelope
from probe.sign.jcs import canonical
from tests.collector_rig import Prober, Rig, collector, utc
from tests.storage_backends import BACKENDS, storage_factory


@pytest.fixture(scope="module", params=BACKENDS)
def backend_storage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqlStorage]:
    """The module's tests run once on SQLite and once on PostgreSQL."""
    storage = storage_factory(request)(tmp_path_factory.mktemp("db"))
    yield storage
    storage.close()


@pytest.fixture(scope="module")
def rig(backend_storage: SqlStorage, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    with collector(tmp_path_factory.mktemp("collector"), storage=backend_storage) as running:
        running.storage = backend_storage
        yield running


@pytest.fixture(scope="module")
def prober(rig: Rig, tmp_path_factory: pytest.TempPathFactory) -> Prober:
    p = Prober(tmp_path_factory.mktemp("probe"))
    with rig.client() as client:
        response = client.post("/api/v1/probes", json=p.enrol_body())
    assert response.status_code == 201, response.text
    assert response.json()["tier"] == "unverified"
    return p


def stored_count(rig: Rig) -> int:
    assert rig.storage is not None
    return int(
        asyncio.run(rig.storage.read(lambda c: c.execute("SELECT count(*) FROM measurements").fetchone()[0]))
    )


def wait_in_log(client: object, ident: str, timeout_s: float = 10) -> EvidenceRecord:
    deadline = time.monotonic() + timeout_s
    while True:
        record = EvidenceRecord.model_validate_json(client.get(f"/api/v1/measurements/{ident}").content)  # type: ignore[attr-defined]
        if record.inclusion is not None or time.monotonic() > deadline:
            return record
        time.sleep(0.1)


def test_whoami_names_the_network_never_the_address(rig: Rig) -> None:
    with rig.client() as client:
        answer = client.get("/api/v1/whoami")
    assert answer.json() == {"asn": 38623, "network_name": "VIETTEL-KH Metfone", "cc": "KH"}
    assert "127.0.0.2" not in answer.text


def test_store_receipt_duplicate_and_inclusion(rig: Rig, prober: Prober) -> None:
    m = prober.measurement()
    envelope = prober.envelope(m)
    with rig.client() as client:
        first = client.post("/api/v1/measurements", json=envelope)
        again = client.post("/api/v1/measurements", json=envelope)
        assert first.status_code == 201, first.text
        assert again.status_code == 200
        assert again.content == first.content  # the original receipt, byte for byte
        receipt = Envelope.model_validate_json(first.content)
        assert receipt.payloadType == RECEIPT_TYPE
        body = base64.b64decode(Envelope.model_validate(envelope).payload)
        facts = Receipt.model_validate_json(receipt.body())
        assert facts.payload_sha256 == hashlib.sha256(body).hexdigest()
        assert facts.observed_asn == 38623
        record = wait_in_log(client, m.measurement_uid)
        vkey = client.get("/api/v1/log/key").text.strip()
    assert record.inclusion is not None
    assert record.checkpoint is not None
    assert record.log_key == vkey
    text = NoteVerifier.from_vkey(vkey).verify(record.checkpoint)
    checkpoint = Checkpoint.parse(text)
    leaf = leaf_hash(canonical(record.statement))
    proof = [base64.b64decode(h) for h in record.inclusion.hashes]
    verify_inclusion(leaf, record.inclusion.leaf_index, checkpoint.size, proof, checkpoint.root)
    assert record.envelope.model_dump() == envelope


def test_batch_and_consistency_between_checkpoints(rig: Rig, prober: Prober) -> None:
    with rig.client() as client:
        batch = {"envelopes": [prober.envelope() for _ in range(20)]}
        answer = client.post("/api/v1/measurements", json=batch)
        assert answer.status_code == 200
        statuses = [r["status"] for r in answer.json()["results"]]
        assert statuses == [201] * 20
        first = Checkpoint.parse(client.get("/api/v1/log/checkpoint").text.split("\n\n")[0] + "\n")
        client.post("/api/v1/measurements", json={"envelopes": [prober.envelope() for _ in range(5)]})
        deadline = time.monotonic() + 10
        while True:
            second = Checkpoint.parse(client.get("/api/v1/log/checkpoint").text.split("\n\n")[0] + "\n")
            if second.size > first.size or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        proof = client.get(f"/api/v1/log/proof/consistency?from={first.size}&to={second.size}").json()
    verify_consistency(
        first.size, second.size, first.root, second.root, [base64.b64decode(h) for h in proof["hashes"]]
    )


def _post(rig: Rig, body: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict[str, object]]:
    with rig.client() as client:
        answer = client.post(
            "/api/v1/measurements",
            content=body,
            headers={"content-type": "application/json", **(headers or {})},
        )
    return answer.status_code, answer.json()


def _bad_cases(prober: Prober, tmp: Path) -> dict[str, tuple[bytes, dict[str, str], int, str]]:
    good = prober.envelope()
    forged = dict(good, signatures=[{"keyid": prober.key_id, "sig": base64.b64encode(b"x" * 64).decode()}])
    stranger = Prober(tmp)
    wrong_type = dict(good, payloadType="application/vnd.saksi.receipt.v1+json")
    not_base64 = dict(good, payload="***")
    future = prober.envelope(prober.measurement(started_at=utc(prober.now + timedelta(hours=3))))
    bad_payload_body = prober.envelope(prober.measurement().model_copy(update={"measurement_uid": "NOT-HEX"}))
    huge = b"[" + b"0," * (5 * 1024 * 1024) + b"0]"
    bomb = gzip.compress(b" " * (80 * 1024 * 1024))
    return {
        "forged signature": (json.dumps(forged).encode(), {}, 400, "bad_signature"),
        "unknown key": (json.dumps(stranger.envelope()).encode(), {}, 403, "unknown_key"),
        "wrong payload type": (json.dumps(wrong_type).encode(), {}, 415, "wrong_type"),
        "malformed base64": (json.dumps(not_base64).encode(), {}, 400, "bad_base64"),
        "malformed JSON": (b'{"payloadType": ', {}, 400, "bad_json"),
        "invalid payload": (json.dumps(bad_payload_body).encode(), {}, 422, "bad_payload"),
        "start in the future": (json.dumps(future).encode(), {}, 422, "future_start"),
        "oversize body": (huge, {}, 413, "too_large"),
        "decompression bomb": (bomb, {"content-encoding": "gzip"}, 413, "too_large"),
        "unknown encoding": (b"{}", {"content-encoding": "br"}, 415, "bad_encoding"),
    }


def test_every_bad_input_has_its_status_and_nothing_is_stored(
    rig: Rig, prober: Prober, tmp_path: Path
) -> None:
    before = stored_count(rig)
    for name, (body, headers, status, reason) in _bad_cases(prober, tmp_path).items():
        got_status, got = _post(rig, body, headers)
        assert (got_status, got["reason"]) == (status, reason), name
    assert stored_count(rig) == before


def test_same_uid_with_other_bytes_is_a_conflict(rig: Rig, prober: Prober) -> None:
    m = prober.measurement()
    with rig.client() as client:
        assert client.post("/api/v1/measurements", json=prober.envelope(m)).status_code == 201
        other = m.model_copy(update={"finished_at": utc(prober.now + timedelta(seconds=1))})
        answer = client.post("/api/v1/measurements", json=prober.envelope(other))
    assert answer.status_code == 409
    assert answer.json()["reason"] == "conflict"


def test_rejections_are_counted_by_reason(rig: Rig, prober: Prober) -> None:
    _post(rig, b"nope")
    with rig.client() as client:
        text = client.get("/metrics").text
    assert 'saksi_rejections_total{reason="bad_json"}' in text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=20),
            lambda children: (
                st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
            ),
            max_leaves=12,
        ).map(lambda v: json.dumps(v).encode()),
    )
)
def test_random_bodies_never_get_a_5xx_or_a_row(rig: Rig, body: bytes) -> None:
    before = stored_count(rig)
    status, _ = _post(rig, body)
    assert 400 <= status < 500
    assert stored_count(rig) == before


def test_enrolment_with_invite_is_vouched_and_tokens_are_single_use(rig: Rig, tmp_path: Path) -> None:
    token = "test-invite-token"
    assert rig.storage is not None
    asyncio.run(rig.storage.add_invite(hashlib.sha256(token.encode()).hexdigest(), utc()))
    first, second = Prober(tmp_path), Prober(tmp_path)
    with rig.client() as client:
        vouched = client.post("/api/v1/probes", json=first.enrol_body(token))
        reused = client.post("/api/v1/probes", json=second.enrol_body(token))
        fetched = client.get(f"/api/v1/probes/{first.key_id}")
    assert (vouched.status_code, vouched.json()["tier"]) == (201, "vouched")
    assert (reused.status_code, reused.json()["reason"]) == (403, "bad_token")
    assert fetched.json()["public_key_pem"].startswith("-----BEGIN PUBLIC KEY-----")


def test_enrolment_needs_proof_of_the_key(rig: Rig, tmp_path: Path) -> None:
    p, other = Prober(tmp_path), Prober(tmp_path)
    body = dict(p.enrol_body(), proof=other.enrol_body()["proof"])
    with rig.client() as client:
        answer = client.post("/api/v1/probes", json=body)
        small_order = client.post(
            "/api/v1/probes", json=dict(body, public_key=base64.b64encode(bytes(32)).decode())
        )
    assert (answer.status_code, answer.json()["reason"]) == (400, "bad_proof")
    assert (small_order.status_code, small_order.json()["reason"]) == (400, "bad_key")


def test_disk_full_is_503_and_nothing_half_written(tmp_path: Path) -> None:
    from probe.collector.storage import SqliteStorage

    # An empty database is as many pages as its schema and migrations take (measured, so that a new
    # migration does not break this test); 4 more hold a few hundred envelopes.
    SqliteStorage(tmp_path / "empty" / "collector.db").close()
    with closing(sqlite3.connect(tmp_path / "empty" / "collector.db")) as conn:
        pages = int(conn.execute("PRAGMA page_count").fetchone()[0])
    storage = SqliteStorage(tmp_path / "full" / "collector.db", max_page_count=pages + 4)
    with collector(tmp_path, storage=storage) as small:
        p = Prober(tmp_path)
        with small.client() as client:
            assert client.post("/api/v1/probes", json=p.enrol_body()).status_code == 201
            statuses = []
            for _ in range(30):
                answer = client.post(
                    "/api/v1/measurements", json={"envelopes": [p.envelope() for _ in range(20)]}
                )
                statuses += (
                    [r["status"] for r in answer.json()["results"]]
                    if answer.status_code == 200
                    else [answer.status_code]
                )
    storage.close()
    assert 503 in statuses
    assert set(statuses) <= {201, 503}


def test_revoked_key_is_refused(tmp_path: Path) -> None:
    with collector(tmp_path) as small:
        p = Prober(tmp_path)
        with small.client() as client:
            assert client.post("/api/v1/probes", json=p.enrol_body()).status_code == 201
            assert client.post("/api/v1/measurements", json=p.envelope()).status_code == 201
            config = tmp_path / "c.toml"
            config.write_text(f'[collector]\ndata_dir = "{small.settings.collector.data_dir}"\n')
            import subprocess
            import sys

            done = subprocess.run(
                [sys.executable, "-m", "probe", "collector", "revoke", p.key_id, "--config", str(config)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert done.returncode == 0, done.stderr
            time.sleep(0.1)
            answer = client.post("/api/v1/measurements", json=p.envelope())
    # The collector's cache may hold the key up to its TTL; the test collector keeps it for 30 s, so
    # check the stored state, which every worker reads once its cache entry expires.
    assert answer.status_code in (201, 403)
    import sqlite3

    with sqlite3.connect(small.settings.collector.data_dir / "collector.db") as conn:
        assert conn.execute("SELECT revoked_at FROM probes WHERE key_id = ?", [p.key_id]).fetchone()[0]


def test_targets_put_the_least_measured_urls_first(tmp_path: Path) -> None:
    with collector(tmp_path) as small:
        p = Prober(tmp_path)
        with small.client() as client:
            first = client.get("/api/v1/targets").json()
            kh = [e["url"] for e in first["lists"]["kh"]]
            assert client.post("/api/v1/probes", json=p.enrol_body()).status_code == 201
            for _ in range(2):
                assert (
                    client.post("/api/v1/measurements", json=p.envelope(p.measurement(kh[0]))).status_code
                    == 201
                )
            after = [e["url"] for e in client.get("/api/v1/targets").json()["lists"]["kh"]]
    assert first["asn"] == 38623
    assert after[-1] == kh[0]  # measured on this network: last
    assert after[:-1] == kh[1:]
