"""The measurement payload: one URL measured once from one probe. This is what gets signed.

It never holds an IP address of the volunteer: `probe` names the network (ASN), not the host.
"""

from __future__ import annotations

from pydantic import Field

from probe.models.base import Wire
from probe.models.control import ControlResult
from probe.models.observation import Observations
from probe.models.verdict import Verdict

SCHEMA_VERSION = 1


class Software(Wire):
    name: str
    version: str


class ProbeInfo(Wire):
    asn: int | None = None
    network_name: str | None = None
    cc: str | None = None
    resolver_asn: int | None = None
    key_id: str | None = None


class TargetRef(Wire):
    url: str
    category_code: str | None = None
    list: str | None = None


class TimeAnchor(Wire):
    tree_size: int
    root_hash: str


class Measurement(Wire):
    measurement_uid: str = Field(pattern=r"^[0-9a-f]{32}$")
    schema_version: int = SCHEMA_VERSION
    software: Software
    rules_version: str
    probe: ProbeInfo
    target: TargetRef
    started_at: str
    finished_at: str
    time_anchor: TimeAnchor | None = None
    observations: Observations
    control: ControlResult | None = None
    verdict: Verdict
