"""The daemon as a volunteer runs it: network changes, SIGTERM, and kill -9 in the middle of runs."""

from __future__ import annotations

import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from probe.config import Settings
from probe.daemon.service import Daemon
from probe.models.measurement import Measurement
from probe.models.target import TargetEntry
from probe.store import Store
from tests.collector_rig import collector
from tests.consent import consented, consented_settings
from tests.test_scenarios import to_toml

ASN_TABLE = (
    "127.0.0.2\t127.0.0.2\t38623\tKH\tVIETTEL-KH Metfone\n127.0.0.9\t127.0.0.9\t17976\tKH\tCAMGSM Cellcard\n"
)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """Accepts connections and never answers: every URL on it ends in an HTTP timeout."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                held.append(conn)
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def _settings(tmp: Path, port: int, **extra: object) -> dict[str, object]:
    values: dict[str, object] = {
        "network": {
            "system_resolvers": [],
            "udp_resolvers": [],
            "doh_urls": [],
            "getaddrinfo": False,
            "bogon_ranges": ["10.0.0.0/8"],
            "source_address": "127.0.0.2",
            "concurrency": 2,
        },
        "timeouts": {"http_s": 1.5, "tcp_connect_s": 1.0, "tls_handshake_s": 1.0},
        "store": {"path": str(tmp / "probe.db")},
        "targets": {"list": "watch"},
    }
    values.update(extra)
    return values


def _import_list(settings: Settings, port: int, count: int) -> None:
    with Store(settings.store.path) as store:
        store.import_list(
            "watch",
            [
                TargetEntry(url=f"http://127.0.0.1:{port}/page-{i}", category_code="NEWS")
                for i in range(count)
            ],
        )


async def test_network_change_switches_the_signing_key(tmp_path: Path, silent_server: int) -> None:
    with collector(tmp_path / "c", asn_table=ASN_TABLE) as rig:
        settings = Settings(**_settings(tmp_path, silent_server, upload={"url": rig.url}))
        _import_list(settings, silent_server, 1)
        consented_settings(settings, networks=[38623, 17976])
        with Store(settings.store.path) as store:
            daemon = Daemon(settings, store)
            await daemon.check_network()
            await daemon._measure("full")
            daemon.settings = _moved(settings, "127.0.0.9")
            await daemon.check_network()
            assert daemon.scheduler.get_job("full") is not None  # measures soon after the change
            await daemon._measure("full")
            payloads = [
                Measurement.model_validate_json(r[0])
                for r in store.db.execute("SELECT payload FROM measurements ORDER BY started_at")
            ]
            uploaded = store.outbox_counts()
    assert [m.probe.asn for m in payloads] == [38623, 17976]
    assert payloads[0].probe.key_id != payloads[1].probe.key_id
    assert uploaded == {"uploaded": 2}


def _moved(settings: Settings, source: str) -> Settings:
    """The same probe on another network: the lab's collector maps each loopback source to an ASN."""
    return settings.model_copy(
        update={"network": settings.network.model_copy(update={"source_address": source})}
    )


async def test_a_roaming_daemon_measures_nothing_on_a_network_not_approved(
    tmp_path: Path, silent_server: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Problem 1: a laptop joined another network; before, the daemon measured there 30 s later."""
    with collector(tmp_path / "c", asn_table=ASN_TABLE) as rig:
        settings = Settings(**_settings(tmp_path, silent_server, upload={"url": rig.url}))
        _import_list(settings, silent_server, 1)
        consented_settings(settings, networks=[38623])  # "this network" at init
        with Store(settings.store.path) as store:
            daemon = Daemon(settings, store)
            await daemon.check_network()
            await daemon._measure("full")
            assert store.count() == 1
            daemon.settings = _moved(settings, "127.0.0.9")  # the network-change signal: whoami says AS17976
            await daemon.check_network()
            assert daemon.scheduler.get_job("full") is None  # no run is brought forward there
            await daemon._measure("full")  # nor does the regular schedule measure there
            assert store.count() == 1
            assert "AS17976" in store.problems()["network"]
            assert "probe networks allow AS17976" in caplog.text
            # Back home, it measures again, with the home network's key, and the problem clears.
            daemon.settings = settings
            await daemon._measure("full")
            assert store.count() == 2
            assert "network" not in store.problems()
            asns = {
                Measurement.model_validate_json(r[0]).probe.asn
                for r in store.db.execute("SELECT payload FROM measurements")
            }
    assert asns == {38623}


async def test_an_unknown_network_is_not_approved(tmp_path: Path, silent_server: int) -> None:
    """No collector answer (offline, or through a proxy) is no approval, unless any network was approved."""
    settings = Settings(**_settings(tmp_path, silent_server))
    _import_list(settings, silent_server, 1)
    consented_settings(settings, networks=[38623])
    with Store(settings.store.path) as store:
        daemon = Daemon(settings, store)
        await daemon._measure("full")
        assert store.count() == 0
        assert "cannot tell which network" in store.problems()["network"]
        consented_settings(settings)  # any network
        await daemon._measure("full")
        assert store.count() == 1


def _start(config: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    return subprocess.Popen(
        [sys.executable, "-m", "probe", "daemon", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _config(tmp: Path, port: int) -> Path:
    values = _settings(tmp, port, daemon={"every_hours": 0.001, "jitter_fraction": 0.0})
    config = tmp / "probe.toml"
    config.write_text(to_toml(values))
    _import_list(Settings(**values), port, 6)  # type: ignore[arg-type]
    return consented(config)


def _count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM measurements").fetchone()[0])


@pytest.mark.slow
def test_sigterm_stops_within_seconds_and_keeps_the_run(tmp_path: Path, silent_server: int) -> None:
    config = _config(tmp_path, silent_server)
    process = _start(config)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        not (tmp_path / "probe.db").exists() or _count(tmp_path / "probe.db") < 2
    ):
        time.sleep(0.2)
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=20)
    assert time.monotonic() - started < 8
    assert process.returncode == 0
    assert "daemon stopped" in out
    assert "127.0.0" not in out  # no address in the logs
    with sqlite3.connect(tmp_path / "probe.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.slow
def test_kill_9_mid_run_repeatedly_keeps_the_store_consistent(tmp_path: Path, silent_server: int) -> None:
    config = _config(tmp_path, silent_server)
    for round_ in range(3):
        process = _start(config)
        time.sleep(2.0 + round_)
        os.kill(process.pid, signal.SIGKILL)
        process.communicate()
    process = _start(config)
    time.sleep(2.5)
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=20)
    assert "was interrupted earlier" in out
    with sqlite3.connect(tmp_path / "probe.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        measured = conn.execute("SELECT count(*), count(DISTINCT uid) FROM measurements").fetchone()
        assert measured[0] == measured[1] > 0
        in_outbox = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
        signed = conn.execute("SELECT count(*) FROM envelopes").fetchone()[0]
        cut = conn.execute("SELECT count(*) FROM measurements WHERE interrupted = 1").fetchone()[0]
        assert in_outbox == signed == measured[0] - cut  # the URLs in flight at SIGTERM are kept, unsigned
        states = {r[0] for r in conn.execute("SELECT state FROM runs")}
        assert "running" not in states  # the clean stop closed its own run, the restarts the killed ones
        interrupted = conn.execute("SELECT count(*) FROM runs WHERE state = 'interrupted'").fetchone()[0]
        assert interrupted >= 3
        counted = conn.execute("SELECT sum(measured) FROM runs WHERE state != 'running'").fetchone()[0]
        assert counted <= measured[0]  # never counted twice


async def test_a_move_in_the_middle_of_a_run_stops_it_and_nothing_is_uploaded(
    tmp_path: Path, silent_server: int
) -> None:
    """The network was approved when the run began; the control then sees the probe on another one."""
    from probe.daemon import jobs
    from probe.models.measurement import TargetRef

    with collector(tmp_path / "c", asn_table=ASN_TABLE) as rig:
        values = _settings(tmp_path, silent_server, upload={"url": rig.url})
        values["control"] = {"url": f"{rig.url}/api/v1/control"}
        values["timeouts"] = {"http_s": 1.0, "tcp_connect_s": 1.0, "tls_handshake_s": 1.0, "control_s": 10}
        # Checked on AS38623 (probe.asn), but the packets now leave from the AS17976 address.
        values["probe"] = {"asn": 38623}
        values["network"] = {**values["network"], "source_address": "127.0.0.9"}  # type: ignore[dict-item]
        settings = Settings(**values)  # type: ignore[arg-type]
        targets = [TargetRef(url=f"{rig.url}/api/v1/whoami", list="watch")]
        with Store(settings.store.path) as store:
            with pytest.raises(jobs.NetworkMoved, match="AS17976"):
                await jobs.measure(settings, store, targets, "full", approved=lambda asn: asn == 38623)
            assert store.count() == 1
            assert store.outbox_counts() == {}  # kept here only, never queued for the public log
            row = store.db.execute("SELECT interrupted FROM measurements").fetchone()
            envelopes = store.db.execute("SELECT count(*) FROM envelopes").fetchone()[0]
    assert row[0] == 1 and envelopes == 0


@pytest.mark.slow
def test_verbose_logs_only_saksi_lines_and_no_address(tmp_path: Path, silent_server: int) -> None:
    """`probe daemon -v` during a real run against the lab: httpcore's connect traces carry the local address,
    apscheduler/asyncio/tzlocal chatter names its loggers; none of it may reach the volunteer's log."""
    config = _config(tmp_path, silent_server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    process = subprocess.Popen(
        [sys.executable, "-m", "probe", "daemon", "-v", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (
        not (tmp_path / "probe.db").exists() or _count(tmp_path / "probe.db") < 2
    ):
        time.sleep(0.2)
    process.send_signal(signal.SIGTERM)
    out, errors = process.communicate(timeout=20)
    logged = out + errors
    assert _count(tmp_path / "probe.db") >= 2  # the run really connected (httpcore had lines to give)
    assert "job full started" in logged  # -v still logs every job
    assert not re.search(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1\b", logged), logged
    for library in ("connect_tcp", "local_address", "httpcore", "apscheduler", "Using selector", "tzlocal"):
        assert library not in logged, library
