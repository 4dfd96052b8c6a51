"""Every named censorship scenario of the lab, measured by `probe run --json` as a user would run it.

One module-scoped run measures all scenarios at once (the lab, a control service, and the `probe`
command in a subprocess with a TOML config); one parametrised test per scenario checks its verdict.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from probe.classify.rules import RULE_IDS
from probe.cli.demo import DEMO_TIMEOUTS, merge
from probe.config import Settings
from probe.control.service import ServerThread, uvicorn_config
from probe.lab import SCENARIOS, Lab
from tests.consent import consented


def to_toml(settings: dict[str, Any]) -> str:
    """Write the few value kinds our settings use (str, number, bool, list of str) as TOML tables."""
    lines: list[str] = []
    for section, values in settings.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int | float):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f"{key} = {json.dumps(value if isinstance(value, list) else str(value))}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    workdir = tmp_path_factory.mktemp("scenarios")
    with Lab(workdir / "lab") as lab:
        control = ServerThread(
            uvicorn_config(
                Settings(**merge(lab.control_overrides(), {"timeouts": DEMO_TIMEOUTS})), "127.0.0.4", 0
            )
        )
        control.start()
        try:
            overrides = merge(
                lab.probe_overrides(),
                {
                    "control": {"url": f"http://127.0.0.4:{control.port}/api/v1/control"},
                    "store": {"path": str(workdir / "probe.db")},
                    "timeouts": DEMO_TIMEOUTS,
                },
            )
            overrides["network"]["bogon_ranges"] = [str(r) for r in overrides["network"]["bogon_ranges"]]
            config = workdir / "probe.toml"
            config.write_text(to_toml(overrides))
            consented(config)
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"
            }

            def probe(*args: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run(
                    [sys.executable, "-m", "probe", *args, "--config", str(config)],
                    capture_output=True,
                    text=True,
                    timeout=300,
                    env=env,
                )

            imported = probe("targets", "import-fingerprints", str(lab.fingerprints_csv))
            assert imported.returncode == 0, imported.stderr
            urls = [arg for i in lab.instances for arg in ("--url", i.url)]
            result = probe("run", "--json", *urls)
            assert result.returncode == 0, result.stderr
            by_url = {m["target"]["url"]: m for m in map(json.loads, result.stdout.splitlines())}
            yield {i.scenario.id: by_url[i.url] for i in lab.instances} | {
                "_raw": {"stdout": result.stdout, "probe_source": lab.probe_source}
            }
        finally:
            control.stop()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.id for s in SCENARIOS])
def test_scenario_gives_its_verdict(measured: dict[str, dict[str, Any]], scenario: Any) -> None:
    verdict = measured[scenario.id]["verdict"]
    expected = scenario.expected
    got = (verdict["outcome"], verdict["method"], verdict["confidence"])
    assert got == (expected.outcome, expected.method, expected.confidence), verdict["explanation"]
    if expected.fingerprint:
        assert verdict["fingerprint"] == expected.fingerprint
    assert verdict["rule_id"] in RULE_IDS
    assert verdict["explanation"].endswith(".")


def test_verdicts_carry_the_ooni_equivalent(measured: dict[str, dict[str, Any]]) -> None:
    ooni = {sid: m["verdict"]["ooni_blocking"] for sid, m in measured.items() if sid != "_raw"}
    assert ooni["https_accessible"] is False
    assert ooni["dns_nxdomain"] == "dns"
    assert ooni["tcp_timeout"] == "tcp_ip"
    assert ooni["http_blockpage_unknown"] == "http-diff"
    assert ooni["site_down"] is None


def test_no_measurement_records_the_probe_address(measured: dict[str, dict[str, Any]]) -> None:
    raw = measured["_raw"]
    assert raw["probe_source"] not in raw["stdout"]


def test_measurements_are_complete_payloads(measured: dict[str, dict[str, Any]]) -> None:
    m = measured["https_accessible"]
    assert len(m["measurement_uid"]) == 32
    assert m["probe"]["asn"] == 38623
    assert m["control"]["response"]["client"]["asn"] == 38623
    assert {o["resolver_kind"] for o in m["observations"]["dns"]} == {"system", "udp", "doh"}
    tls = m["observations"]["tls"][0]
    assert tls["cert_valid_for_host"] is True
    assert tls["cert"]["leaf_sha256"]
    assert m["observations"]["http"][-1]["status"] == 200


def test_blocking_evidence_is_kept_and_accessible_pages_trimmed(measured: dict[str, dict[str, Any]]) -> None:
    blockpage = measured["http_blockpage_fingerprint"]["observations"]["http"][-1]
    assert "ERROR: Forbidden" in blockpage["body_excerpt"]
    accessible = measured["http_accessible"]["observations"]["http"][-1]
    assert len(accessible["body_excerpt"]) <= 1024


def test_injection_keeps_both_replies(measured: dict[str, dict[str, Any]]) -> None:
    lookups = measured["dns_injection"]["observations"]["dns"]
    twice = [o for o in lookups if len(o["replies"]) >= 2]
    assert twice
    answers = [{a["value"] for a in r["answers"]} for r in twice[0]["replies"]]
    assert answers[0] != answers[1]


def test_sni_filtering_is_told_from_ip_blocking(measured: dict[str, dict[str, Any]]) -> None:
    sni = {t["purpose"]: t for t in measured["tls_sni_reset"]["observations"]["tls"]}
    assert sni["target"]["failure"] == "connection_reset"
    assert sni["control_sni"]["failure"] is None
    ip = {t["purpose"]: t for t in measured["tcp_reset"]["observations"]["tls"]}
    assert ip["control_sni"]["failure"] == "connection_reset"


def test_never_connects_to_a_bogon(measured: dict[str, dict[str, Any]]) -> None:
    m = measured["dns_bogon"]
    assert all(t["ip"] != "10.10.10.1" for t in m["observations"]["tcp"])
