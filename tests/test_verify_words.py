"""`probe verify`'s words on a damaged bundle (issue 15, item 4): each failure blames the file that is
wrong and names the file that holds its hash; no library wording or web link leaks; a zip too damaged to
read says "unknown", never "None"."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from probe.analysis.bundle_summary import describe
from probe.analysis.bundle_verify import verify_bundle
from probe.cli.app import app
from tests.test_bundle import failed, first, make, only, rezip
from tests.test_verify_recipe import witnessed_bundle as witnessed_bundle  # a fixture


@pytest.fixture(scope="module")
def bundle(history_master: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("words") / "b.zip"
    return make(history_master, out, asn="38623", since="2026-09-03", until="2026-09-08")


def all_words(path: Path) -> str:
    run = CliRunner().invoke(app, ["verify", str(path)])
    assert run.exit_code == 1, run.output
    return run.output


def test_a_changed_report_names_signature_json(bundle: Path, tmp_path: Path) -> None:
    bad = rezip(
        bundle, tmp_path / "r.zip", only("report.html", lambda d: d.replace(b"Blocking", b"Blockage", 1))
    )
    s = verify_bundle(bad)
    assert [str(f) for f in s.failures] == [
        "report.html: manifest: its SHA-256 differs from the one in SIGNATURE.json: it was changed"
    ]
    gone = rezip(bundle, tmp_path / "g.zip", lambda n, d: None if n == "report.pdf" else d)
    assert [str(f) for f in verify_bundle(gone).failures] == [
        "report.pdf: manifest: listed in SIGNATURE.json but missing from the bundle"
    ]


def test_a_missing_proof_blames_the_proof_only(bundle: Path, tmp_path: Path) -> None:
    proof = first(bundle, "proof.json")
    bad = rezip(bundle, tmp_path / "p.zip", lambda n, d: None if n == proof else d)
    s = verify_bundle(bad)
    assert {f for f, _ in failed(s)} == {proof}
    assert {"timeline", "events"} <= set(s.skip_reasons)
    words = all_words(bad)
    assert "timeline.csv:" not in words and "events.json:" not in words


def test_malformed_json_is_told_in_plain_words(bundle: Path, tmp_path: Path) -> None:
    proof = first(bundle, "proof.json")
    odd = json.dumps({"statement": {"payload_sha256": 5}, "inclusion": []}).encode()
    words = all_words(rezip(bundle, tmp_path / "m.zip", only(proof, lambda _: odd)))
    assert f"{proof}: statement: not a statement with an inclusion proof: payload_sha256" in words
    for leak in ("pydantic", "errors.pydantic.dev", "validation error", "http://", "https://", "Traceback"):
        assert leak not in words, leak


def test_a_truncated_zip_says_unknown_not_none(bundle: Path, tmp_path: Path) -> None:
    data = bundle.read_bytes()
    cut = tmp_path / "cut.zip"
    cut.write_bytes(data[: len(data) // 2])
    lines = describe(verify_bundle(cut))
    text = "\n".join(lines)
    assert "None" not in text
    assert "checkpoint   unknown: checkpoint.txt could not be read" in lines
    assert "the zip is damaged" in all_words(cut)
    with zipfile.ZipFile(bundle) as z:
        assert z.testzip() is None  # the original is intact: only the copy was cut


def test_verdicts_under_other_rules_are_not_checked_and_say_why(witnessed_bundle: Path) -> None:
    """This bundle's probes name rules "test": the verifier cannot recompute them with its own rules, so
    it says so (never "verified", never a failure); the record path recomputes real verdicts
    (tests/test_verify.py)."""
    s = verify_bundle(witnessed_bundle)
    assert s.ok, s.ordered_failures()
    assert s.passed["verdict"] == 0 and s.skipped["verdict"] == s.measurements + s.controls
    assert "the verdict names rules test" in s.skip_reasons["verdict"]
    (line,) = [x for x in describe(s) if "verdict" in x and "recomputed" in x]
    assert line.startswith("– verdict") and "not checked (because the verdict names rules test" in line
