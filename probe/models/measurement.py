"""The measurement payload: one URL measured once from one probe. This is what gets signed.

It never holds an IP address of the volunteer: `probe` names the network (ASN), not the host.
"""

from __future__ import annotations

from pydantic import Field

from probe.models.base import Wire
from probe.models.control import ControlResult
from probe.models.observation import Observations
from probe.models.types import Asn, CountryCode, KeyId, Uid, UtcTime
from probe.models.verdict import Verdict

SCHEMA_VERSION = 1


class Software(Wire):
    name: str = Field(max_length=64)
    version: str = Field(max_length=64)


class ProbeInfo(Wire):
    """What the probe says of its network: a claim. The collector records the network of record and how
    it knows it (attested, observed, claimed); names and countries shown come from its own table."""

    asn: Asn | None = None
    network_name: str | None = Field(default=None, max_length=256)
    cc: CountryCode | None = None
    resolver_asn: Asn | None = None
    key_id: KeyId | None = None


class TargetRef(Wire):
    url: str = Field(max_length=2048)
    category_code: str | None = Field(default=None, max_length=16)
    list: str | None = Field(default=None, max_length=64)


class TimeAnchor(Wire):
    tree_size: int = Field(ge=1, le=2**53 - 1)
    root_hash: str = Field(max_length=64)


class Measurement(Wire):
    measurement_uid: Uid
    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    software: Software
    rules_version: str = Field(max_length=64)
    probe: ProbeInfo
    target: TargetRef
    started_at: UtcTime
    finished_at: UtcTime
    time_anchor: TimeAnchor | None = None
    observations: Observations
    control: ControlResult | None = None
    verdict: Verdict
