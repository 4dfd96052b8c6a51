"""VERIFY.md run literally (POSIX sh, openssl 3, its Python script) on a witnessed bundle whose probes
anchored on witnessed checkpoints; then one changed byte in each kind of file, one added and one removed
file: each makes the recipe fail."""

from __future__ import annotations

import base64
import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from probe.analysis.bundle import collector_key, write_bundle
from probe.analysis.query import Filters
from probe.collector.signing import CollectorKey
from probe.control.service import ServerThread
from probe.log import Checkpoint, NoteVerifier
from probe.log.cosignature import CosignatureSigner
from probe.models.measurement import TimeAnchor
from probe.witness.server import create_app
from probe.witness.state import WitnessState
from tests.collector_rig import Prober, collector
from tests.shared_data import require_tools

ORIGIN = "saksi.test/log"
DOMAIN = "www.rfa.org"


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, re.S)


@pytest.fixture(scope="module")
def witnessed_bundle(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    tmp = tmp_path_factory.mktemp("recipe")
    signer = CosignatureSigner.from_seed("witness.test/w1", b"\x05" * 32)
    key = collector_key_for(tmp)
    state = WitnessState(tmp / "w.db", signer, [key])
    server = ServerThread(uvicorn.Config(create_app(state), host="127.0.0.6", port=0, log_level="warning"))
    server.start()
    url = f"http://127.0.0.6:{server.port}"
    try:
        witnesses = [{"url": url, "key": signer.verifier_key()}]
        with (
            collector(tmp, origin=ORIGIN, witnesses=witnesses, witness_retry_s=0.5) as rig,
            rig.client() as c,
        ):
            prober = Prober(tmp)
            assert c.post("/api/v1/probes", json=prober.enrol_body()).status_code in (200, 201)
            anchor = None
            for round_ in range(3):
                envelopes = [
                    prober.envelope(prober.measurement(url=u, time_anchor=anchor))
                    for u in ("https://www.rfa.org/", "https://www.example.com/")
                ]
                assert c.post("/api/v1/measurements", json={"envelopes": envelopes}).status_code == 200
                note = wait_cosigned(c, 2 * (round_ + 1))
                cp = Checkpoint.parse(note.split("\n\n")[0] + "\n")
                anchor = TimeAnchor(tree_size=cp.size, root_hash=base64.b64encode(cp.root).decode())
                time.sleep(1.1)  # distinct witness seconds
        out = tmp / "bundle.zip"
        with sqlite3.connect(tmp / "collector" / "collector.db") as conn:
            write_bundle(conn, collector_key(tmp / "collector"), Filters.parse(domain=DOMAIN), out)
        yield out
    finally:
        server.stop()
        state.close()


def collector_key_for(tmp: Path) -> NoteVerifier:
    return CollectorKey.load_or_create(tmp / "collector", ORIGIN).notes.verifier()


def wait_cosigned(c: httpx.Client, size: int) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        r = c.get("/api/v1/log/checkpoint")
        if (
            r.status_code == 200
            and "witness.test/w1" in r.text
            and Checkpoint.parse(r.text.split("\n\n")[0] + "\n").size >= size
        ):
            return r.text
        time.sleep(0.1)
    raise AssertionError(f"no cosigned checkpoint of {size} entries")


def recipe_program(folder: Path) -> str:
    recipe = (folder / "VERIFY.md").read_text()
    shell = _blocks(recipe, "sh")
    (script,) = _blocks(recipe, "python")
    assert shell[0].strip() == "T=$(mktemp -d)"
    return "\n".join(
        ["set -eu", shell[0], f"cat > \"$T/check.py\" <<'PY'\n{script}PY", *shell[1:], 'rm -r "$T"']
    )


def run(folder: Path, program: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", "-c", program], cwd=folder, capture_output=True, text=True, timeout=300, check=False
    )


def test_the_recipe_runs_as_written_and_every_kind_of_change_fails(
    witnessed_bundle: Path, tmp_path: Path
) -> None:
    require_tools("openssl", "python3", "sh", "awk", "tail", "cut", "wc", "tr")
    pristine = tmp_path / "pristine"
    with zipfile.ZipFile(witnessed_bundle) as z:
        z.extractall(pristine)
        brackets = json.loads(z.read("brackets.json"))
    assert sum(b["not_before"] is not None for b in brackets) >= 2  # probes anchored on witnessed checkpoints
    assert all(b["not_after"] is not None for b in brackets)
    assert any(p.name != "consistency.json" for p in (pristine / "checkpoints").iterdir())
    program = recipe_program(pristine)
    before = sorted(p.relative_to(pristine) for p in pristine.rglob("*"))
    done = run(pristine, program)
    assert done.returncode == 0, done.stdout + done.stderr
    for said in (
        "every probe key hashes to its key id",
        "every file (reports included) matches what the collector signed",
        "every measurement: probe signature, receipt, log statement and inclusion proof",
        "every bracket in brackets.json is what the witnesses' cosignatures give",
        "every check passed",
    ):
        assert said in done.stdout, done.stdout
    assert sorted(p.relative_to(pristine) for p in pristine.rglob("*")) == before  # nothing written here

    kinds = sorted(
        {str(p.relative_to(pristine)) for p in pristine.rglob("*") if p.is_file()},
        key=lambda n: re.sub(r"[0-9a-f]{32,64}|\d+", "#", n),
    )
    seen: set[str] = set()
    for name in kinds:
        kind = re.sub(r"[0-9a-f]{32,64}|\d+", "#", name)
        if kind in seen:
            continue
        seen.add(kind)
        copy = tmp_path / f"t{len(seen)}"
        shutil.copytree(pristine, copy)
        data = bytearray((copy / name).read_bytes())
        at = len(data) // 2
        data[at] ^= 0x01
        (copy / name).write_bytes(bytes(data))
        failed = run(copy, program)
        assert failed.returncode != 0, f"a changed byte in {name} passed the recipe:\n{failed.stdout}"
    assert {
        "report.html",
        "report.pdf",
        "VERIFY.md",
        "brackets.json",
        "witnesses.json",
        "checkpoint.txt",
    } <= seen
    assert any(k.startswith("checkpoints/") for k in seen) and any(k.startswith("keys/") for k in seen)

    added = tmp_path / "added"
    shutil.copytree(pristine, added)
    (added / "measurements" / "extra.txt").write_text("hello\n")
    assert run(added, program).returncode != 0
    removed = tmp_path / "removed"
    shutil.copytree(pristine, removed)
    (removed / "timeline.csv").unlink()
    assert run(removed, program).returncode != 0
    assert sys.executable  # the recipe itself ran with the system's python3, standard library only
