"""APScheduler wiring for `probe daemon`: full runs with jitter, watches, uploads, list refresh and the
network check; SIGTERM/SIGINT stop it within seconds with the store consistent.

Logs are short lines on stdout (journald adds the time) and never contain an address.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_SUBMITTED, JobEvent, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from probe.config import Settings
from probe.consent import Consent, ConsentMissing, require_consent
from probe.consent.networks import refusal
from probe.daemon import jobs
from probe.daemon.schedule import RunGate, next_full_run, next_watch_run, watched_urls
from probe.i18n import t
from probe.models.measurement import Measurement
from probe.runner import offline_reason
from probe.store import Store
from probe.upload.client import stamp

log = logging.getLogger("saksi.daemon")
Clock = Callable[[], datetime]
STOP_GRACE_S = 5.0


def utc_now() -> datetime:
    return datetime.now(UTC)


class Daemon:
    def __init__(
        self, settings: Settings, store: Store, *, clock: Clock = utc_now, rng: random.Random | None = None
    ):
        self.settings = settings
        self.store = store
        self.clock = clock
        self.rng = rng or random.SystemRandom()
        self.gate = RunGate()
        self.asn: int | None = None
        self.last_full: datetime | None = None
        self.last_watch: dict[int, datetime] = {}
        self.current: asyncio.Task[list[Measurement]] | None = None
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self.stopping = asyncio.Event()
        self.store_id = _identity(store)
        self.consent: Consent | None = None

    # what must hold before anything is measured ---------------------------------------------------

    def _halt_reason(self) -> str | None:
        """Why this daemon must stop: its store was wiped or replaced, or consent was withdrawn."""
        if _identity(self.store) != self.store_id:
            return t("log_store_gone", path=self.store.path)
        try:
            self.consent = require_consent(self.settings)
        except ConsentMissing as exc:
            return str(exc)
        return None

    async def may_measure(self) -> bool:
        """Whether a run may start now: store and consent still there, and this network approved.

        Asks the collector which network this is before every run (a laptop moves between checks).
        """
        halt = self._halt_reason()
        if halt is not None:
            log.error(t("log_stopping", why=halt))
            self.stopping.set()
            return False
        self.asn = await jobs.current_asn(self.settings)
        if self.asn is not None:
            self.store.kv_set(jobs.ASN_KEY, str(self.asn))
        assert self.consent is not None  # set by _halt_reason
        why = refusal(self.consent, self.asn)
        if why is not None:
            log.warning(t("log_skipped", why=why))
            self.store.note_problem("network", why)
            return False
        self.store.clear_problem("network")
        return True

    # the run ------------------------------------------------------------------------------------

    def _run_settings(self) -> Settings:
        # Measurements are signed with the key of the network the probe is on now.
        if self.asn is None or self.settings.probe.asn is not None:
            return self.settings
        probe = self.settings.probe.model_copy(update={"asn": self.asn})
        return self.settings.model_copy(update={"probe": probe})

    async def _measure(self, kind: str, urls: list[str] | None = None) -> None:
        if not self.gate.try_start():
            log.info(t("log_busy", kind=_kind(kind)))
            return
        try:
            if not await self.may_measure():
                return
            chosen = jobs.targets(self.settings, self.store)
            if urls is not None:
                chosen = [target for target in chosen if target.url in set(urls)]
            log.info(t("log_measuring", kind=_kind(kind), count=len(chosen)))
            consent = self.consent
            self.current = asyncio.get_running_loop().create_task(
                jobs.measure(
                    self._run_settings(),
                    self.store,
                    chosen,
                    kind,
                    approved=lambda asn: consent is not None and refusal(consent, asn) is None,
                )
            )
            measured = await self.current
            log.info(t("log_done", kind=_kind(kind), count=len(measured)))
            offline = offline_reason(measured, self.settings)
            if offline:
                log.error(t("log_run_problem", kind=_kind(kind), why=offline))
                self.store.note_problem("run", t("log_run_problem", kind=_kind(kind), why=offline))
            else:
                self.store.clear_problem("run")
            await self._upload()
        except asyncio.CancelledError:
            log.info(t("log_run_stopped", kind=_kind(kind)))
            raise
        except jobs.NetworkMoved as exc:
            log.warning(t("log_run_problem", kind=_kind(kind), why=exc))
            self.store.note_problem("network", str(exc))
        except Exception as exc:
            log.error(t("log_run_failed", kind=_kind(kind), why=exc))
            self.store.note_problem("run", t("log_run_failed", kind=_kind(kind), why=exc))
        finally:
            self.current = None
            self.gate.finish()

    async def full_run(self) -> None:
        self.last_full = self.clock()
        try:
            await self._measure("full")
        finally:
            self._schedule_full()

    def _schedule_full(self) -> None:
        when = next_full_run(self.last_full, self.clock(), self.settings.daemon, self.rng)
        self.store.kv_set("next_run_at", stamp(when))  # shown by `probe status` as every other time
        self.scheduler.add_job(self.full_run, DateTrigger(when), id="full", replace_existing=True)

    async def watch_run(self, index: int) -> None:
        watch = self.settings.daemon.watches[index]
        self.last_watch[index] = self.clock()
        urls = watched_urls([t.url for t in jobs.targets(self.settings, self.store)], watch)
        try:
            await self._measure(f"watch {index + 1}", urls)
        finally:
            self._schedule_watch(index)

    def _schedule_watch(self, index: int) -> None:
        when = next_watch_run(self.last_watch.get(index), self.clock(), self.settings.daemon.watches[index])
        if when is not None:
            self.scheduler.add_job(
                self.watch_run, DateTrigger(when), args=[index], id=f"watch-{index}", replace_existing=True
            )

    # the other jobs -----------------------------------------------------------------------------

    async def _upload(self) -> None:
        if _identity(self.store) != self.store_id:
            return  # wiped: the next run's check stops the daemon; nothing is sent from a deleted store
        report = await jobs.drain(self.settings, self.store)
        if report is not None and report.enrol_error:
            log.error(t("log_enrol_refused", why=report.enrol_error))
        if report is not None and (report.uploaded or report.dead or report.error):
            log.info(
                t(
                    "log_upload",
                    uploaded=report.uploaded,
                    rejected=len(report.dead),
                    waiting=report.pending,
                    error=f"; {report.error}" if report.error else "",
                )
            )

    async def refresh(self) -> None:
        if _identity(self.store) != self.store_id:
            return
        try:
            count = await jobs.refresh_lists(self.settings, self.store)
            if count:
                log.info(t("log_lists", count=count))
            self.store.clear_problem("lists")
        except Exception as exc:
            log.warning(t("log_lists_failed", why=exc))
            self.store.note_problem("lists", t("log_lists_failed", why=exc))

    async def check_network(self) -> None:
        if _identity(self.store) != self.store_id:
            return
        asn = await jobs.current_asn(self.settings)
        if asn is None:
            return
        known = self.store.kv_get(jobs.ASN_KEY)
        self.asn = asn
        if known is not None and int(known) != asn:
            halt = self._halt_reason()
            assert halt is not None or self.consent is not None
            why = halt or (refusal(self.consent, asn) if self.consent else None)
            if why is not None:
                log.warning(t("log_net_refused", old=known, new=asn, why=why))
                self.store.note_problem("network", why)
                self.store.kv_set(jobs.ASN_KEY, str(asn))
                return
            log.info(t("log_net_changed", old=known, new=asn))
            self.scheduler.add_job(
                self.full_run,
                DateTrigger(self.clock() + timedelta(seconds=30)),
                id="full",
                replace_existing=True,
            )
        self.store.kv_set(jobs.ASN_KEY, str(asn))

    # lifecycle ----------------------------------------------------------------------------------

    async def serve(self, stop: asyncio.Event) -> None:
        halt = self._halt_reason()
        if halt is not None:
            log.error(t("log_not_starting", why=halt))
            return
        for run_id, planned, measured in self.store.close_interrupted_runs():
            log.info(t("log_was_interrupted", run=run_id, measured=measured, planned=planned))
        await self.check_network()
        d = self.settings.daemon
        self.scheduler.add_job(
            self._upload,
            IntervalTrigger(minutes=d.upload_every_minutes),
            id="upload",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.add_job(
            self.refresh,
            IntervalTrigger(hours=d.refresh_lists_hours),
            id="refresh",
            max_instances=1,
            coalesce=True,
            next_run_time=self.clock(),
        )
        self.scheduler.add_job(
            self.check_network,
            IntervalTrigger(minutes=d.network_check_minutes),
            id="network",
            max_instances=1,
            coalesce=True,
        )
        self._schedule_full()
        for index in range(len(d.watches)):
            self._schedule_watch(index)
        self.scheduler.add_listener(_job_event, EVENT_JOB_SUBMITTED | EVENT_JOB_EXECUTED)
        self.scheduler.start()
        log.info(t("log_started", hours=f"{d.every_hours:.1f}", next=self.store.kv_get("next_run_at")))
        try:
            stopped = asyncio.ensure_future(stop.wait())
            halted = asyncio.ensure_future(self.stopping.wait())
            await asyncio.wait({stopped, halted}, return_when=asyncio.FIRST_COMPLETED)
            for waiter in (stopped, halted):
                waiter.cancel()
        finally:
            self.scheduler.shutdown(wait=False)
            self.store.kv_delete("next_run_at")
            if self.current is not None:
                self.current.cancel()
                with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                    await asyncio.wait_for(asyncio.shield(self.current), STOP_GRACE_S)
            log.info(t("log_stopped"))


def _job_event(event: JobEvent) -> None:
    """`probe daemon -v`: one line as each job starts and ends (the job's name only)."""
    done = isinstance(event, JobExecutionEvent)
    log.debug(t("log_job", job=event.job_id, state=t("log_job_done" if done else "log_job_started")))


def _kind(kind: str) -> str:
    """A run's kind (full, watch N) as the log's reader says it."""
    if kind.startswith("watch "):
        return t("run_watch", number=kind.removeprefix("watch "))
    return t("run_full") if kind == "full" else kind


def _identity(store: Store) -> tuple[int, int] | None:
    """The store file's (device, inode): changes when the file is deleted or replaced."""
    try:
        st = os.stat(store.path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino)


async def run_daemon(settings: Settings, store: Store) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await Daemon(settings, store).serve(stop)
