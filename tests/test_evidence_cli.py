"""`probe evidence` as an advocate meets it: without the analysis extra it says so and writes nothing (no
"Exception ignored ... seek of closed file" after the error), and it never silently replaces a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

# The probe's entry point, with fpdf2 unimportable, as on an install without the analysis extra.
WITHOUT_FPDF = "import sys; sys.modules['fpdf'] = None; from probe.cli.entry import main; main()"


def _evidence(
    history: Path, out: Path, *extra: str, hide_fpdf: bool = False
) -> subprocess.CompletedProcess[str]:
    args = ["evidence", "--domain", "www.rfa.org", "--asn", "38623", "--since", "2026-09-03"]
    args += ["--until", "2026-09-05", "--lab-data", "--data-dir", str(history), "-o", str(out), *extra]
    start = [sys.executable, "-c", WITHOUT_FPDF] if hide_fpdf else [sys.executable, "-m", "probe"]
    return subprocess.run(
        [*start, *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )


def test_without_the_analysis_extra_it_says_so_and_writes_nothing(
    history_master: Path, tmp_path: Path
) -> None:
    out = tmp_path / "rfa.zip"
    run = _evidence(history_master, out, hide_fpdf=True)
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith(
        "error: report.pdf needs fpdf2: install the analysis extra (pip install '.[analysis]'"
    )
    assert "Exception ignored" not in run.stderr and "Traceback" not in run.stderr
    assert "seek of closed file" not in run.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no bundle, no temporary file


def test_an_existing_output_is_kept_unless_force(history_master: Path, tmp_path: Path) -> None:
    out = tmp_path / "rfa.zip"
    out.write_bytes(b"an advocate's earlier bundle")
    refused = _evidence(history_master, out)
    assert refused.returncode == 2
    assert f"{out} already exists" in refused.stderr and "--force" in refused.stderr
    assert out.read_bytes() == b"an advocate's earlier bundle"
    replaced = _evidence(history_master, out, "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert out.read_bytes().startswith(b"PK")


def test_the_readme_tells_advocates_about_the_extra() -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    advocates = readme.split("## For advocates", 1)[1].split("\n## ", 1)[0]
    assert "pip install '.[analysis]'" in advocates and "--force" in advocates
