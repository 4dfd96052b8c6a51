"""Sweep benchmark: our concurrent sweep against OONI's one-URL-at-a-time schedule, on the same lab URLs.

Starts the censorship lab with `--sites` generated HTTPS sites (at least 20 % blocked by timeouts: SYN
dropped or silenced after the SNI) and a control service in this process, writes a TOML config pointing a
probe at them and a Citizen Lab CSV of the sites, and runs the real command in a child process, as a
volunteer runs it: `python -m probe run --config CFG --list CSV --json`, twice: once with the default
`network.concurrency` (as Saksi does; the config leaves it out) and once with `network.concurrency = 1`
(as OONI does: same engine, same timeouts, one URL at a time). Each run has its own store, into which the
lab's blockpage fingerprints are first imported with `probe targets import-fingerprints` (as `probe demo`
does; not timed). Per-URL durations and verdicts come from the JSON lines the command prints.

Prints both wall times (of the whole command: interpreter start, imports and store included), their ratio,
the lower bound set by the slowest single URL, whether both runs reach identical verdicts equal to the
lab's expected ones, and where the CPU goes: the probe process's CPU time (getrusage RUSAGE_CHILDREN) and
this process's meanwhile (the lab and the control service; RUSAGE_SELF).

The concurrent command also runs a second time on its own store (a repeat run, as a daemon's every run
after its first): the store then knows which URLs waited on timeouts, and the sweep starts those first
(probe.measure.sweep.by_expected_cost). Both concurrent runs are compared with the targets.

Targets: at least 30 times faster than one at a time, and within 1.3 times of the slowest single URL.
Always exits 0 (speed is reported, not enforced); each target is printed MET or MISSED. With `--profile`,
runs only the concurrent sweep, under cProfile or py-spy, and prints the hot spots by self time instead.
Everything runs on loopback; config, list, stores and lab files live in a temporary directory.
"""

from __future__ import annotations

import argparse
import json
import pstats
import shutil
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from common import (
    BENCH_TIMEOUTS,
    ChildRun,
    LabRig,
    expected_fields,
    lab_rig,
    run_child,
    show,
    status,
    timeout_blocked,
    write_citizenlab_csv,
    write_config,
)

from probe.cli.demo import merge
from probe.lab import Expected

TARGET_RATIO = 30.0
TARGET_OVER_SLOWEST = 1.3
PROFILE_TOP = 15
PROBE = (sys.executable, "-m", "probe")


@dataclass(frozen=True)
class Result:
    """What the benchmark reads from one line of `probe run --json`."""

    url: str
    started_at: datetime
    finished_at: datetime
    fields: tuple[str, str | None, str | None]  # verdict outcome, method, confidence
    fingerprint: str | None
    rule_id: str | None
    explanation: str | None

    @property
    def duration_s(self) -> float:
        """The measurement's own duration (finished_at - started_at; both have millisecond precision)."""
        return (self.finished_at - self.started_at).total_seconds()

    @classmethod
    def from_json(cls, line: str) -> Result:
        m: dict[str, Any] = json.loads(line)
        v: dict[str, Any] = m["verdict"]
        return cls(
            url=m["target"]["url"],
            started_at=_when(m["started_at"]),
            finished_at=_when(m["finished_at"]),
            fields=(v["outcome"], v.get("method"), v.get("confidence")),
            fingerprint=v.get("fingerprint"),
            rule_id=v.get("rule_id"),
            explanation=v.get("explanation"),
        )


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def matches(expected: Expected, r: Result) -> bool:
    """As `probe.cli.demo.given_matches`, on a JSON line."""
    return r.fields == expected_fields(expected) and (
        expected.fingerprint is None or r.fingerprint == expected.fingerprint
    )


@dataclass(frozen=True)
class SweepRun:
    label: str
    concurrency: int | None  # None: the default, left out of the config
    child: ChildRun
    by_url: dict[str, Result]

    @property
    def wall_s(self) -> float:
        return self.child.wall_s

    @property
    def measuring_s(self) -> float:
        """From the first measurement's start to the last one's finish: the command minus start-up and exit."""
        results = self.by_url.values()
        return (max(r.finished_at for r in results) - min(r.started_at for r in results)).total_seconds()


def _fail(what: str, child: ChildRun) -> SystemExit:
    return SystemExit(f"{what} exited {child.returncode}:\n{child.stderr.strip()}")


def prepare(rig: LabRig, workdir: Path, name: str, concurrency: int | None) -> Path:
    """A config for one run (its own store; `network.concurrency` only if given), fingerprints imported."""
    overrides = rig.probe_overrides(workdir / name / "probe.db")
    if concurrency is not None:
        overrides = merge(overrides, {"network": {"concurrency": concurrency}})
    (workdir / name).mkdir()
    config = write_config(workdir / name / "probe.toml", overrides)
    imported = run_child(
        [*PROBE, "targets", "import-fingerprints", str(rig.lab.fingerprints_csv), "--config", str(config)],
        workdir,
        f"{name}-fingerprints",
    )
    if imported.returncode != 0:
        raise _fail("probe targets import-fingerprints", imported)
    return config


def sweep_once(
    rig: LabRig,
    workdir: Path,
    listing: Path,
    n: int,
    name: str,
    label: str,
    concurrency: int | None,
    config: Path | None = None,
) -> SweepRun:
    """One `probe run` of the list; with `config`, on that run's store again (a repeat run)."""
    config = config or prepare(rig, workdir, name, concurrency)
    print(f"… {label} sweep of {n} URLs", file=sys.stderr, flush=True)
    child = run_child(
        [*PROBE, "run", "--config", str(config), "--list", str(listing), "--json"], workdir, name
    )
    if child.returncode != 0:
        raise _fail(f"the {label} probe run", child)
    results = [Result.from_json(line) for line in child.stdout.splitlines() if line.strip()]
    by_url = {r.url: r for r in results}
    if len(by_url) != n:
        raise SystemExit(f"the {label} sweep printed {len(by_url)} measurements for {n} URLs")
    return SweepRun(label, concurrency, child, by_url)


# -- --profile: the concurrent run under a profiler ----------------------------------------------------------


def profile(rig: LabRig, workdir: Path, listing: Path, profiler: str, out: Path) -> None:
    config = prepare(rig, workdir, "profiled", None)
    run_args = ["run", "--config", str(config), "--list", str(listing), "--json"]
    if profiler == "cprofile":
        args = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "probe", *run_args]
    else:
        spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        args = [spy, "record", "--format", "raw", "--output", str(out), "--", *PROBE, *run_args]
    print(f"… concurrent sweep under {profiler}", file=sys.stderr, flush=True)
    child = run_child(args, workdir, "profiled")
    if child.returncode != 0:
        raise _fail(f"the {profiler} run", child)
    lines = sum(1 for line in child.stdout.splitlines() if line.startswith("{"))  # py-spy adds its own
    print(f"profiled:                  {' '.join(args)}")
    print(
        f"                           {lines} measurements, {child.wall_s:.2f} s wall (slowed by the profiler)"
    )
    print(f"probe process CPU:         {child.child_cpu.show(child.wall_s)} (profiler included)")
    print(f"bench process CPU:         {child.own_cpu.show(child.wall_s)} (lab + control service)")
    print(f"top {PROFILE_TOP} by self time ({out}):")
    if profiler == "cprofile":
        stats = pstats.Stats(str(out), stream=sys.stdout)
        stats.sort_stats("tottime").print_stats(PROFILE_TOP)
        stats.sort_stats("cumulative").print_stats(PROFILE_TOP)
        return
    own: Counter[str] = Counter()  # py-spy raw: "frame;frame;...;leaf count" per distinct stack
    for line in out.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            own[stack.rsplit(";", 1)[-1]] += int(count)
    total = sum(own.values()) or 1
    for frame, count in own.most_common(PROFILE_TOP):
        print(f"  {100 * count / total:5.1f} %  {count:6d}  {frame}")


# -- the benchmark -------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sites", type=int, default=200, help="generated lab sites to sweep (default 200)")
    parser.add_argument(
        "--profile",
        choices=("cprofile", "py-spy"),
        help="run only the concurrent sweep, under this profiler, and print its hot spots",
    )
    parser.add_argument(
        "--profile-out",
        type=Path,
        help="where the profile goes (default /tmp/probe.prof or /tmp/profile.txt)",
    )
    args = parser.parse_args()
    sites: int = args.sites
    if sites < 1:
        parser.error("--sites must be 1 or more")

    with tempfile.TemporaryDirectory(prefix="saksi-bench-sweep-") as tmp:
        workdir = Path(tmp)
        with lab_rig(workdir, sites) as rig:
            urls: list[tuple[str, Expected]] = list(rig.lab.bulk_urls)
            listing = write_citizenlab_csv(workdir / "bench-lab.csv", (url for url, _ in urls))
            defaults = rig.probe_settings(workdir / "unused.db")
            if args.profile:
                default_out = "/tmp/probe.prof" if args.profile == "cprofile" else "/tmp/profile.txt"
                profile(rig, workdir, listing, args.profile, args.profile_out or Path(default_out))
                return
            concurrent = sweep_once(rig, workdir, listing, len(urls), "concurrent", "concurrent", None)
            # The same command again on the same store, as a daemon's every run after its first: the store
            # now knows which URLs waited on timeouts and the sweep starts those first.
            repeat = sweep_once(
                rig,
                workdir,
                listing,
                len(urls),
                "repeat",
                "repeat concurrent",
                None,
                config=workdir / "concurrent" / "probe.toml",
            )
            sequential = sweep_once(rig, workdir, listing, len(urls), "sequential", "one-at-a-time", 1)

    blocked = Counter(e.method for _, e in urls if timeout_blocked(e))
    n_blocked = sum(blocked.values())
    durations = {url: r.duration_s for url, r in sequential.by_url.items()}
    slowest_url = max(durations, key=lambda u: durations[u])
    slowest_s = durations[slowest_url]
    runs = (concurrent, repeat)

    mismatches: list[str] = []
    for url, expected in urls:
        b = sequential.by_url[url]
        for run_ in runs:
            a = run_.by_url[url]
            if a.fields != b.fields:
                mismatches.append(
                    f"  {url}: {run_.label} {show(a.fields)} ({a.rule_id}), "
                    f"one-at-a-time {show(b.fields)} ({b.rule_id})"
                )
        for run_ in (*runs, sequential):
            r = run_.by_url[url]
            if not matches(expected, r):
                mismatches.append(
                    f"  {url}: {run_.label} gave {show(r.fields)} ({r.rule_id}: {r.explanation}), "
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
    print(f"command:                   {sys.executable} -m probe run --config CFG --list CSV --json")
    for run_ in (*runs, sequential):
        print(
            f"{f'{run_.label} sweep:':<27}{run_.wall_s:.2f} s   (command wall time; measuring "
            f"{run_.measuring_s:.2f} s from first start to last finish, "
            f"{run_.wall_s - run_.measuring_s:.2f} s start-up and exit)"
        )
    for run_, when in ((concurrent, "first run, empty store"), (repeat, "repeat run, store knows")):
        ratio = sequential.wall_s / run_.wall_s
        print(
            f"{f'one-at-a-time / {when}:':<43}{ratio:5.1f}×   target ≥ {TARGET_RATIO:g}×   "
            f"{status(ratio >= TARGET_RATIO)}"
        )
    print(
        f"slowest single URL:        {slowest_s:.2f} s ({slowest_url}, {show(sequential.by_url[slowest_url].fields)})"
    )
    print(f"median single URL:         {sorted(durations.values())[len(durations) // 2]:.3f} s")
    for run_ in runs:
        loaded = sorted(r.duration_s for r in run_.by_url.values())
        print(
            f"{f'the same, {run_.label}:':<27}median {loaded[len(loaded) // 2]:.3f} s, slowest "
            f"{loaded[-1]:.2f} s (each URL's own duration while the others run)"
        )
    for run_, when in ((concurrent, "first run, empty store"), (repeat, "repeat run, store knows")):
        over_slowest = run_.wall_s / slowest_s
        print(
            f"{f'{when} / slowest URL:':<43}{over_slowest:5.2f}×   target ≤ {TARGET_OVER_SLOWEST:g}×   "
            f"{status(over_slowest <= TARGET_OVER_SLOWEST)}"
        )
    agree = sum(
        all(r.by_url[u].fields == sequential.by_url[u].fields for r in runs)
        and all(matches(e, r.by_url[u]) for r in (*runs, sequential))
        for u, e in urls
    )
    print(
        f"verdicts:                  {agree} of {len(urls)} identical in all three runs and equal to the lab's "
        f"expected verdict   {status(not mismatches)}"
    )
    for line in mismatches:
        print(line)
    print("CPU time (user + sys):")
    for run_ in (*runs, sequential):
        print(f"  {f'{run_.label} probe:':<28}{run_.child.child_cpu.show(run_.wall_s)}")
        print(f"  {f'{run_.label} lab+control:':<28}{run_.child.own_cpu.show(run_.wall_s)} (this process)")


if __name__ == "__main__":
    main()
