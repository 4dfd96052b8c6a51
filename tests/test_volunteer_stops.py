"""A probe that stops when told, and stays stopped (issue 12, problems 2 and 4), as real processes.

- `probe wipe` against a live `probe daemon`: the daemon is stopped first, everything goes (the settings
  file with its invite token too), and nothing recreates a seed, keys, a store or consent afterwards.
- One probe process per store: a second daemon, or `probe run`, refuses in one sentence.
- SIGTERM or Ctrl-C at many moments of a run: never a traceback, and the URLs in flight are kept locally as
  interrupted, never signed, never queued for the public log.
"""

from __future__ import annotations

import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_daemon import _config, _count, _start, silent_server  # noqa: F401 (a fixture)
from tests.test_status_wipe import probe


def _wait_for_measurements(db: Path, at_least: int, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db.exists():
            try:
                if _count(db) >= at_least:
                    return
            except sqlite3.OperationalError:
                pass
        time.sleep(0.1)
    raise AssertionError(f"the daemon did not store {at_least} measurements in {timeout} s")


@pytest.mark.slow
def test_wipe_stops_a_live_daemon_and_nothing_comes_back(tmp_path: Path, silent_server: int) -> None:  # noqa: F811
    config = _config(tmp_path, silent_server)
    daemon = _start(config)
    try:
        _wait_for_measurements(tmp_path / "probe.db", 1)
        wiped = probe(config, "wipe", "--yes")
        assert wiped.returncode == 0, wiped.stderr
        assert "stopping the running probe (pid" in wiped.stderr
        out, errors = daemon.communicate(timeout=20)  # stopped by the wipe, not by this test
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.communicate()
    assert daemon.returncode == 0, errors
    assert "Traceback" not in out + errors
    time.sleep(2)  # a daemon that kept going would have recreated something by now
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [], left  # store, WAL, lock, keys, consent record and the settings file are gone


@pytest.mark.slow
def test_one_probe_process_per_store(tmp_path: Path, silent_server: int) -> None:  # noqa: F811
    config = _config(tmp_path, silent_server)
    first = _start(config)
    try:
        _wait_for_measurements(tmp_path / "probe.db", 1)
        second = _start(config)
        _, refused = second.communicate(timeout=30)
        ran = probe(config, "run", "--url", f"http://127.0.0.1:{silent_server}/x")
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=20)
    assert second.returncode == 2
    assert f"another probe process (pid {first.pid})" in refused and "Traceback" not in refused
    assert ran.returncode == 2 and f"pid {first.pid}" in ran.stderr


def _interrupted_in_outbox(db: Path) -> tuple[int, int, int]:
    """(interrupted measurements, of them signed or queued, signed measurements not in the outbox)."""
    with sqlite3.connect(db) as conn:
        interrupted = conn.execute("SELECT count(*) FROM measurements WHERE interrupted = 1").fetchone()[0]
        leaked = conn.execute(
            "SELECT count(*) FROM measurements m WHERE m.interrupted = 1 AND (EXISTS "
            "(SELECT 1 FROM outbox o WHERE o.uid = m.uid) OR EXISTS (SELECT 1 FROM envelopes e WHERE e.uid = m.uid))"
        ).fetchone()[0]
        orphans = conn.execute(
            "SELECT count(*) FROM envelopes e WHERE NOT EXISTS (SELECT 1 FROM outbox o WHERE o.uid = e.uid)"
        ).fetchone()[0]
    return int(interrupted), int(leaked), int(orphans)


@pytest.mark.slow
def test_sigterm_or_ctrl_c_at_any_moment_is_quiet_and_uploads_nothing_unfinished(
    tmp_path: Path,
    silent_server: int,  # noqa: F811
) -> None:
    config = _config(tmp_path, silent_server)
    interrupted_total = 0
    moments = [0.05, 0.2, 0.5, 0.9, 1.4, 2.0, 2.7, 3.5, 4.4]
    for number, delay in enumerate(moments):
        daemon = _start(config)
        time.sleep(delay)
        sent = signal.SIGINT if number % 3 == 2 else signal.SIGTERM
        daemon.send_signal(sent)
        out, errors = daemon.communicate(timeout=20)
        assert "Traceback" not in out + errors, (delay, out, errors)
        # Before the interpreter ran any of the probe's code, the signal's default action ends it, silently;
        # Ctrl-C while the program loads ends it as Ctrl-C ends any command (status 130, or by SIGINT).
        quiet = daemon.returncode == -sent and not out + errors
        ctrl_c = sent == signal.SIGINT and daemon.returncode in (130, -signal.SIGINT)
        assert daemon.returncode == 0 or quiet or ctrl_c, (
            delay,
            daemon.returncode,
            errors,
        )
        if (tmp_path / "probe.db").exists():
            interrupted, leaked, orphans = _interrupted_in_outbox(tmp_path / "probe.db")
            assert leaked == 0 and orphans == 0
            interrupted_total = interrupted
    assert interrupted_total > 0  # the URLs in flight were kept, as interrupted


@pytest.mark.parametrize("sent", [signal.SIGINT, signal.SIGTERM])
def test_ctrl_c_or_sigterm_during_probe_run_keeps_the_urls_in_flight_as_interrupted(
    tmp_path: Path,
    silent_server: int,  # noqa: F811
    sent: signal.Signals,
) -> None:
    config = _config(tmp_path, silent_server)
    process = subprocess.Popen(
        [sys.executable, "-m", "probe", "run", "--config", str(config), "--list", "watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_measurements(tmp_path / "probe.db", 0)
    time.sleep(2.5)
    process.send_signal(sent)
    out, errors = process.communicate(timeout=20)
    assert process.returncode == 130
    assert "Traceback" not in out + errors
    assert "kept here as interrupted and are never uploaded" in errors
    interrupted, leaked, orphans = _interrupted_in_outbox(tmp_path / "probe.db")
    assert interrupted > 0 and leaked == 0 and orphans == 0


def test_ctrl_c_counts_the_measurements_of_this_run_not_the_whole_store(
    tmp_path: Path,
    silent_server: int,  # noqa: F811
) -> None:
    config = _config(tmp_path, silent_server)
    said: list[int] = []
    totals: list[int] = []
    for _ in range(2):
        process = subprocess.Popen(
            [sys.executable, "-m", "probe", "run", "--config", str(config), "--list", "watch"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        _wait_for_measurements(tmp_path / "probe.db", (totals[-1] if totals else 0) + 1)
        process.send_signal(signal.SIGINT)
        _out, errors = process.communicate(timeout=20)
        assert process.returncode == 130, errors
        found = re.search(r"interrupted: this run stored (\d+) measurements in ", errors)
        assert found, errors
        said.append(int(found.group(1)))
        totals.append(_count(tmp_path / "probe.db"))
    assert said[0] == totals[0] > 0
    assert said[1] == totals[1] - totals[0] > 0  # not the whole store
