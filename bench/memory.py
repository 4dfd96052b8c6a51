"""Memory benchmark: peak resident memory (max RSS) of the `probe run` command on the lab sweep.

Starts the censorship lab with `--sites` generated sites and a control service in this process, writes a
TOML config pointing a probe at them and a Citizen Lab CSV of the sites, and runs
`python -m probe run --config CFG --list CSV` as a child process, as a volunteer would run it. The child's
peak RSS is its VmHWM (/proc/PID/status, a high-water mark of the image it exec'd), sampled every 5 ms
until it exits: only growth in its last few milliseconds could be missed. Not `ru_maxrss`: Linux carries
that across exec, so a child's value is at least this process's RSS when it forked (the lab and the
control service). A bare interpreter and `probe --version` are measured the same way as baselines for the
interpreter and the imports.

`probe --version` (the imports of the command-line parser alone) runs five times: its median wall time and
highest peak are compared with their own targets.

Targets: `probe run` under 60 MB (60,000,000 bytes); `probe --version` under 40 MB and 0.25 s. Always
exits 0; each target is printed MET or MISSED.
Everything runs on loopback; the config, list and store live in a temporary directory.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from common import BENCH_TIMEOUTS, lab_rig, run_child, status, write_citizenlab_csv, write_config

TARGET_BYTES = 60_000_000
VERSION_TARGET_BYTES = 40_000_000
VERSION_TARGET_S = 0.25
VERSION_RUNS = 5
POLL_S = 0.005


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB ({n / 2**20:.1f} MiB)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sites", type=int, default=200, help="generated lab sites to sweep (default 200)")
    args = parser.parse_args()
    sites: int = args.sites
    if sites < 1:
        parser.error("--sites must be 1 or more")
    probe = [sys.executable, "-m", "probe"]

    with tempfile.TemporaryDirectory(prefix="saksi-bench-memory-") as tmp:
        workdir = Path(tmp)
        interpreter = run_child(
            [sys.executable, "-c", "import time; time.sleep(0.3)"], workdir, "python", poll_s=POLL_S
        )
        versions = [
            run_child([*probe, "--version"], workdir, f"version{i}", poll_s=POLL_S)
            for i in range(VERSION_RUNS)
        ]
        baseline = max(versions, key=lambda v: v.max_rss_bytes)
        version_s = sorted(v.wall_s for v in versions)[VERSION_RUNS // 2]
        with lab_rig(workdir, sites) as rig:
            config = write_config(workdir / "probe.toml", rig.probe_overrides(workdir / "probe.db"))
            listing = write_citizenlab_csv(workdir / "bench-lab.csv", (url for url, _ in rig.lab.bulk_urls))
            print(f"… probe run on {len(rig.lab.bulk_urls)} URLs", file=sys.stderr, flush=True)
            sweep = run_child(
                [*probe, "run", "--config", str(config), "--list", str(listing)],
                workdir,
                "run",
                poll_s=POLL_S,
            )

    summary = sweep.stdout.strip().splitlines()[-1] if sweep.stdout.strip() else "(no output)"
    timeouts = ", ".join(f"{k}={v:g}" for k, v in BENCH_TIMEOUTS.items())
    print(f"command:                   {sys.executable} -m probe run --config CFG --list CSV")
    print(f"URLs:                      {sites} lab sites; timeouts (s): {timeouts}; other settings default")
    print(f"probe run:                 exit {sweep.returncode} after {sweep.wall_s:.1f} s; {summary}")
    if sweep.returncode != 0:
        print("probe run stderr:\n" + sweep.stderr.strip())
    print(f"peak RSS:                  VmHWM of the child, sampled every {POLL_S * 1e3:g} ms until it exits")
    print(f"bare interpreter:          peak RSS {_mb(interpreter.max_rss_bytes)}")
    print(
        f"probe --version:           peak RSS {_mb(baseline.max_rss_bytes)} (the imports; highest of "
        f"{VERSION_RUNS}; exit {baseline.returncode})   target < {VERSION_TARGET_BYTES / 1e6:.0f} MB   "
        f"{status(baseline.max_rss_bytes < VERSION_TARGET_BYTES)}"
    )
    print(
        f"probe --version:           wall {version_s:.3f} s (median of {VERSION_RUNS}; interpreter start "
        f"included)   target < {VERSION_TARGET_S:g} s   {status(version_s < VERSION_TARGET_S)}"
    )
    print(
        f"{f'probe run ({sites} URLs):':<27}peak RSS {_mb(sweep.max_rss_bytes)}   target < {TARGET_BYTES / 1e6:.0f} MB   "
        f"{status(sweep.max_rss_bytes < TARGET_BYTES)}"
    )
    print(f"  run above --version:     {_mb(sweep.max_rss_bytes - baseline.max_rss_bytes)}")
    if min(interpreter.samples, *(v.samples for v in versions), sweep.samples) == 0:
        print("warning: a child exited before it could be sampled once; its figure reads 0")


if __name__ == "__main__":
    main()
