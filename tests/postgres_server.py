"""The PostgreSQL server the tests use: one throwaway server per session (probe.lab.postgres). Without
Debian's server binaries, the tests that need it skip with one line locally and fail in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from probe.lab.postgres import PostgresMissing, bindir, server
from probe.lab.postgres import fresh_database as fresh_database


@pytest.fixture(scope="session")
def postgres_dsn() -> Iterator[str]:
    """The DSN of a running throwaway server (database `postgres`, user `postgres`, no password)."""
    try:
        bindir()
    except PostgresMissing as exc:
        if os.environ.get("CI"):
            pytest.fail(f"{exc}: .ci/run must install Debian's postgresql")
        pytest.skip(f"{exc}: the PostgreSQL tests cannot run here")
    with server() as running:
        yield running.dsn
