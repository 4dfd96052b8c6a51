"""Consent on record for tests that run `probe run` with a config file (as `probe init` would leave it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from probe.config import load_settings
from probe.consent import CONSENT_VERSION, record_consent


def consented(config: Path, *, networks: list[int] | None = None) -> Path:
    """Consent on record for `config`: to measure on any network, or only on `networks` when given."""
    record_consent(
        load_settings(config),
        "en",
        CONSENT_VERSION,
        datetime.now(UTC),
        method="flag",
        networks=networks,
        any_network=networks is None,
    )
    return config
