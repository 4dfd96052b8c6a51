"""A leaked invite must give one vouched identity, not a supply of them (renewal chains).

The attack: enrol A with an invite token, then A vouches for B, B for C, C for D, D for E within a second,
each a 201 of tier vouched. Before, all five then uploaded as vouched at once (one vouched probe is enough
to publish a state, probe.analysis.rules.MIN_VOUCHED_PROBES), and revoking A left B..E uploading. Now a
renewal hands the tier on: a key that vouched for its successor counts as unverified for what it measured
from then on, while what it measured before still counts; revoking a key revokes its chain after it.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import itertools
import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from probe.collector.attest import CLOCK_SLACK
from probe.collector.renewal import tier_at
from probe.collector.storage import ProbeRow
from probe.models.evidence import renewal_statement
from probe.sign.dsse import Envelope
from tests.collector_rig import Prober, Rig, collector, utc
from tests.storage_backends import MakeStorage

TOKEN = "one-leaked-invite"


@pytest.fixture
def rig(tmp_path: Path, make_storage: MakeStorage) -> Iterator[Rig]:
    """A collector (on SQLite, then on PostgreSQL) that enrols only with an invite or a renewal; one invite."""
    storage = make_storage(tmp_path / "c")
    asyncio.run(storage.add_invite(hashlib.sha256(TOKEN.encode()).hexdigest(), utc()))
    with collector(tmp_path / "c", storage=storage, open_enrolment=False) as started:
        started.storage = storage
        yield started
    storage.close()


def renew(client: httpx.Client, new: Prober, old: Prober) -> httpx.Response:
    body = new.enrol_body()
    signature = old.key.sign(renewal_statement(body["public_key"], old.key_id))
    renewal = {"key_id": old.key_id, "signature": base64.b64encode(signature).decode()}
    return client.post("/api/v1/probes", json=dict(body, renewal=renewal))


def upload(client: httpx.Client, p: Prober, started: datetime) -> dict[str, Any]:
    """The receipt of one measurement of `p` that started at `started`."""
    m = p.measurement(started_at=utc(started), finished_at=utc(started))
    answer = client.post("/api/v1/measurements", json=p.envelope(m))
    assert answer.status_code == 201, answer.text
    payload = json.loads(Envelope.model_validate_json(answer.content).body())
    assert isinstance(payload, dict)
    return payload


def counted_vouched(receipt: dict[str, Any]) -> bool:
    """Whether the rules count this measurement as a vouched probe's (a fact with time_ok and tier)."""
    return bool(receipt["tier"] == "vouched" and receipt["time_ok"])


def chain(rig: Rig, tmp_path: Path, client: httpx.Client) -> list[Prober]:
    probers = [Prober(tmp_path) for _ in range(5)]
    first = client.post("/api/v1/probes", json=probers[0].enrol_body(TOKEN))
    assert (first.status_code, first.json()["tier"]) == (201, "vouched")
    for old, new in itertools.pairwise(probers):
        answer = renew(client, new, old)
        assert (answer.status_code, answer.json()["tier"]) == (201, "vouched")  # each, within a second
    return probers


def backdate_enrolment(rig: Rig, key_id: str, when: datetime) -> None:
    """A's enrolment an hour back, so that a measurement it made before the hand-over is inside its
    time bracket (what a probe enrolled last quarter has)."""
    assert rig.storage is not None
    asyncio.run(
        rig.storage.write(
            lambda conn: conn.execute(
                "UPDATE probes SET enrolled_at = ? WHERE key_id = ?", [utc(when), key_id]
            )
        )
    )


def test_a_chain_of_renewals_is_one_vouched_identity_at_a_time(rig: Rig, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    with rig.client() as client:
        a = Prober(tmp_path)
        assert client.post("/api/v1/probes", json=a.enrol_body(TOKEN)).json()["tier"] == "vouched"
        backdate_enrolment(rig, a.key_id, now - timedelta(hours=2))
        before = upload(client, a, now - timedelta(hours=1))  # made before the hand-over, sent late...
        probers = [a, *(Prober(tmp_path) for _ in range(4))]
        for old, new in itertools.pairwise(probers):
            answer = renew(client, new, old)
            assert (answer.status_code, answer.json()["tier"]) == (201, "vouched")
        late = upload(client, a, now - timedelta(hours=1))  # ...or after it: both still count
        after = datetime.now(UTC)
        receipts = {p.key_id: upload(client, p, after) for p in probers}
        backdated = {p.key_id: upload(client, p, now - timedelta(hours=1)) for p in probers[1:]}
    assert counted_vouched(before) and counted_vouched(late)
    # Every key of the chain measured at the same moment: only the last one counts as vouched.
    assert [counted_vouched(receipts[p.key_id]) for p in probers] == [False, False, False, False, True]
    assert [receipts[p.key_id]["tier"] for p in probers[:-1]] == ["unverified"] * 4
    # A successor cannot claim the time before its own enrolment, when its predecessor held the tier.
    assert not any(counted_vouched(r) for r in backdated.values())
    assert rig.storage is not None

    def counted(conn: Any) -> set[tuple[str, str]]:
        rows = conn.execute("SELECT key_id, started_at, tier, time_ok FROM facts").fetchall()
        return {(str(k), str(at)) for k, at, tier, ok in rows if tier == "vouched" and ok}

    # The facts the rules read agree: A for the hour before the hand-over, E from the chain on.
    assert asyncio.run(rig.storage.read(counted)) == {
        (a.key_id, utc(now - timedelta(hours=1))),
        (probers[-1].key_id, utc(after)),
    }


def test_a_renewal_at_another_collector_process_ends_the_turn_here_at_once(rig: Rig, tmp_path: Path) -> None:
    a, b = Prober(tmp_path), Prober(tmp_path)
    with rig.client() as here:
        assert here.post("/api/v1/probes", json=a.enrol_body(TOKEN)).json()["tier"] == "vouched"
        assert counted_vouched(upload(here, a, datetime.now(UTC)))  # this process now holds a in its cache
        with collector(tmp_path / "other", storage=rig.storage) as other, other.client() as there:
            assert renew(there, b, a).status_code == 201
        after = datetime.now(UTC)
        assert upload(here, a, after)["tier"] == "unverified"  # not only after the cache's 30 seconds
        assert counted_vouched(upload(here, b, after))


def test_revoking_the_first_key_revokes_the_chain_and_it_cannot_grow_again(rig: Rig, tmp_path: Path) -> None:
    assert rig.storage is not None
    with rig.client() as client:
        a, _, c, _, e = chain(rig, tmp_path, client)
        assert asyncio.run(rig.storage.revoke(a.key_id, utc())) == 5
        assert asyncio.run(rig.storage.revoke(a.key_id, utc())) == 0
        f = Prober(tmp_path)
        from_root = renew(client, f, a)
        from_middle = renew(client, f, c)
        from_last = renew(client, f, e)
    assert all(r.status_code == 403 for r in (from_root, from_middle, from_last))
    assert {r.json()["reason"] for r in (from_root, from_middle, from_last)} == {"bad_renewal"}
    # Another collector process on the same database (or this one after its key cache's TTL):
    with collector(tmp_path / "again", storage=rig.storage) as fresh, fresh.client() as client:
        refused = client.post("/api/v1/measurements", json=e.envelope())
    assert (refused.status_code, refused.json()["reason"]) == (403, "revoked_key")


def test_revoking_a_middle_key_revokes_what_came_after_and_leaves_the_link(rig: Rig, tmp_path: Path) -> None:
    assert rig.storage is not None
    with rig.client() as client:
        a, b, c, _, _ = chain(rig, tmp_path, client)
        assert asyncio.run(rig.storage.revoke(c.key_id, utc())) == 3  # c, d and e
        again = renew(client, Prober(tmp_path), b)  # b's one successor link is spent
        a_row, b_row = (asyncio.run(rig.storage.probe(p.key_id)) for p in (a, b))
    assert (again.status_code, again.json()["reason"]) == (403, "already_renewed")
    assert a_row is not None and a_row.revoked_at is None
    assert b_row is not None and b_row.revoked_at is None and b_row.superseded_at is not None


def test_only_a_new_key_can_be_a_successor(rig: Rig, tmp_path: Path) -> None:
    with rig.client() as client:
        a, _, _, d, e = chain(rig, tmp_path, client)
        loop = renew(client, a, e)  # e vouching for a would make a circle
        replay = renew(client, e, d)  # a retry of an accepted renewal is answered the same
    assert (loop.status_code, loop.json()["reason"]) == (403, "bad_renewal")
    assert "already enrolled" in loop.json()["detail"]
    assert (replay.status_code, replay.json()["tier"]) == (200, "vouched")


def test_the_cli_says_how_many_keys_it_revoked(tmp_path: Path) -> None:
    with collector(tmp_path, open_enrolment=True) as small, small.client() as client:
        root = Prober(tmp_path)
        assert client.post("/api/v1/probes", json=root.enrol_body()).status_code == 201
        nxt = Prober(tmp_path)
        assert renew(client, nxt, root).status_code == 201
        config = tmp_path / "c.toml"
        config.write_text(f'[collector]\ndata_dir = "{small.settings.collector.data_dir}"\n')
        done = subprocess.run(
            [sys.executable, "-m", "probe", "collector", "revoke", root.key_id, "--config", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 0, done.stderr
    assert "revoked 2 keys" in done.stdout


def test_the_turns_of_a_key_end_at_its_successor_less_the_clock_slack() -> None:
    handed = datetime(2026, 4, 1, 0, 30, tzinfo=UTC)
    row = ProbeRow("a" * 64, b"k" * 32, "vouched", utc(handed - timedelta(days=80)), None, utc(handed))
    edge = handed - CLOCK_SLACK
    assert tier_at(row, utc(edge - timedelta(milliseconds=1))) == "vouched"
    assert tier_at(row, utc(edge)) == "unverified"
    assert tier_at(row, utc(handed + timedelta(days=3))) == "unverified"
    # The quarter change: measured on the last day of the old quarter, renewed on the first of the new.
    assert tier_at(row, utc(handed - timedelta(days=1))) == "vouched"
    unrenewed = ProbeRow("b" * 64, b"k" * 32, "vouched", utc(handed), None)
    assert tier_at(unrenewed, utc(handed + timedelta(days=30))) == "vouched"
    plain = ProbeRow("c" * 64, b"k" * 32, "unverified", utc(handed), None, utc(handed))
    assert tier_at(plain, utc(handed - timedelta(days=1))) == "unverified"
