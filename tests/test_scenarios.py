"""Every named censorship scenario of the lab, measured by `probe run --json` as a user would run it.

One module-scoped run measures all scenarios at once (the lab, a control service, and the `probe`
command in a subprocess with a TOML config); one parametrised test per scenario checks its verdict.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from probe.classify.rules import RULE_IDS
from probe.lab import SCENARIOS
from tests.scenario_rig import measure_all_scenarios
from tests.scenario_rig import to_toml as to_toml  # other tests import it from here


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    with measure_all_scenarios(tmp_path_factory.mktemp("scenarios")) as found:
        yield found


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
    assert ooni["site_down"] is False  # OONI: expected failures (the site is down) are false/false
    assert ooni["tcp_reset"] == "http-failure"  # OONI meets a reset after connect in TLS or HTTP


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
