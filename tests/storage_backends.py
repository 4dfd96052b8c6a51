"""Both storage backends, for tests that must hold on each: `backend` is "sqlite" or "postgresql", and
`make_storage(data_dir)` opens a new, empty collector database of that kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from probe.collector.storage import SqliteStorage, SqlStorage
from tests.postgres_server import fresh_database

BACKENDS = ["sqlite", "postgresql"]

MakeStorage = Callable[[Path], SqlStorage]


@pytest.fixture(params=BACKENDS)
def make_storage(request: pytest.FixtureRequest) -> MakeStorage:
    return storage_factory(request)


def storage_factory(request: pytest.FixtureRequest) -> MakeStorage:
    if request.param == "sqlite":
        return lambda data_dir: SqliteStorage(data_dir / "collector.db")
    dsn = request.getfixturevalue("postgres_dsn")

    def make(data_dir: Path) -> SqlStorage:
        from probe.collector.pg_storage import PgStorage

        return PgStorage(fresh_database(dsn))

    return make
