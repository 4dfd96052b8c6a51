"""OONI interoperability: the known history exported in OONI's Web Connectivity format, imported back,
and OONI's own published lines (built from the spec's example) imported as external corroboration."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from probe.analysis.export import export
from probe.analysis.ooni import ooni_for
from probe.analysis.ooni_import import Skip, import_lines, parse_line
from probe.analysis.query import Filters
from probe.cli.app import app
from tests.analysis_rig import ASNS, RFA_BLOCKED, VOD_BLOCKED, VOD_UNBLOCKED
from tests.collector_rig import collector
from tests.test_ooni_interop import TEST_KEY_TYPES

BASE_KEYS = {
    "annotations",
    "data_format_version",
    "input",
    "measurement_start_time",
    "probe_asn",
    "probe_cc",
    "probe_network_name",
    "probe_ip",
    "report_id",
    "resolver_asn",
    "software_name",
    "software_version",
    "test_keys",
    "test_name",
    "test_runtime",
    "test_start_time",
    "test_version",
}
TEST_KEYS = set(TEST_KEY_TYPES)  # every key of Web Connectivity 0.5

# Shaped after the example output of ooni/spec nettests/ts-017-web-connectivity.md (trimmed: no network
# events or certificates), as OONI's raw archive publishes it: no measurement_uid.
SPEC_EXAMPLE: dict[str, Any] = {
    "annotations": {"engine_name": "ooniprobe-engine", "engine_version": "3.9.0-alpha", "platform": "macos"},
    "data_format_version": "0.2.0",
    "input": "https://example.com",
    "measurement_start_time": "2021-03-22 15:01:01",
    "probe_asn": "AS30722",
    "probe_cc": "IT",
    "probe_ip": "127.0.0.1",
    "probe_network_name": "Vodafone Italia S.p.A.",
    "report_id": "20210322T150101Z_webconnectivity_IT_30722_n1_abcdefghijklmnop",
    "resolver_asn": "AS30722",
    "software_name": "miniooni",
    "software_version": "3.9.0-alpha",
    "test_keys": {
        "queries": [
            {
                "answers": [{"answer_type": "A", "ipv4": "93.184.216.34", "ttl": None}],
                "engine": "system",
                "failure": None,
                "hostname": "example.com",
                "query_type": "A",
                "t": 0.025775,
            }
        ],
        "dns_experiment_failure": None,
        "dns_consistency": "consistent",
        "control_failure": None,
        "tcp_connect": [
            {
                "ip": "93.184.216.34",
                "port": 443,
                "status": {"blocked": False, "failure": None, "success": True},
            }
        ],
        "accessible": True,
        "blocking": False,
    },
    "test_name": "web_connectivity",
    "test_runtime": 1.5,
    "test_start_time": "2021-03-22 15:01:00",
    "test_version": "0.4.0",
}
# As OONI's API returns a measurement with its metadata: a uid, anomaly and confirmed.
API_LINE: dict[str, Any] = {
    **SPEC_EXAMPLE,
    "measurement_uid": "20260910041512.123456_KH_webconnectivity_0123456789abcdef",
    "input": "https://www.rfa.org/",
    "measurement_start_time": "2026-09-10 04:15:12",
    "probe_asn": "AS38623",
    "probe_cc": "KH",
    "report_id": "20260910T041500Z_webconnectivity_KH_38623_n1_0123456789abcdef",
    "test_keys": {**SPEC_EXAMPLE["test_keys"], "accessible": False, "blocking": "dns"},
    "anomaly": True,
    "confirmed": True,
}


def connect(history_dir: Path, mode: str = "ro") -> sqlite3.Connection:
    return sqlite3.connect(f"file:{history_dir / 'collector.db'}?mode={mode}", uri=True, isolation_level=None)


def ooni_lines(history_dir: Path, **filters: Any) -> list[dict[str, Any]]:
    _, chunks = export(connect(history_dir), "measurements", "ooni", Filters.parse(**filters))
    return [json.loads(line) for line in b"".join(chunks).splitlines()]


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


# -- export --------------------------------------------------------------------------------------------


def test_every_measurement_becomes_one_ooni_measurement(history_dir: Path) -> None:
    lines = ooni_lines(history_dir)
    conn = connect(history_dir)
    assert len(lines) == conn.execute("SELECT count(*) FROM measurements").fetchone()[0]
    for line in lines[:200]:
        assert set(line) >= BASE_KEYS and set(line["test_keys"]) >= TEST_KEYS
        assert line["data_format_version"] == "0.2.0" and line["test_name"] == "web_connectivity"
        assert line["probe_ip"] == "127.0.0.1" and line["probe_cc"] == "KH"
        assert line["probe_asn"] in {f"AS{a}" for a in ASNS}
        assert len(line["measurement_start_time"]) == 19 and line["measurement_start_time"][10] == " "
    # The annotations link each line back to the signed measurement.
    first = lines[0]["annotations"]
    row = conn.execute(
        "SELECT payload_sha256, started_at FROM measurements WHERE uid = ?", [first["saksi_measurement_uid"]]
    ).fetchone()
    assert row[0] == first["saksi_payload_sha256"]
    assert lines[0]["measurement_start_time"] == row[1][:19].replace("T", " ")


def test_lines_without_a_control_say_so_as_oonis_probe_does(history_dir: Path) -> None:
    """The invented history has no control and no raw observations: OONI gives null/null for that, with
    no control, no control request and no invented control_failure; our verdict is in the annotations."""
    rfa = ooni_lines(history_dir, domain="www.rfa.org", since=str(RFA_BLOCKED.date()))
    assert rfa
    for line in rfa:
        keys = line["test_keys"]
        assert keys["control"] is None and keys["x_control_request"] is None
        assert keys["control_failure"] is None
        assert (keys["blocking"], keys["accessible"]) == (None, None)
        assert line["test_helpers"] == {}
    methods = {line["annotations"]["saksi_method"] for line in rfa}
    assert "dns.bogon" in methods
    vod = ooni_lines(
        history_dir, domain="vodkhmer.news", asn="38623", since=str(VOD_BLOCKED.date()), until="2026-09-12"
    )
    assert vod and VOD_UNBLOCKED.date().isoformat() > "2026-09-12"
    assert {line["annotations"]["saksi_method"] for line in vod} >= {"tls.reset"}


def test_our_own_ooni_export_is_not_imported_as_corroboration(history_dir: Path, tmp_path: Path) -> None:
    """Our --format ooni export read back would be our measurements posing as OONI's: skipped, counted."""
    out = tmp_path / "ours.jsonl"
    result = cli("export", "measurements", "--data-dir", str(history_dir), "--format", "ooni", "-o", str(out))
    assert result.exit_code == 0, result.output
    n = connect(history_dir).execute("SELECT count(*) FROM measurements").fetchone()[0]
    assert len(out.read_text().splitlines()) == n

    # Mixed with one of OONI's own lines: only that one is stored.
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(out.read_text() + json.dumps(SPEC_EXAMPLE) + "\n")
    result = cli("import", "ooni", str(mixed), "--data-dir", str(history_dir))
    assert result.exit_code == 0, result.output
    assert "imported 1 OONI measurement(s)" in result.stdout
    assert f"skipped {n}: our own measurement (not external corroboration)" in result.stdout

    # Recognised by the annotations alone (software_name changed) and by software_name alone.
    first = json.loads(out.read_text().splitlines()[0])
    renamed = {**first, "software_name": "miniooni"}
    unannotated = {**first, "annotations": {}}
    other = tmp_path / "disguised.jsonl"
    other.write_text(json.dumps(renamed) + "\n" + json.dumps(unannotated) + "\n")
    result = cli("import", "ooni", str(other), "--data-dir", str(history_dir))
    assert result.exit_code == 0, result.output
    assert (
        "imported 0 OONI measurement(s)" in result.stdout
        and "skipped 2: our own measurement" in result.stdout
    )

    conn = connect(history_dir)
    assert conn.execute("SELECT count(*) FROM ooni_measurements").fetchone()[0] == 1
    assert ooni_for(conn, "www.rfa.org").total == 0
    # External rows never enter our facts or measurements.
    assert conn.execute("SELECT count(*) FROM facts").fetchone()[0] == n


# -- import of OONI's own lines ------------------------------------------------------------------------


def test_spec_example_and_api_lines_import(history_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "ooni.jsonl.gz"
    with gzip.open(path, "wt") as f:
        f.write(json.dumps(SPEC_EXAMPLE) + "\n\n" + json.dumps(API_LINE) + "\n")
    result = cli("import", "ooni", str(path), "--data-dir", str(history_dir))
    assert result.exit_code == 0, result.output
    assert "imported 2 OONI measurement(s)" in result.stdout

    conn = connect(history_dir)
    rfa = ooni_for(conn, "www.rfa.org", 38623)
    assert rfa.total == 1 and rfa.counts == {"dns": 1} and rfa.anomalies == 1 and rfa.confirmed == 1
    assert rfa.rows[0]["measurement_uid"] == API_LINE["measurement_uid"]
    assert rfa.rows[0]["measurement_start_time"] == "2026-09-10T04:15:12Z"
    example = ooni_for(conn, "example.com")
    assert (
        example.total == 1 and example.rows[0]["blocking"] is False and example.rows[0]["accessible"] is True
    )
    # The raw archive has no uid: the hash of the line's bytes stands in for it.
    assert example.rows[0]["measurement_uid"].startswith("sha256:")
    assert example.rows[0]["probe_asn"] == 30722
    raw = conn.execute("SELECT raw FROM ooni_measurements WHERE domain = 'example.com'").fetchone()[0]
    assert json.loads(raw) == SPEC_EXAMPLE
    assert ooni_for(conn, "www.rfa.org", 38623, until=RFA_BLOCKED).total == 0


def probe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "probe", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )


def test_lines_that_are_not_measurements_are_skipped_and_counted(history_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text(
        json.dumps(SPEC_EXAMPLE) + "\n{}\n{}\n" + '{"test_name": "web_connectivity"}\n' + "not json\n[1, 2]\n"
    )
    result = probe("import", "ooni", str(path), "--data-dir", str(history_dir))
    assert result.returncode == 0, result.stderr
    assert "imported 1 OONI measurement(s)" in result.stdout and "5 line(s) skipped" in result.stdout
    assert "skipped 2: empty object {} (an upload OONI could not parse)" in result.stdout
    assert "skipped 1: no usable measurement_start_time" in result.stdout
    assert "skipped 1: not JSON" in result.stdout and "skipped 1: not a JSON object" in result.stdout
    assert connect(history_dir).execute("SELECT count(*) FROM ooni_measurements").fetchone()[0] == 1

    missing = probe("import", "ooni", str(tmp_path / "nope.jsonl"), "--data-dir", str(history_dir))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    folder = probe("import", "ooni", str(tmp_path), "--data-dir", str(history_dir))
    assert folder.returncode == 2 and "is a directory" in folder.stderr

    whole = gzip.compress((json.dumps(API_LINE) + "\n").encode() * 200)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    truncated = probe("import", "ooni", str(cut), "--data-dir", str(history_dir))
    assert truncated.returncode == 2 and "Traceback" not in truncated.stderr
    assert "truncated" in truncated.stderr and "nothing was imported" in truncated.stderr
    assert connect(history_dir).execute("SELECT count(*) FROM ooni_measurements").fetchone()[0] == 1


def test_api_lists_external_measurements(history_dir: Path, tmp_path: Path) -> None:
    conn = connect(history_dir, "rw")
    import_lines(conn, iter([json.dumps(API_LINE), json.dumps(SPEC_EXAMPLE)]))
    with collector(tmp_path) as rig, rig.client() as client:
        body = client.get("/api/v1/ooni", params={"domain": "www.rfa.org", "asn": "AS38623"}).json()
        assert body["source"].startswith("OONI (external corroboration, unsigned by us)")
        assert body["total"] == 1 and body["counts"] == {"dns": 1}
        assert body["measurements"][0]["blocking"] == "dns"
        assert client.get("/api/v1/ooni", params={"asn": "Metfone"}).status_code == 400
        lines = client.get(
            "/api/v1/export", params={"dataset": "measurements", "format": "ooni", "asn": "45498"}
        )
        assert lines.headers["content-type"].startswith("application/x-ndjson")
        parsed = [json.loads(line) for line in lines.text.splitlines()]
        assert parsed and {p["probe_asn"] for p in parsed} == {"AS45498"}


# -- the line parser -----------------------------------------------------------------------------------


def test_parse_line_reads_the_fields() -> None:
    row = parse_line(json.dumps(API_LINE))
    assert (row.domain, row.probe_asn, row.probe_cc, row.blocking, row.accessible) == (
        "www.rfa.org",
        38623,
        "KH",
        "dns",
        False,
    )
    # Odd fields are kept as unknown, not a reason to drop OONI's measurement.
    odd = parse_line(json.dumps({**API_LINE, "probe_asn": "Metfone", "anomaly": "yes", "test_keys": []}))
    assert (odd.probe_asn, odd.anomaly, odd.blocking) == (None, None, None)
    for bad, why in [
        ({**API_LINE, "measurement_start_time": "yesterday"}, "measurement_start_time"),
        ({}, "empty object"),
        ({**API_LINE, "test_name": ""}, "no test_name"),
        ([1, 2], "not a JSON object"),
    ]:
        with pytest.raises(Skip, match=why):
            parse_line(json.dumps(bad))


REAL = json.dumps(API_LINE)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, len(REAL)), st.integers(0, 40), st.text(max_size=40))
def test_parse_line_raises_only_its_own_error(at: int, cut: int, splice: str) -> None:
    text = REAL[:at] + splice + REAL[at + cut :]
    try:
        row = parse_line(text)
    except Skip as exc:
        reason = exc.reason
    else:
        assert row.test_name and row.measurement_start_time.endswith("Z")
        assert row.raw == text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        return
    assert reason and isinstance(reason, str)


@settings(max_examples=200, deadline=None)
@given(
    st.fixed_dictionaries(
        {
            "test_name": st.text(min_size=1, max_size=20),
            "measurement_start_time": st.datetimes(datetime(2012, 1, 1), datetime(2100, 1, 1)).map(
                lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
            ),
            "probe_asn": st.integers(0, 2**32 - 1).map(lambda n: f"AS{n}"),
            "probe_cc": st.sampled_from(["KH", "IT", "ZZ"]),
            "input": st.one_of(
                st.none(), st.sampled_from(["https://www.rfa.org/", "http://Example.COM:8080/x"])
            ),
            "report_id": st.text(max_size=30),
            "test_keys": st.fixed_dictionaries(
                {
                    "blocking": st.sampled_from(["dns", "tcp_ip", "http-failure", "http-diff", False, None]),
                    "accessible": st.sampled_from([True, False, None]),
                }
            ),
        }
    )
)
def test_parse_line_keeps_what_ooni_said(obj: dict[str, Any]) -> None:
    row = parse_line(json.dumps(obj))
    assert row.probe_asn == int(obj["probe_asn"][2:])
    blocking = obj["test_keys"]["blocking"]
    assert row.blocking == ("false" if blocking is False else blocking)
    assert row.accessible is obj["test_keys"]["accessible"]
    assert row.measurement_start_time == obj["measurement_start_time"].replace(" ", "T") + "Z"
    if obj["input"]:
        assert row.domain == obj["input"].split("/")[2].split(":")[0].lower()
    assert parse_line(json.dumps(obj)).measurement_uid == row.measurement_uid  # stable, so dedupable
