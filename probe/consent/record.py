"""Where a volunteer's consent is kept, and the check `probe run` and `probe daemon` make before starting.

The record is a small JSON file, `consent.json`, beside the store (`store.path`), written atomically and
readable by its owner only. It says which version of the consent text (`probe.consent.texts`) was agreed
to, in which language, when, and how (`quiz`: the interactive `probe init`; `flag`: `--yes-i-understand`).
It also keeps the answers `probe init` was given that no setting holds yet (see `Consent.choices`).

Consent given to an older text counts as missing: the text changed, so the volunteer is asked again.

This module reads and writes only the consent file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from probe import SOFTWARE_NAME, __version__
from probe.config import Settings
from probe.consent.texts import CONSENT_VERSION, Lang
from probe.i18n import t
from probe.sign.keys import write_private

CONSENT_FILE = "consent.json"

Choice = str | int | float | bool | list[str] | None
_VERSION_RE = re.compile(r"(\d{4})-(\d{2})-(\d{2})\.(\d+)")


class ConsentMissing(Exception):
    """No usable consent on record; the message is one line that points to `probe init`."""


class Consent(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    version: str = Field(description="The CONSENT_VERSION of the text agreed to.")
    lang: Lang
    agreed_at: str = Field(description="UTC, ISO 8601 with Z.")
    method: Literal["quiz", "flag"]
    software: str = f"{SOFTWARE_NAME}/{__version__}"
    choices: dict[str, Choice] = Field(
        default_factory=dict,
        description="Answers to `probe init` that no setting holds yet, by their future setting name "
        "(e.g. daemon.every_hours).",
    )
    networks: list[int] = Field(
        default_factory=list,
        description="The networks (ASNs) the volunteer approved; the probe measures on no other "
        "(probe.consent.networks). `probe networks allow` adds one.",
    )
    any_network: bool = Field(
        default=False, description="The volunteer approved measuring on any network it joins."
    )


def version_key(version: str) -> tuple[int, int, int, int] | None:
    """A sortable form of a consent text version (YYYY-MM-DD.N); None when it is not one."""
    match = _VERSION_RE.fullmatch(version)
    return None if match is None else (int(match[1]), int(match[2]), int(match[3]), int(match[4]))


def consent_path(settings: Settings) -> Path:
    return settings.store.path.parent / CONSENT_FILE


def record_consent(
    settings: Settings,
    lang: Lang,
    version: str,
    now: datetime,
    *,
    method: Literal["quiz", "flag"] = "quiz",
    choices: dict[str, Choice] | None = None,
    networks: list[int] | None = None,
    any_network: bool = False,
) -> Consent:
    """Write the consent record (atomically, owner-only) and return it."""
    consent = Consent(
        version=version,
        lang=lang,
        agreed_at=now.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
        method=method,
        choices=choices or {},
        networks=sorted(set(networks or [])),
        any_network=any_network,
    )
    save_consent(settings, consent)
    return consent


def save_consent(settings: Settings, consent: Consent) -> None:
    """Replace the consent record with `consent` (atomically, owner-only)."""
    write_private(consent_path(settings), (consent.model_dump_json(indent=2) + "\n").encode())


def load_consent(settings: Settings) -> Consent | None:
    """The consent on record, or None when there is none.

    Raises ConsentMissing (saying so) when the file exists but cannot be read or is not a consent record.
    """
    path = consent_path(settings)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConsentMissing(
            f"the consent record {path} cannot be read ({exc.strerror}): run `probe init` again"
        ) from None
    try:
        return Consent.model_validate_json(data)
    except ValidationError:
        raise ConsentMissing(
            f"the consent record {path} is damaged: run `probe init` again (it explains what the probe does "
            "and the risks)"
        ) from None


def require_consent(settings: Settings) -> Consent:
    """The consent on record when it is for the current text (or a newer one); else raise ConsentMissing."""
    consent = load_consent(settings)
    if consent is None:
        raise ConsentMissing(t("consent_missing"))
    given, current = version_key(consent.version), version_key(CONSENT_VERSION)
    assert current is not None
    if given is None or given < current:
        raise ConsentMissing(
            f"the consent on record is for an older text ({consent.version}): run `probe init` again (what "
            "the probe does or its risks were explained anew)"
        )
    return consent
