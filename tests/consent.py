"""Consent on record for tests that run `probe run` with a config file (as `probe init` would leave it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from probe.config import Settings, load_settings
from probe.consent import CONSENT_VERSION, record_consent


def consented(config: Path, *, networks: list[int] | None = None) -> Path:
    """Consent on record for `config`: to measure on any network, or only on `networks` when given."""
    consented_settings(load_settings(config), networks=networks)
    return config


def consented_settings(settings: Settings, *, networks: list[int] | None = None) -> None:
    record_consent(
        settings,
        "en",
        CONSENT_VERSION,
        datetime.now(UTC),
        method="flag",
        networks=networks,
        any_network=networks is None,
    )
