"""What classification needs besides the observations: fingerprints, bogon ranges, the probe's ASN."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from probe.classify.fingerprints import FingerprintSet
from probe.config import IPNetwork


@dataclass(frozen=True)
class Context:
    fingerprints: FingerprintSet
    bogon_ranges: Sequence[IPNetwork]
    probe_asn: int | None = None
