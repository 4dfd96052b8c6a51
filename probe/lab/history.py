"""A synthetic measurement history with known blocking periods, stored in a real collector database.

Every measurement is signed by a real probe key, passes the collector's own ingest checks, gets a signed
receipt and is sequenced into the log: the benchmarks, the analysis tests and the dashboard run on data
that `probe verify` accepts. Only the network results are invented (the verdicts follow `blocks`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from probe.analysis.provenance import LAB_SOFTWARE_VERSION, is_lab, is_lab_payload
from probe.collector.ingest import Ingestor, KeyCache, RateLimiter
from probe.collector.signing import CollectorKey
from probe.collector.storage import NewMeasurement, ProbeRow, SqliteStorage
from probe.log import Checkpoint
from probe.models.measurement import Measurement, ProbeInfo, Software, TargetRef
from probe.models.observation import Observations
from probe.models.verdict import Verdict
from probe.service_settings import CollectorSettings
from probe.sign.keys import DeviceSeed, key_id, raw_public, write_private
from probe.sign.signer import ProbeSigner

DEFAULT_ORIGIN = str(CollectorSettings.model_fields["origin"].default)

__all__ = ["LAB_SOFTWARE_VERSION", "Block", "History", "generate", "is_lab", "is_lab_payload"]


NETWORKS = {
    38623: "VIETTEL-KH Metfone",
    17976: "CAMGSM Cellcard",
    45498: "SMART-AXIATA",
    38901: "EZECOM",
    131207: "SINET",
    131178: "OPENNET",
    23673: "COGETEL",
    24492: "WICAM",
    38235: "MEKONGNET",
    9902: "NEOCOMISP",
}

EXPLAIN = {
    "dns.nxdomain": ("dns.rcode", "DNS: the resolver said the name does not exist; the control resolved it."),
    "dns.bogon": ("dns.bogon", "DNS: the answer was a private address (10.10.10.1)."),
    "dns.blockpage_ip": ("dns.fingerprint", "DNS: the answer is a known blockpage server."),
    "tls.reset": ("tls.sni", "TLS: the handshake with this name was reset; with a control name it worked."),
    "http.blockpage": ("http.fingerprint", "HTTP: the page matched a known blockpage."),
    "tcp.timeout": ("tcp.connect", "TCP: connecting timed out; the control connected."),
}


# A blockpage verdict names the fingerprint it matched, as the real classifier's do (targets/fingerprints/).
FINGERPRINTS = {"http.blockpage": "ooni.kh_http_1", "dns.blockpage_ip": "ooni.kh_dns_1"}


@dataclass(frozen=True)
class Block:
    """`domain` is blocked by `method` on `asn` (every network when None) from `start` until `end`."""

    domain: str
    start: datetime
    end: datetime | None = None
    asn: int | None = None
    method: str = "dns.nxdomain"
    confidence: str = "likely"

    def covers(self, domain: str, asn: int, when: datetime) -> bool:
        return (
            domain == self.domain
            and (self.asn is None or self.asn == asn)
            and self.start <= when
            and (self.end is None or when < self.end)
        )


@dataclass
class History:
    domains: Sequence[str]
    asns: Sequence[int]
    start: datetime
    days: int
    runs_per_probe_per_day: float = 4.0
    probes_per_asn: int = 2
    blocks: Sequence[Block] = ()
    noise: float = 0.02  # share of measurements that disagree with the truth
    down_share: float = 0.005
    seed: int = 7
    categories: dict[str, str] = field(default_factory=dict)  # domain -> category code

    def runs(self) -> Iterator[tuple[int, int, datetime]]:
        """(asn, probe number, start time) of every run, in time order: each probe runs at a fixed interval
        with jitter, as the daemon schedules runs."""
        rng = random.Random(self.seed)
        end = self.start + timedelta(days=self.days)
        every = 24 / self.runs_per_probe_per_day
        events = []
        for asn in self.asns:
            for n in range(self.probes_per_asn):
                t = self.start + timedelta(hours=rng.uniform(0, 24 / self.runs_per_probe_per_day))
                while t < end:
                    events.append((t, asn, n))
                    # as the daemon schedules: a fixed interval with up to a quarter of it as jitter
                    t += timedelta(hours=every * rng.uniform(0.75, 1.25))
        for t, asn, n in sorted(events):
            yield asn, n, t

    def verdict(self, rng: random.Random, domain: str, asn: int, when: datetime) -> Verdict:
        block = next((b for b in self.blocks if b.covers(domain, asn, when)), None)
        roll = rng.random()
        if roll < self.down_share:
            return Verdict(
                outcome="down",
                rule_id="down.control",
                explanation="The control could not reach the site either.",
            )
        if block is not None and roll >= self.noise:
            rule, text = EXPLAIN.get(block.method, ("dns.rcode", f"Blocked: {block.method}."))
            return Verdict(
                outcome="blocked",
                method=block.method,
                confidence=block.confidence,
                rule_id=rule,
                explanation=text,
                fingerprint=FINGERPRINTS.get(block.method),
            )
        if block is None and roll < self.noise / 4 and self.categories.get(domain) != "CTRL":
            return Verdict(
                outcome="blocked",
                method="tcp.timeout",
                confidence="possible",
                rule_id="tcp.connect",
                explanation="TCP: connecting timed out; the control connected.",
            )
        return Verdict(
            outcome="accessible", rule_id="accessible.http", explanation="Fetched as the control did."
        )


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def generate(history: History, data_dir: Path, *, origin: str = DEFAULT_ORIGIN) -> int:
    """Store the history in the collector database in `data_dir` (created if needed); returns how many
    measurements were stored. The probes' seeds are kept in `data_dir/lab-probes/`."""
    data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    seeds = data_dir / "lab-probes"
    seeds.mkdir(exist_ok=True, mode=0o700)
    rng = random.Random(history.seed)
    signers: dict[tuple[int, int], ProbeSigner] = {}
    for asn in history.asns:
        for n in range(history.probes_per_asn):
            path = seeds / f"AS{asn}-{n}.seed"
            if not path.exists():
                write_private(path, rng.randbytes(32))
            signers[(asn, n)] = ProbeSigner(DeviceSeed(path))
    return asyncio.run(_generate(history, data_dir, origin, signers, rng))


async def _generate(
    history: History,
    data_dir: Path,
    origin: str,
    signers: dict[tuple[int, int], ProbeSigner],
    rng: random.Random,
) -> int:
    storage = SqliteStorage(data_dir / "collector.db")
    key = CollectorKey.load_or_create(data_dir, origin)
    settings = CollectorSettings(data_dir=data_dir, origin=origin, max_age_days=history.days + 400)
    ingestor = Ingestor(
        settings, storage, key, KeyCache(storage), RateLimiter(10**9, storage), country_of=lambda _: "KH"
    )
    enrolled: set[str] = set()
    stored = 0

    def mark(conn: Any) -> None:
        conn.execute(
            "INSERT INTO lab_history VALUES (?, ?)",
            [
                _iso(datetime.now(UTC)),
                f"{history.days} days invented by probe.lab.history (seed {history.seed})",
            ],
        )

    await storage.write(mark)

    def names(conn: Any) -> None:
        # The lab collector's own table of names (a real collector fills it from its ip2asn table).
        conn.executemany(
            "INSERT INTO networks (asn, name, cc) VALUES (?, ?, 'KH') ON CONFLICT (asn) DO NOTHING",
            [(asn, NETWORKS.get(asn, f"AS{asn}")) for asn in history.asns],
        )

    await storage.write(names)
    batch: list[NewMeasurement] = []
    try:
        for asn, n, when in history.runs():
            signer = signers[(asn, n)]
            kid = signer.key_id_for(asn, when)
            if kid not in enrolled:
                tier = "vouched" if n % 2 == 0 else "unverified"
                raw = raw_public(signer.key(asn, when).public_key())
                assert key_id(signer.key(asn, when).public_key()) == kid
                await storage.enrol(ProbeRow(kid, raw, tier, _iso(when), None))
                enrolled.add(kid)
            for i, domain in enumerate(history.domains):
                at = when + timedelta(seconds=2 * i)
                m = Measurement(
                    measurement_uid=rng.randbytes(16).hex(),
                    software=Software(name="saksi-probe", version=LAB_SOFTWARE_VERSION),
                    rules_version="2026.11.0",
                    probe=ProbeInfo(asn=asn, network_name=NETWORKS.get(asn), cc="KH", key_id=kid),
                    target=TargetRef(
                        url=f"https://{domain}/",
                        category_code=history.categories.get(domain, "NEWS"),
                        list="kh",
                    ),
                    started_at=_iso(at),
                    finished_at=_iso(at + timedelta(seconds=1)),
                    observations=Observations(),
                    verdict=history.verdict(rng, domain, asn, at),
                )
                envelope, _ = signer.sign(m)
                checked = await ingestor.check(envelope.model_dump(), asn, _iso(at + timedelta(seconds=30)))
                if not isinstance(checked, NewMeasurement):
                    raise RuntimeError(f"the collector refused a lab measurement: {checked}")
                batch.append(checked)
            if len(batch) >= 2000:
                stored += await _flush(storage, batch)
        stored += await _flush(storage, batch)
        await _sequence(storage, key)
        await storage.write(lambda conn: witness_lab_log(conn, key, data_dir))
    finally:
        storage.close()
    return stored


async def _flush(storage: SqliteStorage, batch: list[NewMeasurement]) -> int:
    results = await storage.store(batch)
    batch.clear()
    return sum(r.status == 201 for r in results)


async def _sequence(storage: SqliteStorage, key: CollectorKey) -> None:
    from probe.collector.sequencer import sequence

    while await storage.write(lambda conn: sequence(conn, key)) is not None:
        pass


LAB_WITNESS_NAME = "lab-witness.invalid/throwaway"  # never an independent witness: `probe verify` says so


def witness_lab_log(conn: Any, key: CollectorKey, data_dir: Path) -> int:
    """Have every checkpoint of the lab log cosigned, now, by a throwaway witness kept in
    data_dir/lab-witness/ (a real WitnessState, so the bundle's dates go through every real check).

    Its times are when demo-data ran, not the invented dates, and its key name says it is a lab witness,
    so nothing here can pass for witnessed real data. Returns the cosignatures stored."""
    from probe.collector.sequencer import DbHashes
    from probe.log import consistency_proof
    from probe.witness.protocol import AddCheckpoint
    from probe.witness.server import load_signer
    from probe.witness.state import WitnessState

    folder = data_dir / "lab-witness"
    signer = load_signer(folder, LAB_WITNESS_NAME, create=True)
    state = WitnessState(folder / "witness.db", signer, [key.notes.verifier()])
    stored, old = 0, 0
    try:
        rows = conn.execute("SELECT size, note FROM checkpoints ORDER BY size").fetchall()
        for size, note in rows:
            checkpoint = Checkpoint.parse(str(note).split("\n\n", 1)[0] + "\n")
            proof = consistency_proof(old, int(size), DbHashes(conn)) if 0 < old < int(size) else []
            answer = state.add_checkpoint(AddCheckpoint(old, tuple(proof), str(note), checkpoint))
            if answer.status != 200:
                raise RuntimeError(f"the lab witness refused checkpoint {size}: {answer.body.strip()}")
            found = signer.verifier().verify(str(note) + answer.body)
            conn.execute(
                "INSERT INTO cosignatures VALUES (?,?,?,?)",
                [int(size), signer.verifier_key(), found.timestamp, found.line],
            )
            old, stored = int(size), stored + 1
    finally:
        state.close()
    return stored
