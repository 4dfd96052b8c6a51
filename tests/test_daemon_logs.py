"""The daemon's log setup: -v raises Saksi's loggers only, and no line carries an address."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probe.config import Settings
from probe.daemon.logs import configure, redact
from probe.daemon.service import Daemon
from probe.store import Store


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    names = ("saksi", "httpcore", "httpx", "apscheduler", "asyncio", "tzlocal", "apscheduler.executors")
    levels = {n: logging.getLogger(n).level for n in names}
    yield
    for h in root.handlers[:]:
        root.removeHandler(h)
    for h in handlers:
        root.addHandler(h)
    root.setLevel(level)
    for n, lv in levels.items():
        logging.getLogger(n).setLevel(lv)


@pytest.mark.parametrize("verbose", [False, True])
def test_libraries_stay_quiet_and_addresses_are_redacted(verbose: bool, restore_logging: None) -> None:
    stream = io.StringIO()
    configure(verbose, stream)
    logging.getLogger("httpcore.connection").debug(
        "connect_tcp.started host='127.0.53.3' port=44969 local_address='127.0.0.2'"
    )
    logging.getLogger("httpx").info("HTTP Request: GET http://127.0.0.1:80/")
    logging.getLogger("apscheduler.scheduler").info("Adding job tentatively")
    logging.getLogger("asyncio").debug("Using selector: EpollSelector")
    logging.getLogger("tzlocal").debug("/etc/timezone found, contents:")
    logging.getLogger("saksi.daemon").debug("own debug via %s and %s", "192.0.2.7", "2001:db8::1")
    logging.getLogger("saksi.daemon").info("full run: measuring %d URLs", 3)
    text = stream.getvalue()
    assert "full run: measuring 3 URLs" in text
    for word in ("connect_tcp", "HTTP Request", "Adding job", "Using selector", "timezone"):
        assert word not in text
    assert ("own debug via <address> and <address>" in text) is verbose
    assert "192.0.2.7" not in text and "2001:db8" not in text


@given(
    st.ip_addresses(),
    st.sampled_from(["", " ", "host='", "local_address=", "[", "from ", "ip="]),
    st.sampled_from(["", " ", "'", "]:443", ".", ", ", "%eth0", ":53"]),
)
def test_redact_removes_every_address(address: object, before: str, after: str) -> None:
    assert str(address) not in redact(f"a {before}{address}{after} b")


@pytest.mark.parametrize(
    "kept", ["at 2026-12-06T08:21:12.334Z", "a run every 1.5 h; AS12345", "run 3 of 10 URLs", "v1.2.3"]
)
def test_redact_keeps_times_and_numbers(kept: str) -> None:
    assert redact(kept) == kept


def test_the_next_run_is_written_like_every_other_time(tmp_path: Path) -> None:
    """`probe status` prints next_run_at as stored: the same `…T08:21:12.334Z` as the store's other times."""
    settings = Settings(store={"path": str(tmp_path / "probe.db")})  # type: ignore[arg-type]
    with Store(settings.store.path) as store:
        daemon = Daemon(settings, store, clock=lambda: datetime(2026, 12, 6, 8, 21, 12, 334970, tzinfo=UTC))
        daemon._schedule_full()
        shown = store.kv_get("next_run_at")
        run = store.start_run("cli", 1)
        store.finish_run(run)
        last = store.last_run()
    assert shown is not None and last is not None
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(stamp, shown), shown
    assert re.fullmatch(stamp, last[0]), last
