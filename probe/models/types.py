"""Value types shared by wire models, with the ranges the collector enforces at ingest."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, Field

ASN_MAX = 2**32 - 1  # AS numbers are 32-bit (RFC 6793)

Asn = Annotated[int, Field(ge=0, le=ASN_MAX)]
KeyId = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
Uid = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
CountryCode = Annotated[str, Field(pattern=r"^[A-Z]{2}$")]

_UTC = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$"


def _exists(value: str) -> str:
    """An RFC 3339 UTC time that names a real instant (no 2026-02-30, no hour 24)."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{value!r} is not a real time") from None
    return value


UtcTime = Annotated[str, Field(pattern=_UTC, max_length=40), AfterValidator(_exists)]


def parse_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))
