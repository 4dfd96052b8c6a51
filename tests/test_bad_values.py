"""Bad values are refused in one sentence (issue 12, problem 10), and the docs agree with each other.

Before, unknown categories, `--limit -1`, `--method xyz` and `--asn -5` passed silently, and
`http://localhost/` was measured and uploaded while `http://192.168.1.1/` was refused.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from probe.addresses import is_local_name
from probe.config import DEFAULT_BOGON_RANGES, ConfigError, Settings, load_settings
from tests.consent import consented

ROOT = Path(__file__).resolve().parents[1]


def _probe(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    return subprocess.run(
        [sys.executable, "-m", "probe", *args], capture_output=True, text=True, timeout=60, env=env
    )


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "probe.toml"
    path.write_text(f'[store]\npath = "{tmp_path / "probe.db"}"\n')
    return consented(path)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["run", "--category", "NEWZ"], "unknown category code NEWZ; the codes are"),
        (["run", "--url", "http://localhost/"], "names this machine or its local network"),
        (["run", "--url", "http://printer.local/"], "names this machine or its local network"),
        (["run", "--url", "http://192.168.1.1/"], "is a private or reserved address"),
        (["results", "--method", "xyz"], "--method 'xyz' is not a method or a layer"),
        (["results", "--limit", "-1"], "Invalid value for '--limit'"),
        (["keys", "show", "--asn", "-5"], "Invalid value for '--asn'"),
        (["networks", "allow", "AS-5"], "is not a network number"),
    ],
)
def test_a_bad_value_is_refused_in_one_sentence(config: Path, args: list[str], says: str) -> None:
    refused = _probe(*args, "--config", str(config))
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert says in refused.stderr
    assert "Traceback" not in refused.stderr
    db = config.with_name("probe.db")
    if db.exists():
        with sqlite3.connect(db) as conn:
            assert conn.execute("SELECT count(*) FROM measurements").fetchone()[0] == 0  # nothing measured


def test_unknown_categories_in_the_settings_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "probe.toml"
    path.write_text('[targets]\ncategories = ["NEWS", "NEWZ"]\n')
    with pytest.raises(ConfigError, match="unknown category code NEWZ"):
        load_settings(path)
    path.write_text("[probe]\nasn = -5\n")
    with pytest.raises(ConfigError, match=r"probe\.asn"):
        load_settings(path)
    assert Settings(targets={"categories": ["news"]}).targets.categories == ["NEWS"]


def test_local_names_follow_the_bogon_ranges() -> None:
    ranges = Settings().network.bogon_ranges
    assert len(ranges) == len(DEFAULT_BOGON_RANGES)
    for name in ("localhost", "LOCALHOST.", "x.localhost", "nas.local", "router.home.arpa", "db.internal"):
        assert is_local_name(name, ranges), name
    assert not is_local_name("www.rfa.org", ranges) and not is_local_name("localhost.example.org", ranges)
    lab = Settings(network={"bogon_ranges": ["10.0.0.0/8"]}).network.bogon_ranges
    assert not is_local_name("localhost", lab)  # a lab that measures loopback on purpose


def test_the_docs_agree_on_the_install_folder_and_on_config() -> None:
    docs = {
        name: (ROOT / name).read_text() for name in ("README.md", "docs/volunteer.md", "deploy/README.md")
    }
    for name, text in docs.items():
        assert "python3 -m venv ~/.saksi" in text, name
        assert "~/saksi/" not in text and "venv ~/saksi " not in text, name
    # The file `probe init` writes is read without --config: the guide does not make volunteers type it.
    assert "--config ~/.config/saksi/probe.toml" not in docs["docs/volunteer.md"]
