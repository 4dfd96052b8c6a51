"""Export benchmark: a full CSV and a full Parquet export of every measurement in a collector database,
each by the real command in its own process (`python -m probe export measurements --data-dir D --format F
-o FILE`), with rows per second and the child's peak RSS.

The data directory is `--data-dir`, or by default the shared synthetic year of 1,000,000 measurements
(`bench/history.py`, generated once and cached). The peak RSS is the child's VmHWM sampled every 5 ms
(`common.run_child`; a high-water mark, so only growth in its last milliseconds could be missed). An
export streams (pages of 5,000 rows, Parquet row groups of 50,000), so its memory should not grow with
the database. Target: the export's peak RSS minus that of a process that only imports the same modules
(`probe.cli.app` and pyarrow) stays under 100 MB, at any size (informational; always exits 0).
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import sys
import tempfile
from pathlib import Path

from common import run_child, status

TARGET_BYTES = 100_000_000
POLL_S = 0.005


def _mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data-dir", type=Path, help="a collector data directory (default: the 1M history)")
    args = parser.parse_args()
    data_dir: Path
    if args.data_dir is None:
        from history import ensure

        data_dir = ensure(1_000_000)
    else:
        data_dir = args.data_dir
    db = data_dir / "collector.db"
    if not db.is_file():
        raise SystemExit(f"no collector database at {db}")
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        total = int(conn.execute("SELECT count(*) FROM facts").fetchone()[0])
    print(f"database:   {db} ({total:,} measurements, {db.stat().st_size / 1e6:,.0f} MB)")

    with tempfile.TemporaryDirectory(prefix="saksi-bench-export-") as tmp:
        workdir = Path(tmp)
        imports = "import probe.cli.app, probe.analysis.export, pyarrow.parquet"
        baseline = run_child([sys.executable, "-c", imports], workdir, "imports", poll_s=POLL_S)
        print(f"imports only: peak RSS {_mb(baseline.max_rss_bytes)} ({imports})")
        for fmt in ("csv", "parquet"):
            out = workdir / f"measurements.{fmt}"
            command = [
                sys.executable, "-m", "probe", "export", "measurements",
                "--data-dir", str(data_dir), "--format", fmt, "-o", str(out),
            ]  # fmt: skip
            run = run_child(command, workdir, f"export-{fmt}", poll_s=POLL_S)
            if run.returncode != 0:
                print(f"{fmt}: exit {run.returncode}: {run.stderr.strip()}")
                continue
            found = re.search(r"exported (\d+) ", run.stderr)
            rows = int(found[1]) if found else 0
            size = out.stat().st_size
            grown = run.max_rss_bytes - baseline.max_rss_bytes
            print(
                f"{fmt:<8} {rows:,} rows in {run.wall_s:.1f} s = {rows / run.wall_s:,.0f} rows/s; "
                f"file {size / 1e6:,.1f} MB; CPU {run.child_cpu.show(run.wall_s)}; "
                f"peak RSS {_mb(run.max_rss_bytes)}, {_mb(grown)} above the imports "
                f"(target < {TARGET_BYTES / 1e6:.0f} MB: {status(grown < TARGET_BYTES)})"
            )
            if rows != total:
                print(f"  warning: {rows:,} rows exported but the database holds {total:,}")


if __name__ == "__main__":
    main()
