"""Consent on record for tests that run `probe run` with a config file (as `probe init` would leave it)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from probe.config import load_settings
from probe.consent import CONSENT_VERSION, record_consent


def consented(config: Path) -> Path:
    record_consent(load_settings(config), "en", CONSENT_VERSION, datetime.now(UTC), method="flag")
    return config
