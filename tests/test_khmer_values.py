"""Khmer output has no English left in it: upload summaries, the status run line and tier, and the errors
for bad flag values, after the Khmer `កំហុស៖` prefix (issue fix-c, problem 3)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe.cli.daemon import _run_line
from probe.cli.upload import report_lines
from probe.i18n import set_lang
from probe.upload import UploadReport
from tests.consent import consented

# Two English words in a row: what a message left untranslated shows (URLs, flags and codes are one word).
ENGLISH_PHRASE = re.compile(r"(?<![\w/.:-])[A-Za-z]{2,} [A-Za-z]{2,}(?![\w/.])")


def english_in(text: str) -> list[str]:
    spoken = re.sub(r"\S*[:/.=@`'_-]\S*|--\S+", " ", text)  # drop URLs, flags, paths, codes and quoted values
    return ENGLISH_PHRASE.findall(spoken)


@pytest.fixture
def khmer() -> Iterator[None]:
    set_lang("km")
    yield
    set_lang(None)


def test_upload_summary_in_khmer(khmer: None) -> None:
    report = UploadReport(
        collector="https://collector.example",
        uploaded=1,
        dead=[("u1", "bad signature")],
        enrolled=["k1"],
        next_attempt_at="2026-12-06T08:21:12.334Z",
        checkpoint_size=7,
    )
    lines = report_lines(report)
    assert lines[0].startswith("1 បានបញ្ជូន, 0 មានរួចហើយ, 1 ត្រូវបានបដិសេធ")
    assert [english_in(line.replace("bad signature", "")) for line in lines] == [[]] * len(lines)


@pytest.mark.parametrize("state", ["done", "running", "interrupted"])
def test_status_run_line_in_khmer(khmer: None, state: str) -> None:
    line = _run_line(("2026-12-06T08:00:00.000Z", None, state, 3, 3, "cli"))
    assert "3 ក្នុងចំណោម 3 គេហទំព័រ" in line
    assert english_in(line.replace("probe run", "")) == []
    assert state not in line


def _probe(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    return subprocess.run(
        [sys.executable, "-m", "probe", "--lang", "km", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**env, "LANG": "C.UTF-8"},
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--url", "ftp://example.org/"],
        ["run", "--url", "https:///nohost"],
        ["results", "--outcome", "nope"],
        ["init", "--yes-i-understand", "--no-enrol", "--collector", "ftp://collector.example"],
        ["init", "--yes-i-understand", "--no-enrol", "--collector", "http://collector.example"],
        ["init", "--yes-i-understand", "--no-enrol", "--network", "AS0"],
        ["init", "--yes-i-understand", "--no-enrol", "--socks5", "nope"],
        ["init", "--yes-i-understand", "--no-enrol", "--categories", "PORN"],
        ["networks", "allow", "AS0"],
    ],
)
def test_bad_values_are_refused_in_khmer(tmp_path: Path, args: list[str]) -> None:
    config = tmp_path / "probe.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "probe.db"}"\n')
    consented(config)
    result = _probe(*args, "--config", str(config))
    assert result.returncode != 0
    assert result.stderr.startswith("កំហុស៖"), result.stderr
    assert "Traceback" not in result.stderr
    assert english_in(result.stderr) == [], result.stderr
