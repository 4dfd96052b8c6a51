"""The collector's schema, one definition for both backends, applied by numbered migrations.

The DDL is written for SQLite; `pg_ddl` turns it into PostgreSQL's (BLOB -> BYTEA, INTEGER -> BIGINT,
an auto-numbered key -> an identity column, no STRICT / WITHOUT ROWID). Each database records the
migrations it has applied in `schema_migrations`; a migration runs once, in one transaction, and on
PostgreSQL under an advisory lock so that collectors starting together do not race.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from probe.analysis.overview_state import OVERVIEW_SCHEMA
from probe.collector.alerts import SCHEMA as ALERT_SCHEMA
from probe.collector.db import MIGRATION_LOCK, Connection
from probe.collector.renewal import SCHEMA as RENEWAL_SCHEMA

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS probes (
        key_id TEXT PRIMARY KEY,
        public_key BLOB NOT NULL,
        tier TEXT NOT NULL,
        enrolled_at TEXT NOT NULL,
        revoked_at TEXT
    ) STRICT""",
    """CREATE TABLE IF NOT EXISTS invites (
        token_sha256 TEXT PRIMARY KEY,
        created_at TEXT NOT NULL,
        used_at TEXT,
        used_by TEXT
    ) STRICT""",
    """CREATE TABLE IF NOT EXISTS measurements (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        payload_sha256 TEXT NOT NULL UNIQUE,
        uid TEXT NOT NULL UNIQUE,
        key_id TEXT NOT NULL,
        asn INTEGER,
        tier TEXT NOT NULL,
        received_at TEXT NOT NULL,
        started_at TEXT NOT NULL,
        url TEXT NOT NULL DEFAULT '',
        envelope TEXT NOT NULL,
        receipt TEXT NOT NULL,
        log_index INTEGER UNIQUE
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS measurements_unsequenced ON measurements(seq) WHERE log_index IS NULL",
    "CREATE INDEX IF NOT EXISTS measurements_asn_url ON measurements(asn, url)",
    """CREATE TABLE IF NOT EXISTS quarantine (
        id INTEGER PRIMARY KEY,
        uid TEXT NOT NULL,
        payload_sha256 TEXT NOT NULL,
        envelope TEXT NOT NULL,
        received_at TEXT NOT NULL,
        reason TEXT NOT NULL
    ) STRICT""",
    """CREATE TABLE IF NOT EXISTS log_nodes (
        level INTEGER NOT NULL,
        idx INTEGER NOT NULL,
        hash BLOB NOT NULL,
        PRIMARY KEY (level, idx)
    ) STRICT, WITHOUT ROWID""",
    # One row per measurement with what timelines need (probe.analysis.facts), filled in the same
    # transaction as the measurement.
    """CREATE TABLE IF NOT EXISTS facts (
        seq INTEGER PRIMARY KEY,
        uid TEXT NOT NULL,
        domain TEXT NOT NULL,
        url TEXT NOT NULL,
        asn INTEGER,
        cc TEXT,
        category TEXT,
        started_at TEXT NOT NULL,
        hour INTEGER NOT NULL,
        outcome TEXT NOT NULL,
        method TEXT,
        confidence TEXT,
        rule_id TEXT NOT NULL,
        key_id TEXT NOT NULL,
        tier TEXT NOT NULL
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS facts_domain ON facts(domain, asn, hour)",
    "CREATE INDEX IF NOT EXISTS facts_asn ON facts(asn, hour)",
    "CREATE INDEX IF NOT EXISTS facts_hour ON facts(hour)",
    "CREATE INDEX IF NOT EXISTS facts_category ON facts(category, hour)",
    """CREATE TABLE IF NOT EXISTS checkpoints (
        size INTEGER PRIMARY KEY,
        root BLOB NOT NULL,
        note TEXT NOT NULL,
        signed_at TEXT NOT NULL
    ) STRICT""",
    # OONI's published measurements, imported as external corroboration (probe.analysis.ooni): never
    # signed by us, never part of facts, timelines or the log.
    """CREATE TABLE IF NOT EXISTS ooni_measurements (
        measurement_uid TEXT PRIMARY KEY,
        report_id TEXT NOT NULL,
        input TEXT,
        domain TEXT NOT NULL,
        probe_asn INTEGER,
        probe_cc TEXT,
        measurement_start_time TEXT NOT NULL,
        test_name TEXT NOT NULL,
        blocking TEXT,
        accessible INTEGER,
        anomaly INTEGER,
        confirmed INTEGER,
        raw TEXT NOT NULL,
        imported_at TEXT NOT NULL
    ) STRICT""",
    "CREATE INDEX IF NOT EXISTS ooni_domain ON ooni_measurements(domain, probe_asn, measurement_start_time)",
    *ALERT_SCHEMA,  # webhook subscriptions and their delivery queue (probe.collector.alerts)
    # A collector that ever received invented lab data (`probe collector demo-data`) says so everywhere.
    "CREATE TABLE IF NOT EXISTS lab_history (created_at TEXT NOT NULL, note TEXT NOT NULL) STRICT",
]


# Append-only: a released migration is never edited; a schema change is a new entry.
MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (1, "measurements, facts, log, alerts, OONI corroboration", SCHEMA),
    (
        2,
        "rate limits shared by every collector process on the database",
        [
            """CREATE TABLE IF NOT EXISTS rate_windows (
                key_id TEXT NOT NULL,
                minute INTEGER NOT NULL,
                used INTEGER NOT NULL,
                PRIMARY KEY (key_id, minute)
            ) STRICT""",
        ],
    ),
    (
        3,
        "network evidence and time brackets of facts; network names from the collector's own table",
        [
            # NULL for facts stored before: probe.collector.trust recomputes them when the collector starts.
            "ALTER TABLE facts ADD COLUMN evidence TEXT",
            "ALTER TABLE facts ADD COLUMN time_ok INTEGER",
            "ALTER TABLE facts ADD COLUMN key_since INTEGER NOT NULL DEFAULT 0",
            "CREATE INDEX IF NOT EXISTS facts_unchecked ON facts(seq) WHERE evidence IS NULL",
            """CREATE TABLE IF NOT EXISTS networks (
                asn INTEGER NOT NULL,
                name TEXT NOT NULL,
                cc TEXT NOT NULL,
                PRIMARY KEY (asn)
            ) STRICT""",
        ],
    ),
    # 11: the overview's state kept at ingest (probe.analysis.overview_state).
    (11, "the overview's per-pair state, maintained as facts commit (issue 11)", OVERVIEW_SCHEMA),
    # 12: numbered after its issue so that migrations added alongside (3, 4, ...) do not collide.
    (12, "key renewals: a probe's next key inherits its enrolled predecessor's tier", RENEWAL_SCHEMA),
    (
        13,
        "OONI imports: OONI's failure and scores, identity by content, Saksi's second opinion (issue 13)",
        [
            *(
                f"ALTER TABLE ooni_measurements ADD COLUMN {column}"
                for column in (
                    "failure INTEGER",  # OONI's API `failure` (the fastpath's "measurement failed")
                    "scores TEXT",  # OONI's API `scores`, JSON
                    "content_sha256 TEXT",  # the measurement without measurement_uid: archive = API copy
                    "saksi_outcome TEXT",  # `probe import ooni --reclassify`: our classifier's verdict
                    "saksi_method TEXT",
                    "saksi_confidence TEXT",
                    "saksi_rule_id TEXT",
                    "saksi_fingerprint TEXT",
                    "saksi_explanation TEXT",
                    "saksi_rules_version TEXT",
                )
            ),
            "CREATE UNIQUE INDEX IF NOT EXISTS ooni_content ON ooni_measurements(content_sha256)",
        ],
    ),
    (
        14,
        "witness cosignatures of checkpoints, each witness's progress, and the signing halt (issue 14)",
        [
            # Every cosignature/v1 a configured witness returned, verified before it was stored.
            """CREATE TABLE IF NOT EXISTS cosignatures (
                size INTEGER NOT NULL,
                witness TEXT NOT NULL,
                timestamp INTEGER NOT NULL,
                line TEXT NOT NULL,
                PRIMARY KEY (size, witness)
            ) STRICT""",
            "CREATE INDEX IF NOT EXISTS cosignatures_witness ON cosignatures(witness, size)",
            """CREATE TABLE IF NOT EXISTS witness_progress (
                witness TEXT PRIMARY KEY,
                size INTEGER NOT NULL,
                last_error TEXT,
                attempted_at TEXT
            ) STRICT""",
            # A witness reported a fork: no checkpoint is signed while a row here is not cleared.
            """CREATE TABLE IF NOT EXISTS signing_halts (
                id INTEGER PRIMARY KEY,
                witness TEXT NOT NULL,
                reason TEXT NOT NULL,
                evidence TEXT NOT NULL,
                halted_at TEXT NOT NULL,
                cleared_at TEXT,
                cleared_note TEXT
            ) STRICT""",
        ],
    ),
]

_AUTO_ID = re.compile(r"\b(\w+) INTEGER PRIMARY KEY( AUTOINCREMENT)?,")


def pg_ddl(statement: str) -> str:
    """SQLite DDL as PostgreSQL's. A table's `INTEGER PRIMARY KEY` followed by a comma is SQLite's
    auto-numbered row id (`id`, `seq`), except in `facts`, whose `seq` is the measurement's."""
    out = statement.replace(" STRICT", "").replace(", WITHOUT ROWID", "")
    if "CREATE TABLE IF NOT EXISTS facts" not in out:
        out = _AUTO_ID.sub(r"\1 BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,", out)
    out = re.sub(r"\bBLOB\b", "BYTEA", out)
    out = re.sub(r"\bINTEGER\b", "BIGINT", out)
    return re.sub(r"\bREAL\b", "DOUBLE PRECISION", out)


def migrate(conn: Connection, dialect: str) -> list[int]:
    """Apply the migrations this database lacks, in the caller's transaction; returns their numbers."""
    if dialect == "postgresql":
        conn.execute("SELECT pg_advisory_xact_lock(?)", [MIGRATION_LOCK])
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
        "applied_at TEXT NOT NULL)"
    )
    done = {int(r[0]) for r in conn.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, statements in MIGRATIONS:
        if version in done:
            continue
        for statement in statements:
            conn.execute(pg_ddl(statement) if dialect == "postgresql" else statement)
        conn.execute(
            "INSERT INTO schema_migrations VALUES (?, ?, ?)",
            [version, name, datetime.now(UTC).isoformat(timespec="seconds")],
        )
        applied.append(version)
    return applied
