"""Wires the stages for one run: measure every target, ask the control, classify, store, yield.

This is the only module that joins measure, control, classify and store; the CLI, the demo and the
benchmarks call it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Sequence
from contextlib import nullcontext, suppress
from datetime import UTC, datetime, timedelta

import httpx
from pydantic import ValidationError

from probe import SOFTWARE_NAME, __version__
from probe.classify import RULES_VERSION, Context, classify
from probe.classify.context import recorded_settings
from probe.classify.fingerprints import FingerprintSet
from probe.config import Settings
from probe.control.client import ask
from probe.i18n import t
from probe.lists.builtin import builtin_fingerprints
from probe.measure.env import open_env
from probe.measure.flow import ControlFn, UrlFacts, measure_url, utc_now
from probe.measure.sweep import by_expected_cost, sweep
from probe.models.control import ControlResult
from probe.models.evidence import WhoAmI
from probe.models.measurement import Measurement, ProbeInfo, Software, TargetRef, TimeAnchor
from probe.models.observation import HttpObservation
from probe.models.types import MAX_NAME, country_code
from probe.models.verdict import Outcome
from probe.sign.dsse import Envelope
from probe.sign.keys import SEED_FILE, DeviceSeed, key_id
from probe.sign.signer import ProbeSigner
from probe.store import TIME_ANCHOR_KEY, Store
from probe.upload.connection import collector_client
from probe.upload.errors import UploadError
from probe.upload.identity import enrol

# How far back the last duration of a URL still predicts its cost in the next sweep (by_expected_cost).
COST_MEMORY = timedelta(days=30)
ACCESSIBLE_EXCERPT_CHARS = 1024  # full excerpts (64 KiB) are kept only as evidence of blocking


def fingerprint_set(store: Store | None) -> FingerprintSet:
    imported = store.fingerprints() if store is not None else []
    return FingerprintSet([*builtin_fingerprints(), *imported])


def _trim(http: list[HttpObservation]) -> list[HttpObservation]:
    return [
        h.model_copy(update={"body_excerpt": h.body_excerpt[:ACCESSIBLE_EXCERPT_CHARS]})
        if h.body_excerpt
        else h
        for h in http
    ]


def build_measurement(
    facts: UrlFacts,
    target: TargetRef,
    settings: Settings,
    fingerprints: FingerprintSet,
    *,
    signer: ProbeSigner | None = None,
    time_anchor: TimeAnchor | None = None,
) -> Measurement:
    control = facts.control.response if facts.control else None
    # Through a proxy the control sees the proxy's network, not ours: only probe.asn can name ours then.
    seen = control.client.asn if control and not settings.upload.socks5 else None
    probe_asn = settings.probe.asn or seen
    ctx = Context(fingerprints=fingerprints, bogon_ranges=settings.network.bogon_ranges, probe_asn=probe_asn)
    observations = facts.observations()
    verdict = classify(facts.url, observations, control, ctx, incomplete=facts.incomplete is not None)
    if verdict.outcome == Outcome.ACCESSIBLE:
        observations = observations.model_copy(update={"http": _trim(observations.http)})
    client = control.client if control and not settings.upload.socks5 else None
    started = datetime.fromisoformat(facts.started_at.replace("Z", "+00:00"))
    return Measurement(
        measurement_uid=facts.uid,
        software=Software(name=SOFTWARE_NAME, version=__version__),
        rules_version=RULES_VERSION,
        probe=ProbeInfo(
            asn=probe_asn,
            # within the ingest contract's forms (an ip2asn table may say "None" for a country)
            network_name=_bounded(settings.probe.network_name or (client.network_name if client else None)),
            cc=country_code((settings.probe.cc or (client.cc if client else None) or "").upper()),
            key_id=signer.key_id_for(probe_asn, started) if signer else None,
        ),
        target=target,
        started_at=facts.started_at,
        finished_at=facts.finished_at,
        time_anchor=time_anchor,
        observations=observations,
        control=facts.control,
        verdict=verdict,
        classifier=recorded_settings(settings.network.bogon_ranges),
    )


def _bounded(name: str | None) -> str | None:
    return name[:MAX_NAME] if name else None


def time_anchor(store: Store) -> TimeAnchor | None:
    """The latest collector checkpoint this probe has seen: its measurements were made after it."""
    raw = store.kv_get(TIME_ANCHOR_KEY)
    return TimeAnchor.model_validate_json(raw) if raw else None


def _control_fn(
    http: httpx.AsyncClient, settings: Settings, signer: ProbeSigner, network: int | None
) -> ControlFn | None:
    """Asks the control, signing each request with the key of `network` (the ASN the probe is on, as far
    as it knows before measuring): the key that will sign the measurement when the control agrees."""
    control_url = settings.control.url
    if control_url is None:
        return None

    async def control(url: str, endpoints: list[str], uid: str) -> ControlResult:
        key = signer.key(network, datetime.now(UTC))
        return await ask(
            http, control_url, url, endpoints, timeout_s=settings.timeouts.control_s, key=key, uid=uid
        )

    return control


async def network_before_run(settings: Settings, http: httpx.AsyncClient) -> int | None:
    """The ASN whose key signs control requests: probe.asn when set; otherwise the network the control's
    host sees (GET /api/v1/whoami beside the control URL). Through upload.socks5 the control sees the
    proxy's exit, never this network: nothing is asked then, and the measurements stay `claimed`."""
    if settings.probe.asn is not None or settings.control.url is None or settings.upload.socks5:
        return settings.probe.asn
    base = settings.control.url.rsplit("/control", 1)[0]
    try:
        response = await http.get(f"{base}/whoami", timeout=settings.timeouts.control_s)
        return WhoAmI.model_validate_json(response.content).asn if response.status_code == 200 else None
    except (httpx.HTTPError, ValidationError):
        return None


async def enrol_for_control(
    settings: Settings, store: Store, signer: ProbeSigner, network: int | None
) -> None:
    """The collector's control serves enrolled keys only: enrol this network's key first when a collector
    is set and the key is not known to be enrolled there. A failure is left for the control to report."""
    url = settings.upload.url
    if settings.control.url is None or not url:
        return
    key = signer.key(network, datetime.now(UTC))
    if store.is_enrolled(url, key_id(key.public_key())):
        return
    with suppress(UploadError):
        await enrol(settings, store, key)


async def run(
    settings: Settings, targets: Sequence[TargetRef], store: Store, *, concurrency: int | None = None
) -> AsyncGenerator[Measurement, None]:
    """Measure `targets`; each measurement is signed and committed to `store` (and its outbox) before it is
    yielded."""
    fingerprints = fingerprint_set(store)
    signer = ProbeSigner(DeviceSeed(settings.store.seed_folder / SEED_FILE))
    anchor = time_anchor(store)

    def sealed(facts: UrlFacts, target: TargetRef) -> tuple[Measurement, Envelope, str]:
        m = build_measurement(facts, target, settings, fingerprints, signer=signer, time_anchor=anchor)
        return (m, *signer.sign(m))

    # With upload.socks5 (Tor), the control is asked through the proxy too: it usually runs on the
    # collector, which must not learn the volunteer's address from it either.
    proxied = (
        collector_client(settings, timeout_s=settings.timeouts.control_s) if settings.upload.socks5 else None
    )
    async with open_env(settings) as env, proxied or nullcontext(env.services) as control_http:
        network = await network_before_run(settings, control_http)
        await enrol_for_control(settings, store, signer, network)
        control = _control_fn(control_http, settings, signer, network)

        async def one(target: TargetRef) -> Measurement:
            facts = UrlFacts(url=target.url, started_at=utc_now())
            try:
                await measure_url(env, facts, control)
            except asyncio.CancelledError:
                # Stopped (Ctrl-C, SIGTERM): what was observed is kept here, marked interrupted, but never
                # signed or queued: an unfinished test is not evidence of anything.
                partial = build_measurement(facts, target, settings, fingerprints, time_anchor=anchor)
                store.save(partial, interrupted=True)
                raise
            m, envelope, digest = sealed(facts, target)
            await store.save_async(m, envelope, digest)
            return m

        since = (datetime.now(UTC) - COST_MEMORY).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        ordered = by_expected_cost(targets, lambda target: target.url, store.last_durations(since))
        async for measurement in sweep(ordered, one, concurrency or settings.network.concurrency):
            yield measurement


def offline_reason(measurements: list[Measurement], s: Settings) -> str | None:
    """One sentence when the run could not measure anything meaningful (no network, control down)."""
    if not measurements:
        return None
    if all(
        all(o.failure is not None for o in m.observations.dns) and m.observations.dns for m in measurements
    ):
        return t("offline")
    if s.control.url and all(m.control is not None and m.control.failure for m in measurements):
        reason = measurements[0].control.failure if measurements[0].control else ""
        return t("control_down", url=s.control.url, reason=reason)
    return None
