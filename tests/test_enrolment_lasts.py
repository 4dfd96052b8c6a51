"""Enrolment that lasts (issue 12, problem 3): a vouched volunteer keeps uploading across quarters.

A single-use invite token enrols the first key; the next quarter's key on the same network is enrolled with
a statement signed by that key, so its tier carries over without the token. Keys of two networks are never
chained, so the collector cannot link a volunteer's networks.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from probe.config import Settings
from probe.measure.flow import UrlFacts
from probe.models.evidence import renewal_statement
from probe.models.measurement import TargetRef
from probe.runner import SEED_FILE, build_measurement, fingerprint_set
from probe.sign.keys import DeviceSeed, key_id, quarter_of, raw_public
from probe.sign.signer import ProbeSigner
from probe.store import Store
from probe.upload import upload
from probe.upload.client import stamp
from tests.collector_rig import Prober, Rig, collector
from tests.storage_backends import MakeStorage

TOKEN = "invite-for-one-volunteer"
SPARE = "a-second-invite-for-a-new-network"


@pytest.fixture
def closed_rig(tmp_path: Path, make_storage: MakeStorage) -> Iterator[Rig]:
    """A collector (on SQLite, then on PostgreSQL) that enrols only with an invite or a renewal; one invite."""
    storage = make_storage(tmp_path / "c")
    for token in (TOKEN, SPARE):
        asyncio.run(storage.add_invite(hashlib.sha256(token.encode()).hexdigest(), stamp(datetime.now(UTC))))
    with collector(tmp_path / "c", storage=storage, open_enrolment=False) as rig:
        rig.storage = storage
        yield rig
    storage.close()


def last_day_of_previous_quarter(now: datetime) -> datetime:
    first_month = 3 * ((now.month - 1) // 3) + 1
    return now.replace(month=first_month, day=1, hour=12, minute=0, second=0, microsecond=0) - timedelta(
        days=1
    )


def settings_for(tmp: Path, url: str, asn: int) -> Settings:
    return Settings(
        upload={"url": url, "token": TOKEN, "retry_base_s": 30},
        store={"path": tmp / "probe.db"},
        probe={"asn": asn},
    )


def measured_at(s: Settings, store: Store, when: datetime) -> str:
    """A measurement made (and signed) at `when`: the injected clock decides its quarter and so its key."""
    signer = ProbeSigner(DeviceSeed(s.store.seed_folder / SEED_FILE))
    started = stamp(when)
    facts = UrlFacts(url="https://site.example/", started_at=started, finished_at=started)
    m = build_measurement(facts, TargetRef(url=facts.url), s, fingerprint_set(None), signer=signer)
    store.save(m, *signer.sign(m))
    assert m.probe.key_id is not None
    return m.probe.key_id


async def renewals(rig: Rig) -> list[tuple[str, str]]:
    assert rig.storage is not None

    def rows(conn: Any) -> list[tuple[str, str]]:
        found = conn.execute("SELECT old_key_id, new_key_id FROM key_renewals").fetchall()
        return [(str(a), str(b)) for a, b in found]

    return await rig.storage.read(rows)


async def test_a_new_quarter_keeps_the_tier_without_the_spent_token(closed_rig: Rig, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    before = last_day_of_previous_quarter(now)
    assert quarter_of(before) != quarter_of(now)
    s = settings_for(tmp_path, closed_rig.url, 38623)
    with Store(s.store.path) as store:
        old_key = measured_at(s, store, before)
        first = await upload(s, store)
        assert first.tiers == {old_key: "vouched"} and first.pending == 0
        new_key = measured_at(s, store, now)  # the quarter changed: a new key
        second = await upload(s, store)
        problems = store.problems()
    assert second.error is None, second.error  # before: bad_token, and the outbox grew silently
    assert second.tiers == {new_key: "vouched"} and second.pending == 0
    assert "enrolment" not in problems
    assert await renewals(closed_rig) == [(old_key, new_key)]


async def test_a_new_network_is_never_chained_and_a_refusal_is_a_problem(
    closed_rig: Rig, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    home = settings_for(tmp_path, closed_rig.url, 38623)
    with Store(home.store.path) as store:
        measured_at(home, store, last_day_of_previous_quarter(now))
        assert (await upload(home, store)).pending == 0
        away = home.model_copy(update={"probe": home.probe.model_copy(update={"asn": 17976})})
        measured_at(away, store, now)
        report = await upload(away, store)
        problems = store.problems()
    assert await renewals(closed_rig) == []  # the collector learnt nothing that links the two networks
    assert report.pending == 1 and report.enrol_error is not None
    assert "bad_token" in problems["enrolment"]  # said, not silent: `probe status` exits 1 on it


async def test_a_spare_token_vouches_for_a_new_network_without_linking_it(
    closed_rig: Rig, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    home = settings_for(tmp_path, closed_rig.url, 38623)
    home = home.model_copy(update={"upload": home.upload.model_copy(update={"spare_tokens": [SPARE]})})
    with Store(home.store.path) as store:
        first = measured_at(home, store, now)
        assert (await upload(home, store)).tiers == {first: "vouched"}  # took upload.token
        away = home.model_copy(update={"probe": home.probe.model_copy(update={"asn": 17976})})
        second = measured_at(away, store, now)
        report = await upload(away, store)
        third = measured_at(
            away.model_copy(update={"probe": home.probe.model_copy(update={"asn": 131})}), store, now
        )
        last = await upload(away, store)
    assert report.tiers == {second: "vouched"} and report.pending == 0  # the spare token, not a renewal
    assert await renewals(closed_rig) == []
    assert last.tiers == {} and last.enrol_error is not None and third  # no token left: said, not silent


def test_a_key_vouches_for_one_successor_and_only_with_its_signature(closed_rig: Rig, tmp_path: Path) -> None:
    old = Prober(tmp_path)
    successor, another, forger = Prober(tmp_path), Prober(tmp_path), Prober(tmp_path)

    def renewal_body(new: Prober, signer: Prober) -> dict[str, object]:
        body = new.enrol_body()
        public = body["public_key"]
        assert isinstance(public, str)
        signature = signer.key.sign(renewal_statement(public, old.key_id))
        return dict(body, renewal={"key_id": old.key_id, "signature": base64.b64encode(signature).decode()})

    with closed_rig.client() as client:
        unknown = client.post("/api/v1/probes", json=renewal_body(successor, old))
        assert client.post("/api/v1/probes", json=old.enrol_body(TOKEN)).json()["tier"] == "vouched"
        forged = client.post("/api/v1/probes", json=renewal_body(successor, forger))
        renewed = client.post("/api/v1/probes", json=renewal_body(successor, old))
        again = client.post("/api/v1/probes", json=renewal_body(successor, old))
        second = client.post("/api/v1/probes", json=renewal_body(another, old))
    assert (unknown.status_code, unknown.json()["reason"]) == (403, "bad_renewal")
    assert (forged.status_code, forged.json()["reason"]) == (403, "bad_renewal")
    assert (renewed.status_code, renewed.json()["tier"]) == (201, "vouched")
    assert (again.status_code, again.json()["tier"]) == (200, "vouched")  # a retry is answered the same
    assert (second.status_code, second.json()["reason"]) == (403, "already_renewed")
    assert key_id(successor.key.public_key()) == successor.key_id
    assert raw_public(old.key.public_key())
