"""One settings model for the probe and its control service: a TOML file plus PROBE_* variables.

Precedence, highest first: `PROBE_*` environment variables (nested with `__`, lists as JSON, for example
`PROBE_NETWORK__UDP_RESOLVERS='["9.9.9.9:53"]'`), then the TOML file (`--config PATH` or `PROBE_CONFIG`),
then the defaults below. Every field is documented in docs/configuration.md; a test keeps the two in step.
"""

from __future__ import annotations

import builtins
import ipaddress
import json
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from probe.netio.browser import DEFAULT_ACCEPT_LANGUAGE, DEFAULT_USER_AGENT
from probe.service_settings import CollectorSettings, WitnessSettings
from probe.settings_section import Section, data_dir

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# METHODS.md, DNS decision order step 4.
DEFAULT_BOGON_RANGES: tuple[str, ...] = (
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.168.0.0/16",
    "198.18.0.0/15",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
)


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


def _host_port(value: str) -> str:
    host, sep, port = value.rpartition(":")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"{value!r} is not host:port (for example 8.8.8.8:53 or [2001:4860::8888]:53)")
    return value


class NetworkSettings(Section):
    system_resolvers: list[str] | None = Field(
        default=None,
        description="Resolvers the OS uses, as host:port, queried over UDP. None reads /etc/resolv.conf; "
        "an empty list disables them.",
    )
    getaddrinfo: bool = Field(default=True, description="Also resolve through the OS's getaddrinfo().")
    udp_resolvers: list[str] = Field(
        default=["8.8.8.8:53"],
        description="Public resolvers queried over UDP, listening for late and duplicate replies "
        "(injection).",
    )
    doh_urls: list[str] = Field(
        default=["https://1.1.1.1/dns-query"],
        description="DNS-over-HTTPS endpoints (RFC 8484). An empty list disables DoH.",
    )
    ca_bundle: Path | None = Field(
        default=None, description="PEM file of trusted roots for TLS validation. None uses certifi's bundle."
    )
    concurrency: int = Field(
        default=64,
        ge=1,
        le=1024,
        description="URLs measured at the same time (a blocked URL waits on its timeouts while others proceed).",
    )
    bogon_ranges: list[IPNetwork] = Field(
        default_factory=lambda: [ipaddress.ip_network(n) for n in DEFAULT_BOGON_RANGES],
        description="Address ranges treated as bogon or private: never connected to, classified dns.bogon.",
    )
    source_address: str | None = Field(
        default=None, description="Bind outgoing connections to this local address (multi-homed hosts, lab)."
    )
    control_sni: str = Field(
        default="example.com",
        description="The harmless name sent as SNI in the second handshake that separates SNI filtering "
        "from IP blocking.",
    )
    user_agent: str = Field(
        default=DEFAULT_USER_AGENT,
        description="User-Agent of HTTP requests: the browser profile's (Chrome 131 on Windows; "
        "probe.netio.browser). A Chrome User-Agent also sets the client hints sent over HTTPS.",
    )
    accept_language: str = Field(
        default=DEFAULT_ACCEPT_LANGUAGE,
        description="Accept-Language of HTTP requests, as the browser profile sends it.",
    )
    max_body_bytes: int = Field(default=512 * 1024, ge=1024, description="HTTP body read bound.")
    max_redirects: int = Field(default=10, ge=0, le=30, description="Redirects followed per URL.")
    injection_listen_s: float = Field(
        default=0.5, ge=0, description="How long to keep listening after the first UDP DNS reply."
    )

    @field_validator("system_resolvers", "udp_resolvers")
    @classmethod
    def _check_host_ports(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [_host_port(v) for v in value]

    @field_validator("user_agent", "accept_language")
    @classmethod
    def _check_header_value(cls, value: str) -> str:
        if not value or value != value.strip() or any(ord(c) < 0x20 or ord(c) > 0x7E for c in value):
            raise ValueError("must be printable ASCII on one line, without leading or trailing spaces")
        return value

    @field_validator("doh_urls")
    @classmethod
    def _check_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith("https://"):
                raise ValueError(f"{url!r} is not an https:// URL")
        return value

    @field_validator("source_address")
    @classmethod
    def _check_address(cls, value: str | None) -> str | None:
        if value is not None:
            ipaddress.ip_address(value)
        return value


class TimeoutSettings(Section):
    dns_s: float = Field(default=4.0, gt=0, description="Per DNS query and resolver.")
    tcp_connect_s: float = Field(default=10.0, gt=0, description="Per TCP connect.")
    tls_handshake_s: float = Field(default=10.0, gt=0, description="Per TLS handshake.")
    http_s: float = Field(default=10.0, gt=0, description="Per HTTP request (each redirect hop).")
    control_s: float = Field(default=30.0, gt=0, description="For the control service's answer.")
    url_s: float = Field(
        default=120.0, gt=0, description="Upper bound for one URL; what was observed by then is kept."
    )


class ControlSettings(Section):
    url: str | None = Field(
        default=None,
        description="The control service, e.g. https://collector.example/api/v1/control. None classifies "
        "from local evidence only.",
    )
    listen_host: str = Field(default="127.0.0.1", description="`probe control serve`: address to listen on.")
    listen_port: int = Field(default=8081, ge=0, lt=65536, description="`probe control serve`: port.")
    asn_db: Path | None = Field(
        default=None,
        description="`probe control serve`: ip2asn TSV (range_start range_end AS_number country "
        "AS_description) to name the caller's network and each address's ASN.",
    )
    max_in_flight: int = Field(default=64, ge=1, description="`probe control serve`: requests at once.")
    collector_url: str | None = Field(
        default=None,
        description="`probe control serve`: the collector whose enrolled probe keys this service serves (it "
        "asks GET /api/v1/probes/{key_id} and caches the answer). The collector's own control serves its "
        "enrolled keys without this.",
    )
    open_to_any_key: bool = Field(
        default=False,
        description="`probe control serve`: serve any request signed by the key it carries, enrolled or "
        "not. For a lab or `probe demo` only: on a real deployment it serves strangers.",
    )
    per_key_per_min: int = Field(
        default=600,
        ge=1,
        description="Control requests one probe key may make per clock minute (a probe past it waits the "
        "Retry-After it is given and asks again).",
    )
    deadline_s: float = Field(
        default=30.0, gt=0, description="The longest one control measurement may take before it is abandoned."
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value


class StoreSettings(Section):
    path: Path = Field(
        default_factory=lambda: data_dir() / "probe.db", description="The probe's SQLite store."
    )
    keys_dir: Path | None = Field(
        default=None,
        description="Folder of the device seed from which the per-network signing keys are derived "
        "(owner-only). None: a `keys` folder beside store.path.",
    )

    @property
    def seed_folder(self) -> Path:
        return self.keys_dir or self.path.parent / "keys"


def plain_http_problem(url: str) -> str | None:
    """Why `url` must not be used without upload.allow_http: plain http:// to another machine (anyone on the
    path could read and change what the collector sends, such as the test lists). None when fine."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme != "http":
        return None
    host = (parts.hostname or "").lower()
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost" or host.endswith(".localhost")
    if loopback:
        return None
    from probe.i18n import t

    return t("plain_http", url=url)


class UploadSettings(Section):
    url: str | None = Field(
        default=None,
        description="The collector's base URL, e.g. https://collector.example.org. None keeps measurements "
        "local (they wait in the outbox).",
    )
    token: str | None = Field(default=None, description="An invite token for enrolment (tier vouched).")
    spare_tokens: list[str] = Field(
        default_factory=list,
        description="More single-use invite tokens, one for the key of each new network (its tier does not carry "
        "over from another network's key: docs/evidence.md).",
    )
    allow_http: bool = Field(
        default=False,
        description="Accept plain http:// for upload.url and control.url on another machine (a lab only): "
        "anyone on the path could read and change what the collector sends.",
    )
    log_key: str | None = Field(
        default=None,
        description="The collector's verifier key (vkey line). None trusts the key the collector presents the "
        "first time and pins it.",
    )
    batch_size: int = Field(default=100, ge=1, le=500, description="Envelopes per upload request.")
    retry_base_s: float = Field(default=30.0, gt=0, description="First retry delay; doubles per attempt.")
    retry_max_s: float = Field(default=6 * 3600.0, gt=0, description="Longest delay between retries.")
    timeout_s: float = Field(default=60.0, gt=0, description="Per upload request.")
    socks5: str | None = Field(
        default=None,
        description="host:port of a SOCKS5 proxy (Tor: 127.0.0.1:9050) for everything sent to the collector "
        "(uploads, enrolment, whoami, lists); names are resolved by the proxy and network.source_address is "
        "not applied. None connects directly. Measurements never use it.",
    )

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError(f"{value!r} is not an http:// or https:// URL")
        return value.rstrip("/") if value else value

    @field_validator("socks5")
    @classmethod
    def _check_socks5(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.strip().rpartition(":")
        bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
        if (
            not bare
            or any(c in bare for c in "[]/@ ")
            or (":" in bare and bare == host)  # an IPv6 address needs its brackets
            or not port.isdigit()
            or not 0 < int(port) < 65536
        ):
            raise ValueError(
                f"{value!r} is not host:port (for example 127.0.0.1:9050 for Tor, or [::1]:9050)"
            )
        return value.strip()


class Watch(Section):
    """Measure some targets more often between two dates (an election, a known blocking order)."""

    targets: list[str] = Field(description="URLs, or host names matching every URL of that host.")
    starts_at: datetime = Field(
        description="When the watch begins (ISO 8601; UTC unless an offset is given)."
    )
    ends_at: datetime = Field(description="When it ends.")
    every_hours: float = Field(default=1.0, gt=0, description="How often the watched targets are measured.")

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value if value.tzinfo else value.replace(tzinfo=UTC)


class DaemonSettings(Section):
    every_hours: float = Field(
        default=6.0, gt=0, description="`probe daemon`: a full run every this many hours."
    )
    jitter_fraction: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Each run starts up to this fraction of every_hours late, at random, so that probes do not "
        "measure in lockstep.",
    )
    upload_every_minutes: float = Field(default=15.0, gt=0, description="How often the outbox is drained.")
    refresh_lists_hours: float = Field(
        default=24.0, gt=0, description="How often the test lists are fetched from the collector."
    )
    network_check_minutes: float = Field(
        default=10.0, gt=0, description="How often the probe checks whether it moved to another network."
    )
    watches: list[Watch] = Field(default_factory=list, description="Targets measured more often for a while.")


class ProbeSettings(Section):
    asn: int | None = Field(
        default=None,
        ge=1,
        le=4294967295,
        description="This network's ASN when known; otherwise the control tells.",
    )
    network_name: str | None = Field(default=None, description="This network's name when known.")
    cc: str | None = Field(default=None, description="Country code when known.")


class TargetSettings(Section):
    list: str = Field(default="kh", description="The built-in or imported list `probe run` measures.")
    include_sensitive: bool = Field(
        default=False, description="Also measure the sensitive categories (PORN, XED, DATE, LGBT, REL)."
    )
    # `builtins.list`: this class has a field named `list`, which would shadow the type here.
    categories: builtins.list[str] | None = Field(
        default=None,
        description='Only these category codes (e.g. ["NEWS", "HUMR"]); None measures every non-sensitive '
        "category. A sensitive category is measured only when named here or with include_sensitive.",
    )

    @field_validator("categories")
    @classmethod
    def _known_categories(cls, value: builtins.list[str] | None) -> builtins.list[str] | None:
        from probe.lists.categories import CATEGORIES, unknown_categories

        if value is None:
            return None
        unknown = unknown_categories(value)
        if unknown:
            # A typo would otherwise select nothing, silently.
            raise ValueError(
                f"unknown category code {', '.join(unknown)}; the codes are {', '.join(CATEGORIES)}"
            )
        return [c.upper() for c in value]


def default_config_path() -> Path:
    """Where `probe init` writes the volunteer's settings, read when neither --config nor PROBE_CONFIG is given."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "saksi" / "probe.toml"


class Settings(BaseModel):
    """Every setting. Build it with `load_settings` (TOML file + PROBE_* variables); `Settings(**values)`
    takes the values given and the defaults only."""

    model_config = ConfigDict(extra="forbid", validate_default=True)

    network: NetworkSettings = Field(default_factory=NetworkSettings)
    timeouts: TimeoutSettings = Field(default_factory=TimeoutSettings)
    control: ControlSettings = Field(default_factory=ControlSettings)
    store: StoreSettings = Field(default_factory=StoreSettings)
    upload: UploadSettings = Field(default_factory=UploadSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    collector: CollectorSettings = Field(default_factory=CollectorSettings)
    witness: WitnessSettings = Field(default_factory=WitnessSettings)
    probe: ProbeSettings = Field(default_factory=ProbeSettings)
    targets: TargetSettings = Field(default_factory=TargetSettings)

    @model_validator(mode="after")
    def _https_only(self) -> Settings:
        if not self.upload.allow_http:
            for name, url in (("upload.url", self.upload.url), ("control.url", self.control.url)):
                problem = plain_http_problem(url) if url else None
                if problem:
                    raise ValueError(f"{name}: {problem}")
        return self


# PROBE_* variables that are not settings: where the config file is, and the test suite's guard.
NOT_SETTINGS = frozenset({"PROBE_CONFIG", "PROBE_LOOPBACK_GUARD"})


def _is_structured(annotation: Any) -> bool:
    """Lists, tables and models are given as JSON in a variable; scalars as plain text."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_structured(a) for a in typing.get_args(annotation) if a is not type(None))
    if origin in (list, dict, tuple, set, frozenset):
        return True
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def environment_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """PROBE_SECTION__NAME=value pairs as nested values (names are case-insensitive).

    An unknown PROBE_* name is an error, so that a typo cannot silently leave a default in force.
    """
    values: dict[str, Any] = {}
    for key, raw in environ.items():
        upper = key.upper()
        if not upper.startswith("PROBE_") or upper in NOT_SETTINGS:
            continue
        parts = upper[len("PROBE_") :].lower().split("__")
        section = Settings.model_fields.get(parts[0])
        model = section.annotation if section else None
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or len(parts) > 2:
            raise ConfigError(f"{key} is not a setting (see docs/configuration.md for the PROBE_* names)")
        if len(parts) == 1:
            field_annotation: Any = model
        elif parts[1] in model.model_fields:
            field_annotation = model.model_fields[parts[1]].annotation
        else:
            raise ConfigError(f"{key} is not a setting (see docs/configuration.md for the PROBE_* names)")
        value: Any = raw
        if _is_structured(field_annotation):
            try:
                value = json.loads(raw)
            except ValueError:
                raise ConfigError(
                    f"{key} must be JSON: lists and tables are written as JSON, for example "
                    """PROBE_NETWORK__UDP_RESOLVERS='["9.9.9.9:53"]'"""
                ) from None
        if len(parts) == 1:
            if not isinstance(value, dict):
                raise ConfigError(f"{key} must be a JSON object of the [{parts[0]}] settings")
            values[parts[0]] = {**values.get(parts[0], {}), **value}
        else:
            values.setdefault(parts[0], {})[parts[1]] = value
    return values


def _merged(*layers: Mapping[str, Any]) -> dict[str, Any]:
    """Later layers win; sections are merged setting by setting."""
    out: dict[str, Any] = {}
    for layer in layers:
        for key, value in layer.items():
            if isinstance(value, Mapping) and isinstance(out.get(key), dict):
                out[key] = {**out[key], **value}
            else:
                out[key] = dict(value) if isinstance(value, Mapping) else value
    return out


def settings_file(path: Path | None = None) -> tuple[Path | None, str]:
    """The settings file in force and where its name came from: `path` (--config), else PROBE_CONFIG, else
    the file `probe init` wrote when it exists; (None, "") when there is none."""
    if path is not None:
        return path, "--config"
    if os.environ.get("PROBE_CONFIG"):
        return Path(os.environ["PROBE_CONFIG"]), "PROBE_CONFIG"
    if default_config_path().is_file():
        return default_config_path(), "the file `probe init` wrote"
    return None, ""


def load_settings(path: Path | None = None, **overrides: Any) -> Settings:
    """Build the settings: defaults, then the TOML file (`path`, PROBE_CONFIG, or the file `probe init`
    wrote), then PROBE_* variables, then `overrides`.

    Raises ConfigError with a one-sentence message a person can act on.
    """
    path, origin = settings_file(path)
    if path is not None and not path.exists():
        raise ConfigError(f"config file {path} (from {origin}) does not exist; name an existing TOML file")
    if path is not None and not path.is_file():
        raise ConfigError(f"config file {path} (from {origin}) is not a file; name a TOML file")
    try:
        from_file = tomllib.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read config {path}: {exc}") from None
    try:
        return Settings.model_validate(_merged(from_file, environment_values(os.environ), overrides))
    except ValidationError as exc:
        where = f"in {path} or the PROBE_* environment" if path else "in the PROBE_* environment"
        raise ConfigError(f"bad setting {where}: {_problems(exc)}") from None


def _problems(exc: ValidationError) -> str:
    out = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"])
        message = (
            "unknown setting (see docs/configuration.md)" if err["type"] == "extra_forbidden" else err["msg"]
        )
        out.append(f"{name}: {message}")
    return "; ".join(out)
