"""OONI's own tools on our export of every lab scenario: OONI's parser (`oonidata`, from PyPI, in its own
virtualenv), a port of the fastpath's scoring, and ts-017's key list with its types. Each scenario's
`blocking` must be what OONI gives for that network condition (the table in docs/exports.md)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probe.analysis.ooni_analysis import fastpath_matches, fastpath_score
from probe.analysis.ooni_export import TEST_VERSION, to_ooni
from probe.classify.fingerprints import FingerprintSet
from probe.lab import SCENARIOS
from probe.lists import builtin_fingerprints
from probe.models.measurement import Measurement
from tests.scenario_rig import measure_all_scenarios

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "ooni"

# What OONI Web Connectivity 0.5 gives for each lab condition (blocking, accessible); docs/exports.md.
OONI_GIVES: dict[str, tuple[Any, Any]] = {
    "http_accessible": (False, True),
    "https_accessible": (False, True),
    "redirect_chain": (False, True),
    "cdn_geo_dns": (False, True),
    "dns_nxdomain": ("dns", False),
    "dns_servfail": ("dns", False),
    "dns_refused": ("dns", False),
    "dns_timeout": ("dns", False),
    "dns_bogon": ("dns", False),
    "dns_isp_sinkhole_timeout": ("dns", False),
    "dns_blockpage_ip": ("dns", False),
    "dns_injection": ("dns", False),
    "tcp_timeout": ("tcp_ip", False),
    "tcp_reset": ("http-failure", False),
    "tls_sni_reset": ("http-failure", False),
    "tls_sni_timeout": ("http-failure", False),
    "tls_mitm_untrusted_ca": ("http-failure", False),
    "http_blockpage_fingerprint": ("http-diff", False),
    "http_blockpage_unknown": ("http-diff", False),
    "http_false_positive": (False, True),
    "http_host_reset": ("http-failure", False),
    "http_dpi_host_reset": ("http-failure", False),
    "http_dpi_browser_blockpage": ("http-diff", False),
    "site_down": (False, False),
}

# ts-017's test keys for 0.5 (the example output of 0.5.28) and their JSON types.
OPT_BOOL = (bool, type(None))
OPT_STR = (str, type(None))
TEST_KEY_TYPES: dict[str, tuple[type, ...]] = {
    "agent": (str,),
    "client_resolver": (str,),
    "retries": (type(None), int),
    "socksproxy": OPT_STR,
    "network_events": (list,),
    "x_dns_whoami": (dict,),
    "x_doh": (dict,),
    "x_do53": (dict,),
    "x_dns_duplicate_responses": (list,),
    "queries": (list,),
    "requests": (list,),
    "tcp_connect": (list,),
    "tls_handshakes": (list,),
    "x_control_request": (dict, type(None)),
    "control": (dict, type(None)),
    "x_conn_priority_log": (list,),
    "control_failure": OPT_STR,
    "x_dns_flags": (int,),
    "dns_experiment_failure": OPT_STR,
    "dns_consistency": OPT_STR,
    "http_experiment_failure": OPT_STR,
    "x_blocking_flags": (int,),
    "x_null_null_flags": (int,),
    "body_proportion": (float, int),
    "body_length_match": OPT_BOOL,
    "headers_match": OPT_BOOL,
    "status_code_match": OPT_BOOL,
    "title_match": OPT_BOOL,
    "blocking": (str, bool, type(None)),
    "accessible": OPT_BOOL,
}
BASE_KEYS = {
    "annotations": dict,
    "data_format_version": str,
    "extensions": dict,
    "input": str,
    "measurement_start_time": str,
    "probe_asn": str,
    "probe_cc": str,
    "probe_ip": str,
    "probe_network_name": str,
    "report_id": str,
    "resolver_asn": str,
    "resolver_ip": str,
    "resolver_network_name": str,
    "software_name": str,
    "software_version": str,
    "test_helpers": dict,
    "test_keys": dict,
    "test_name": str,
    "test_runtime": float,
    "test_start_time": str,
    "test_version": str,
}
# OONI's failure strings (netxlite) our export may write, besides the unknown_failure family.
OONI_FAILURES = {
    "dns_nxdomain_error",
    "dns_servfail_error",
    "dns_refused_error",
    "dns_no_answer",
    "generic_timeout_error",
    "connection_refused",
    "connection_reset",
    "eof_error",
    "host_unreachable",
    "network_unreachable",
    "ssl_invalid_hostname",
    "ssl_unknown_authority",
    "ssl_invalid_certificate",
    "ssl_failed_handshake",
}


def test_every_scenario_has_an_ooni_expectation() -> None:
    assert set(OONI_GIVES) == {s.id for s in SCENARIOS}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, Any]]]:
    with measure_all_scenarios(tmp_path_factory.mktemp("interop")) as found:
        yield {
            sid: to_ooni(Measurement.model_validate(m), payload_sha256="0" * 64)
            for sid, m in found.items()
            if sid != "_raw"
        } | {"_measurements": found}


def lines(exported: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in exported.items() if not k.startswith("_")}


def test_blocking_is_what_ooni_gives_for_each_condition(exported: dict[str, Any]) -> None:
    got = {
        sid: (line["test_keys"]["blocking"], line["test_keys"]["accessible"])
        for sid, line in lines(exported).items()
    }
    assert got == OONI_GIVES
    # Our own verdict travels in the annotations, and its ooni_blocking agrees with OONI's for every scenario.
    for sid, line in lines(exported).items():
        annotations = line["annotations"]
        assert all(isinstance(v, str) for v in annotations.values())
        assert json.loads(annotations["saksi_ooni_blocking"]) == OONI_GIVES[sid][0], sid


def test_fastpath_marks_no_line_failed_and_flags_each_blocked_one(exported: dict[str, Any]) -> None:
    fingerprints = FingerprintSet(builtin_fingerprints())  # OONI's Cambodian ones among them
    confirmed = set()
    for sid, line in lines(exported).items():
        score = fastpath_score(line, len(fastpath_matches(line, fingerprints)))
        assert not score.failure, (sid, score.reasons)
        assert score.anomaly is isinstance(OONI_GIVES[sid][0], str), sid
        if score.confirmed:
            confirmed.add(sid)
    # Confirmed where OONI's fingerprints know the page or the address: the KH blockpage and pfBlockerNG's
    # sinkhole. (The port matches with our matcher, which also takes the LF copy of the KH page; OONI's own
    # fastpath matches byte for byte and would confirm only the CRLF one.)
    assert confirmed == {"http_blockpage_fingerprint", "http_dpi_browser_blockpage", "dns_bogon"}


def test_every_05_key_is_there_typed_as_ts017_says(exported: dict[str, Any]) -> None:
    for sid, line in lines(exported).items():
        assert line["test_version"] == TEST_VERSION == "0.5.28"
        for key, kind in BASE_KEYS.items():
            assert isinstance(line[key], kind), (sid, key)
        keys = line["test_keys"]
        assert set(keys) == set(TEST_KEY_TYPES), (sid, set(keys) ^ set(TEST_KEY_TYPES))
        for key, kinds in TEST_KEY_TYPES.items():
            assert isinstance(keys[key], kinds), (sid, key, keys[key])
        assert keys["dns_consistency"] in ("consistent", "inconsistent", None)
        failures = [keys[k] for k in keys if k.endswith("_failure")]
        failures += [q["failure"] for q in keys["queries"]] + [t["failure"] for t in keys["tls_handshakes"]]
        failures += [t["status"]["failure"] for t in keys["tcp_connect"]] + [
            r["failure"] for r in keys["requests"]
        ]
        for failure in failures:
            assert failure is None or failure in OONI_FAILURES, (sid, failure)
        assert line["probe_ip"] == line["resolver_ip"] == keys["client_resolver"] == "127.0.0.1"


def test_a_control_answer_is_never_an_invented_failure(exported: dict[str, Any]) -> None:
    for sid, line in lines(exported).items():
        keys = line["test_keys"]
        assert keys["control_failure"] is None and isinstance(keys["control"], dict), sid
        assert keys["x_control_request"]["http_request"] == line["input"]


def test_the_decoy_handshake_is_exported_as_unverified(exported: dict[str, Any]) -> None:
    decoys = [
        t
        for line in lines(exported).values()
        for t in line["test_keys"]["tls_handshakes"]
        if "saksi_control_sni" in t["tags"]
    ]
    assert decoys, "the SNI scenarios make decoy handshakes"
    for t in decoys:
        assert t["no_tls_verify"] is True and "classic" not in t["tags"] and t["server_name"] != ""
    sites = {line["input"].split("/")[2].split(":")[0] for line in lines(exported).values()}
    assert not [t for t in decoys if t["server_name"] in sites]  # never under the blocked host's name
    for line in lines(exported).values():
        for t in line["test_keys"]["tls_handshakes"]:
            if "saksi_control_sni" not in t["tags"]:
                assert t["no_tls_verify"] is False


def test_a_bogon_is_reported_through_consistency_not_as_a_failure(exported: dict[str, Any]) -> None:
    keys = lines(exported)["dns_bogon"]["test_keys"]
    assert keys["dns_experiment_failure"] is None and keys["dns_consistency"] == "inconsistent"
    assert keys["x_dns_flags"] & 1  # bogon
    assert all(q["failure"] != "dns_bogon_error" for q in keys["queries"])
    injected = lines(exported)["dns_injection"]["test_keys"]
    assert injected["x_dns_duplicate_responses"], "the genuine reply that trailed the forged one"


# -- OONI's parser (oonidata, from PyPI) -----------------------------------------------------------------


def oonidata_python() -> Path:
    """The Python of the virtualenv .ci/run makes for OONI's parser (its pins conflict with ours)."""
    path = Path(os.environ.get("SAKSI_OONIDATA_PYTHON", ROOT / ".venv-oonidata" / "bin" / "python"))
    if not path.is_file():
        pytest.fail(
            f"OONI's parser is not installed at {path}: run "
            "`python3 -m venv .venv-oonidata && .venv-oonidata/bin/pip install oonidata==0.3.0` "
            "(as .ci/run does), or set SAKSI_OONIDATA_PYTHON"
        )
    return path


def oonidata(text: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [str(oonidata_python()), str(ROOT / "tests" / "tools" / "oonidata_check.py")],
        input=text,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONWARNINGS": "ignore"},
    )
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_oonis_parser_reads_every_scenario_as_web_connectivity(exported: dict[str, Any]) -> None:
    ordered = list(lines(exported).items())
    parsed = oonidata("".join(json.dumps(line) + "\n" for _, line in ordered))
    assert len(parsed) == len(ordered)
    for (sid, line), got in zip(ordered, parsed, strict=True):
        assert got["ok"], (sid, got.get("error"))
        assert (got["class"], got["keys_class"]) == ("WebConnectivity", "WebConnectivityTestKeys")
        assert got["test_keys"]["blocking"] == line["test_keys"]["blocking"], sid
        assert got["test_keys"]["accessible"] == line["test_keys"]["accessible"], sid
        assert got["test_version"] == "0.5.28"


def test_oonis_parser_reads_the_real_files_we_test_the_import_with() -> None:
    texts = [
        json.dumps(json.loads((DATA / f).read_text()))
        for f in sorted(os.listdir(DATA))
        if f.endswith(".json")
    ]
    parsed = oonidata("\n".join(texts) + "\n")
    assert [p["ok"] for p in parsed] == [True] * len(texts)
    assert {p["class"] for p in parsed} == {"WebConnectivity", "BaseMeasurement"}  # meek is generic to it
