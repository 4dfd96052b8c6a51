"""The probe's store. A measurement is committed here before anyone is shown it.

SQLite in WAL mode with synchronous=FULL: a measurement acknowledged by `save` survives a crash or a
power cut. The folder is created private to the user (0700): results say what a volunteer tested.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from probe.models.measurement import Measurement
from probe.models.target import Fingerprint, TargetEntry
from probe.store.migrations import migrations


class StoreError(Exception):
    """The store cannot be opened or used; the message says what to do."""


@dataclass(frozen=True)
class StoredRow:
    uid: str
    started_at: str
    url: str
    outcome: str
    method: str | None
    confidence: str | None
    rule_id: str


class Store:
    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            self.db = Database(path, strict=True)
            self.db.enable_wal()
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA busy_timeout=5000")
            migrations.apply(self.db)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the store at {path} ({exc}); set store.path (or PROBE_STORE__PATH) to a "
                "writable file"
            ) from None

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # measurements -------------------------------------------------------------------------------

    def save(self, m: Measurement) -> None:
        with self.db.atomic():
            self.db.execute(
                "INSERT INTO measurements VALUES (?,?,?,?,?,?,?,?,?,?)",
                [
                    m.measurement_uid,
                    m.started_at,
                    m.target.url,
                    _hostname(m.target.url),
                    m.target.category_code,
                    m.verdict.outcome.value,
                    m.verdict.method.value if m.verdict.method else None,
                    m.verdict.confidence.value if m.verdict.confidence else None,
                    m.verdict.rule_id,
                    m.model_dump_json(),
                ],
            )

    def rows(
        self,
        *,
        outcome: str | None = None,
        method: str | None = None,
        host: str | None = None,
        since: str | None = None,
        limit: int = 50,
    ) -> list[StoredRow]:
        where, args = ["1=1"], []
        for column, value in (("outcome", outcome), ("hostname", host)):
            if value:
                where.append(f"{column} = ?")
                args.append(value)
        if method:
            where.append("(method = ? OR method LIKE ?)")
            args += [method, f"{method}.%"]
        if since:
            where.append("started_at >= ?")
            args.append(since)
        sql = (
            "SELECT uid, started_at, url, outcome, method, confidence, rule_id FROM measurements "
            f"WHERE {' AND '.join(where)} ORDER BY started_at DESC, uid LIMIT ?"
        )
        return [StoredRow(*r) for r in self.db.execute(sql, [*args, limit]).fetchall()]

    def count(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM measurements").fetchone()[0])

    def find(self, uid_prefix: str) -> list[Measurement]:
        rows = self.db.execute(
            "SELECT payload FROM measurements WHERE uid LIKE ? LIMIT 2", [uid_prefix.lower() + "%"]
        ).fetchall()
        return [Measurement.model_validate_json(r[0]) for r in rows]

    # lists and fingerprints ---------------------------------------------------------------------

    def import_list(self, name: str, entries: list[TargetEntry]) -> int:
        with self.db.atomic():
            self.db.execute("DELETE FROM list_entries WHERE list = ?", [name])
            self.db.table("list_entries").insert_all(
                (e.model_dump(exclude={"list"}) | {"list": name} for e in entries), batch_size=500
            )
        return len(entries)

    def remove_list(self, name: str) -> int:
        with self.db.atomic():
            cursor = self.db.execute("DELETE FROM list_entries WHERE list = ?", [name])
        return int(cursor.rowcount)

    def lists(self) -> dict[str, list[TargetEntry]]:
        out: dict[str, list[TargetEntry]] = {}
        for row in self.db["list_entries"].rows_where(order_by="list, rowid"):
            out.setdefault(row["list"], []).append(TargetEntry(**row))
        return out

    def import_fingerprints(self, fingerprints: list[Fingerprint]) -> int:
        with self.db.atomic():
            self.db.table("fingerprints").upsert_all(
                ({"name": f.name, "body": f.model_dump_json()} for f in fingerprints), pk="name"
            )
        return len(fingerprints)

    def fingerprints(self) -> list[Fingerprint]:
        return [Fingerprint.model_validate_json(r["body"]) for r in self.db["fingerprints"].rows]


def _hostname(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""
