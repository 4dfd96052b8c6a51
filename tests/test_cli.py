"""The command line as a person uses it: clear errors, no tracebacks, results kept and shown."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.consent import consented


def probe(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "probe", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
        cwd=cwd,
    )


def _no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr + result.stdout


@pytest.fixture
def offline_config(tmp_path: Path) -> Path:
    config = tmp_path / "probe.toml"
    config.write_text(
        "[network]\nsystem_resolvers = []\nudp_resolvers = []\ndoh_urls = []\ngetaddrinfo = false\n"
        f'[store]\npath = "{tmp_path / "probe.db"}"\n'
    )
    return consented(config)


def test_version_and_help() -> None:
    result = probe("--help")
    assert result.returncode == 0
    for command in ("run", "demo", "results", "targets", "control"):
        assert command in result.stdout
    assert probe("--version").stdout.startswith("probe ")


def test_missing_config_file_is_one_sentence(tmp_path: Path) -> None:
    result = probe("run", "--config", str(tmp_path / "nope.toml"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr
    _no_traceback(result)


def test_bad_setting_names_the_setting(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('[network]\nconcurrency = "many"\n')
    result = probe("run", "--config", str(config))
    assert result.returncode == 2
    assert "network.concurrency" in result.stderr
    _no_traceback(result)


def test_bad_environment_variable_is_reported(tmp_path: Path) -> None:
    result = probe("run", env={"PROBE_NETWORK__UDP_RESOLVERS": '["not-an-address"]'})
    assert result.returncode == 2
    assert "network.udp_resolvers" in result.stderr
    _no_traceback(result)


def test_bad_list_file_says_where(tmp_path: Path, offline_config: Path) -> None:
    bad = tmp_path / "list.csv"
    bad.write_text("url,category_code,category_description,date_added,source,notes\nftp://x,NEWS,,,,\n")
    result = probe("run", "--config", str(offline_config), "--list", str(bad))
    assert result.returncode == 2
    assert "list.csv" in result.stderr and "line 2" in result.stderr
    _no_traceback(result)


def test_unknown_list_name(offline_config: Path) -> None:
    result = probe("run", "--config", str(offline_config), "--list", "atlantis")
    assert result.returncode == 2
    assert "kh" in result.stderr  # names the lists that exist
    _no_traceback(result)


def test_bad_url(offline_config: Path) -> None:
    result = probe("run", "--config", str(offline_config), "--url", "rfa.org")
    assert result.returncode == 2
    _no_traceback(result)


def test_no_network_is_one_sentence_and_still_stored(tmp_path: Path) -> None:
    # Resolvers that answer nothing (a closed loopback port) stand in for a machine with no network.
    config = tmp_path / "probe.toml"
    config.write_text(
        '[network]\nsystem_resolvers = ["127.0.0.1:9"]\nudp_resolvers = []\ndoh_urls = []\ngetaddrinfo = false\n'
        f'[timeouts]\ndns_s = 0.5\n[store]\npath = "{tmp_path / "probe.db"}"\n'
    )
    result = probe("run", "--config", str(consented(config)), "--url", "https://www.rfa.org/", "--json")
    assert result.returncode == 1
    assert "no network" in result.stderr
    _no_traceback(result)
    assert result.stdout.count("\n") == 1  # the measurement was still stored and printed
    listed = probe("results", "--config", str(config), "--json")
    assert "www.rfa.org" in listed.stdout


def test_unreachable_control_is_reported(tmp_path: Path) -> None:
    import socket

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        config = tmp_path / "probe.toml"
        config.write_text(
            "[network]\nsystem_resolvers = []\nudp_resolvers = []\ndoh_urls = []\ngetaddrinfo = false\n"
            'bogon_ranges = ["10.0.0.0/8"]\n'
            f'[control]\nurl = "http://127.0.0.1:1/api/v1/control"\n'
            f'[store]\npath = "{tmp_path / "probe.db"}"\n'
        )
        result = probe("run", "--config", str(consented(config)), "--url", f"http://127.0.0.1:{port}/")
    assert result.returncode == 1
    assert "control service" in result.stderr and "could not be reached" in result.stderr
    _no_traceback(result)


def test_results_show_unknown_id(offline_config: Path) -> None:
    probe("targets", "list", "--config", str(offline_config))  # creates the store
    result = probe("results", "show", "ffff", "--config", str(offline_config))
    assert result.returncode == 2
    assert "no stored measurement" in result.stderr
    _no_traceback(result)


def test_targets_list_shows_builtin_kh(offline_config: Path) -> None:
    result = probe("targets", "list", "--config", str(offline_config))
    assert result.returncode == 0
    assert "kh" in result.stdout
    shown = probe("targets", "list", "--list", "kh", "--config", str(offline_config))
    assert "rfa.org" in shown.stdout


def test_targets_import_and_sensitive_filter(tmp_path: Path, offline_config: Path) -> None:
    csv = tmp_path / "mine.csv"
    csv.write_text(
        "url,category_code,category_description,date_added,source,notes\n"
        "https://news.example/,NEWS,News Media,2026-11-24,me,\n"
        "https://dating.example/,DATE,Online Dating,2026-11-24,me,\n"
    )
    result = probe("targets", "import", str(csv), "--config", str(offline_config))
    assert result.returncode == 0, result.stderr
    assert "imported 2 URLs" in result.stdout
    shown = probe("targets", "list", "--list", "mine", "--config", str(offline_config))
    assert "news.example" in shown.stdout and "dating.example" not in shown.stdout
    shown = probe("targets", "list", "--list", "mine", "--include-sensitive", "--config", str(offline_config))
    assert "dating.example" in shown.stdout


def test_private_address_urls_are_refused(offline_config: Path) -> None:
    result = probe("run", "--config", str(offline_config), "--url", "http://192.168.1.1/")
    assert result.returncode == 2
    assert "private or reserved address" in result.stderr
    _no_traceback(result)


def test_url_and_list_together_are_refused(offline_config: Path) -> None:
    result = probe("run", "--config", str(offline_config), "--url", "https://a.example/", "--list", "kh")
    assert result.returncode == 2
    assert "either --url or --list" in result.stderr


def test_unknown_setting_and_bad_control_url_are_named(tmp_path: Path) -> None:
    config = tmp_path / "typo.toml"
    config.write_text('[network]\nconcurency = 5\n[control]\nurl = "collector.example"\n')
    result = probe("run", "--config", str(config))
    assert result.returncode == 2
    assert "network.concurency: unknown setting" in result.stderr
    assert "control.url" in result.stderr
    _no_traceback(result)


def test_probe_config_variable_pointing_nowhere(tmp_path: Path) -> None:
    result = probe("results", env={"PROBE_CONFIG": str(tmp_path / "gone.toml")})
    assert result.returncode == 2
    assert "(from PROBE_CONFIG) does not exist" in result.stderr


def test_non_json_list_in_the_environment_says_json() -> None:
    result = probe("run", env={"PROBE_NETWORK__UDP_RESOLVERS": "9.9.9.9:53"})
    assert result.returncode == 2
    assert "must be JSON" in result.stderr
    _no_traceback(result)


def test_results_since_takes_dates_only(offline_config: Path) -> None:
    probe("targets", "list", "--config", str(offline_config))  # creates the store
    bad = probe("results", "--since", "yesterday", "--config", str(offline_config))
    assert bad.returncode == 2
    assert "2026-11-24" in bad.stderr
    good = probe("results", "--since", "2026-11-24 08:00", "--config", str(offline_config))
    assert good.returncode == 0, good.stderr


def test_results_before_any_run_says_so(offline_config: Path) -> None:
    result = probe("results", "--config", str(offline_config))
    assert result.returncode == 2
    assert "no measurements yet" in result.stderr


def test_importing_over_a_builtin_list_needs_replace(offline_config: Path, tmp_path: Path) -> None:
    csv = tmp_path / "kh.csv"
    csv.write_text(
        "url,category_code,category_description,date_added,source,notes\n"
        "https://only.example/,NEWS,News Media,2026-11-24,me,\n"
    )
    refused = probe("targets", "import", str(csv), "--config", str(offline_config))
    assert refused.returncode == 2
    assert "--replace" in refused.stderr
    assert probe("targets", "import", str(csv), "--replace", "--config", str(offline_config)).returncode == 0
    shown = probe("targets", "list", "--list", "kh", "--config", str(offline_config))
    assert "only.example" in shown.stdout
    removed = probe("targets", "remove", "kh", "--config", str(offline_config))
    assert "built-in list of that name is used again" in removed.stdout
    shown = probe("targets", "list", "--list", "kh", "--config", str(offline_config))
    assert "rfa.org" in shown.stdout


def test_demo_refuses_an_existing_store(tmp_path: Path) -> None:
    existing = tmp_path / "probe.db"
    existing.write_bytes(b"")
    result = probe("demo", "--store", str(existing))
    assert result.returncode == 2
    assert "already exists" in result.stderr


def test_run_refuses_without_consent(tmp_path: Path) -> None:
    config = tmp_path / "probe.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "probe.db"}"\n')
    result = probe("run", "--config", str(config), "--url", "https://www.rfa.org/")
    assert result.returncode == 2
    assert "probe init" in result.stderr
    _no_traceback(result)


def test_a_mistyped_probe_variable_is_named() -> None:
    result = probe("run", env={"PROBE_NETWORK__CONCURENCY": "8"})
    assert result.returncode == 2
    assert "PROBE_NETWORK__CONCURENCY is not a setting" in result.stderr
    _no_traceback(result)
