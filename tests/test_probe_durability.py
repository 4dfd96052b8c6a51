"""The probe's outbox under kill -9 and a full collector: nothing lost, nothing uploaded twice."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from probe.config import Settings
from probe.sign.keys import SEED_FILE, DeviceSeed
from probe.sign.signer import ProbeSigner
from probe.store import Store
from tests.collector_rig import Prober, collector
from tests.test_scenarios import to_toml


def _fill_outbox(settings: Settings, count: int) -> list[str]:
    """Signed measurements in the probe's store and outbox, as `probe run` leaves them."""
    signer = ProbeSigner(DeviceSeed(settings.store.seed_folder / SEED_FILE))
    template = Prober(settings.store.path.parent)  # only for its measurement shape
    now = datetime.now(UTC)
    uids = []
    with Store(settings.store.path) as store:
        for i in range(count):
            m = template.measurement(f"https://site-{i}.example/")
            m = m.model_copy(
                update={"probe": m.probe.model_copy(update={"key_id": signer.key_id_for(38623, now)})}
            )
            envelope, digest = signer.sign(m)
            store.save(m, envelope, digest)
            uids.append(m.measurement_uid)
    return uids


def _config(tmp: Path, url: str, batch: int) -> tuple[Path, Settings]:
    values = {
        "store": {"path": str(tmp / "probe" / "probe.db")},
        "upload": {"url": url, "batch_size": batch, "retry_base_s": 0.01, "retry_max_s": 0.05},
        "network": {"source_address": "127.0.0.2"},
    }
    path = tmp / "probe.toml"
    path.write_text(to_toml(values))
    return path, Settings(**values)


def _upload(config: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    return subprocess.Popen(
        [sys.executable, "-m", "probe", "upload", "--config", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


@pytest.mark.slow
def test_kill_9_mid_upload_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    with collector(tmp_path / "c") as rig:
        config, settings = _config(tmp_path, rig.url, batch=5)
        uids = _fill_outbox(settings, 600)
        rng = random.Random(11)
        kills = 0
        for _ in range(40):
            process = _upload(config)
            try:
                process.wait(timeout=rng.uniform(0.5, 1.0))
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
                kills += 1
            finally:
                process.communicate()
            with Store(settings.store.path) as store:
                if store.outbox_counts().get("pending", 0) == 0:
                    break
            time.sleep(0.06)  # let the short retry delays of items in flight when killed pass
        assert kills >= 2, "the upload finished before it could be interrupted; raise the count"
        with Store(settings.store.path) as store:
            assert store.outbox_counts() == {"uploaded": 600}
        with sqlite3.connect(rig.settings.collector.data_dir / "collector.db") as conn:
            stored = [r[0] for r in conn.execute("SELECT uid FROM measurements")]
    assert sorted(stored) == sorted(uids)


def test_full_collector_leaves_the_outbox_intact(tmp_path: Path) -> None:
    from probe.collector.storage import SqliteStorage

    storage = SqliteStorage(tmp_path / "full" / "collector.db", max_page_count=60)
    with collector(tmp_path / "c", storage=storage) as rig:
        config, settings = _config(tmp_path, rig.url, batch=50)
        _fill_outbox(settings, 200)
        done = _upload(config)
        _, err = done.communicate(timeout=120)
    storage.close()
    assert done.returncode == 0, err
    with Store(settings.store.path) as store:
        counts = store.outbox_counts()
    assert counts.get("dead", 0) == 0
    assert counts.get("pending", 0) > 0  # what the collector could not store waits for a retry
    assert counts.get("pending", 0) + counts.get("uploaded", 0) == 200
