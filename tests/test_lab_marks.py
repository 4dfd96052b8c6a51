"""Lab data is marked in every byte that leaves (issue 15): exports in every format (a column, and the
Parquet file's metadata), the analysis API's JSON, charts, `probe verify` on a record, and bundles refused
unless asked for by name (tests/test_bundle.py). The history of tests/analysis_rig.py is lab data; a copy
with its `lab_history` row removed stands for a real collector (its payloads still say lab-history, so
measurement rows stay marked one by one)."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from PIL import Image
from typer.testing import CliRunner

from probe.analysis.export import DATASETS, export
from probe.analysis.provenance import LAB_NOTICE, LAB_STAMP
from probe.analysis.query import Filters
from probe.cli.app import app
from tests.collector_rig import collector

FILTERS = Filters.parse(domain="www.rfa.org", asn="38623")


def connect(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data_dir / 'collector.db'}?mode=ro", uri=True)


def exported(data_dir: Path, dataset: str, fmt: str) -> bytes:
    _, chunks = export(connect(data_dir), dataset, fmt, FILTERS)
    return b"".join(chunks)


def rows_of(data: bytes, fmt: str, tmp_path: Path) -> list[dict[str, Any]]:
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(data.decode())))
    if fmt == "json":
        return list(json.loads(data))
    if fmt == "jsonl":
        return [json.loads(line) for line in data.splitlines()]
    path = tmp_path / "x.parquet"
    path.write_bytes(data)
    return list(pq.read_table(path).to_pylist())


def unlabbed(history_dir: Path) -> Path:
    """The history with its collector-level lab mark removed (as a real collector's database)."""
    with sqlite3.connect(history_dir / "collector.db") as conn:
        conn.execute("DELETE FROM lab_history")
    return history_dir


@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "parquet"])
@pytest.mark.parametrize("dataset", DATASETS)
def test_every_export_row_says_lab_data(history_master: Path, tmp_path: Path, dataset: str, fmt: str) -> None:
    rows = rows_of(exported(history_master, dataset, fmt), fmt, tmp_path)
    assert rows
    assert {r["lab_data"] for r in rows} == ({"true"} if fmt == "csv" else {True})


def test_parquet_metadata_and_duckdb_types(history_master: Path, tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    path.write_bytes(exported(history_master, "timeline", "parquet"))
    meta = pq.read_schema(path).metadata
    assert meta[b"saksi.lab_data"] == b"true" and meta[b"saksi.notice"].decode() == LAB_NOTICE
    kinds = {row[0]: row[1] for row in duckdb.sql(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}
    assert kinds["lab_data"] == "BOOLEAN"
    csv_path = tmp_path / "t.csv"
    csv_path.write_bytes(exported(history_master, "timeline", "csv"))
    assert duckdb.sql(f"SELECT bool_and(lab_data) FROM '{csv_path}'").fetchall() == [(True,)]


def test_real_collector_timelines_are_not_marked(history_dir: Path, tmp_path: Path) -> None:
    data_dir = unlabbed(history_dir)
    for dataset in ("timeline", "events"):
        rows = rows_of(exported(data_dir, dataset, "jsonl"), "jsonl", tmp_path)
        assert rows and not any(r["lab_data"] for r in rows)
    path = tmp_path / "t.parquet"
    path.write_bytes(exported(data_dir, "timeline", "parquet"))
    assert pq.read_schema(path).metadata[b"saksi.lab_data"] == b"false"
    # a measurement whose own payload says lab-history stays marked, whatever the database says
    rows = rows_of(exported(data_dir, "measurements", "jsonl"), "jsonl", tmp_path)
    assert rows and all(r["lab_data"] for r in rows)


def test_ooni_export_marks_each_measurement(history_master: Path) -> None:
    lines = exported(history_master, "measurements", "ooni").splitlines()
    assert lines and {json.loads(x)["annotations"]["saksi_lab_data"] for x in lines} == {"true"}


def test_api_json_and_downloads_say_lab_data(history_dir: Path, tmp_path: Path) -> None:
    with collector(tmp_path) as rig, rig.client() as client:
        for path in ("/api/v1/timeline", "/api/v1/events", "/api/v1/overview", "/api/v1/ooni"):
            answer = client.get(path, params={} if path == "/api/v1/overview" else {"domain": "www.rfa.org"})
            assert answer.status_code == 200 and answer.json()["lab_data"] is True, path
        download = client.get("/api/v1/export", params={"dataset": "events", "format": "csv"})
        assert download.headers["x-saksi-lab-data"] == "true"
        assert {r["lab_data"] for r in csv.DictReader(io.StringIO(download.text))} == {"true"}
        uid = connect(history_dir).execute("SELECT uid FROM measurements LIMIT 1").fetchone()[0]
        record = client.get(f"/api/v1/measurements/{uid}")
        assert record.status_code == 200
    (tmp_path / "record.json").write_bytes(record.content)
    checked = CliRunner().invoke(app, ["verify", str(tmp_path / "record.json")])
    assert checked.exit_code == 0, checked.output
    assert LAB_NOTICE in checked.output and "verified" in checked.output


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_a_lab_chart_is_stamped(history_master: Path, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"rfa.{fmt}"
    result = CliRunner().invoke(
        app,
        ["export", "chart", "--domain", "www.rfa.org", "--data-dir", str(history_master), "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert LAB_NOTICE in result.output
    if fmt == "svg":
        text = out.read_text()
        assert text.count(LAB_STAMP) == 2  # across the face and in the title
        assert LAB_NOTICE in text  # the file's own description
    else:
        with Image.open(out) as image:
            assert image.info["Description"] == LAB_NOTICE
            # the stamp is red and covers the middle of the image
            middle = image.convert("RGB").crop((300, image.height // 3, 800, 2 * image.height // 3))
            reds = sum(1 for r, g, b in middle.get_flattened_data() if r > g + 40 and r > b + 40)
            assert reds > 500
