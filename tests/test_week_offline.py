"""The collector down for a simulated week while the probe keeps measuring, then back: every measurement
is uploaded exactly once, oldest first. The clock is injected; nothing sleeps for a week."""

from __future__ import annotations

import random
import socket
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from probe.config import Settings
from probe.sign.keys import SEED_FILE, DeviceSeed
from probe.sign.signer import ProbeSigner
from probe.store import Store
from probe.upload import upload
from tests.collector_rig import Prober, collector, utc


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_a_week_offline_then_everything_once_in_order_of_age(tmp_path: Path) -> None:
    rng = random.Random(5)
    week_ago = datetime.now(UTC) - timedelta(days=8)
    down = Settings(
        store={"path": tmp_path / "probe" / "probe.db"},
        upload={"url": f"http://127.0.0.1:{_closed_port()}", "batch_size": 7},
        network={"source_address": "127.0.0.2"},
    )
    signer = ProbeSigner(DeviceSeed(down.store.seed_folder / SEED_FILE))
    shape = Prober(tmp_path)
    times = [week_ago + timedelta(hours=6 * i) + timedelta(minutes=rng.randint(0, 300)) for i in range(28)]
    rng.shuffle(times)  # stored in an order that is not their age
    errors = 0
    with Store(down.store.path) as store:
        # Four runs a day for a week; after each, the daemon's upload job finds the collector down. (The
        # outbox's own clock is the wall clock, so the simulated attempts run from now on, 6 h apart.)
        for i, when in enumerate(times):
            m = shape.measurement(f"https://site-{i}.example/")
            m = m.model_copy(
                update={
                    "started_at": utc(when),
                    "finished_at": utc(when),
                    "probe": m.probe.model_copy(update={"key_id": signer.key_id_for(38623, when)}),
                }
            )
            envelope, digest = signer.sign(m)
            store.save(m, envelope, digest)
            report = await upload(down, store, now=datetime.now(UTC) + timedelta(hours=6 * i), rng=rng)
            assert report.uploaded == 0
            errors += bool(report.error)
        assert errors > 0
        assert store.outbox_counts() == {"pending": 28}

        with collector(tmp_path / "c") as rig:
            up = down.model_copy(update={"upload": down.upload.model_copy(update={"url": rig.url})})
            for _ in range(10):  # the daemon's upload job, every few minutes, until the outbox is empty
                await upload(up, store, now=datetime.now(UTC) + timedelta(days=10), rng=rng)
                if store.outbox_counts().get("pending", 0) == 0:
                    break
            assert store.outbox_counts() == {"uploaded": 28}
            with sqlite3.connect(rig.settings.collector.data_dir / "collector.db") as conn:
                rows = conn.execute("SELECT uid, started_at FROM measurements ORDER BY seq").fetchall()
    assert len(rows) == len({uid for uid, _ in rows}) == 28
    assert [started for _, started in rows] == sorted(started for _, started in rows)
