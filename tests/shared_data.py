"""Where the public reference data (Citizen Lab lists, OONI fingerprints, Merkle vectors) lives.

It sits beside the repository as `../shared/data` (as in CI), or wherever SAKSI_SHARED_DATA points. Tests
that check conformance against it never pass without it: in CI (CI=true) a missing file fails the test;
on a developer's machine the test is skipped with a reason that says where to put the data.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def shared_root() -> Path:
    configured = os.environ.get("SAKSI_SHARED_DATA")
    return Path(configured) if configured else REPO.parent / "shared" / "data"


def shared(relative: str) -> Path:
    """The path of a reference file; fails (CI) or skips loudly (elsewhere) when it is missing."""
    path = shared_root() / relative
    if not path.exists():
        message = (
            f"reference data {path} is missing: put the shared data beside the repository as ../shared/data, "
            "or set SAKSI_SHARED_DATA to its folder"
        )
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def require_tools(*names: str) -> None:
    """Commands a test runs (jq, openssl): fails in CI when missing (.ci/run installs them), else skips
    with a reason that says how to install them."""
    import shutil

    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        message = f"needs {', '.join(missing)} on PATH: apt-get install {' '.join(missing)}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
