"""`Lab`: the censorship lab as one object that runs its servers in a background thread with its own loop.

Callers (tests, `probe demo`, the benchmark) start it, point the probe and the control at it with
`probe_overrides()` and `control_overrides()`, read the scenario URLs and their expected verdicts, and stop
it.
Nothing here opens a socket itself; `probe.lab.network` does, on the lab's loop.
"""

from __future__ import annotations

import asyncio
import ipaddress
import threading
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from probe.config import DEFAULT_BOGON_RANGES
from probe.lab.certs import LabCerts
from probe.lab.datafiles import write_asn_db, write_fingerprints
from probe.lab.network import LabError, LabNetwork, Ports
from probe.lab.scenarios import (
    DOH_IP,
    ISP_RESOLVER_IP,
    PROBE_ASN,
    PROBE_CC,
    PROBE_NETWORK_NAME,
    PUBLIC_RESOLVER_IP,
    SCENARIOS,
    Expected,
    Scenario,
    bulk_scenarios,
)

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0
CONTROL_SNI = "example.com"
# Loopback stands in for the public internet in the lab, so it must not count as a bogon there.
LAB_BOGON_RANGES = [r for r in DEFAULT_BOGON_RANGES if r not in ("127.0.0.0/8", "::1/128")]
RESERVED_SOURCES = ipaddress.IPv4Network("127.0.0.0/24")


@dataclass(frozen=True)
class ScenarioInstance:
    """A scenario on a running lab: where to point the probe."""

    scenario: Scenario
    url: str


class Lab:
    """Fake resolvers, origins and middleboxes on loopback that censor `probe_source` and nobody else."""

    def __init__(
        self,
        workdir: Path,
        *,
        probe_source: str = "127.0.0.2",
        control_source: str = "127.0.0.3",
        extra_sites: int = 0,
    ) -> None:
        for name, source in (("probe_source", probe_source), ("control_source", control_source)):
            if ipaddress.ip_address(source) not in RESERVED_SOURCES:
                raise LabError(f"{name} {source} must be in 127.0.0.0/24, outside the lab's site addresses")
        if probe_source == control_source:
            raise LabError("probe_source and control_source must differ: the lab tells them apart by address")
        if extra_sites < 0:
            raise LabError("extra_sites must be zero or more")
        self.probe_source = probe_source
        self.control_source = control_source
        self.scenarios: tuple[Scenario, ...] = SCENARIOS
        self._bulk = bulk_scenarios(extra_sites)
        workdir.mkdir(parents=True, exist_ok=True)
        self.ca_bundle = workdir / "lab-ca.pem"
        self.fingerprints_csv = workdir / "lab-fingerprints-dns.csv"
        self.asn_db = workdir / "lab-ip2asn.tsv"
        self.control_dir = workdir / "control"  # the control service's signing key
        self._certs = LabCerts(self.ca_bundle)
        write_fingerprints(self.fingerprints_csv)
        write_asn_db(self.asn_db, probe_source, control_source)
        self.instances: list[ScenarioInstance] = []
        self.bulk_urls: list[tuple[str, Expected]] = []
        self._ports: Ports | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._network: LabNetwork | None = None

    # -- lifecycle -------------------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every server; return once all listen. Raises LabError if the lab cannot run."""
        if self._thread is not None:
            raise LabError("the lab is already running; stop it before starting it again")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=_run_loop, args=(loop,), name="saksi-lab", daemon=True)
        thread.start()
        network = LabNetwork(
            self._certs,
            self.scenarios + self._bulk,
            probe_source=self.probe_source,
            control_source=self.control_source,
        )
        future = asyncio.run_coroutine_threadsafe(network.start(), loop)
        try:
            ports = future.result(timeout=START_TIMEOUT_S)
        except BaseException as exc:
            future.cancel()  # the network's own start() closes what it opened when cancelled
            loop.call_soon_threadsafe(loop.stop)
            thread.join(STOP_TIMEOUT_S)
            if isinstance(exc, LabError):
                raise
            if isinstance(exc, TimeoutError):
                raise LabError(f"the lab's servers did not start within {START_TIMEOUT_S:.0f} s") from exc
            raise LabError(f"the lab's servers did not start: {exc}") from exc
        self._loop, self._thread, self._network, self._ports = loop, thread, network, ports
        self.instances = [ScenarioInstance(s, self._url(s)) for s in self.scenarios]
        self.bulk_urls = [(self._url(s), s.expected) for s in self._bulk]

    def stop(self) -> None:
        """Close every socket and connection and end the lab's thread. Safe to call twice."""
        loop, thread, network = self._loop, self._thread, self._network
        if loop is None or thread is None or network is None:
            return
        try:
            asyncio.run_coroutine_threadsafe(network.stop(), loop).result(timeout=STOP_TIMEOUT_S)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(STOP_TIMEOUT_S)
            self._loop = self._thread = self._network = self._ports = None
            self.instances = []
            self.bulk_urls = []

    def __enter__(self) -> Lab:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # -- where things are ------------------------------------------------------------------------------------

    @property
    def ports(self) -> Ports:
        if self._ports is None:
            raise LabError("the lab is not running; call start() first")
        return self._ports

    @property
    def isp_resolver(self) -> str:
        """The censoring ISP resolver (the probe's system resolver), as ip:port."""
        return f"{ISP_RESOLVER_IP}:{self.ports.isp_dns}"

    @property
    def public_resolver(self) -> str:
        """The honest public resolver, as ip:port."""
        return f"{PUBLIC_RESOLVER_IP}:{self.ports.public_dns}"

    @property
    def doh_url(self) -> str:
        return f"https://{DOH_IP}:{self.ports.doh}/dns-query"

    def instance(self, scenario_id: str) -> ScenarioInstance:
        for instance in self.instances:
            if instance.scenario.id == scenario_id:
                return instance
        raise KeyError(scenario_id)

    def _url(self, scenario: Scenario) -> str:
        port = self.ports.https if scenario.scheme == "https" else self.ports.http
        return f"{scenario.scheme}://{scenario.host}:{port}{scenario.path}"

    # -- settings for the probe and the control --------------------------------------------------------------

    def probe_overrides(self) -> dict[str, Any]:
        """Keyword overrides for probe.config.Settings that point the probe at the lab."""
        return {
            "network": self._network_overrides([self.isp_resolver], self.probe_source),
            "probe": {"asn": PROBE_ASN, "network_name": PROBE_NETWORK_NAME, "cc": PROBE_CC},
        }

    def control_overrides(self) -> dict[str, Any]:
        """Keyword overrides for the control service's Settings: honest resolvers, the lab's ASN database,
        and (a lab has no collector to enrol at) any probe key that signs its request."""
        return {
            "network": self._network_overrides([self.public_resolver], self.control_source),
            "control": {"asn_db": str(self.asn_db), "open_to_any_key": True},
            "collector": {"data_dir": str(self.control_dir)},
        }

    def _network_overrides(self, system_resolvers: list[str], source: str) -> dict[str, Any]:
        return {
            "system_resolvers": system_resolvers,
            "getaddrinfo": False,
            "udp_resolvers": [self.public_resolver],
            "doh_urls": [self.doh_url],
            "ca_bundle": str(self.ca_bundle),
            "bogon_ranges": list(LAB_BOGON_RANGES),
            "source_address": source,
            "control_sni": CONTROL_SNI,
        }


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        # Whatever is still pending (a handler that never got going) ends here, before the loop closes.
        tasks = asyncio.all_tasks(loop)
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        asyncio.set_event_loop(None)
        loop.close()
