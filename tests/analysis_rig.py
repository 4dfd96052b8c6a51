"""A collector database holding a known history (probe.lab.history), generated once per test session.

Truth in KH_HISTORY (day windows, 24 days from START):
- www.rfa.org: blocked by DNS (bogon, confirmed) on every network from day 6;
- vodkhmer.news: blocked by SNI (tls.reset, likely) on AS38623 only, from day 3 until day 12;
- www.cambodiadaily.com: accessible everywhere;
- www.example.com: the control target (CTRL), accessible everywhere.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from probe.lab.history import Block, History, generate

START = datetime(2026, 9, 1, tzinfo=UTC)
DAYS = 24
RFA_BLOCKED = START + timedelta(days=6)
VOD_BLOCKED = START + timedelta(days=3)
VOD_UNBLOCKED = START + timedelta(days=12)
ASNS = (38623, 17976, 45498)

KH_HISTORY = History(
    domains=["www.rfa.org", "vodkhmer.news", "www.cambodiadaily.com", "www.example.com"],
    asns=ASNS,
    start=START,
    days=DAYS,
    runs_per_probe_per_day=4,
    probes_per_asn=2,
    blocks=[
        Block("www.rfa.org", RFA_BLOCKED, None, method="dns.bogon", confidence="confirmed"),
        Block("vodkhmer.news", VOD_BLOCKED, VOD_UNBLOCKED, asn=38623, method="tls.reset"),
    ],
    categories={"www.example.com": "CTRL", "www.cambodiadaily.com": "NEWS", "www.rfa.org": "NEWS"},
    seed=11,
)


@pytest.fixture(scope="session")
def history_master(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("history") / "collector"
    generate(KH_HISTORY, path)
    return path


@pytest.fixture
def history_dir(history_master: Path, tmp_path: Path) -> Path:
    """A private copy of the history's collector data directory, at tmp_path / "collector"."""
    target = tmp_path / "collector"
    shutil.copytree(history_master, target)
    return target
