"""The synthetic year the analysis benchmarks share: N signed measurements over 365 days, 200 domains and 10
ASNs (3 probes each), with known blocking periods, stored in a real collector database by
`probe.lab.history.generate` (every envelope signed, checked by the collector's ingest code, receipted and
sequenced into the log). Generated once and cached in `bench/.cache/history-<N>/collector`.

    python bench/history.py [--measurements N]   # prints where it is and how long generating took
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from probe.lab.history import NETWORKS, Block, History, generate

CACHE = Path(__file__).resolve().parent / ".cache"
DOMAINS = 200
ASNS = sorted(NETWORKS)[:10]
PROBES_PER_ASN = 3
DAYS = 365
END = datetime(2026, 11, 1, tzinfo=UTC)
START = END - timedelta(days=DAYS)


def domains() -> list[str]:
    named = ["www.rfa.org", "vodkhmer.news", "www.cambodiadaily.com", "kamnotra.io", "www.camnews.org"]
    controls = ["www.example.com", "www.wikipedia.org"]
    rest = [f"site{i:03d}.example.org" for i in range(DOMAINS - len(named) - len(controls))]
    return named + rest + controls


def history(measurements: int) -> History:
    names = domains()
    runs_per_day = measurements / (len(names) * len(ASNS) * PROBES_PER_ASN * DAYS)
    blocks = [
        Block("www.rfa.org", START + timedelta(days=60), None, method="dns.bogon", confidence="confirmed"),
        Block("vodkhmer.news", START + timedelta(days=30), START + timedelta(days=200), method="tls.reset"),
        Block(
            "kamnotra.io",
            START + timedelta(days=120),
            None,
            asn=ASNS[0],
            method="http.blockpage",
            confidence="confirmed",
        ),
    ]
    for i, name in enumerate(names[5:45]):  # 40 more domains blocked somewhere for a while
        begin = START + timedelta(days=(i * 37) % 300)
        blocks.append(
            Block(
                name,
                begin,
                begin + timedelta(days=20 + i),
                asn=ASNS[i % len(ASNS)],
                method=("dns.nxdomain", "tcp.timeout", "tls.reset")[i % 3],
            )
        )
    return History(
        domains=names,
        asns=ASNS,
        start=START,
        days=DAYS,
        runs_per_probe_per_day=runs_per_day,
        probes_per_asn=PROBES_PER_ASN,
        blocks=blocks,
        categories={"www.example.com": "CTRL", "www.wikipedia.org": "CTRL"},
        seed=2026,
    )


def ensure(measurements: int = 1_000_000) -> Path:
    """The collector data directory holding the history (generated on first use)."""
    home = CACHE / f"history-{measurements}"
    data = home / "collector"
    if (home / "done").exists():
        return data
    shutil.rmtree(home, ignore_errors=True)
    started = time.perf_counter()
    print(f"generating {measurements:,} signed measurements into {data} (once; cached) ...", file=sys.stderr)
    stored = generate(history(measurements), data)
    elapsed = time.perf_counter() - started
    (home / "done").write_text(f"{stored} measurements in {elapsed:.1f} s\n")
    print(
        f"generated {stored:,} measurements in {elapsed:.1f} s ({stored / elapsed:,.0f}/s)", file=sys.stderr
    )
    return data


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--measurements", type=int, default=1_000_000)
    args = parser.parse_args()
    path = ensure(args.measurements)
    print(f"{path}: {(path.parent / 'done').read_text().strip()}")


if __name__ == "__main__":
    main()
