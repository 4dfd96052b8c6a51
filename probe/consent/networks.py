"""Consent per network: which networks the volunteer approved, and the check made before every run.

A laptop joins many networks (home, a café, an office, a phone's hotspot); a result always names the network
it was made on. So the volunteer approves networks one by one (`probe init`, `probe networks allow`), or
approves any network explicitly, and the probe measures on no other: `refusal` is asked before every run of
`probe run` and of the daemon. A network that cannot be told (no collector answer, or uploads through a
SOCKS5 proxy without probe.asn) counts as not approved, unless any network was approved.

The approvals live in the consent record (`probe.consent.record`), which only `probe init` creates.
"""

from __future__ import annotations

from probe.config import Settings
from probe.consent.record import Consent, ConsentMissing, load_consent, save_consent
from probe.i18n import t

NETWORK_CHECK_S = 10.0  # the longest wait for the collector's answer to "which network is this?"


def parse_asn(text: str) -> int:
    """`AS38623`, `as38623` or `38623` as a number; ValueError with a sentence otherwise."""
    raw = text.strip().upper().removeprefix("AS")
    if not raw.isdigit() or not 0 < int(raw) < 2**32:
        from probe.i18n import t

        raise ValueError(t("bad_asn", value=text))
    return int(raw)


def refusal(consent: Consent, asn: int | None) -> str | None:
    """Why the probe must not measure on network `asn` (None: unknown) now, or None when it may."""
    if consent.any_network:
        return None
    if asn is None:
        approved = ", ".join(f"AS{n}" for n in consent.networks) or t("net_none_yet")
        return t("net_unknown", approved=approved)
    if asn not in consent.networks:
        return t("net_refused", asn=asn)
    return None


def _current(settings: Settings) -> Consent:
    consent = load_consent(settings)
    if consent is None:
        raise ConsentMissing(t("consent_missing"))
    return consent


def allow(settings: Settings, asn: int | None) -> Consent:
    """Approve network `asn`, or any network when None; returns the record as saved."""
    consent = _current(settings)
    update: dict[str, object] = (
        {"any_network": True} if asn is None else {"networks": sorted({*consent.networks, asn})}
    )
    changed = consent.model_copy(update=update)
    save_consent(settings, changed)
    return changed


def forget(settings: Settings, asn: int | None) -> Consent:
    """Withdraw the approval of network `asn`, or of "any network" when None."""
    consent = _current(settings)
    update: dict[str, object] = (
        {"any_network": False} if asn is None else {"networks": [n for n in consent.networks if n != asn]}
    )
    changed = consent.model_copy(update=update)
    save_consent(settings, changed)
    return changed


async def network_now(settings: Settings, *, timeout_s: float = NETWORK_CHECK_S) -> int | None:
    """The network this probe is on: probe.asn, else what the collector sees (never the address).

    None when unknown: no collector, no answer within `timeout_s`, or uploads through a SOCKS5 proxy (the
    collector would see the proxy's exit, not this network).
    """
    if settings.probe.asn is not None:
        return settings.probe.asn
    if not settings.upload.url or settings.upload.socks5 is not None:
        return None
    import httpx

    from probe.upload import UploadError, whoami

    try:
        return (await whoami(settings, timeout_s=min(timeout_s, settings.upload.timeout_s))).asn
    except (UploadError, httpx.HTTPError, OSError):
        return None
