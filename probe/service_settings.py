"""The settings of the services an operator runs: the collector (`[collector]`) and the witness
(`[witness]`). Part of the one settings model in probe.config; every field is documented in
docs/configuration.md."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator

from probe.settings_section import Section, data_dir


class WitnessEndpoint(Section):
    url: str = Field(description="The witness's submission prefix; add-checkpoint is POSTed under it.")
    key: str = Field(description="The witness's cosignature/v1 verifier key, <name>+<key id>+<base64>.")

    @field_validator("key")
    @classmethod
    def _vkey(cls, value: str) -> str:
        from probe.log.cosignature import CosignatureVerifier
        from probe.log.errors import NoteError

        try:
            CosignatureVerifier.from_vkey(value)
        except NoteError as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value.rstrip("/")


class CollectorSettings(Section):
    listen_host: str = Field(
        default="127.0.0.1", description="`probe collector serve`: address to listen on."
    )
    listen_port: int = Field(default=8080, ge=0, lt=65536, description="`probe collector serve`: port.")
    data_dir: Path = Field(
        default_factory=lambda: data_dir() / "collector",
        description="The collector's database, signing key and imported ip2asn table.",
    )
    origin: str = Field(
        default="saksi.localhost/log",
        description="The log's name in checkpoints and the key name of its verifier key (C2SP origin).",
    )
    max_batch: int = Field(default=500, ge=1, description="Envelopes per ingest request.")
    max_body_bytes: int = Field(default=8 * 1024 * 1024, ge=1024, description="Request body limit, as sent.")
    max_decompressed_bytes: int = Field(
        default=8 * 1024 * 1024,
        ge=1024,
        description="Request body limit after gzip or deflate decompression, checked while it inflates.",
    )
    max_measurement_bytes: int = Field(
        default=256 * 1024,
        ge=1024,
        description="The largest signed measurement (payload bytes) stored; a larger one gets 413 too_large.",
    )
    max_body_memory_bytes: int = Field(
        default=128 * 1024 * 1024,
        ge=1024 * 1024,
        description="Request bodies held in memory at once, across all requests of a process; past it a "
        "request gets 503 busy (retry), and one caller may hold at most a quarter of it.",
    )
    body_timeout_s: float = Field(
        default=30.0,
        gt=0,
        description="The longest a request body may take to arrive, and the longest wait for its next "
        "piece; a slower client gets 408 and is disconnected.",
    )
    header_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="`probe collector serve`: the longest an idle connection is kept open between requests "
        "(uvicorn's keep-alive timeout), so a client cannot hold a connection by sending nothing.",
    )
    max_connections: int = Field(
        default=2048,
        ge=16,
        description="`probe collector serve`: concurrent connections per process; past it new requests get "
        "503 at once (uvicorn's limit_concurrency).",
    )
    ingest_per_network: int = Field(
        default=4,
        ge=1,
        description="Ingest requests of one network checked at once per process (after their bodies "
        "arrived); the rest wait their turn, so one network cannot take every turn of the ingest threads.",
    )
    heavy_workers: int = Field(
        default=2,
        ge=1,
        le=64,
        description="Threads (and database connections) for heavy reads: exports, evidence bundles, "
        "timelines and dashboard pages. Ingest, key lookups and the log never wait behind them.",
    )
    heavy_queue: int = Field(
        default=16,
        ge=1,
        description="Heavy reads running or waiting at once per process; past it a request gets 503 busy.",
    )
    heavy_per_client: int = Field(
        default=2,
        ge=1,
        description="Heavy reads one caller (one address) may have running or waiting at once; past it 429.",
    )
    enrol_per_address_per_hour: int = Field(
        default=20,
        ge=1,
        description="Enrolments one address may make per hour (counted under a keyed hash of the address, "
        "in memory, never stored or logged).",
    )
    enrol_per_network_per_hour: int = Field(
        default=600,
        ge=1,
        description="Enrolments one network (ASN, or /24 and /48 when the address maps to none) may make per "
        "hour.",
    )
    anonymous_per_address_per_min: int = Field(
        default=600,
        ge=1,
        description="Requests one address may make per minute to the endpoints that need no key (the API's "
        "reads, the dashboard, exports); past it 429 with Retry-After.",
    )
    anonymous_per_network_per_min: int = Field(
        default=6000,
        ge=1,
        description="Requests one network may make per minute to the endpoints that need no key.",
    )
    overview_max_domains: int = Field(
        default=300,
        ge=1,
        description="Sites the overview (page and /api/v1/overview) shows at once (published or listed in the "
        "test lists first, then corroborated, then the most measured); the rest are reached with offset.",
    )
    overview_max_networks: int = Field(
        default=40,
        ge=1,
        description="Networks (columns) the overview and /api/v1/overview show at most (published or corroborated "
        "first, then the most measured).",
    )
    rate_per_key_per_min: int = Field(
        default=6000,
        ge=1,
        description="Envelopes a key may send per clock minute, counted in the database: one limit for every "
        "collector process on it (a burst across a minute's end can reach twice this).",
    )
    checkpoint_interval_s: float = Field(
        default=1.0, gt=0, description="How often new statements are sequenced and a checkpoint signed."
    )
    max_age_days: int = Field(default=90, ge=1, description="Measurements older than this are rejected.")
    open_enrolment: bool = Field(default=True, description="Accept keys without an invite (tier unverified).")
    workers: int = Field(
        default=1,
        ge=1,
        le=64,
        description="Collector processes sharing the port and the database; signature checks are CPU-bound, so "
        "one per core raises ingest throughput.",
    )
    trusted_proxies: list[str] = Field(
        default_factory=list,
        description="Addresses of reverse proxies whose X-Forwarded-For names the caller (to map it to a "
        "network); empty trusts none.",
    )
    database: str | None = Field(
        default=None,
        description="The collector's database: unset for SQLite (collector.db in data_dir), or a PostgreSQL URL "
        "(postgresql://user:password@host/dbname) for several collectors on one database.",
    )
    db_pool_size: int = Field(
        default=8, ge=1, le=200, description="PostgreSQL connections per collector process."
    )
    alert_interval_s: float = Field(
        default=30.0,
        gt=0,
        description="How often new measurements are checked for state changes to alert on.",
    )
    alert_lookback_days: int = Field(
        default=30,
        ge=1,
        description="The days of timeline recomputed when a (domain, ASN) gets new measurements.",
    )
    webhook_timeout_s: float = Field(default=10.0, gt=0, description="Timeout of one webhook POST.")
    webhook_backoff_s: float = Field(
        default=10.0,
        gt=0,
        description="The first retry of a failed webhook waits about this long; each next one doubles.",
    )
    webhook_backoff_max_s: float = Field(
        default=3600.0, gt=0, description="The longest wait between webhook retries (they never stop)."
    )
    witnesses: list[WitnessEndpoint] = Field(
        default_factory=list,
        description="Independent witnesses (C2SP tlog-witness) each new checkpoint is submitted to: a list of "
        '{url = "https://witness.example/", key = "<name>+<key id>+<base64>"} (the key from `probe witness key`).',
    )
    witness_quorum: int = Field(
        default=1,
        ge=1,
        description="k of the k-of-n witness policy: a checkpoint counts as witnessed once this many of "
        "collector.witnesses cosigned it (ignored while no witness is configured).",
    )
    witness_retry_s: float = Field(
        default=30.0,
        gt=0,
        description="How long to wait before asking a witness that was down or refused again.",
    )


class WitnessSettings(Section):
    listen_host: str = Field(default="127.0.0.1", description="`probe witness serve`: address to listen on.")
    listen_port: int = Field(default=8090, ge=0, lt=65536, description="`probe witness serve`: port.")
    data_dir: Path = Field(
        default_factory=lambda: data_dir() / "witness",
        description="The witness's key (witness.key) and its state (witness.db: per log, the latest "
        "checkpoint it cosigned, and every conflict it refused).",
    )
    name: str = Field(
        default="witness.localhost/w1",
        description="The witness's key name in its cosignatures and verifier key (a schema-less URL).",
    )
    logs: list[str] = Field(
        default_factory=list,
        description="The logs this witness cosigns: their verifier keys (`probe collector key`); a "
        "checkpoint's origin must be the key's name.",
    )
