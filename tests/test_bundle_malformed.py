"""`probe verify` on hostile bundles: reads bounded by the manifest's sizes (a zip bomb stops there), and a
FAILED with a reason, never a traceback, for any malformed manifest, proof or key index."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from probe.analysis.bundle_verify import verify_bundle
from probe.cli.verify import verify as verify_command

UID = "ab" * 16
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def bundle(path: Path, files: dict[str, bytes], manifest: Any) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("MANIFEST.json", json.dumps(manifest).encode())
        for name, data in files.items():
            z.writestr(name, data)
    return path


def test_a_zip_bomb_is_never_inflated_past_the_manifest_size(tmp_path: Path) -> None:
    bomb = b"0" * (300 * 1024 * 1024)  # deflates to about 300 KB
    name = f"measurements/{UID}/envelope.json"
    manifest = {"files": {name: {"sha256": "00" * 32, "size": 100}}, "filters": {}}
    path = bundle(tmp_path / "b.zip", {name: bomb}, manifest)
    del bomb
    tracemalloc.start()
    try:
        summary = verify_bundle(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not summary.ok
    assert any("larger than MANIFEST.json says" in f.message for f in summary.failures)
    assert peak < 32 * 1024 * 1024, peak


@pytest.mark.parametrize(
    "manifest",
    [
        [],
        "text",
        {"files": []},
        {"files": {"a": "not an entry"}},
        {"files": {"a": {"size": "abc", "sha256": 1}}},
        {"files": {"a": {"size": -1}}},
        {"files": {}, "filters": []},
        {"files": {}, "filters": {"asn": "²", "since": "0001-01-01"}},
        {"files": {}, "checkpoint": "x"},
        {"files": {}, "checkpoint": {"size": []}},
    ],
)
def test_malformed_manifests_fail_with_a_reason(tmp_path: Path, manifest: Any) -> None:
    path = bundle(tmp_path / "b.zip", {"a": b"x", "keys/index.json": b"[1,2]"}, manifest)
    summary = verify_bundle(path)
    assert not summary.ok
    assert summary.failures and all(f.message for f in summary.failures)


def test_malformed_proofs_and_key_index_fail_with_a_reason(tmp_path: Path) -> None:
    files = {
        f"measurements/{UID}/envelope.json": b'{"payloadType": 1}',
        f"measurements/{UID}/receipt.json": b"[]",
        f"measurements/{UID}/proof.json": json.dumps(
            {
                "statement": {"asn": 2**80},
                "inclusion": {"leaf_index": -5, "tree_size": 2**70, "hashes": ["!"]},
            }
        ).encode(),
        "keys/index.json": b'{"k": [1]}',
        "keys/k.pem": b"-----BEGIN PUBLIC KEY-----\nnot base64\n-----END PUBLIC KEY-----\n",
    }
    manifest = {
        "files": {n: {"sha256": "0" * 64, "size": len(d)} for n, d in files.items()},
        "filters": {"domain": "x"},
    }
    summary = verify_bundle(bundle(tmp_path / "b.zip", files, manifest))
    assert not summary.ok
    cli = typer.Typer()
    cli.command()(verify_command)
    result = CliRunner().invoke(cli, [str(tmp_path / "b.zip")])
    assert result.exit_code != 0
    assert "FAILED" in result.output and "Traceback" not in result.output


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(manifest=JSON_VALUES, proof=JSON_VALUES, index=JSON_VALUES)
def test_any_json_in_the_bundle_gets_an_answer(tmp_path: Path, manifest: Any, proof: Any, index: Any) -> None:
    files = {
        f"measurements/{UID}/proof.json": json.dumps(proof).encode(),
        "keys/index.json": json.dumps(index).encode(),
    }
    summary = verify_bundle(bundle(tmp_path / "b.zip", files, manifest))
    assert not summary.ok
