"""OONI's real files into `probe import ooni` (tests/data/ooni, with their sources), and the second opinion:
Saksi's classifier on OONI's raw observations (`--reclassify`), kept apart and shown beside OONI's."""

from __future__ import annotations

import asyncio
import functools
import json
import sqlite3
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from probe.analysis.ooni import ooni_for
from probe.analysis.ooni_import import import_file, import_lines
from probe.analysis.ooni_reclassify import (
    NotReclassified,
    control_of,
    observations_of,
    reclassify_line,
    reclassify_stored,
)
from probe.classify import RULES_VERSION, Context
from probe.classify.fingerprints import FingerprintSet
from probe.cli.app import app
from probe.collector.db import Connection
from probe.collector.schema import MIGRATIONS
from probe.config import NetworkSettings
from probe.lists import builtin_fingerprints
from tests.collector_rig import collector
from tests.storage_backends import MakeStorage

DATA = Path(__file__).resolve().parent / "data" / "ooni"
ID_UID = "20250527233111.802678_ID_webconnectivity_5a37ec909dbf14e3"  # the file's name is OONI's uid


def real(name: str) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads((DATA / name).read_text())
    return parsed


def one_line(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


@functools.cache
def ctx() -> Context:
    return Context(FingerprintSet(builtin_fingerprints()), NetworkSettings().bogon_ranges)


def connect(history_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(history_dir / "collector.db", isolation_level=None)


def cli(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def archive_file(tmp_path: Path) -> Path:
    """OONI's archive as it comes: one line per measurement, no uid, a `{}` for an unparseable upload."""
    path = tmp_path / "archive.jsonl"
    names = ["id_archive_org_blockpage.json", "web_connectivity_ir_fp.json", "web_connectivity_null2.json"]
    body = [one_line(real(n)) for n in names] + ["{}", one_line(real("meek.json"))]
    path.write_text("\n".join(body) + "\n")
    return path


def test_real_archive_lines_of_any_shape_are_stored_or_counted(history_dir: Path, tmp_path: Path) -> None:
    result = cli("import", "ooni", str(archive_file(tmp_path)), "--data-dir", str(history_dir))
    assert result.exit_code == 0, result.output
    assert "imported 4 OONI measurement(s)" in result.stdout
    assert "skipped 1: empty object {} (an upload OONI could not parse)" in result.stdout
    conn = connect(history_dir)
    rows = dict(conn.execute("SELECT test_name, input FROM ooni_measurements").fetchall())
    # meek's input is a list: kept as its JSON text, with no domain.
    assert json.loads(rows["meek_fronted_requests_test"]) == real("meek.json")["input"]
    uids = [r[0] for r in conn.execute("SELECT measurement_uid FROM ooni_measurements")]
    assert all(u.startswith("sha256:") and len(u) == 71 for u in uids)  # archive lines carry no uid
    ir = ooni_for(conn, "www.facebook.com", 197207)
    assert ir.total == 1 and ir.counts == {"dns": 1} and ir.rows[0]["accessible"] is False
    assert ooni_for(conn, "yooz.ir").counts == {"null": 1}

    again = cli("import", "ooni", str(archive_file(tmp_path)), "--data-dir", str(history_dir))
    assert "imported 0 OONI measurement(s)" in again.stdout and "4 duplicate(s) ignored" in again.stdout


def test_archive_and_api_copies_of_one_measurement_are_one_row(history_dir: Path) -> None:
    archive = real("id_archive_org_blockpage.json")
    api = {**archive, "measurement_uid": ID_UID, "anomaly": True, "confirmed": True, "failure": False}
    conn = connect(history_dir)
    conn.execute("BEGIN")
    first = import_lines(conn, iter([one_line(archive)]))
    second = import_lines(conn, iter([json.dumps(api, indent=None)]))  # other spacing, other key order too
    conn.execute("COMMIT")
    assert (first.stored, second.stored, second.duplicates, second.uids_added) == (1, 0, 1, 1)
    rows = conn.execute("SELECT measurement_uid, blocking FROM ooni_measurements").fetchall()
    assert rows == [(ID_UID, "false")]  # one row, now under OONI's uid

    # The other way round (API first), and two measurements of one report that share input and second.
    other = {**archive, "test_runtime": 2.0}
    conn.execute("BEGIN")
    again = import_lines(conn, iter([one_line(archive), one_line(other)]))
    conn.execute("COMMIT")
    assert (again.stored, again.duplicates) == (1, 1)  # `other` is a distinct measurement, not a duplicate


def test_oonis_own_verdict_fields_are_kept(history_dir: Path) -> None:
    api = {**real("id_archive_org_blockpage.json"), "measurement_uid": ID_UID, "anomaly": True}
    api |= {
        "confirmed": True,
        "failure": False,
        "scores": json.dumps({"blocking_general": 1.0, "confirmed": True}),
    }
    list_rows = (DATA / "api_measurements_list.jsonl").read_text().splitlines()
    conn = connect(history_dir)
    conn.execute("BEGIN")
    import_lines(conn, iter([one_line(api), *list_rows]))
    conn.execute("COMMIT")
    archive_org = ooni_for(conn, "archive.org")
    assert archive_org.confirmed == 1 and archive_org.anomalies == 1 and archive_org.failures == 0
    assert archive_org.rows[0]["confirmed"] is True and archive_org.rows[0]["blocking"] is False
    scores = conn.execute(
        "SELECT scores FROM ooni_measurements WHERE measurement_uid = ?", [ID_UID]
    ).fetchone()
    assert json.loads(scores[0]) == {"blocking_general": 1.0, "confirmed": True}
    # API list rows have no test keys: their blocking is read from what the fastpath stored, not "null".
    assert ooni_for(conn, "www.darknet.org.uk").counts == {"http-failure": 1}
    assert ooni_for(conn, "www.betternet.co").counts == {"false": 1}


def test_saksi_reads_oonis_observations() -> None:
    ir = real("web_connectivity_ir_fp.json")
    obs = observations_of(ir["test_keys"], NetworkSettings().bogon_ranges)
    assert [(d.resolver_kind, d.failure) for d in obs.dns] == [("getaddrinfo", "dns_bogon_error")]
    control = control_of(ir["test_keys"])
    assert control is not None and control.http_request.status_code == 200
    verdict = reclassify_line(ir, ctx())
    assert (verdict.outcome.value, verdict.method) == ("blocked", "dns.bogon")

    blockpage = reclassify_line(real("id_archive_org_blockpage.json"), ctx())
    # OONI's probe said blocking false; the page it was redirected to is Kominfo's "Internet Positif".
    assert (blockpage.outcome.value, blockpage.method) == ("blocked", "http.diff")
    assert "archive.org" in blockpage.explanation

    down = reclassify_line(real("web_connectivity_null2.json"), ctx())
    assert down.outcome.value == "down"  # the control failed too, as OONI's null/null hints


def test_reclassify_keeps_both_verdicts_and_the_dashboard_shows_where_they_differ(
    history_dir: Path, tmp_path: Path
) -> None:
    result = cli(
        "import", "ooni", str(archive_file(tmp_path)), "--data-dir", str(history_dir), "--reclassify"
    )
    assert result.exit_code == 0, result.output
    assert "reclassified 3 OONI Web Connectivity measurement(s)" in result.stdout
    assert "1 differ from OONI's blocking" in result.stdout  # archive.org: OONI false, Saksi blocked
    conn = connect(history_dir)
    rows = {
        r[0]: r[1:]
        for r in conn.execute(
            "SELECT domain, blocking, saksi_outcome, saksi_method, saksi_rules_version FROM ooni_measurements "
            "WHERE test_name = 'web_connectivity'"
        )
    }
    assert rows["archive.org"] == ("false", "blocked", "http.diff", RULES_VERSION)
    assert rows["www.facebook.com"] == ("dns", "blocked", "dns.bogon", RULES_VERSION)
    # Nothing of it is ours: no measurement, fact or log entry was added.
    assert (
        conn.execute("SELECT count(*) FROM facts").fetchone()[0]
        == conn.execute("SELECT count(*) FROM measurements").fetchone()[0]
    )
    summary = ooni_for(conn, "archive.org")
    assert [d["differing"] for d in summary.timeline] == [1]
    assert summary.differing[0]["saksi"]["method"] == "http.diff"
    assert summary.as_dict()["source"] == "OONI (external corroboration, unsigned by us)"

    # The dashboard shows OONI's history beside a site we measure, before our own data begins: the same
    # real measurement, its input moved to a site of our (invented) history.
    moved = {**real("id_archive_org_blockpage.json"), "input": "http://www.rfa.org/"}
    moved_file = tmp_path / "moved.jsonl"
    moved_file.write_text(one_line(moved) + "\n")
    assert (
        cli("import", "ooni", str(moved_file), "--data-dir", str(history_dir), "--reclassify").exit_code == 0
    )
    with collector(tmp_path) as rig, rig.client() as client:
        page = client.get("/domain/www.rfa.org").text
        api = client.get("/api/v1/ooni", params={"domain": "archive.org"}).json()
    assert "Where the two verdicts differ (external)" in page
    assert "blocking false" in page and "blocked http.diff likely" in page
    assert "2025-05-27" in page and "not signed by us" in page
    assert api["differing"][0]["saksi"]["outcome"] == "blocked" and api["timeline"][0]["differing"] == 1

    out = tmp_path / "ooni-timeline.jsonl"
    exported = cli(
        "export",
        "ooni-timeline",
        "--domain",
        "archive.org",
        "-f",
        "jsonl",
        "-o",
        str(out),
        "--data-dir",
        str(history_dir),
    )
    assert exported.exit_code == 0, exported.output
    days = [json.loads(line) for line in out.read_text().splitlines()]
    assert days == [
        {
            "source": "OONI (external corroboration, unsigned by us)",
            "domain": "archive.org",
            "asn": None,
            "day": "2025-05-27",
            "measurements": 1,
            "ooni_blocked": 0,
            "ooni_not_blocked": 1,
            "saksi_blocked": 1,
            "saksi_not_blocked": 0,
            "differing": 1,
        }
    ]

    # Reclassifying again under the same rules touches nothing.
    conn.execute("BEGIN")
    assert reclassify_stored(conn, ctx()).reclassified == 0
    conn.execute("COMMIT")


def test_migration_13_adds_the_columns_to_an_existing_database() -> None:
    thirteen = next(statements for version, _, statements in MIGRATIONS if version == 13)
    conn = sqlite3.connect(":memory:")
    for statement in next(statements for version, _, statements in MIGRATIONS if version == 1):
        conn.execute(statement)
    conn.execute(
        "INSERT INTO ooni_measurements (measurement_uid, report_id, domain, measurement_start_time, test_name, "
        "raw, imported_at) VALUES ('local-1', 'r', 'x', '2023-01-01T00:00:00Z', 'web_connectivity', '{}', 'now')"
    )
    for statement in thirteen:
        conn.execute(statement)
    columns = {r[1] for r in conn.execute("PRAGMA table_info(ooni_measurements)")}
    assert {"failure", "scores", "content_sha256", "saksi_outcome", "saksi_rules_version"} <= columns
    assert conn.execute("SELECT measurement_uid, content_sha256 FROM ooni_measurements").fetchall() == [
        ("local-1", None)
    ]


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=12,
)
_KEY_NAMES = st.sampled_from(["queries", "tcp_connect", "tls_handshakes", "requests", "control"])
_FIELDS = ["ip", "port", "status", "failure", "answers", "hostname", "address", "request", "response", "t"]
_FIELDS += ["t0", "server_name", "no_tls_verify", "dns", "http_request", "tcp_connect", "ip_info", "url"]
_ENTRY = st.fixed_dictionaries(
    {},
    optional={
        **{f: _JSON for f in _FIELDS},
        "query_type": st.sampled_from(["A", "AAAA"]),
        "engine": st.sampled_from(["system", "udp", "doh"]),
    },
)


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_reclassify_raises_only_its_own_error_on_any_test_keys(data: st.DataObject) -> None:
    """OONI's files are not ours: whatever shape the observations take, the answer is a verdict or a
    NotReclassified with a reason, never another exception."""
    base = real("id_archive_org_blockpage.json")
    keys = dict(base["test_keys"])
    for name in data.draw(st.lists(_KEY_NAMES, max_size=3)):
        keys[name] = data.draw(_JSON | st.lists(_ENTRY, max_size=3) | _ENTRY)
    outcome: str
    try:
        outcome = reclassify_line({**base, "test_keys": keys}, ctx()).outcome.value
    except NotReclassified as exc:
        outcome = str(exc)
    assert outcome in ("accessible", "blocked", "down", "inconclusive") or outcome.startswith(
        ("test_keys.", "a ", "observations ")
    )


def test_import_and_reclassify_on_each_storage_backend(make_storage: MakeStorage, tmp_path: Path) -> None:
    """The same file, twice, then the second opinion, through the collector's storage (SQLite and
    PostgreSQL), in one transaction each."""
    storage = make_storage(tmp_path)
    path = archive_file(tmp_path)
    try:

        def job(conn: Connection) -> tuple[Any, Any, Any]:
            return import_file(conn, path), import_file(conn, path), reclassify_stored(conn, ctx())

        first, again, second = asyncio.run(storage.write(job))
        found = asyncio.run(storage.read(lambda conn: ooni_for(conn, "archive.org").as_dict()))
    finally:
        storage.close()
    assert (first.stored, again.stored, again.duplicates) == (4, 0, 4)
    assert first.skipped == {"empty object {} (an upload OONI could not parse)": 1}
    assert (second.reclassified, second.differing) == (3, 1)
    assert found["total"] == 1 and found["differing"][0]["saksi"]["method"] == "http.diff"


def test_rows_imported_before_content_identity_are_recognised(history_dir: Path) -> None:
    """A row from before migration 13 (a `local-` uid, no content hash) and the same measurement from
    OONI's API afterwards are one row."""
    archive = real("web_connectivity_ir_fp.json")
    conn = connect(history_dir)
    conn.execute(
        "INSERT INTO ooni_measurements (measurement_uid, report_id, domain, measurement_start_time, test_name, "
        "raw, imported_at) VALUES ('local-0123', ?, 'www.facebook.com', '2022-08-15T19:01:30Z', "
        "'web_connectivity', ?, '2026-11-01T00:00:00Z')",
        [archive["report_id"], one_line(archive)],
    )
    conn.execute("BEGIN")
    result = import_lines(conn, iter([one_line({**archive, "measurement_uid": "20220815190130.1_IR_wc_ab"})]))
    conn.execute("COMMIT")
    assert (result.stored, result.duplicates, result.uids_added) == (0, 1, 1)
    rows = conn.execute("SELECT measurement_uid FROM ooni_measurements").fetchall()
    assert rows == [("20220815190130.1_IR_wc_ab",)]
