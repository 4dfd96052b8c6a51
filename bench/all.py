"""Run the benchmarks of the speed and size targets in one go, one after another, and end with every line
that names a target (MET or MISSED) in one summary.

    python bench/all.py [--quick] [--only memory,daemon,sweep,ingest]

Each benchmark is its own script (see bench/README.md), run as a child process with this interpreter; its
whole output is printed as it comes. They run one at a time, never together: each measures time or memory
that another would disturb. The load average of the machine is printed before each, since on a shared
machine it explains more of the spread than anything in the code. `--quick` makes the slow ones smaller
(fewer sites, fewer envelopes, PostgreSQL with 2 processes only): for a check, not for the figures.
Exits 0 unless a benchmark could not measure at all (then with that benchmark's status).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

BENCHES: dict[str, tuple[list[str], list[str]]] = {
    # name: (arguments for the figures, arguments with --quick)
    "memory": (["memory.py"], ["memory.py", "--sites", "100"]),
    "daemon": (["daemon_size.py"], ["daemon_size.py"]),
    "sweep": (["sweep.py"], ["sweep.py", "--sites", "100"]),
    "ingest": (["ingest.py", "--processes", "1,2"], ["ingest.py", "--envelopes", "4000", "--processes", "2"]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="smaller runs: a check, not the figures")
    parser.add_argument("--only", default=",".join(BENCHES), help="comma-separated: " + ", ".join(BENCHES))
    args = parser.parse_args()
    chosen = [name for name in args.only.split(",") if name]
    unknown = [name for name in chosen if name not in BENCHES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; choose from {', '.join(BENCHES)}")
    summary: list[str] = []
    status = 0
    for name in chosen:
        full, quick = BENCHES[name]
        argv = [
            sys.executable,
            str(HERE / (quick if args.quick else full)[0]),
            *(quick if args.quick else full)[1:],
        ]
        print(f"== {name}: {' '.join(argv[1:])} (load average {os.getloadavg()[0]:.2f})", flush=True)
        started = time.perf_counter()
        lines: list[str] = []
        with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True, cwd=HERE.parent) as child:
            assert child.stdout is not None
            for line in child.stdout:
                print(line, end="", flush=True)
                lines.append(line.rstrip("\n"))
        took = time.perf_counter() - started
        if child.returncode != 0:
            summary.append(f"{name}: could not measure (exit {child.returncode})")
            status = status or child.returncode
            continue
        summary += [f"{name}: {line.strip()}" for line in lines if line.rstrip().endswith(("MET", "MISSED"))]
        print(f"== {name} took {took:.0f} s", flush=True)
    print("\n== summary (each figure beside its target)")
    for line in summary:
        print(line)
    sys.exit(status)


if __name__ == "__main__":
    main()
