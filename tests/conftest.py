"""Test-wide guards: no packet leaves loopback.

Every socket connect/sendto in the test process is checked: an address outside 127.0.0.0/8 and ::1
fails the test at once with a clear message. Subprocesses started by tests inherit the same guard
through `tests/loopback_guard` on PYTHONPATH (sitecustomize).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from tests.loopback_guard.guard import install

pytest_plugins = ["tests.analysis_rig", "tests.postgres_server", "tests.storage_backends"]

GUARD_DIR = Path(__file__).parent / "loopback_guard"


def pytest_configure(config: pytest.Config) -> None:
    install()
    # Nothing a test runs may write into the user's own data folder (~/.local/share/saksi).
    os.environ["XDG_DATA_HOME"] = tempfile.mkdtemp(prefix="saksi-test-data-")
    os.environ["XDG_CONFIG_HOME"] = tempfile.mkdtemp(prefix="saksi-test-config-")
    # Subprocesses (the `probe` command run as a user would) load the same guard.
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(GUARD_DIR), os.environ.get("PYTHONPATH", "")) if p
    )
    os.environ["PROBE_LOOPBACK_GUARD"] = "1"
