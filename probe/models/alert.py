"""What a webhook subscriber receives, inside a DSSE envelope signed by the collector (ALERT_TYPE)."""

from __future__ import annotations

from typing import Any

from probe.models.base import Wire


class Alert(Wire):
    collector: str  # the log origin: whose key signed this
    alert_id: str  # stable: the same change always has the same id, so a receiver can drop repeats
    domain: str
    asn: int | None
    window: str  # hour | day
    from_state: str | None
    to_state: str
    method: str | None
    confidence: str | None
    event: dict[str, Any]  # the event row (probe.analysis.timeline.Event.row())
    timeline: str  # the API path of this (domain, ASN)'s timeline
    created_at: str
