"""A real collector on loopback for tests, and signed measurements to send it."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from probe.collector.app import create_app
from probe.collector.storage import Storage
from probe.config import Settings
from probe.control.service import ServerThread
from probe.models.evidence import ENROL_CONTEXT
from probe.models.measurement import Measurement, ProbeInfo, Software, TargetRef
from probe.models.observation import Observations
from probe.models.verdict import Outcome, Verdict
from probe.sign.keys import DeviceSeed, raw_public
from probe.sign.signer import ProbeSigner


def utc(when: datetime | None = None) -> str:
    return (when or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass
class Rig:
    url: str
    settings: Settings
    storage: Storage | None = None  # when the test passed its own

    def client(self, source: str = "127.0.0.2") -> httpx.Client:
        return httpx.Client(
            base_url=self.url, transport=httpx.HTTPTransport(local_address=source), timeout=30
        )


@contextmanager
def collector(
    tmp: Path,
    *,
    storage: Storage | None = None,
    extra: dict[str, Any] | None = None,
    asn_table: str = "127.0.0.0\t127.0.0.255\t38623\tKH\tVIETTEL-KH Metfone\n",
    **collector: Any,
) -> Iterator[Rig]:
    """`extra`: more settings (e.g. the lab's network for the control the collector serves)."""
    base: dict[str, Any] = {
        "collector": {"data_dir": tmp / "collector", "checkpoint_interval_s": 0.2, **collector},
        "store": {"path": tmp / "unused.db"},
    }
    for section, values in (extra or {}).items():
        base[section] = {**base.get(section, {}), **values}
    settings = Settings(**base)
    (tmp / "collector").mkdir(parents=True, exist_ok=True)
    (tmp / "collector" / "ip2asn.tsv").write_text(asn_table)
    server = ServerThread(
        uvicorn.Config(
            create_app(settings, storage=storage),
            host="127.0.0.5",
            port=0,
            access_log=False,
            log_level="warning",
            lifespan="on",
        )
    )
    server.start()
    try:
        yield Rig(f"http://127.0.0.5:{server.port}", settings)
    finally:
        server.stop()


class Prober:
    """A probe identity: a device seed, its key for AS38623 this quarter, and signed measurements."""

    def __init__(self, tmp: Path, asn: int = 38623) -> None:
        self.signer = ProbeSigner(DeviceSeed(tmp / f"seed-{secrets.token_hex(4)}"))
        self.asn = asn
        self.now = datetime.now(UTC)
        self.key = self.signer.key(asn, self.now)
        self.key_id = self.signer.key_id_for(asn, self.now)

    def enrol_body(self, token: str | None = None) -> dict[str, Any]:
        public = base64.b64encode(raw_public(self.key.public_key())).decode()
        proof = base64.b64encode(self.key.sign(f"{ENROL_CONTEXT}\n{public}".encode())).decode()
        return {"public_key": public, "proof": proof, "token": token}

    def measurement(self, url: str = "https://www.rfa.org/", **changes: Any) -> Measurement:
        m = Measurement(
            measurement_uid=secrets.token_hex(16),
            software=Software(name="saksi-probe", version="test"),
            rules_version="test",
            probe=ProbeInfo(asn=self.asn, key_id=self.key_id),
            target=TargetRef(url=url),
            started_at=utc(self.now),
            finished_at=utc(self.now),
            observations=Observations(),
            verdict=Verdict(
                outcome=Outcome.BLOCKED,
                method="dns.nxdomain",
                confidence="likely",
                rule_id="dns.rcode",
                explanation="DNS: blocked.",
            ),
        )
        return m.model_copy(update=changes)

    def envelope(self, m: Measurement | None = None) -> dict[str, Any]:
        envelope, _ = self.signer.sign(m or self.measurement())
        return envelope.model_dump()
