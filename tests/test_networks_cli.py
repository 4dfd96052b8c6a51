"""`probe networks` and `probe run` with consent per network (issue 12, problem 1), as a volunteer uses them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.collector_rig import collector
from tests.consent import consented
from tests.test_status_wipe import probe


def _config(tmp: Path, url: str) -> Path:
    config = tmp / "probe.toml"
    config.write_text(
        "[network]\nsystem_resolvers = []\nudp_resolvers = []\ndoh_urls = []\ngetaddrinfo = false\n"
        'bogon_ranges = ["10.0.0.0/8"]\n'
        f'[store]\npath = "{tmp / "data" / "probe.db"}"\n[upload]\nurl = "{url}"\n'
    )
    return config


def test_networks_are_listed_allowed_and_forgotten(tmp_path: Path) -> None:
    with collector(tmp_path / "c") as rig:  # sees this machine on AS38623
        config = consented(_config(tmp_path, rig.url), networks=[17976])
        refused = probe(config, "run", "--url", "http://127.0.0.1:9/")
        assert refused.returncode == 2
        assert "this network (AS38623) is not one you approved" in refused.stderr
        assert "probe networks allow AS38623" in refused.stderr
        listed = probe(config, "networks")
        assert "approved: AS17976" in listed.stdout
        assert "this network: AS38623; this network (AS38623) is not one you approved" in listed.stdout
        allowed = probe(config, "networks", "allow", "this")
        assert allowed.returncode == 0 and "may now measure on AS38623" in allowed.stdout
        ran = probe(config, "run", "--url", "http://127.0.0.1:9/")
        assert ran.returncode == 0, ran.stderr
        forgotten = probe(config, "networks", "forget", "AS17976")
        assert "approved now: AS38623" in forgotten.stdout
        probe(config, "networks", "forget", "this")
        again = probe(config, "run", "--url", "http://127.0.0.1:9/")
        assert again.returncode == 2
        anywhere = probe(config, "networks", "allow", "any")
        assert "any network" in anywhere.stdout
    record = json.loads((tmp_path / "data" / "consent.json").read_text())
    assert record["networks"] == [] and record["any_network"] is True
    with sqlite3.connect(tmp_path / "data" / "probe.db") as conn:
        (count,) = conn.execute("SELECT count(*) FROM measurements").fetchone()
    assert count == 1  # only the run on an approved network measured anything


def test_allowing_the_network_clears_its_problem_and_forgetting_an_unapproved_one_says_so(
    tmp_path: Path,
) -> None:
    with collector(tmp_path / "c") as rig:  # sees this machine on AS38623
        config = consented(_config(tmp_path, rig.url), networks=[17976])
        assert probe(config, "run", "--url", "http://127.0.0.1:9/").returncode == 2
        stale = probe(config, "status")
        assert stale.returncode == 1 and "network: " in stale.stdout
        probe(config, "networks", "allow", "AS64500")  # another network: the problem stays
        assert probe(config, "status").returncode == 1
        probe(config, "networks", "allow", "this")
        cleared = probe(config, "status")
        assert cleared.returncode == 0, cleared.stdout
        assert "not one you approved" not in cleared.stdout
        forgotten = probe(config, "networks", "forget", "AS12345")
        assert forgotten.returncode == 0
        assert forgotten.stdout.startswith("AS12345 was not approved, so nothing changed")
        assert "forgotten" not in forgotten.stdout
    record = json.loads((tmp_path / "data" / "consent.json").read_text())
    assert record["networks"] == [17976, 38623, 64500]
