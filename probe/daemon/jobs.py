"""The daemon's jobs: plain async functions over the library (measure, upload, refresh lists, network)."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable

from pydantic import ValidationError

from probe.config import Settings
from probe.i18n import t
from probe.lists import builtin_lists, select
from probe.models.measurement import Measurement, TargetRef
from probe.models.target import TargetEntry
from probe.runner import run
from probe.sign.dsse import LISTS_TYPE, Envelope, SignatureError, verify_envelope
from probe.store import Store
from probe.store.db import LIST_ORIGIN_PREFIX
from probe.upload import UploadError, UploadReport, collector_client, upload
from probe.upload.identity import collector_keys, pin_log_key

log = logging.getLogger("saksi.daemon")

ASN_KEY = "network_asn"  # kv: the ASN the collector last saw this probe on


def targets(settings: Settings, store: Store) -> list[TargetRef]:
    name = settings.targets.list
    entries = {**builtin_lists(), **store.lists()}.get(name, [])
    wanted = set(settings.targets.categories) if settings.targets.categories else None
    chosen = select(entries, categories=wanted, include_sensitive=settings.targets.include_sensitive)
    return [TargetRef(url=e.url, category_code=e.category_code, list=name) for e in chosen]


class NetworkMoved(Exception):
    """The control saw this probe on a network the volunteer did not approve, in the middle of a run."""

    def __init__(self, asn: int) -> None:
        super().__init__(t("log_moved", asn=asn))
        self.asn = asn


async def measure(
    settings: Settings,
    store: Store,
    chosen: list[TargetRef],
    kind: str,
    approved: Callable[[int], bool] | None = None,
) -> list[Measurement]:
    """One run over `chosen`; each measurement is committed as it finishes. Returns them.

    With `approved`, a measurement whose control saw the probe on a network that is not approved (the laptop
    moved during the run) is kept on this device only, never uploaded, and the run stops (NetworkMoved).
    """
    run_id = store.start_run(kind, len(chosen))
    done: list[Measurement] = []
    try:
        async with contextlib.aclosing(run(settings, chosen, store)) as measured:
            async for m in measured:
                seen = m.control.response.client.asn if m.control and m.control.response else None
                moved = seen is not None and seen != settings.probe.asn and not settings.upload.socks5
                if moved and approved is not None and seen is not None and not approved(seen):
                    store.keep_local(m.measurement_uid)
                    raise NetworkMoved(seen)
                done.append(m)
    except BaseException:
        store.finish_run(run_id, "interrupted")
        raise
    store.finish_run(run_id, "done")
    return done


async def drain(settings: Settings, store: Store) -> UploadReport | None:
    if not settings.upload.url:
        return None
    try:
        return await upload(settings, store)
    except UploadError as exc:
        log.error(t("log_upload_error", why=exc))
        store.note_problem("upload", str(exc))
        return None


async def refresh_lists(settings: Settings, store: Store) -> int:
    """Fetch the test lists from the collector (GET /api/v1/targets) into the store. Returns URLs stored.

    The lists must be signed by the collector's pinned log key (the key receipts are checked against);
    an unsigned or wrongly signed answer raises UploadError and changes nothing. A list the volunteer
    imported (`probe targets import`) is never replaced by the collector's list of the same name.
    """
    if not settings.upload.url:
        return 0
    async with collector_client(settings) as client:  # through upload.socks5 when set
        verifier = await pin_log_key(settings, store, client)
        answer = await client.get(f"{settings.upload.url}/api/v1/targets")
        answer.raise_for_status()
    try:
        envelope = Envelope.model_validate(answer.json()["envelope"])
        body = verify_envelope(envelope, LISTS_TYPE, collector_keys(verifier))
        lists = json.loads(body)["lists"]
    except (ValueError, KeyError, TypeError, ValidationError, SignatureError) as exc:
        raise UploadError(
            f"the test lists from {settings.upload.url} are not signed by its log key ({exc}); nothing was changed"
        ) from None
    total = 0
    imported = set(store.lists())
    for name, rows in lists.items():
        if name in imported and store.kv_get(LIST_ORIGIN_PREFIX + name) != "collector":
            log.info(t("log_list_kept", name=name))
            continue
        entries = [TargetEntry.model_validate({**row, "list": name}) for row in rows]
        if entries:
            total += store.import_list(name, entries)
            store.kv_set(LIST_ORIGIN_PREFIX + name, "collector")
    return total


async def current_asn(settings: Settings) -> int | None:
    """The network the collector sees this probe on (never the address); None when unknown or offline."""
    from probe.consent.networks import network_now

    return await network_now(settings)
