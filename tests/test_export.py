"""Exports of the known history (tests/analysis_rig.py): every format, every dataset, the CLI from the
local database and from a real collector's API, and the types DuckDB and pandas read back."""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from probe.analysis.export import ROW_GROUP_ROWS, columns_for, export, measurement_pages
from probe.analysis.query import Filters, timeline
from probe.cli.app import app
from tests.analysis_rig import ASNS, RFA_BLOCKED, VOD_BLOCKED, VOD_UNBLOCKED
from tests.collector_rig import collector


def connect(history_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{history_dir / 'collector.db'}?mode=ro", uri=True)


def stored(history_dir: Path, where: str = "", params: tuple[Any, ...] = ()) -> int:
    return int(connect(history_dir).execute(f"SELECT count(*) FROM facts {where}", params).fetchone()[0])


def run(dataset: str, fmt: str, history_dir: Path, **filters: Any) -> bytes:
    _, chunks = export(connect(history_dir), dataset, fmt, Filters.parse(**filters))
    return b"".join(chunks)


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def iso(when: Any) -> str:
    return str(when.isoformat().replace("+00:00", "Z"))


# -- measurements --------------------------------------------------------------------------------------


def test_measurement_csv_has_one_row_per_stored_measurement(history_dir: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run("measurements", "csv", history_dir).decode())))
    assert (
        len(rows)
        == stored(history_dir)
        == int(connect(history_dir).execute("SELECT count(*) FROM measurements").fetchone()[0])
    )
    assert list(rows[0]) == [c.name for c in columns_for("measurements")]
    assert [int(r["seq"]) for r in rows] == sorted(int(r["seq"]) for r in rows)
    blocked = [r for r in rows if r["domain"] == "www.rfa.org" and r["outcome"] == "blocked"]
    assert blocked and all(r["method"] == "dns.bogon" for r in blocked if r["started_at"] >= iso(RFA_BLOCKED))
    assert "private address" in blocked[-1]["explanation"]  # from the signed payload
    assert all(len(r["payload_sha256"]) == 64 and r["log_index"] != "" for r in rows)
    assert all(r["observed_asn"] == r["asn"] for r in rows)  # the lab stores the probe's own network


def test_measurement_filters_match_the_database(history_dir: Path) -> None:
    body = run(
        "measurements", "jsonl", history_dir, domain="vodkhmer.news", asn="AS38623", since="2026-09-04"
    )
    rows = [json.loads(line) for line in body.splitlines()]
    since_hour = int(VOD_BLOCKED.timestamp()) // 3600  # 2026-09-04, midnight UTC
    assert len(rows) == stored(
        history_dir, "WHERE domain = ? AND asn = ? AND hour >= ?", ("vodkhmer.news", 38623, since_hour)
    )
    assert {(r["domain"], r["asn"]) for r in rows} == {("vodkhmer.news", 38623)}


def test_measurement_json_is_one_document_and_envelopes_match_their_hash(history_dir: Path) -> None:
    _, chunks = export(
        connect(history_dir),
        "measurements",
        "json",
        Filters.parse(domain="www.example.com"),
        with_envelope=True,
    )
    rows = json.loads(b"".join(chunks))
    assert len(rows) == stored(history_dir, "WHERE domain = 'www.example.com'")
    for row in rows[:50]:
        payload = base64.b64decode(json.loads(row["envelope"])["payload"])
        assert hashlib.sha256(payload).hexdigest() == row["payload_sha256"]
        assert json.loads(payload)["measurement_uid"] == row["uid"]


def test_an_empty_export_is_still_a_valid_file(history_dir: Path, tmp_path: Path) -> None:
    assert json.loads(run("measurements", "json", history_dir, domain="nowhere.example")) == []
    assert run("events", "jsonl", history_dir, domain="nowhere.example") == b""
    header = run("timeline", "csv", history_dir, domain="nowhere.example").decode()
    assert header == ",".join(c.name for c in columns_for("timeline")) + "\n"
    path = tmp_path / "empty.parquet"
    path.write_bytes(run("measurements", "parquet", history_dir, domain="nowhere.example"))
    assert pq.read_table(path).num_rows == 0


def test_pages_stream_the_database_in_order(history_dir: Path) -> None:
    pages = list(measurement_pages(connect(history_dir), Filters(), page=500))
    assert all(len(p) == 500 for p in pages[:-1])
    seqs = [r["seq"] for p in pages for r in p]
    assert seqs == sorted(seqs) and len(seqs) == len(set(seqs)) == stored(history_dir)


# -- Parquet types -------------------------------------------------------------------------------------


def test_parquet_loads_in_duckdb_and_pandas_with_its_types(history_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "m.parquet"
    path.write_bytes(run("measurements", "parquet", history_dir))
    n = stored(history_dir)
    types = {r[0]: r[1] for r in duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}
    assert types["started_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["received_at"] == "TIMESTAMP WITH TIME ZONE"
    assert types["asn"] == types["seq"] == types["log_index"] == types["observed_asn"] == "BIGINT"
    assert types["outcome"] == types["fingerprint"] == "VARCHAR"
    assert duckdb.sql(f"SELECT count(*) FROM '{path}'").fetchall() == [(n,)]
    blocked = duckdb.sql(
        f"SELECT count(*) FROM '{path}' WHERE domain = 'vodkhmer.news' AND asn = 38623 AND outcome = 'blocked' "
        f"AND started_at >= TIMESTAMPTZ '{VOD_BLOCKED.isoformat()}' AND started_at < TIMESTAMPTZ "
        f"'{VOD_UNBLOCKED.isoformat()}'"
    ).fetchall()
    assert blocked[0][0] > 50

    frame = pd.read_parquet(path)
    assert len(frame) == n
    assert str(frame["started_at"].dtype) == "datetime64[ms, UTC]"
    assert str(frame["asn"].dtype) == "int64"
    assert frame["fingerprint"].isna().all()  # a nullable string column, all null in the lab history
    first = connect(history_dir).execute("SELECT started_at FROM facts ORDER BY seq LIMIT 1").fetchone()[0]
    assert frame["started_at"].iloc[0] == pd.Timestamp(first)


def test_parquet_events_have_bools_and_nullable_times(history_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "e.parquet"
    path.write_bytes(run("events", "parquet", history_dir))
    frame = pd.read_parquet(path)
    assert str(frame["ongoing"].dtype) == "bool"
    assert str(frame["published_at"].dtype) == "datetime64[ms, UTC]"
    assert frame["last_contradicting_at"].isna().any()  # the first event of a pair has none
    types = {r[0]: r[1] for r in duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}
    assert types["ongoing"] == "BOOLEAN" and types["asn"] == "BIGINT"


def test_large_exports_are_cut_into_row_groups(history_dir: Path, tmp_path: Path) -> None:
    from probe.analysis.export import ParquetWriter, encode

    writer = ParquetWriter(columns_for("measurements"), row_group=1000)
    chunks = list(encode(writer, measurement_pages(connect(history_dir), Filters(), page=700)))
    assert len(chunks) > 2  # bytes leave as each row group is written, not at the end
    path = tmp_path / "groups.parquet"
    path.write_bytes(b"".join(chunks))
    meta = pq.read_metadata(path)
    assert meta.num_rows == stored(history_dir)
    assert meta.num_row_groups == -(-meta.num_rows // 1000)
    assert ROW_GROUP_ROWS == 50_000


# -- timeline and events -------------------------------------------------------------------------------


def test_timeline_rows_equal_the_timeline_cells(history_dir: Path) -> None:
    rows = list(csv.DictReader(io.StringIO(run("timeline", "csv", history_dir).decode())))
    cells = timeline(connect(history_dir), Filters(), "day").cells
    assert len(rows) == len(cells)

    def text(v: object) -> str:  # CSV writes booleans as true/false
        return "" if v is None else str(v).lower() if isinstance(v, bool) else str(v)

    assert rows[0] == {**{k: text(v) for k, v in cells[0].row().items()}, "lab_data": "true"}


def test_events_hold_the_known_blocking_periods(history_dir: Path) -> None:
    rows = json.loads(run("events", "json", history_dir))
    vod = [r for r in rows if r["domain"] == "vodkhmer.news" and r["asn"] == 38623]
    start = next(r for r in vod if r["kind"] == "blocking_start")
    end = next(r for r in vod if r["kind"] == "blocking_end")
    assert start["method"] == "tls.reset"
    assert start["last_contradicting_at"] < iso(VOD_BLOCKED) <= start["first_seen_at"]
    assert end["last_contradicting_at"] < iso(VOD_UNBLOCKED) <= end["first_seen_at"]
    rfa = [r for r in rows if r["domain"] == "www.rfa.org" and r["kind"] == "blocking_start"]
    assert {r["asn"] for r in rfa} == set(ASNS)
    assert all(r["method"] == "dns.bogon" and r["ongoing"] is True for r in rfa)


# -- the CLI, local and through a real collector ---------------------------------------------------------


def test_cli_writes_a_file_and_a_summary(history_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.parquet"
    result = cli(
        "export", "measurements", "--data-dir", str(history_dir), "--format", "parquet", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    n = stored(history_dir)
    assert f"exported {n} measurements row(s) as parquet to {out}" in result.stderr
    assert pq.read_metadata(out).num_rows == n

    result = cli("export", "events", "--data-dir", str(history_dir), "--domain", "www.rfa.org", "-f", "jsonl")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines and {r["domain"] for r in lines} == {"www.rfa.org"}
    assert f"exported {len(lines)} events row(s) as jsonl to standard output" in result.stderr


def probe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "probe", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ),
    )


def test_cli_errors_are_one_sentence(history_dir: Path, tmp_path: Path) -> None:
    cases = [
        (("export", "measurements", "--data-dir", str(history_dir), "--format", "parquet"), "--output FILE"),
        (("export", "timeline", "--data-dir", str(history_dir), "--format", "xlsx"), "not one of"),
        (("export", "events", "--data-dir", str(history_dir), "--asn", "Metfone"), "not an AS number"),
        (("export", "timeline", "--data-dir", str(tmp_path / "none")), "no collector database"),
        (("export", "timeline", "--data-dir", str(history_dir), "--format", "ooni"), "not one of"),
    ]
    for args, message in cases:
        result = probe(*args)
        assert result.returncode == 2, (args, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr


def test_api_and_collector_option_stream_the_same_data(history_dir: Path, tmp_path: Path) -> None:
    local = run("measurements", "csv", history_dir, asn="17976")
    local_events = run("events", "jsonl", history_dir)
    with collector(tmp_path) as rig, rig.client() as client:
        response = client.get(
            "/api/v1/export", params={"dataset": "measurements", "format": "csv", "asn": "17976"}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/csv")
        assert 'filename="saksi-measurements-' in response.headers["content-disposition"]
        assert response.content == local

        parquet = client.get("/api/v1/export", params={"dataset": "timeline", "format": "parquet"})
        assert parquet.headers["content-type"] == "application/vnd.apache.parquet"
        (tmp_path / "t.parquet").write_bytes(parquet.content)
        assert len(pd.read_parquet(tmp_path / "t.parquet")) == len(
            timeline(connect(history_dir), Filters(), "day").cells
        )
        bad = client.get("/api/v1/export", params={"dataset": "everything"})
        assert bad.status_code == 400 and bad.json()["reason"] == "bad_dataset"
        bad = client.get("/api/v1/export", params={"dataset": "events", "format": "ooni"})
        assert bad.status_code == 400 and bad.json()["reason"] == "bad_format"

        out = tmp_path / "remote.jsonl"
        result = cli("export", "events", "--collector", rig.url, "--format", "jsonl", "-o", str(out))
        assert result.exit_code == 0, result.output
        assert out.read_bytes() == local_events
        assert f"exported {len(local_events.splitlines())} events row(s)" in result.stderr
        remote_parquet = tmp_path / "remote.parquet"
        result = cli(
            "export", "measurements", "--collector", rig.url, "-f", "parquet", "-o", str(remote_parquet)
        )
        assert result.exit_code == 0, result.output
        assert pq.read_metadata(remote_parquet).num_rows == stored(history_dir)
        assert f"exported {stored(history_dir)} measurements row(s)" in result.stderr


def test_collector_option_reports_a_refusal(history_dir: Path, tmp_path: Path) -> None:
    with collector(tmp_path) as rig:
        # A collector without the export API (an older version) answers 404.
        result = CliRunner().invoke(app, ["export", "timeline", "--collector", rig.url + "/old"])
    assert result.exit_code != 0
    assert "answered 404" in str(result.exception)


def test_missing_pyarrow_is_one_sentence(history_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Hide pyarrow as an environment without the analysis extra would.
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    result = CliRunner().invoke(
        app, ["export", "timeline", "--data-dir", str(history_dir), "-f", "parquet", "-o", "x.parquet"]
    )
    assert "'.[analysis]'" in str(result.exception) and "wheel" in str(result.exception)


def test_an_empty_export_says_why(history_dir: Path) -> None:
    result = CliRunner().invoke(
        app, ["export", "events", "--domain", "rfa.org", "--data-dir", str(history_dir)]
    )
    assert result.exit_code == 0
    assert "did you mean www.rfa.org" in result.stderr
