"""What collector code needs of a database connection, met by SQLite's and (through an adapter) by
PostgreSQL's: `execute` and `executemany` with `?` placeholders, and cursors to fetch from.

Jobs run on a connection inside a transaction the storage opens (`Storage.write` / `Storage.read`); the
SQL they use is the subset both databases speak (upserts with ON CONFLICT, RETURNING, IS NOT DISTINCT FROM).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, Protocol

SEQUENCER_LOCK = 0x5A4B5349  # "ZKSI": the advisory lock the log sequencer holds while it appends
MIGRATION_LOCK = 0x5A4B534D


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def fetchmany(self, size: int = ..., /) -> list[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, parameters: Sequence[Any] = ..., /) -> Any: ...
    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any: ...


@lru_cache(maxsize=512)
def to_pyformat(sql: str) -> str:
    """`?` placeholders as psycopg's `%s` (a literal `%` doubled). Our SQL has no `?` inside strings."""
    return sql.replace("%", "%%").replace("?", "%s")


class PgConnection:
    """A psycopg connection that speaks like sqlite3's: `?` placeholders, execute returning a cursor."""

    dialect = "postgresql"

    def __init__(self, conn: Any) -> None:
        self.raw = conn

    def execute(self, sql: str, parameters: Sequence[Any] = (), /) -> Any:
        return self.raw.execute(to_pyformat(sql), parameters)

    def executemany(self, sql: str, parameters: Iterable[Sequence[Any]], /) -> Any:
        cur = self.raw.cursor()
        cur.executemany(to_pyformat(sql), list(parameters))
        return cur


def is_postgres(conn: Connection) -> bool:
    return isinstance(conn, PgConnection)


def take_sequencer(conn: Connection) -> bool:
    """Whether this transaction may append to the log. SQLite has one writer, so always; on PostgreSQL the
    instance that gets the advisory lock for this transaction (released at commit, or when its process
    dies): one sequencer at a time, and any instance takes over at its next tick."""
    if not is_postgres(conn):
        return True
    return bool(conn.execute("SELECT pg_try_advisory_xact_lock(?)", [SEQUENCER_LOCK]).fetchone()[0])
