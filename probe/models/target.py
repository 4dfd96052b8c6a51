"""Test-list entries (Citizen Lab columns) and blockpage fingerprints (OONI blocking-fingerprints columns)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from probe.models.base import Wire

SENSITIVE_CATEGORIES = frozenset({"PORN", "XED", "DATE", "LGBT", "REL"})

FingerprintScope = Literal["nat", "isp", "prod", "inst", "vbw", "fp"]
PatternType = Literal["full", "prefix", "contains", "regexp"]


class TargetEntry(Wire):
    url: str
    category_code: str
    category_description: str = ""
    date_added: str = ""
    source: str = ""
    notes: str = ""
    list: str = ""  # the list it came from, e.g. "kh"


class Fingerprint(Wire):
    name: str
    scope: FingerprintScope
    location_found: str  # "dns", "body" or "header.<name>"
    pattern_type: PatternType
    pattern: str
    confidence_no_fp: int | None = None
    expected_countries: list[str] = Field(default_factory=list)
    source: str = ""
    exp_url: str = ""
    notes: str = ""
