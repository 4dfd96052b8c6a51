"""bench/verify_bundle: `probe verify` on an evidence bundle of about 10,000 measurements. Target: < 5 s.

Generates a history (probe.lab.history: one domain, 10 networks, 2 probes each, real signatures,
receipts and log) in a temporary directory, builds the bundle with `probe evidence` (timed too), then
times the verification in-process (`verify_bundle`) and as the real command in its own process
(`python -m probe verify bundle.zip`, start-up included). Prints each figure beside the target, MET or
MISSED; exits non-zero only when it cannot measure.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from probe.analysis.bundle import build_bundle
from probe.analysis.bundle_verify import verify_bundle
from probe.analysis.query import Filters
from probe.collector.signing import CollectorKey
from probe.lab.history import NETWORKS, Block, History, generate

TARGET_S = 5.0
DOMAIN = "www.rfa.org"


def history(measurements: int) -> History:
    asns = list(NETWORKS)[:10]
    probes = 2
    days = 30
    per_day = measurements / (len(asns) * probes * days)
    return History(
        domains=[DOMAIN],
        asns=asns,
        start=datetime(2026, 9, 1, tzinfo=UTC),
        days=days,
        runs_per_probe_per_day=per_day,
        probes_per_asn=probes,
        blocks=[
            Block(DOMAIN, datetime(2026, 9, 10, tzinfo=UTC), None, method="dns.bogon", confidence="confirmed")
        ],
        seed=3,
    )


def mark(seconds: float) -> str:
    return "MET" if seconds < TARGET_S else "MISSED"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measurements", type=int, default=10_000)
    parser.add_argument("--keep", type=Path, help="keep the bundle at this path")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="saksi-bench-bundle-") as tmp:
        data = Path(tmp) / "collector"
        started = time.perf_counter()
        stored = generate(history(args.measurements), data)
        print(f"history: {stored} measurements generated and logged in {time.perf_counter() - started:.1f} s")

        bundle = args.keep or Path(tmp) / "bundle.zip"
        conn = sqlite3.connect(f"file:{data / 'collector.db'}?mode=ro", uri=True)
        key = CollectorKey.load_or_create(data, "unused")
        started = time.perf_counter()
        with bundle.open("wb") as out:
            built = build_bundle(conn, key, Filters.parse(domain=DOMAIN), out, lab_ok=True)
        conn.close()
        print(
            f"build:   {built.measurements} measurements in {time.perf_counter() - started:.2f} s "
            f"({bundle.stat().st_size / 1e6:.1f} MB)"
        )

        summary = verify_bundle(bundle)
        if not summary.ok:
            print(f"the bundle did not verify: {summary.failures[:3]}", file=sys.stderr)
            return 1
        print(
            f"verify (in-process, verify_bundle): {summary.elapsed_s:.2f} s for {summary.measurements} "
            f"measurements; target < {TARGET_S:.0f} s: {mark(summary.elapsed_s)}"
        )
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "probe", "verify", str(bundle)],
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
            check=False,
        )
        wall = time.perf_counter() - started
        if done.returncode != 0:
            print(f"`probe verify` failed ({done.returncode}): {done.stdout}{done.stderr}", file=sys.stderr)
            return 1
        print(
            f"verify (`python -m probe verify bundle.zip`, start-up included): {wall:.2f} s; "
            f"target < {TARGET_S:.0f} s: {mark(wall)}"
        )
        print(f"cores: {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
