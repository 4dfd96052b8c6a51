"""The measurement payload: one URL measured once from one probe. This is what gets signed.

It never holds an IP address of the volunteer: `probe` names the network (ASN), not the host.
"""

from __future__ import annotations

from pydantic import Field, ValidationInfo, model_validator

from probe.models.base import Wire
from probe.models.control import ControlResult
from probe.models.observation import Observations
from probe.models.types import ingest_problem
from probe.models.verdict import Verdict

SCHEMA_VERSION = 1


class Software(Wire):
    name: str
    version: str


class ProbeInfo(Wire):
    """What the probe says of its network: a claim. The collector records how it knows the network
    (attested, observed, claimed); the names and countries it shows come from its own table."""

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


class ClassifierSettings(Wire):
    """The probe's settings that can change its verdict, when they are not the defaults: recorded (and so
    signed) beside the observations, so that `probe verify` recomputes the verdict with them. The
    fingerprints are not here: a verdict names the fingerprint it rests on, and the verifier says when that
    one is not in its shipped list (probe.classify.recheck)."""

    bogon_ranges: list[str]  # network.bogon_ranges as CIDR text, when not probe.config.DEFAULT_BOGON_RANGES


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
    classifier: ClassifierSettings | None = None  # None: the classifier ran with the default settings

    @model_validator(mode="after")
    def _ingest_ranges(self, info: ValidationInfo) -> Measurement:
        """At ingest (validation context {"ingest": True}) the wire contract's ranges and forms
        (probe.models.types.ingest_problem). Stored measurements are read without them, so a record that
        an older, more lenient collector accepted stays readable."""
        if info.context and info.context.get("ingest"):
            problem = ingest_problem(self)
            if problem is not None:
                raise ValueError(problem)
        return self
