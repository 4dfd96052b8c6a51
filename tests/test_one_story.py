"""One event model, one story (issue 15): the events, their starts and windows are computed once and every
output writes them the same way: exports in every format, the analysis API, bundles (events.json and
timeline.csv), the dashboard's site page and the report. A state already present when a pair's data
begins is a `state_at_start`, never a `blocking_start`; `--since` never moves a date.

The history (built here, 12 days): www.rfa.org is blocked on AS38623 from the first measurement (a state
at start) and on AS17976 from day 4 (a real start); vodkhmer.news is accessible on both."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from probe.analysis.bundle import collector_key, write_bundle
from probe.analysis.bundle_summary import describe
from probe.analysis.bundle_verify import verify_bundle
from probe.analysis.export import export
from probe.analysis.query import Filters
from probe.lab.history import Block, History, generate
from tests.collector_rig import collector

START = datetime(2026, 10, 1, tzinfo=UTC)
LATER = START + timedelta(days=4)
DOMAIN = "www.rfa.org"
HISTORY = History(
    domains=[DOMAIN, "vodkhmer.news", "www.example.com"],
    asns=(38623, 17976),
    start=START,
    days=12,
    blocks=[
        Block(DOMAIN, START - timedelta(days=1), None, asn=38623, method="dns.bogon", confidence="confirmed"),
        Block(DOMAIN, LATER, None, asn=17976, method="tls.reset"),
    ],
    categories={"www.example.com": "CTRL"},
    seed=5,
)
SINCE = (START + timedelta(days=7)).date().isoformat()


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("story") / "collector"
    generate(HISTORY, path)
    return path


def connect(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data_dir / 'collector.db'}?mode=ro", uri=True)


def export_rows(
    data_dir: Path, dataset: str, fmt: str, tmp_path: Path, **filters: str
) -> list[dict[str, Any]]:
    """Rows of an export, each value as JSON would write it (CSV text and Parquet types brought back)."""
    _, chunks = export(connect(data_dir), dataset, fmt, Filters.parse(domain=DOMAIN, **filters))
    data = b"".join(chunks)
    if fmt == "json":
        return list(json.loads(data))
    if fmt == "jsonl":
        return [json.loads(line) for line in data.splitlines()]
    if fmt == "parquet":
        (tmp_path / "x.parquet").write_bytes(data)
        rows = pq.read_table(tmp_path / "x.parquet").to_pylist()
        return [{k: _iso(v) if isinstance(v, datetime) else v for k, v in r.items()} for r in rows]
    typed = export_rows(data_dir, dataset, "json", tmp_path, **filters)
    text = list(csv.DictReader(io.StringIO(data.decode())))
    return [{k: _typed(v, typed[0][k] if typed else None) for k, v in r.items()} for r in text]


def _iso(when: datetime) -> str:
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _typed(text: str, like: object) -> object:
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    return int(text) if isinstance(like, int) and not isinstance(like, bool) else text


def normal(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Times to the millisecond (Parquet keeps milliseconds; whole hours are written without them)."""
    out = []
    for r in rows:
        row = {}
        for k, v in r.items():
            if isinstance(v, str) and len(v) >= 20 and v[10:11] == "T" and v.endswith("Z"):
                v = _iso(datetime.fromisoformat(v.replace("Z", "+00:00")))
            row[k] = v
        out.append(row)
    return out


def test_every_output_tells_the_same_events(story: Path, tmp_path: Path) -> None:
    reference = normal(export_rows(story, "events", "json", tmp_path))
    for fmt in ("csv", "jsonl", "parquet"):
        assert normal(export_rows(story, "events", fmt, tmp_path)) == reference, fmt

    # the story itself: one state at start (never a blocking_start), one real start
    rfa = [(r["asn"], r["kind"], r["start_known"]) for r in reference if r["to_state"] == "blocked"]
    assert sorted(rfa) == [(17976, "blocking_start", True), (38623, "state_at_start", False)]
    assert sum(r["kind"] == "blocking_start" for r in reference) == 1
    assert all(r["kind"] == "state_at_start" for r in reference if r["from_state"] is None)
    assert all(r["lab_data"] is True and r["ongoing"] in (True, False) for r in reference)

    shutil.copytree(story, tmp_path / "collector")
    bundle = tmp_path / "rfa.zip"
    with connect(story) as conn:
        write_bundle(conn, collector_key(story), Filters.parse(domain=DOMAIN), bundle, lab_ok=True)
    with zipfile.ZipFile(bundle) as z:
        bundled = json.loads(z.read("events.json"))
        table = z.read("timeline.csv")
        html = z.read("report.html").decode()
    without_lab = [{k: v for k, v in r.items() if k != "lab_data"} for r in reference]
    assert bundled["lab_data"] is True and normal(bundled["events"]) == without_lab
    _, chunks = export(connect(story), "timeline", "csv", Filters.parse(domain=DOMAIN))
    assert table == b"".join(chunks)  # the bundle's table is the export's, byte for byte (`true`, not `True`)
    assert b",True," not in table and b",False," not in table
    assert "already in place when the data begins" in html and "The blocking began" in html

    with collector(tmp_path) as rig, rig.client() as client:
        api = client.get("/api/v1/events", params={"domain": DOMAIN}).json()
        page = client.get(f"/domain/{DOMAIN}").text
    assert api["lab_data"] is True and normal(api["events"]) == without_lab
    assert "in force when the data begins" in page and "first published state" not in page


def test_since_never_moves_a_date(story: Path, tmp_path: Path) -> None:
    everything = normal(export_rows(story, "events", "json", tmp_path))
    cut = normal(export_rows(story, "events", "json", tmp_path, since=SINCE))
    assert cut and all(r in everything for r in cut)  # the same events, the same dates and kinds
    assert {(r["asn"], r["kind"]) for r in cut if r["to_state"] == "blocked"} == {
        (38623, "state_at_start"),
        (17976, "blocking_start"),
    }
    for fmt in ("csv", "parquet"):
        assert normal(export_rows(story, "events", fmt, tmp_path, since=SINCE)) == cut


def test_a_bundle_cut_with_since_dates_events_as_the_export(story: Path, tmp_path: Path) -> None:
    """The bundle holds the site's earlier measurements as context (MANIFEST counts.context, never counted
    as its measurements), so its events and the verifier's recomputation are the export's, dates included."""
    cut = normal(export_rows(story, "events", "json", tmp_path, since=SINCE))
    bundle = tmp_path / "rfa-since.zip"
    with connect(story) as conn:
        write_bundle(
            conn, collector_key(story), Filters.parse(domain=DOMAIN, since=SINCE), bundle, lab_ok=True
        )
    with zipfile.ZipFile(bundle) as z:
        bundled = json.loads(z.read("events.json"))
        manifest = json.loads(z.read("MANIFEST.json"))
    assert normal(bundled["events"]) == [{k: v for k, v in r.items() if k != "lab_data"} for r in cut]
    # the real start on AS17976 keeps its dates; the state on AS38623 is still the state at the start
    kinds = {(e["asn"], e["kind"]) for e in bundled["events"] if e["to_state"] == "blocked"}
    assert kinds == {(38623, "state_at_start"), (17976, "blocking_start")}
    counts = manifest["counts"]
    assert counts["context"] > 0
    with connect(story) as conn:
        in_period = conn.execute(
            "SELECT count(*) FROM facts WHERE (domain = ? OR domain LIKE ?) AND started_at >= ?",
            [DOMAIN, "%." + DOMAIN, SINCE],
        ).fetchone()[0]
    assert counts["measurements"] == in_period  # the context is not counted as the bundle's measurements
    summary = verify_bundle(bundle)
    assert summary.ok, summary.failed_count
    assert summary.measurements == counts["measurements"] and summary.context == counts["context"]
    assert any(f"+ {counts['context']} earlier ones, before the period" in line for line in describe(summary))


def test_the_open_window_is_incomplete_in_a_bundle(story: Path, tmp_path: Path) -> None:
    """A bundle cut at an `until` inside a day: that day's window is marked incomplete, as in the export."""
    until = (START + timedelta(days=5, hours=12)).isoformat()
    bundle = tmp_path / "cut.zip"
    with connect(story) as conn:
        write_bundle(
            conn, collector_key(story), Filters.parse(domain=DOMAIN, until=until), bundle, lab_ok=True
        )
    with zipfile.ZipFile(bundle) as z:
        rows = list(csv.DictReader(io.StringIO(z.read("timeline.csv").decode())))
    last_day = (START + timedelta(days=5)).date().isoformat()
    assert {r["complete"] for r in rows if r["start"].startswith(last_day)} == {"false"}
    assert {r["complete"] for r in rows if not r["start"].startswith(last_day)} == {"true"}
    _, chunks = export(connect(story), "timeline", "csv", Filters.parse(domain=DOMAIN, until=until))
    assert list(csv.DictReader(io.StringIO(b"".join(chunks).decode()))) == rows
    assert verify_bundle(bundle).ok  # the verifier recomputes the same incomplete window
