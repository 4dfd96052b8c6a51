"""Evidence bundles: built from a real collector database (tests/analysis_rig.py), verified offline, and
every kind of file tampered with: verification fails and names the file and the check."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from probe.analysis.bundle import BundleError, build_bundle, collector_key, write_bundle
from probe.analysis.bundle_summary import CHECKS, Summary, describe
from probe.analysis.bundle_verify import verify_bundle
from probe.analysis.query import Filters, timeline
from probe.log import NoteSigner
from tests.analysis_rig import ASNS, RFA_BLOCKED
from tests.collector_rig import collector
from tests.shared_data import require_tools

DOMAIN = "www.rfa.org"


def read_only(data_dir: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{data_dir / 'collector.db'}?mode=ro", uri=True)


def make(data_dir: Path, out: Path, **filters: str) -> Path:
    with read_only(data_dir) as conn:
        write_bundle(conn, collector_key(data_dir), Filters.parse(domain=DOMAIN, **filters), out, lab_ok=True)
    return out


@pytest.fixture(scope="module")
def small_bundle(history_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One network, ten days around the start of the blocking: small enough to tamper with many times."""
    out = tmp_path_factory.mktemp("bundle") / "small.zip"
    return make(history_master, out, asn="38623", since="2026-09-03", until="2026-09-12")


def rezip(
    src: Path, dst: Path, change: Callable[[str, bytes], bytes | None], add: dict[str, bytes] | None = None
) -> Path:
    """Copy the zip, passing each file through `change` (None drops it), then adding `add`."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)
        for name, data in (add or {}).items():
            zout.writestr(name, data)
    return dst


def only(name: str, edit: Callable[[bytes], bytes]) -> Callable[[str, bytes], bytes | None]:
    return lambda n, data: edit(data) if n == name else data


def names(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        return z.namelist()


def first(path: Path, suffix: str) -> str:
    return next(n for n in names(path) if n.endswith(suffix))


def failed(s: Summary) -> set[tuple[str, str]]:
    return {(f.file, f.check) for f in s.failures}


def flip_b64(text: str, field: str) -> str:
    """Change one character of the base64 value of `field` in a JSON text, keeping it valid base64."""
    doc = json.loads(text)
    value = doc[field]
    i = len(value) // 2
    doc[field] = value[:i] + ("A" if value[i] != "A" else "B") + value[i + 1 :]
    return json.dumps(doc)


# --- a bundle that verifies --------------------------------------------------------------------------


def test_bundle_verifies_and_says_what_was_seen(history_dir: Path, tmp_path: Path) -> None:
    bundle = make(history_dir, tmp_path / "rfa.zip")
    summary = verify_bundle(bundle)
    assert summary.ok, summary.failures[:5]
    assert summary.domains == [DOMAIN]
    assert summary.networks == sorted(ASNS)
    assert summary.probes == 6 and summary.tiers == {"vouched": 3, "unverified": 3}
    assert summary.controls > 0  # the same probes' control measurements, which the rules use
    assert summary.blocking_events == 3
    # The lab's uploads were observed from the networks they claim; every time inside its bracket.
    assert summary.evidence == {"observed": summary.measurements} and summary.out_of_time == 0
    assert all(summary.passed[c] > 0 for c in CHECKS)
    lines = describe(summary)
    assert any(line.startswith(f"measurements {summary.measurements} ") for line in lines)
    assert all(not line.startswith("✗") for line in lines)

    with zipfile.ZipFile(bundle) as z:
        events = json.loads(z.read("events.json"))["events"]
        html = z.read("report.html").decode()
        pdf = z.read("report.pdf")
        manifest = json.loads(z.read("MANIFEST.json"))
        manifest_sha = hashlib.sha256(z.read("MANIFEST.json")).hexdigest()
    starts = [e for e in events if e["kind"] == "blocking_start"]
    assert sorted(e["asn"] for e in starts) == sorted(ASNS)
    for e in starts:
        assert e["method"] == "dns.bogon" and e["ongoing"]
        assert e["last_contradicting_at"] < RFA_BLOCKED.isoformat()[:19] <= e["first_seen_at"]
    assert manifest["counts"]["not_in_log"] == 0

    for text in (html, _pdf_text(pdf)):
        assert "DNS answers pointing to a private address" in text
        assert "10.10.10.1" in text
        for asn in ASNS:
            assert f"AS{asn}" in text
        assert "does not prove the measurement is true" in text
        assert manifest_sha in text  # the citation
        # lab probes saw no checkpoint (no time anchor): only the witnessed upper bound is stated
        assert "began no later than" in text and "throwaway lab witness, which is not independent" in text
        assert "Published on the basis of" in text and "observed from the network" in text  # issue 10
    for e in starts:  # every event row says its basis
        assert e["probes_vouched"] >= 1 and e["measurements_observed"] > 0 and e["measurements_claimed"] == 0
    assert "https://" not in html.replace("https://www.rfa.org", "")  # self-contained: no external fetches

    # The bundled timeline is the collector's timeline for the same filters.
    with read_only(history_dir) as conn:
        expected = timeline(conn, Filters.parse(domain=DOMAIN), "day")
    with zipfile.ZipFile(bundle) as z:
        cells = json.loads(z.read("timeline.json"))["cells"]
    assert cells == [c.row() for c in expected.cells]


def _pdf_text(pdf: bytes) -> str:
    """The text of fpdf2's content streams (pypdf is not a dependency): inflate, then read the (...) Tj strings."""
    assert pdf.startswith(b"%PDF-")
    text = []
    for stream in re.findall(rb"stream\n(.*?)\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            continue
        for s in re.findall(rb"\((.*?)(?<!\\)\) ?Tj", content, re.S):
            text.append(
                s.replace(rb"\(", b"(").replace(rb"\)", b")").replace(rb"\\", b"\\").decode("latin-1")
            )
    return re.sub(r"\s+", " ", " ".join(text))


def test_same_database_gives_the_same_bytes(history_master: Path, tmp_path: Path) -> None:
    a = make(history_master, tmp_path / "a.zip", asn="17976")
    b = make(history_master, tmp_path / "b.zip", asn="17976")
    assert a.read_bytes() == b.read_bytes()


def test_verification_in_worker_processes_agrees(small_bundle: Path) -> None:
    one, two = verify_bundle(small_bundle, workers=1), verify_bundle(small_bundle, workers=2)
    assert one.ok and two.ok
    assert one.passed == two.passed and one.measurements == two.measurements


def test_nothing_to_bundle_is_one_sentence(history_master: Path, tmp_path: Path) -> None:
    with (
        read_only(history_master) as conn,
        (tmp_path / "x").open("wb") as out,
        pytest.raises(BundleError, match=r"no measurement of nowhere\.example"),
    ):
        build_bundle(
            conn, collector_key(history_master), Filters.parse(domain="nowhere.example"), out, lab_ok=True
        )
    with pytest.raises(BundleError, match="no collector key"):
        collector_key(tmp_path)


# --- tampering -------------------------------------------------------------------------------------


def test_a_changed_envelope_byte(small_bundle: Path, tmp_path: Path) -> None:
    name = first(small_bundle, "envelope.json")
    s = verify_bundle(
        rezip(
            small_bundle, tmp_path / "t.zip", only(name, lambda d: flip_b64(d.decode(), "payload").encode())
        )
    )
    assert not s.ok
    assert {(name, "manifest"), (name, "signature")} <= failed(s)


def test_a_changed_receipt(small_bundle: Path, tmp_path: Path) -> None:
    name = first(small_bundle, "receipt.json")
    s = verify_bundle(
        rezip(
            small_bundle, tmp_path / "t.zip", only(name, lambda d: flip_b64(d.decode(), "payload").encode())
        )
    )
    assert {(name, "manifest"), (name, "receipt")} <= failed(s)


def test_a_changed_proof_hash(small_bundle: Path, tmp_path: Path) -> None:
    name = first(small_bundle, "proof.json")

    def edit(data: bytes) -> bytes:
        doc = json.loads(data)
        raw = bytearray(base64.b64decode(doc["inclusion"]["hashes"][0]))
        raw[0] ^= 1
        doc["inclusion"]["hashes"][0] = base64.b64encode(bytes(raw)).decode()
        return json.dumps(doc).encode()

    s = verify_bundle(rezip(small_bundle, tmp_path / "t.zip", only(name, edit)))
    assert {(name, "manifest"), (name, "inclusion")} <= failed(s)


def test_a_changed_checkpoint(small_bundle: Path, tmp_path: Path) -> None:
    def edit(data: bytes) -> bytes:
        lines = data.decode().split("\n")
        lines[1] = str(int(lines[1]) + 1)
        return "\n".join(lines).encode()

    s = verify_bundle(rezip(small_bundle, tmp_path / "t.zip", only("checkpoint.txt", edit)))
    assert {("checkpoint.txt", "manifest"), ("checkpoint.txt", "checkpoint")} <= failed(s)


def test_a_changed_key(small_bundle: Path, tmp_path: Path) -> None:
    pems = [n for n in names(small_bundle) if n.endswith(".pem") and n.startswith("keys/")]
    with zipfile.ZipFile(small_bundle) as z:
        other = z.read(pems[1])
    s = verify_bundle(rezip(small_bundle, tmp_path / "t.zip", only(pems[0], lambda d: other)))
    assert {(pems[0], "manifest"), (pems[0], "keys")} <= failed(s)
    assert s.failed_count["signature"] > 0  # that probe's envelopes no longer verify


@pytest.mark.parametrize(
    ("name", "check"),
    [("timeline.csv", "timeline"), ("timeline.json", "timeline"), ("events.json", "events")],
)
def test_a_changed_timeline_or_events(small_bundle: Path, tmp_path: Path, name: str, check: str) -> None:
    s = verify_bundle(
        rezip(small_bundle, tmp_path / "t.zip", only(name, lambda d: d.replace(b"blocked", b"accessible", 1)))
    )
    assert {(name, "manifest"), (name, check)} <= failed(s)


@pytest.mark.parametrize(
    "name", ["report.html", "report.pdf", "VERIFY.md", "log-key.txt", "collector.pub.pem"]
)
def test_a_changed_report_or_recipe(small_bundle: Path, tmp_path: Path, name: str) -> None:
    # Flip one bit of one byte: always a change (writing a fixed letter is none when it was that letter).
    s = verify_bundle(
        rezip(small_bundle, tmp_path / "t.zip", only(name, lambda d: d[:-20] + bytes([d[-20] ^ 1]) + d[-19:]))
    )
    assert not s.ok
    assert name in {f for f, _ in failed(s)}


def test_a_changed_manifest(small_bundle: Path, tmp_path: Path) -> None:
    s = verify_bundle(
        rezip(
            small_bundle, tmp_path / "t.zip", only("MANIFEST.json", lambda d: d.replace(b'"day"', b'"hour"'))
        )
    )
    assert ("MANIFEST.json", "bundle-signature") in failed(s)


def test_a_consistent_forgery_still_fails_on_the_signature(small_bundle: Path, tmp_path: Path) -> None:
    """Change the timeline and re-hash it in MANIFEST.json: the collector's signature no longer covers it."""
    with zipfile.ZipFile(small_bundle) as z:
        csv = z.read("timeline.csv").replace(b"blocked", b"accessible")
        manifest = json.loads(z.read("MANIFEST.json"))
    manifest["files"]["timeline.csv"] = {"sha256": hashlib.sha256(csv).hexdigest(), "size": len(csv)}

    def edit(n: str, data: bytes) -> bytes:
        return {"timeline.csv": csv, "MANIFEST.json": json.dumps(manifest).encode()}.get(n, data)

    s = verify_bundle(rezip(small_bundle, tmp_path / "t.zip", edit))
    assert {("MANIFEST.json", "bundle-signature"), ("timeline.csv", "timeline")} <= failed(s)


def test_a_file_added_or_removed(small_bundle: Path, tmp_path: Path) -> None:
    s = verify_bundle(rezip(small_bundle, tmp_path / "a.zip", lambda n, d: d, add={"notes.txt": b"trust me"}))
    assert failed(s) == {("notes.txt", "manifest")}
    gone = first(small_bundle, "receipt.json")
    s = verify_bundle(rezip(small_bundle, tmp_path / "r.zip", lambda n, d: None if n == gone else d))
    assert {(gone, "manifest"), (gone, "receipt")} <= failed(s)


# --- the command line and the API ------------------------------------------------------------------


def probe(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "probe", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def test_cli_evidence_then_verify(history_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "rfa.zip"
    args = (
        "evidence",
        "--domain",
        DOMAIN,
        "--asn",
        "AS45498",
        "--data-dir",
        str(history_dir),
        "-o",
        str(out),
    )
    refused = probe(*args)
    assert refused.returncode == 2 and "lab data" in refused.stderr and "--lab-data" in refused.stderr
    assert not out.exists() and "Traceback" not in refused.stderr
    made = probe(*args, "--lab-data")
    assert made.returncode == 0, made.stderr
    assert "wrote" in made.stdout and "LAB DATA" in made.stderr
    checked = probe("verify", str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "VERIFIED" in checked.stdout and "networks     1: AS45498" in checked.stdout
    assert "elapsed" in checked.stdout
    assert (
        "evidence     networks 0 attested, " in checked.stdout
        and "0 outside their time bracket" in checked.stdout
    )
    each = probe("verify", "-v", str(out))
    lines = [line for line in each.stdout.splitlines() if " AS45498 observed " in line]
    assert lines and all("time [" in line and line.endswith("inside") for line in lines)

    bad = rezip(out, tmp_path / "bad.zip", only("events.json", lambda d: d.replace(b"blocked", b"down", 1)))
    failed_run = probe("verify", str(bad))
    assert failed_run.returncode == 1
    assert "events.json: events:" in failed_run.stdout
    assert "Traceback" not in failed_run.stdout + failed_run.stderr

    for args in (
        ("evidence", "--domain", DOMAIN, "--data-dir", str(tmp_path / "none"), "-o", str(tmp_path / "x.zip")),
        (
            "evidence",
            "--domain",
            DOMAIN,
            "--since",
            "yesterday",
            "--data-dir",
            str(history_dir),
            "-o",
            str(tmp_path / "x.zip"),
        ),
        ("evidence", "--domain", DOMAIN, "--data-dir", str(history_dir), "-o", str(tmp_path / "x.tar")),
        ("verify", str(tmp_path / "missing.zip")),
    ):
        result = probe(*args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "Traceback" not in result.stdout + result.stderr
        assert "error:" in result.stderr


def test_api_streams_a_bundle_that_verifies(history_dir: Path, tmp_path: Path) -> None:
    with collector(tmp_path) as rig, rig.client() as client:
        params = {"domain": DOMAIN, "asn": "38623", "until": "2026-09-15"}
        refused = client.get("/api/v1/evidence", params=params)
        assert refused.status_code == 409 and refused.json()["reason"] == "lab_data"
        answer = client.get("/api/v1/evidence", params={**params, "lab_data": "true"})
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/zip"
        assert answer.headers["x-saksi-lab-data"] == "true"
        (tmp_path / "api.zip").write_bytes(answer.content)
        nowhere = {"domain": "nowhere.example", "lab_data": "1"}
        assert client.get("/api/v1/evidence", params=nowhere).status_code == 404
        assert client.get("/api/v1/evidence", params={"domain": DOMAIN, "since": "soon"}).status_code == 400
        assert client.get("/api/v1/evidence").status_code == 400
        fetched = probe("evidence", "--domain", DOMAIN, "--asn", "38623", "--until", "2026-09-15",
                        "--collector", rig.url, "-o", str(tmp_path / "cli.zip"), "--lab-data")  # fmt: skip
        assert fetched.returncode == 0, fetched.stderr
        assert "LAB DATA" in fetched.stderr  # the local warning, for a bundle fetched from a collector too
    summary = verify_bundle(tmp_path / "api.zip")
    assert summary.ok and summary.networks == [38623]
    assert summary.last_at is not None and summary.last_at < "2026-09-16"
    assert (
        hashlib.sha256((tmp_path / "api.zip").read_bytes()).digest()
        == hashlib.sha256((tmp_path / "cli.zip").read_bytes()).digest()
    )
    assert answer.headers["x-saksi-manifest-sha256"] == summary.manifest_sha256


# --- lab data is never evidence --------------------------------------------------------------------


def test_lab_data_says_so_everywhere(small_bundle: Path, tmp_path: Path) -> None:
    """The test history is invented (probe.lab.history): manifest, reports and verifier all say so."""
    with zipfile.ZipFile(small_bundle) as z:
        manifest = json.loads(z.read("MANIFEST.json"))
        html = z.read("report.html").decode()
        pdf = _pdf_text(z.read("report.pdf"))
    assert manifest["lab_data"] is True
    for text in (html, pdf):
        head = text[: text.index("What was measured")]
        assert "LAB DATA" in head and "NOT evidence of anything" in head and "demo-data" in head
        assert "Do not cite" in text and "Suggested citation" not in text
        assert "Saksi measurement network, " not in text  # no citable line at all
    s = verify_bundle(small_bundle)
    assert s.ok and s.lab_data and s.lab_measurements == s.measurements + s.controls + s.context
    lines = describe(s)
    assert lines[0].startswith("LAB DATA:") and "not evidence" in lines[0]

    # Removing the flag hides nothing: the verifier reads the payloads (and the signature breaks).
    def strip(data: bytes) -> bytes:
        doc = json.loads(data)
        doc["lab_data"] = False
        return json.dumps(doc).encode()

    stripped = verify_bundle(rezip(small_bundle, tmp_path / "s.zip", only("MANIFEST.json", strip)))
    assert not stripped.lab_flag and stripped.lab_data
    assert ("MANIFEST.json", "bundle-signature") in failed(stripped)
    assert any("LAB DATA" in line and "MANIFEST.json does not say so" in line for line in describe(stripped))

    checked = probe("verify", str(small_bundle))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.startswith("LAB DATA:")
    assert checked.stdout.count("LAB DATA:") == 1  # once on stdout (and once on stderr), not twice
    assert "✓ witness" not in checked.stdout  # the lab witness's cosignatures are not independent
    assert "DATES NOT WITNESSED: only demo-data's throwaway lab witness cosigned" in checked.stdout
    last = checked.stdout.strip().splitlines()[-1]
    assert last.startswith("VERIFIED (lab data: not evidence)")
    assert "LAB DATA:" in checked.stderr


def test_a_report_of_real_measurements_has_no_banner_and_a_citation() -> None:
    from probe.analysis.report import ReportFacts, render_html, render_pdf

    facts = ReportFacts(
        domain=DOMAIN, domains=[DOMAIN], since=None, until=None, first_at="2026-09-01T00:00:00Z",
        last_at="2026-09-02T00:00:00Z", measurements=10, controls=2, not_in_log=0, probes=2, vouched=1,
        unverified=1, networks=[], countries=["KH"], periods=[], windows={"accessible": 2},
        manifest_sha256="ab" * 32, origin="saksi.example/log", checkpoint_size=12,
        checkpoint_root="root=", rules_version="test", created_at="2026-09-02T00:00:00Z",
    )  # fmt: skip
    for text in (render_html(facts).decode(), _pdf_text(render_pdf(facts))):
        assert "NOT evidence of anything" not in text and "Do not cite" not in text
        assert "Suggested citation" in text and "ab" * 32 in text


# --- what verify reports when something else went wrong first -------------------------------------


def test_a_rezip_with_directory_entries_shows_only_the_real_problem(
    small_bundle: Path, tmp_path: Path
) -> None:
    require_tools("zip")
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(small_bundle) as z:
        z.extractall(folder)
    name = first(small_bundle, "proof.json")
    doc = json.loads((folder / name).read_text())
    doc["statement"]["asn"] = 1
    (folder / name).write_text(json.dumps(doc))
    rezipped = tmp_path / "rezipped.zip"
    subprocess.run(["zip", "-qr", str(rezipped), "."], cwd=folder, check=True)  # adds directory entries
    with zipfile.ZipFile(rezipped) as z:
        assert any(n.endswith("/") for n in z.namelist())
    s = verify_bundle(rezipped)
    assert {f for f, _ in failed(s)} == {name}
    assert {(name, "manifest"), (name, "statement")} <= failed(s)


def test_the_wrong_log_key_fails_once_and_the_rest_is_not_checked(small_bundle: Path) -> None:
    other = NoteSigner("saksi.other/log", Ed25519PrivateKey.generate()).verifier_key()
    s = verify_bundle(small_bundle, log_key=other)
    assert failed(s) == {("log-key.txt", "log-key")}
    assert s.failed_count["log-key"] == 1 and not s.ok
    for check in ("bundle-signature", "checkpoint", "receipt", "inclusion", "timeline", "events"):
        assert s.not_checked(check), check
    lines = describe(s)
    assert any(line.startswith("✗ log-key") for line in lines)
    events = next(line for line in lines if line.startswith("– events"))
    assert "not checked (because there is no trusted collector key" in events
    assert not any("differs" in str(f) for f in s.failures)


def test_a_bad_signature_leaves_the_timeline_not_checked(small_bundle: Path, tmp_path: Path) -> None:
    name = first(small_bundle, "envelope.json")
    s = verify_bundle(
        rezip(
            small_bundle, tmp_path / "t.zip", only(name, lambda d: flip_b64(d.decode(), "payload").encode())
        )
    )
    assert failed(s) == {(name, "manifest"), (name, "signature")}
    assert "1 measurement check(s) failed" in (s.not_checked("timeline") or "")
    assert s.ordered_failures()[0].check == "manifest"


def test_damaged_and_foreign_files(small_bundle: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.zip"
    cut.write_bytes(small_bundle.read_bytes()[: small_bundle.stat().st_size // 2])
    s = verify_bundle(cut)
    assert not s.ok and failed(s) == {("cut.zip", "manifest")}
    assert "damaged" in s.failures[0].message
    run = probe("verify", str(cut))
    assert run.returncode == 1 and "the zip is damaged" in run.stdout and "Traceback" not in run.stderr

    garbage = tmp_path / "garbage.zip"
    garbage.write_bytes(b"not a zip at all\n" * 10)
    run = probe("verify", str(garbage))
    assert run.returncode == 2 and "not a zip file" in run.stderr and "Traceback" not in run.stderr


def test_evidence_without_a_domain_is_one_sentence(history_master: Path, tmp_path: Path) -> None:
    run = probe(
        "evidence", "--asn", "38623", "--data-dir", str(history_master), "-o", str(tmp_path / "x.zip")
    )
    assert run.returncode == 2 and "give --domain" in run.stderr
    assert "Traceback" not in run.stderr and "╭" not in run.stderr


# --- the offline recipe, run as written: tests/test_verify_recipe.py -----------------------------
