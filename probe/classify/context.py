"""What classification needs besides the observations: fingerprints, bogon ranges, the probe's ASN; and the
settings among them a measurement records so that its verdict can be recomputed (ClassifierSettings)."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from probe.classify.fingerprints import FingerprintSet
from probe.config import DEFAULT_BOGON_RANGES, IPNetwork
from probe.models.measurement import ClassifierSettings, Measurement


@dataclass(frozen=True)
class Context:
    fingerprints: FingerprintSet
    bogon_ranges: Sequence[IPNetwork]
    probe_asn: int | None = None


def default_bogon_ranges() -> list[IPNetwork]:
    return [ipaddress.ip_network(n) for n in DEFAULT_BOGON_RANGES]


def recorded_settings(bogon_ranges: Sequence[IPNetwork]) -> ClassifierSettings | None:
    """What a measurement records of the classifier's settings: None when they are the defaults (most
    probes: their records stay as they were), else the bogon ranges the verdict was decided with."""
    if sorted(map(str, bogon_ranges)) == sorted(map(str, default_bogon_ranges())):
        return None
    return ClassifierSettings(bogon_ranges=[str(n) for n in bogon_ranges])


def bogon_ranges_of(m: Measurement) -> list[IPNetwork]:
    """The bogon ranges `m`'s verdict was decided with: the recorded ones, else the defaults.
    ValueError when a recorded range is not a network."""
    if m.classifier is None:
        return default_bogon_ranges()
    return [ipaddress.ip_network(n) for n in m.classifier.bogon_ranges]
