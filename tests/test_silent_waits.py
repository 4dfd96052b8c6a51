"""Never silent for long (issue 12, problem 5): a collector that accepts connections and never answers.

Before, `probe run --url` took 91 s, blank for the last 60, and `probe init --collector` sat silent for
61 s. Now every wait on the collector says what it waits for and for how long, is bounded by a documented
timeout, and ends in one sentence.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from tests.consent import consented
from tests.test_daemon import silent_server  # noqa: F401 (a fixture: accepts, never answers)


def _env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    return {
        **env,
        "HOME": str(tmp),
        "XDG_CONFIG_HOME": str(tmp / "config"),
        "XDG_DATA_HOME": str(tmp / "data"),
    }


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_probe_run_with_a_hanging_collector_says_what_it_waits_for(
    tmp_path: Path,
    silent_server: int,  # noqa: F811
) -> None:
    config = tmp_path / "probe.toml"
    config.write_text(
        "[network]\nsystem_resolvers = []\nudp_resolvers = []\ndoh_urls = []\ngetaddrinfo = false\n"
        'bogon_ranges = ["10.0.0.0/8"]\n'
        f'[store]\npath = "{tmp_path / "probe.db"}"\n'
        f'[upload]\nurl = "http://127.0.0.1:{silent_server}"\ntimeout_s = 2\n'
    )
    consented(config)
    started = time.monotonic()
    ran = subprocess.run(
        [
            sys.executable,
            "-m",
            "probe",
            "run",
            "--config",
            str(config),
            "--url",
            f"http://127.0.0.1:{_closed_port()}/",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(tmp_path),
    )
    took = time.monotonic() - started
    assert "Traceback" not in ran.stderr
    lines = ran.stderr.splitlines()
    assert any("which network this is (up to 2 s)" in line for line in lines), ran.stderr
    assert any(line.startswith("uploading to http://127.0.0.1:") and "up to 2 s" in line for line in lines)
    assert any("accepted the connection but did not answer within 2 s" in line for line in lines), ran.stderr
    assert took < 30, took  # bounded by the documented timeouts, not by the collector


def test_init_with_a_hanging_collector_is_bounded_and_says_so(
    tmp_path: Path,
    silent_server: int,  # noqa: F811
) -> None:
    started = time.monotonic()
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "probe.cli.init",
            "--yes-i-understand",
            "--collector",
            f"http://127.0.0.1:{silent_server}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=_env(tmp_path),
        stdin=subprocess.DEVNULL,
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert f"asking the collector at http://127.0.0.1:{silent_server} which network this is (up to 10 s)" in (
        result.stderr
    )
    assert "did not say which network this is" in result.stdout
    assert took < 30, took
