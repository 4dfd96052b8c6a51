"""Where analysis commands read a collector's data: its database on this host (read only), or its API."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from probe.cli.common import fail, settings
from probe.collector.db import Connection, PgConnection
from probe.collector.storage import DB_FILE


@contextmanager
def collector_database(config: Path | None, data_dir: Path | None) -> Iterator[Connection]:
    """The collector's database, read only: PostgreSQL when collector.database names one (and no
    --data-dir was given), else SQLite in the data dir; one sentence and exit 2 when there is none."""
    s = settings(config)
    if data_dir is None and s.collector.database:
        with _postgres(s.collector.database) as conn:
            yield conn
        return
    folder = data_dir or s.collector.data_dir
    path = folder / DB_FILE
    if not path.is_file():
        fail(f"there is no collector database at {path}; give --data-dir (the collector's data directory)")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        try:
            conn.execute("SELECT 1 FROM facts LIMIT 1")
        except sqlite3.DatabaseError as exc:
            fail(f"{path} is not a collector database we can read ({exc})")
        yield conn
    finally:
        conn.close()


@contextmanager
def _postgres(url: str) -> Iterator[Connection]:
    try:
        import psycopg
    except ImportError:
        fail(
            "PostgreSQL needs psycopg: install the postgresql extra (pip install '.[postgresql]' in a checkout of "
            "Saksi, or the wheel built from it with [postgresql])"
        )
    try:
        raw = psycopg.connect(url, connect_timeout=10)
    except psycopg.Error as exc:
        fail(f"cannot connect to the collector's PostgreSQL database: {exc}".strip())
    with raw:
        raw.read_only = True
        yield PgConnection(raw)


def stream_from(collector: str, path: str, params: dict[str, Any], timeout_s: float = 120) -> Iterator[bytes]:
    """The body of GET <collector><path>, chunk by chunk; a refusal or an unreachable collector is one
    sentence (the collector's own reason included) and exit 2."""
    import httpx

    url = collector.rstrip("/") + path
    try:
        with httpx.stream("GET", url, params=params, timeout=timeout_s) as response:
            if response.status_code != 200:
                response.read()
                try:
                    detail = response.json().get("detail") or response.json().get("reason")
                except ValueError:
                    detail = response.text[:200]
                fail(f"the collector at {collector} answered {response.status_code}: {detail}")
            yield from response.iter_bytes()
    except httpx.HTTPError as exc:
        fail(f"cannot reach the collector at {collector}: {exc}; check the URL and that it is up")
