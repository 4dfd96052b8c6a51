"""When to measure: a pure policy with the clock and the randomness passed in (no I/O, no sleeping).

A full run every `every_hours`, each started a random fraction of that period late (jitter), so that
probes do not all measure at the same minute; runs never overlap; watched targets are measured every
`watch.every_hours` while their window is open.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from probe.config import DaemonSettings, Watch


def next_full_run(
    previous_start: datetime | None, now: datetime, policy: DaemonSettings, rng: random.Random
) -> datetime:
    """The start of the next full run: one period after the previous one, plus jitter; soon if overdue.

    With no previous run (first start) the probe measures within the jitter window from now.
    """
    period = timedelta(hours=policy.every_hours)
    jitter = timedelta(seconds=rng.uniform(0, policy.jitter_fraction * period.total_seconds()))
    if previous_start is None:
        return now + jitter * 0.1  # first start: soon, still spread a little
    due = previous_start + period + jitter
    return max(due, now)


def active_watches(now: datetime, watches: list[Watch]) -> list[Watch]:
    return [w for w in watches if w.starts_at <= now < w.ends_at]


def next_watch_run(previous: datetime | None, now: datetime, watch: Watch) -> datetime | None:
    """The next time the watched targets are due, or None when the window is closed for good."""
    if now >= watch.ends_at:
        return None
    if now < watch.starts_at:
        return watch.starts_at
    if previous is None or previous < watch.starts_at:
        return now
    due = previous + timedelta(hours=watch.every_hours)
    return max(due, now) if due < watch.ends_at else None


def watched_urls(urls: list[str], watch: Watch) -> list[str]:
    """The URLs a watch names: exact URLs, or every URL whose host is a named host."""
    named = set(watch.targets)
    hosts = {t.lower() for t in watch.targets if "://" not in t}
    return [u for u in urls if u in named or (urlsplit(u).hostname or "") in hosts]


@dataclass
class RunGate:
    """Runs never overlap: a run that is due while another is going is skipped and counted."""

    running: bool = False
    skipped: int = 0

    def try_start(self) -> bool:
        if self.running:
            self.skipped += 1
            return False
        self.running = True
        return True

    def finish(self) -> None:
        self.running = False
