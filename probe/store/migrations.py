"""Schema migrations of the probe's store, applied in order on open. Never edit one that shipped."""

from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("saksi-probe-store")


@migrations()
def m001_initial(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE measurements (
            uid TEXT PRIMARY KEY,
            started_at TEXT NOT NULL,
            url TEXT NOT NULL,
            hostname TEXT NOT NULL,
            category_code TEXT,
            outcome TEXT NOT NULL,
            method TEXT,
            confidence TEXT,
            rule_id TEXT NOT NULL,
            payload TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX measurements_started ON measurements(started_at)")
    db.execute("CREATE INDEX measurements_host ON measurements(hostname, started_at)")
    db.execute(
        """
        CREATE TABLE list_entries (
            list TEXT NOT NULL,
            url TEXT NOT NULL,
            category_code TEXT NOT NULL,
            category_description TEXT NOT NULL,
            date_added TEXT NOT NULL,
            source TEXT NOT NULL,
            notes TEXT NOT NULL,
            PRIMARY KEY (list, url)
        ) STRICT
        """
    )
    db.execute(
        """
        CREATE TABLE fingerprints (
            name TEXT PRIMARY KEY,
            body TEXT NOT NULL
        ) STRICT
        """
    )
