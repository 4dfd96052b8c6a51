"""The adversary suite (issue 10): one test per attack, each with the outcome it must give.

An attacker has nothing but open enrolment: keys of tier `unverified`, any number of them, and full
control of what they sign. None of these attacks may publish a state, change a published one, queue an
alert or change a dashboard label. The measurements go through the collector's real ingest
(`Ingestor.check`) into a real SQLite database, with the times and upload networks each attack needs;
publication is read back through the same queries the dashboard, the API and the alerter use.
`test_the_harness_publishes_for_honest_probes` shows the same harness does publish for honest data, so
that every "not published" below is meaningful.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from probe.analysis.query import matrix
from probe.collector import alerts
from probe.collector.ingest import Ingestor, KeyCache, RateLimiter
from probe.collector.sequencer import sequence
from probe.collector.signing import CollectorKey
from probe.collector.storage import NewMeasurement, ProbeRow, SqliteStorage
from probe.collector.wire import Received
from probe.models.control import (
    ClientInfo,
    ControlDns,
    ControlEcho,
    ControlHttp,
    ControlResponse,
    ControlResult,
)
from probe.models.evidence import IngestResult, Receipt
from probe.models.measurement import Measurement, ProbeInfo, Software, TargetRef
from probe.models.observation import Observations
from probe.models.verdict import Verdict
from probe.service_settings import CollectorSettings
from probe.sign.dsse import CONTROL_TYPE, MEASUREMENT_TYPE, sign_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import DeviceSeed, raw_public
from probe.sign.signer import ProbeSigner
from tests.collector_rig import collector

ASN = 38623
OTHER_ASN = 17976
DOMAIN = "www.rfa.org"
NOW = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
TODAY = NOW.replace(hour=0)


def iso(when: datetime) -> str:
    return when.isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Probe:
    signer: ProbeSigner
    asn: int
    enrolled_at: datetime
    tier: str
    keys: dict[str, Any] = field(default_factory=dict)

    def key(self, when: datetime) -> Any:
        return self.signer.key(self.asn, when)

    def kid(self, when: datetime) -> str:
        return self.signer.key_id_for(self.asn, when)


class World:
    """A collector's ingest, storage, log and alerter, driven with chosen times and networks."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.storage = SqliteStorage(tmp / "collector.db")
        self.key = CollectorKey.load_or_create(tmp, "adversary.test/log")
        settings = CollectorSettings(data_dir=tmp, origin=self.key.origin, max_age_days=90)
        self.ingestor = Ingestor(
            settings,
            self.storage,
            self.key,
            KeyCache(self.storage, ttl_s=0),
            RateLimiter(10**9, self.storage),
        )
        self.loop = asyncio.new_event_loop()
        self.run(
            self.storage.write(lambda c: alerts.subscribe(c, "http://127.0.0.1:9/hook", None, None, "day"))
        )

    def run(self, job: Any) -> Any:
        return self.loop.run_until_complete(job)

    def close(self) -> None:
        self.storage.close()
        self.loop.close()

    def probe(self, *, tier: str = "unverified", enrolled: datetime | None = None, asn: int = ASN) -> Probe:
        seed = self.tmp / f"seed-{secrets.token_hex(4)}"
        p = Probe(ProbeSigner(DeviceSeed(seed)), asn, enrolled or NOW - timedelta(days=60), tier)
        for when in (NOW - timedelta(days=40), NOW):  # this quarter's key and (maybe) the last one's
            public = raw_public(p.key(when).public_key())
            row = ProbeRow(p.kid(when), public, tier, iso(p.enrolled_at), None)
            self.run(self.storage.enrol(row))
        return p

    def control_answer(self, p: Probe, uid: str, when: datetime, seen_asn: int | None) -> ControlResult:
        """What the collector's own control signs for this probe's request (probe.control.service)."""
        answer = ControlResponse(
            dns=ControlDns(addrs=["192.0.2.1"]),
            http_request=ControlHttp(status_code=200),
            client=ClientInfo(asn=seen_asn),
            request=ControlEcho(key_id=p.kid(when), measurement_uid=uid),
            answered_at=iso(when),
        )
        envelope, _ = self.key.sign_model(CONTROL_TYPE, answer)
        return ControlResult(url="http://collector/api/v1/control", response=answer, envelope=envelope)

    def measurement(
        self,
        p: Probe,
        when: datetime,
        outcome: str = "blocked",
        *,
        control: ControlResult | str | None = "attested",
        **probe_info: Any,
    ) -> Measurement:
        uid = secrets.token_hex(16)
        if control == "attested":
            control = self.control_answer(p, uid, when, p.asn)
        verdict = (
            Verdict(
                outcome="blocked",
                method="dns.nxdomain",
                confidence="likely",
                rule_id="dns.rcode",
                explanation="x",
            )
            if outcome == "blocked"
            else Verdict(outcome="accessible", rule_id="accessible.http", explanation="x")
        )
        return Measurement(
            measurement_uid=uid,
            software=Software(name="saksi-probe", version="test"),
            rules_version="test",
            probe=ProbeInfo(asn=p.asn, key_id=p.kid(when), **probe_info),
            target=TargetRef(url=f"https://{DOMAIN}/", category_code="NEWS"),
            started_at=iso(when),
            finished_at=iso(when + timedelta(seconds=5)),
            observations=Observations(),
            control=control if not isinstance(control, str) else None,
            verdict=verdict,
        )

    def send(
        self, p: Probe, m: Measurement, *, observed: int | None, received: datetime | None = None
    ) -> NewMeasurement | IngestResult:
        when = datetime.fromisoformat(m.started_at.replace("Z", "+00:00"))
        body = canonical(m)
        envelope = sign_envelope(MEASUREMENT_TYPE, body, p.key(when), p.kid(when))
        raw = envelope.model_dump_json().encode()
        received_at = iso(received or when + timedelta(minutes=2))
        checked = self.run(self.ingestor.check(Received(json.loads(raw), raw), observed, received_at))
        if isinstance(checked, NewMeasurement):
            (stored,) = self.run(self.storage.store([checked]))
            assert stored.status == 201
        return checked

    def days(self, p: Probe, days: range, outcome: str = "blocked", per_day: int = 4, **kw: Any) -> list[Any]:
        """`per_day` measurements on each day in `days` (days before today; complete windows)."""
        out = []
        for d in days:
            for i in range(per_day):
                when = TODAY - timedelta(days=d) + timedelta(hours=2 + 5 * i)
                m = self.measurement(p, when, outcome, control=kw.get("control", "attested"))
                out.append(self.send(p, m, observed=kw.get("observed", p.asn)))
        return out

    def published(self) -> dict[tuple[str, int | None], str]:
        def job(conn: Any) -> dict[tuple[str, int | None], str]:
            return {(c.domain, c.asn): c.state for c in matrix(conn, at=NOW) if c.published}

        return dict(self.run(self.storage.read(job)))

    def alerts_queued(self) -> int:
        while self.run(self.storage.write(lambda c: sequence(c, self.key))) is not None:
            pass
        return int(self.run(self.storage.write(lambda c: alerts.detect(c, self.key, 30, now=NOW))))


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    try:
        yield w
    finally:
        w.close()


def receipt_of(checked: Any) -> Receipt:
    assert isinstance(checked, NewMeasurement), checked
    return Receipt.model_validate_json(base64.b64decode(json.loads(checked.receipt)["payload"]))


# --- the baseline: the harness publishes for honest probes -------------------------------------------


def test_the_harness_publishes_for_honest_probes(world: World) -> None:
    """Two long-enrolled unverified probes, attested by the collector's control, three whole days."""
    for p in (world.probe(), world.probe()):
        for r in world.days(p, range(2, 5)):
            assert receipt_of(r).network_evidence == "attested" and receipt_of(r).time_ok
    assert world.published() == {(DOMAIN, ASN): "blocked"}
    assert world.alerts_queued() == 1


def test_one_vouched_probe_is_a_basis(world: World) -> None:
    world.days(world.probe(tier="vouched"), range(2, 5), control=None)  # observed, not attested
    assert world.published() == {(DOMAIN, ASN): "blocked"}


# --- the attacks ---------------------------------------------------------------------------------------


def test_spoofed_network(world: World) -> None:
    """Claims AS38623 while uploading from another network, without a control answer: `claimed`, stored,
    never counted, even from two vouched keys."""
    results = [
        r
        for p in (world.probe(tier="vouched"), world.probe(tier="vouched"))
        for r in world.days(p, range(2, 6), control=None, observed=OTHER_ASN)
    ]
    assert {receipt_of(r).network_evidence for r in results} == {"claimed"}
    assert world.published() == {} and world.alerts_queued() == 0


def test_spoofed_network_with_a_control_answer_from_elsewhere(world: World) -> None:
    """The control saw the request from another network than the one claimed: `claimed`."""
    p, q = world.probe(), world.probe()
    for probe in (p, q):
        for d in range(2, 5):
            when = TODAY - timedelta(days=d) + timedelta(hours=3)
            m = world.measurement(probe, when, control=None)
            m = m.model_copy(
                update={"control": world.control_answer(probe, m.measurement_uid, when, OTHER_ASN)}
            )
            for _ in range(2):
                r = world.send(
                    probe, m.model_copy(update={"measurement_uid": secrets.token_hex(16)}), observed=None
                )
                assert receipt_of(r).network_evidence == "claimed"
    assert world.published() == {}


def test_back_dating(world: World) -> None:
    """A freshly enrolled key uploads measurements dated 4 days back: stored, flagged outside the time
    bracket (before the key existed), never in a timeline, even vouched and observed."""
    fresh = world.probe(tier="vouched", enrolled=NOW)
    results = world.days(fresh, range(2, 6), control=None)
    assert [receipt_of(r).time_ok for r in results] == [False] * len(results)
    assert world.published() == {} and world.alerts_queued() == 0


def test_back_dating_against_the_control_time(world: World) -> None:
    """An attested measurement whose started_at is far from the control's signed time is not attested."""
    p = world.probe()
    when = TODAY - timedelta(days=3)
    m = world.measurement(p, when, control=None)
    answer = world.control_answer(p, m.measurement_uid, NOW - timedelta(hours=1), ASN)  # asked today
    r = world.send(p, m.model_copy(update={"control": answer}), observed=None)
    assert receipt_of(r).network_evidence == "claimed"
    assert "far from started_at" in (receipt_of(r).network_why or "")


def test_one_probe_alone(world: World) -> None:
    """One unverified key, attested, many measurements on many whole days: never published."""
    world.days(world.probe(), range(2, 8), per_day=12)
    assert world.published() == {} and world.alerts_queued() == 0


def test_many_fresh_keys_from_one_network(world: World) -> None:
    """Ten keys enrolled three days ago, all attested on the network: keys younger than the minimum age
    do not count toward the attested-probe basis."""
    for _ in range(10):
        world.days(world.probe(enrolled=TODAY - timedelta(days=3)), range(1, 3))
    assert world.published() == {} and world.alerts_queued() == 0


def test_a_copied_control_answer(world: World) -> None:
    """Two keys embed an honest probe's attested control answers: `claimed` (another key, another uid)."""
    honest, copier1, copier2 = world.probe(), world.probe(), world.probe()
    for d in range(2, 5):
        when = TODAY - timedelta(days=d) + timedelta(hours=4)
        original = world.measurement(honest, when)
        for copier in (copier1, copier2):
            for _ in range(2):
                m = world.measurement(copier, when, control=None).model_copy(
                    update={"control": original.control}
                )
                r = world.send(copier, m, observed=None)
                assert receipt_of(r).network_evidence == "claimed"
                assert "another key" in (receipt_of(r).network_why or "")
    assert world.published() == {}


def test_a_reused_control_answer_of_the_same_key(world: World) -> None:
    p = world.probe()
    when = TODAY - timedelta(days=2)
    first = world.measurement(p, when)
    again = world.measurement(p, when, control=None).model_copy(update={"control": first.control})
    assert receipt_of(world.send(p, first, observed=None)).network_evidence == "attested"
    r = world.send(p, again, observed=None)
    assert receipt_of(r).network_evidence == "claimed" and "another measurement" in (
        receipt_of(r).network_why or ""
    )


def test_a_window_still_open_is_provisional_and_never_alerts(world: World) -> None:
    """Blocked all of today and yesterday by two attested probes: yesterday is one complete window, today
    is open; nothing is published until two complete windows agree."""
    for p in (world.probe(), world.probe()):
        world.days(p, range(1, 2))
        for h in range(0, max(1, NOW.hour), 3):
            world.send(p, world.measurement(p, TODAY + timedelta(hours=h)), observed=ASN)
    assert world.published() == {} and world.alerts_queued() == 0


def test_attacks_do_not_change_a_published_state(world: World) -> None:
    """Accessible is published by two honest probes; spoofed, back-dated, lone and copied claims of
    blocking on the same days change nothing."""
    for p in (world.probe(), world.probe()):
        world.days(p, range(2, 6), outcome="accessible")
    assert world.published() == {(DOMAIN, ASN): "accessible"}
    queued = world.alerts_queued()
    world.days(world.probe(tier="vouched"), range(2, 6), per_day=10, control=None, observed=OTHER_ASN)
    world.days(world.probe(tier="vouched", enrolled=NOW), range(2, 6), per_day=10, control=None)
    world.days(world.probe(), range(2, 6), per_day=10, control=None, observed=None)
    assert world.published() == {(DOMAIN, ASN): "accessible"}
    assert world.alerts_queued() == 0 and queued == 0  # a first accessible state is not news


# --- existing data ---------------------------------------------------------------------------------------


def test_an_older_database_gets_network_evidence_once(
    history_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A database from before migration 3: its facts get network evidence and time brackets from the
    collector's own records when the collector starts (here: uploads observed from the claimed network),
    what cannot be confirmed is `claimed`, and the log says so once."""
    db = history_dir / "collector.db"
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX facts_unchecked")
        for column in ("evidence", "time_ok", "key_since"):
            conn.execute(f"ALTER TABLE facts DROP COLUMN {column}")
        conn.execute("DROP TABLE networks")
        conn.execute("DELETE FROM schema_migrations WHERE version = 3")
        # One measurement whose upload came from elsewhere: it cannot be confirmed.
        conn.execute("UPDATE measurements SET asn = 9999 WHERE seq = 1")
    caplog.set_level("WARNING", logger="saksi.collector")
    with collector(tmp_path) as rig, rig.client() as client:
        events = client.get("/api/v1/events", params={"domain": "www.rfa.org"}).json()["events"]
    messages = [r.getMessage() for r in caplog.records if "network evidence recomputed" in r.getMessage()]
    assert len(messages) == 1 and "1 claimed" in messages[0] and "observed" in messages[0]
    assert {e["kind"] for e in events} >= {"blocking_start"}  # still published: vouched, observed probes
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT evidence FROM facts WHERE seq = 1").fetchone()[0] == "claimed"
        assert conn.execute("SELECT count(*) FROM facts WHERE evidence IS NULL").fetchone()[0] == 0
    with collector(tmp_path):  # a second start has nothing to recompute, and says nothing
        pass
    again = [r for r in caplog.records if "network evidence recomputed" in r.getMessage()]
    assert len(again) == 1


def test_back_dating_before_a_checkpoint_the_probe_had_seen(world: World) -> None:
    """A measurement names as its time anchor a checkpoint signed now, but says it started two days ago:
    outside its bracket. The same anchor with an honest time is inside."""
    from probe.collector.sequencer import latest
    from probe.models.measurement import TimeAnchor

    p = world.probe()
    world.send(p, world.measurement(p, NOW - timedelta(hours=1)), observed=ASN)
    world.alerts_queued()  # sequences the log: a checkpoint signed now
    head = world.run(world.storage.read(latest))
    anchor = TimeAnchor(tree_size=head.size, root_hash=base64.b64encode(head.root).decode())
    for when, inside in ((TODAY - timedelta(days=2), False), (datetime.now(UTC), True)):
        m = world.measurement(p, when, control=None).model_copy(update={"time_anchor": anchor})
        r = receipt_of(world.send(p, m, observed=ASN, received=datetime.now(UTC) + timedelta(seconds=1)))
        assert r.time_ok is inside
        assert r.time_earliest is not None and r.time_earliest >= iso(NOW)


def test_a_control_answer_signed_by_another_control(world: World, tmp_path: Path) -> None:
    """An answer from a control this collector does not run (or a forged one) attests nothing."""
    other = CollectorKey.load_or_create(tmp_path / "other", "other.test/log")
    p = world.probe()
    when = TODAY - timedelta(days=2)
    m = world.measurement(p, when)
    assert m.control is not None and m.control.response is not None
    forged, _ = other.sign_model(CONTROL_TYPE, m.control.response)
    m = m.model_copy(update={"control": m.control.model_copy(update={"envelope": forged})})
    r = receipt_of(world.send(p, m, observed=None))
    assert r.network_evidence == "claimed" and "not signed by this collector" in (r.network_why or "")
