"""What the benchmarks share: the censorship lab with a control service, the settings that point at both.

Starts everything on loopback the way `probe demo` does (`probe/cli/demo.py`); touches nothing outside
its own temporary directory and opens no connection beyond 127.0.0.0/8.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from probe.cli.demo import CONTROL_HOST, merge
from probe.config import Settings
from probe.control.service import ServerThread, uvicorn_config
from probe.lab import Expected, Lab
from probe.models.measurement import Measurement

# Short but realistic: lab timeouts are real silences, and the one-URL-at-a-time sweep must finish in
# minutes. Only these are set; every other setting (concurrency included) keeps its default.
BENCH_TIMEOUTS: dict[str, float] = {
    "dns_s": 2.0,
    "tcp_connect_s": 2.0,
    "tls_handshake_s": 2.0,
    "http_s": 4.0,
    "control_s": 20.0,
}
TIMEOUT_METHODS = frozenset({"dns.timeout", "tcp.timeout", "tls.timeout", "http.timeout"})


@dataclass(frozen=True)
class LabRig:
    """A running lab with its bulk sites and a control service, and the overrides that point a probe at both."""

    lab: Lab
    control_url: str

    def probe_overrides(self, store_path: Path) -> dict[str, Any]:
        """Settings overrides for a probe measuring the lab: resolvers, CA, control, store, timeouts."""
        return merge(
            self.lab.probe_overrides(),
            {"control": {"url": self.control_url}, "store": {"path": store_path}, "timeouts": BENCH_TIMEOUTS},
        )

    def probe_settings(self, store_path: Path) -> Settings:
        return Settings(**self.probe_overrides(store_path))


@contextmanager
def lab_rig(workdir: Path, sites: int) -> Iterator[LabRig]:
    """Start the lab with `sites` generated sites and a control service; stop both on exit."""
    with Lab(workdir / "lab", extra_sites=sites) as lab:
        control_settings = Settings(
            **merge(
                lab.control_overrides(),
                {"store": {"path": workdir / "control.db"}, "timeouts": BENCH_TIMEOUTS},
            )
        )
        server = ServerThread(uvicorn_config(control_settings, CONTROL_HOST, 0))
        server.start()
        try:
            yield LabRig(lab, f"http://{CONTROL_HOST}:{server.port}/api/v1/control")
        finally:
            server.stop()


def timeout_blocked(expected: Expected) -> bool:
    """Whether the lab blocks this site by letting something time out."""
    return expected.outcome == "blocked" and expected.method in TIMEOUT_METHODS


def given(m: Measurement) -> tuple[str, str | None, str | None]:
    """The verdict fields the benchmarks compare: outcome, method, confidence."""
    v = m.verdict
    return (
        v.outcome.value,
        v.method.value if v.method else None,
        v.confidence.value if v.confidence else None,
    )


def expected_fields(expected: Expected) -> tuple[str, str | None, str | None]:
    return (expected.outcome, expected.method, expected.confidence)


def show(fields: tuple[str, str | None, str | None]) -> str:
    return " ".join(x for x in fields if x)


def status(met: bool) -> str:
    return "MET" if met else "MISSED"
