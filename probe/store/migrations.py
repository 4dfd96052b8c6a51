"""Schema migrations of the probe's store, applied in order on open. Never edit one that shipped."""

from __future__ import annotations

from probe.store.lean import Database, Migrations

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


@migrations()
def m002_evidence(db: Database) -> None:
    """Signed envelopes and the outbox: a measurement enters the outbox in the transaction that stores it."""
    db.execute(
        """
        CREATE TABLE envelopes (
            uid TEXT PRIMARY KEY REFERENCES measurements(uid),
            payload_sha256 TEXT NOT NULL UNIQUE,
            key_id TEXT NOT NULL,
            envelope TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute(
        """
        CREATE TABLE outbox (
            uid TEXT PRIMARY KEY REFERENCES measurements(uid),
            state TEXT NOT NULL CHECK (state IN ('pending', 'uploaded', 'dead')),
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at TEXT NOT NULL,
            last_error TEXT,
            receipt TEXT,
            updated_at TEXT NOT NULL
        ) STRICT
        """
    )
    db.execute("CREATE INDEX outbox_due ON outbox(state, next_attempt_at)")
    db.execute(
        """
        CREATE TABLE enrolments (
            collector TEXT NOT NULL,
            key_id TEXT NOT NULL,
            tier TEXT NOT NULL,
            enrolled_at TEXT NOT NULL,
            PRIMARY KEY (collector, key_id)
        ) STRICT
        """
    )
    db.execute("CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT")


@migrations()
def m003_runs(db: Database) -> None:
    """The daemon's runs: a run interrupted by a crash is found at the next start and counted as such."""
    db.execute(
        """
        CREATE TABLE runs (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            state TEXT NOT NULL CHECK (state IN ('running', 'done', 'interrupted')),
            planned INTEGER NOT NULL,
            measured INTEGER
        ) STRICT
        """
    )


@migrations()
def m004_interrupted(db: Database) -> None:
    """Measurements stopped by Ctrl-C or SIGTERM are kept, marked, and never signed or uploaded."""
    db.execute("ALTER TABLE measurements ADD COLUMN interrupted INTEGER NOT NULL DEFAULT 0")
