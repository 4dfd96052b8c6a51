"""Sweep benchmark: our concurrent sweep against OONI's one-URL-at-a-time schedule, on the same lab URLs.

Starts the censorship lab with `--sites` generated HTTPS sites (at least 20 % blocked by timeouts: SYN
dropped or silenced after the SNI) and a control service, then measures every site twice with
`probe.runner.run`: once with the default `network.concurrency` (as Saksi does) and once with
`concurrency=1` (as OONI does: same engine, same timeouts, one URL at a time). Prints both times, their
ratio, the lower bound set by the slowest single URL, and whether both runs reach identical verdicts equal
to the lab's expected ones.

Targets: at least 20 times faster than one at a time, and within 1.5 times of the slowest single URL.
Always exits 0 (speed is reported, not enforced); each target is printed MET or MISSED.
Everything runs on loopback; stores and lab files live in a temporary directory.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from common import (
    BENCH_TIMEOUTS,
    LabRig,
    expected_fields,
    given,
    lab_rig,
    show,
    status,
    timeout_blocked,
)

from probe.cli.demo import given_matches
from probe.config import Settings
from probe.lab import Expected
from probe.lists import read_fingerprints_csv
from probe.models.measurement import Measurement, TargetRef
from probe.runner import run
from probe.store import Store

TARGET_RATIO = 20.0
TARGET_OVER_SLOWEST = 1.5


@dataclass(frozen=True)
class SweepRun:
    label: str
    concurrency: int
    wall_s: float
    by_url: dict[str, Measurement]


def url_duration_s(m: Measurement) -> float:
    """The measurement's own duration (finished_at - started_at; both have millisecond precision)."""
    return (datetime.fromisoformat(m.finished_at) - datetime.fromisoformat(m.started_at)).total_seconds()


async def _collect(
    s: Settings, targets: list[TargetRef], store: Store, concurrency: int | None
) -> list[Measurement]:
    return [m async for m in run(s, targets, store, concurrency=concurrency)]


def sweep_once(
    rig: LabRig, targets: list[TargetRef], store_path: Path, label: str, concurrency: int | None
) -> SweepRun:
    s = rig.probe_settings(store_path)
    with Store(store_path) as store:
        store.import_fingerprints(read_fingerprints_csv(rig.lab.fingerprints_csv))  # as `probe demo` does
        print(f"… {label} sweep of {len(targets)} URLs", file=sys.stderr, flush=True)
        started = time.perf_counter()
        measurements = asyncio.run(_collect(s, targets, store, concurrency))
        wall_s = time.perf_counter() - started
    by_url = {m.target.url: m for m in measurements}
    if len(by_url) != len(targets):
        raise SystemExit(f"the {label} sweep returned {len(by_url)} measurements for {len(targets)} URLs")
    return SweepRun(label, concurrency or s.network.concurrency, wall_s, by_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sites", type=int, default=200, help="generated lab sites to sweep (default 200)")
    args = parser.parse_args()
    sites: int = args.sites
    if sites < 1:
        parser.error("--sites must be 1 or more")

    with tempfile.TemporaryDirectory(prefix="saksi-bench-sweep-") as tmp:
        workdir = Path(tmp)
        with lab_rig(workdir, sites) as rig:
            urls: list[tuple[str, Expected]] = list(rig.lab.bulk_urls)
            targets = [TargetRef(url=url, list="bench", category_code="LAB") for url, _ in urls]
            defaults = rig.probe_settings(workdir / "unused.db")
            concurrent = sweep_once(rig, targets, workdir / "concurrent.db", "concurrent", None)
            sequential = sweep_once(rig, targets, workdir / "sequential.db", "one-at-a-time", 1)

    blocked = Counter(e.method for _, e in urls if timeout_blocked(e))
    n_blocked = sum(blocked.values())
    durations = {url: url_duration_s(m) for url, m in sequential.by_url.items()}
    slowest_url = max(durations, key=lambda u: durations[u])
    slowest_s = durations[slowest_url]
    ratio = sequential.wall_s / concurrent.wall_s
    over_slowest = concurrent.wall_s / slowest_s

    mismatches: list[str] = []
    for url, expected in urls:
        a, b = concurrent.by_url[url], sequential.by_url[url]
        if given(a) != given(b):
            mismatches.append(
                f"  {url}: concurrent {show(given(a))} ({a.verdict.rule_id}), one-at-a-time {show(given(b))} ({b.verdict.rule_id})"
            )
        for run_ in (concurrent, sequential):
            m = run_.by_url[url]
            if not given_matches(expected, m):
                mismatches.append(
                    f"  {url}: {run_.label} gave {show(given(m))} ({m.verdict.rule_id}: {m.verdict.explanation}), "
                    f"the lab expects {show(expected_fields(expected))}"
                )

    timeouts = ", ".join(f"{k}={v:g}" for k, v in defaults.timeouts.model_dump().items())
    print(f"URLs:                      {len(urls)} lab sites (https, generated by Lab(extra_sites={sites}))")
    print(
        f"blocked by timeouts:       {n_blocked} ({100 * n_blocked / len(urls):.1f} %: "
        + ", ".join(f"{m} {c}" for m, c in sorted(blocked.items()))
        + ")"
    )
    print(f"timeouts (s):              {timeouts} (set: {', '.join(BENCH_TIMEOUTS)})")
    print(
        f"concurrency:               {defaults.network.concurrency} (Settings default "
        "network.concurrency) vs 1 (OONI)"
    )
    print(f"concurrent sweep:          {concurrent.wall_s:.2f} s")
    print(f"one-at-a-time sweep:       {sequential.wall_s:.2f} s")
    print(
        f"ratio:                     {ratio:.1f}×   target ≥ {TARGET_RATIO:g}×   {status(ratio >= TARGET_RATIO)}"
    )
    print(
        f"slowest single URL:        {slowest_s:.2f} s ({slowest_url}, {show(given(sequential.by_url[slowest_url]))})"
    )
    print(f"median single URL:         {sorted(durations.values())[len(durations) // 2]:.3f} s")
    print(
        f"concurrent / slowest URL:  {over_slowest:.2f}×   target ≤ {TARGET_OVER_SLOWEST:g}×   "
        f"{status(over_slowest <= TARGET_OVER_SLOWEST)}"
    )
    agree = sum(
        given(concurrent.by_url[u]) == given(sequential.by_url[u])
        and given_matches(e, concurrent.by_url[u])
        and given_matches(e, sequential.by_url[u])
        for u, e in urls
    )
    print(
        f"verdicts:                  {agree} of {len(urls)} identical in both runs and equal to the lab's "
        f"expected verdict   {status(not mismatches)}"
    )
    for line in mismatches:
        print(line)


if __name__ == "__main__":
    main()
