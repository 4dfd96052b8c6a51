"""`probe status` and `probe wipe`, as a volunteer uses them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.consent import consented


def probe(config: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    return subprocess.run(
        [sys.executable, "-m", "probe", *args, "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        input=stdin,
    )


def _config(tmp: Path) -> Path:
    config = tmp / "probe.toml"
    config.write_text(
        "[network]\nsystem_resolvers = []\nudp_resolvers = []\ndoh_urls = []\ngetaddrinfo = false\n"
        'bogon_ranges = ["10.0.0.0/8"]\n'
        f'[store]\npath = "{tmp / "data" / "probe.db"}"\n'
    )
    return config


def test_status_before_anything(tmp_path: Path) -> None:
    shown = probe(_config(tmp_path), "status")
    assert shown.returncode == 0, shown.stderr
    assert "consent:     none: run `probe init`" in shown.stdout
    assert "store:       none yet" in shown.stdout


def test_status_after_a_run_then_wipe(tmp_path: Path) -> None:
    config = consented(_config(tmp_path))
    ran = probe(config, "run", "--url", "http://127.0.0.1:9/")
    assert ran.returncode == 0, ran.stderr
    shown = probe(config, "status")
    assert "consent:     given" in shown.stdout
    assert "outbox:      1 waiting" in shown.stdout
    assert "key:         " in shown.stdout
    assert "none yet" not in shown.stdout.split("key:")[1].splitlines()[0]
    assert "127.0.0" not in shown.stdout  # never an address

    kept = probe(config, "wipe", stdin="n\n")
    assert kept.returncode == 2
    assert (tmp_path / "data" / "probe.db").exists()

    wiped = probe(config, "wipe", "--yes")
    assert wiped.returncode == 0, wiped.stderr
    assert "deleted:" in wiped.stdout
    for gone in ("probe.db", "keys", "consent.json"):
        assert str(tmp_path / "data" / gone) in wiped.stdout
        assert not (tmp_path / "data" / gone).exists()
    # The settings file may hold an invite token: it goes too, and nothing measures until `probe init`.
    assert str(config) in wiped.stdout and not config.exists()
    assert "cannot be deleted from here" in wiped.stderr  # uploads are public for good, and it says so
    again = probe(_config(tmp_path), "status")
    assert "consent:     none" in again.stdout


def test_status_tells_the_truth_after_probe_run(tmp_path: Path) -> None:
    """Problem 6: before, `network unknown`, `last run: none`, the AS0 key, a `next run` with no daemon, and
    `last error: none` while the run had failed for lack of network."""
    import json
    import sqlite3

    from tests.collector_rig import collector

    with collector(tmp_path / "c") as rig:
        config = _config(tmp_path)
        # The only resolver does not answer: like a laptop whose network is down, DNS fails for every URL.
        text = config.read_text().replace("udp_resolvers = []", 'udp_resolvers = ["127.0.0.1:9"]')
        config.write_text(text + f'[timeouts]\ndns_s = 0.5\n[upload]\nurl = "{rig.url}"\n')
        consented(config)
        ran = probe(config, "run", "--url", "http://unreachable.example/")
        assert ran.returncode == 1  # no resolver answered: this machine has no network (in this lab)
        assert "uploaded" in ran.stderr
        shown = probe(config, "status")
    assert shown.returncode == 1, shown.stdout  # a problem to act on: non-zero exit
    with sqlite3.connect(tmp_path / "data" / "probe.db") as conn:
        (payload,) = conn.execute("SELECT payload FROM measurements").fetchone()
    signed_by = json.loads(payload)["probe"]["key_id"]
    lines = dict(line.split(":", 1) for line in shown.stdout.splitlines() if ":" in line and line[0] != " ")
    assert lines["network"].strip() == "AS38623"
    assert lines["key"].strip().startswith(signed_by)  # the key that signed what was uploaded
    assert lines["key"].strip().endswith(", unverified)")  # and its tier at the collector
    assert "probe run, done, 1 of 1 URLs" in lines["last run"]
    assert lines["next run"].strip() == "none: `probe daemon` is not running"
    assert lines["daemon"].strip() == "not running"
    assert "  run: " in shown.stdout and "no resolver answered" in shown.stdout
    assert "127.0.0" not in shown.stdout.replace(rig.url, "")  # never the volunteer's address


def test_wipe_lists_exactly_what_it_could_not_delete(tmp_path: Path) -> None:
    """A settings file the volunteer cannot delete (root's, say) is named with the reason; exit 2."""
    (tmp_path / "etc").mkdir()
    config = consented(_config(tmp_path).rename(tmp_path / "etc" / "probe.toml"))
    if os.geteuid() == 0:  # root deletes anything but an immutable file
        subprocess.run(["chattr", "+i", str(config)], check=True)
        release = ["chattr", "-i", str(config)]
    else:
        (tmp_path / "etc").chmod(0o500)
        release = ["chmod", "700", str(tmp_path / "etc")]
    try:
        wiped = probe(config, "wipe", "--yes")
    finally:
        subprocess.run(release, check=True)
    assert wiped.returncode == 2, wiped.stdout + wiped.stderr
    assert "Traceback" not in wiped.stderr
    assert "these could not be deleted" in wiped.stderr
    assert f"  {config} (Operation not permitted)" in wiped.stderr or f"  {config} (Permission denied)" in (
        wiped.stderr
    )
    assert not (tmp_path / "data" / "consent.json").exists()  # the rest went
