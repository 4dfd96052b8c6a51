"""Memory benchmark: peak resident memory (max RSS) of the `probe run` command on the lab sweep.

Starts the censorship lab with `--sites` generated sites and a control service in this process, writes a
TOML config pointing a probe at them and a Citizen Lab CSV of the sites, and runs
`python -m probe run --config CFG --list CSV` as a child process, as a volunteer would run it. The child's
peak RSS is its VmHWM (/proc/PID/status, a high-water mark of the image it exec'd), sampled every 5 ms
until it exits: only growth in its last few milliseconds could be missed. Not `ru_maxrss`: Linux carries
that across exec, so a child's value is at least this process's RSS when it forked (the lab and the
control service). A bare interpreter and `probe --version` are measured the same way as baselines for the
interpreter and the imports.

Target: under 80 MB (80,000,000 bytes). Always exits 0; the target is printed MET or MISSED.
Everything runs on loopback; the config, list and store live in a temporary directory.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common import BENCH_TIMEOUTS, lab_rig, status

TARGET_BYTES = 80_000_000
POLL_S = 0.005
CITIZENLAB_HEADER = ("url", "category_code", "category_description", "date_added", "source", "notes")


# -- a small TOML writer: tomllib only reads -----------------------------------------------------------------


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):  # before int: bool is an int
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))  # a JSON string of ASCII text is a valid TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as a TOML value")


def _toml_table(data: Mapping[str, Any], prefix: str, lines: list[str]) -> None:
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    for key, value in data.items():
        if key not in tables and value is not None:  # TOML has no null: leave the key out
            lines.append(f"{key} = {_toml_value(value)}")
    for key, table in tables.items():
        name = f"{prefix}.{key}" if prefix else key
        lines.extend(["", f"[{name}]"])
        _toml_table(table, name, lines)


def to_toml(data: Mapping[str, Any]) -> str:
    """`data` (tables, strings, numbers, bools, lists of those) as TOML text; None values are left out."""
    lines: list[str] = []
    _toml_table(data, "", lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def _plain(data: Any) -> Any:
    """`data` as tomllib would read it back: paths as strings, tuples as lists, None values dropped."""
    if isinstance(data, Mapping):
        return {k: _plain(v) for k, v in data.items() if v is not None}
    if isinstance(data, list | tuple):
        return [_plain(v) for v in data]
    return str(data) if isinstance(data, Path) else data


# -- the child process ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChildRun:
    returncode: int
    max_rss_bytes: int
    samples: int
    wall_s: float
    stdout: str
    stderr: str


def _hwm_bytes(pid: int, args: Sequence[str]) -> int | None:
    """The process's VmHWM once it runs `args` (before its exec it is still a copy of this process)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[:-1]
        if [a.decode() for a in cmdline] != list(args):
            return None
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError):
        pass  # gone, or between fork and exec
    return None  # a zombie has no memory left to report


def run_child(args: Sequence[str], workdir: Path, name: str) -> ChildRun:
    """Run `args` and sample its peak RSS (VmHWM, a high-water mark) every POLL_S until it exits.

    Not `ru_maxrss`: Linux carries a process's high-water mark across exec, so a child's ru_maxrss is at
    least the RSS of this process when it forked (here the lab and the control service).
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_")}  # the config file decides
    out_path, err_path = workdir / f"{name}.out", workdir / f"{name}.err"
    peak, samples = 0, 0
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(args, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        while proc.poll() is None:
            hwm = _hwm_bytes(proc.pid, args)
            if hwm is not None:
                peak, samples = max(peak, hwm), samples + 1
            time.sleep(POLL_S)
        wall_s = time.perf_counter() - started
    return ChildRun(
        returncode=proc.returncode,
        max_rss_bytes=peak,
        samples=samples,
        wall_s=wall_s,
        stdout=out_path.read_text(errors="replace"),
        stderr=err_path.read_text(errors="replace"),
    )


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
        interpreter = run_child([sys.executable, "-c", "import time; time.sleep(0.3)"], workdir, "python")
        baseline = run_child([*probe, "--version"], workdir, "version")
        with lab_rig(workdir, sites) as rig:
            overrides = rig.probe_overrides(workdir / "probe.db")
            config_text = to_toml(overrides)
            if tomllib.loads(config_text) != _plain(overrides):
                raise SystemExit("the TOML written does not read back as the settings meant; fix to_toml")
            config = workdir / "probe.toml"
            config.write_text(config_text, encoding="utf-8")
            listing = workdir / "bench-lab.csv"
            with listing.open("w", newline="", encoding="utf-8") as f:
                writer = csv.writer(f, lineterminator="\n")
                writer.writerow(CITIZENLAB_HEADER)
                for url, _ in rig.lab.bulk_urls:
                    writer.writerow((url, "LAB", "Censorship lab site", "2026-01-01", "bench", ""))
            print(f"… probe run on {len(rig.lab.bulk_urls)} URLs", file=sys.stderr, flush=True)
            sweep = run_child(
                [*probe, "run", "--config", str(config), "--list", str(listing)], workdir, "run"
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
        f"probe --version:           peak RSS {_mb(baseline.max_rss_bytes)} (the imports; exit {baseline.returncode})"
    )
    print(
        f"{f'probe run ({sites} URLs):':<27}peak RSS {_mb(sweep.max_rss_bytes)}   target < {TARGET_BYTES / 1e6:.0f} MB   "
        f"{status(sweep.max_rss_bytes < TARGET_BYTES)}"
    )
    print(f"  run above --version:     {_mb(sweep.max_rss_bytes - baseline.max_rss_bytes)}")
    if min(interpreter.samples, baseline.samples, sweep.samples) == 0:
        print("warning: a child exited before it could be sampled once; its figure reads 0")


if __name__ == "__main__":
    main()
