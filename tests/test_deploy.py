"""The deployment files in deploy/: systemd units, container files, proxy config, example settings.

`systemd-analyze verify` checks the units (Debian package `systemd`); without it the test is skipped on a
developer's machine and fails in CI (CI is set), where .ci/run installs it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from probe.config import load_settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
SYSTEMD = DEPLOY / "systemd"
CONTAINER = DEPLOY / "container"
EXAMPLES = DEPLOY / "examples"

INSTALLED_PROBE = "/opt/saksi/venv/bin/probe"
UNITS = {
    "saksi-probe.service": f"{INSTALLED_PROBE} daemon --config /var/lib/saksi-probe/probe.toml",
    "saksi-collector.service": f"{INSTALLED_PROBE} collector serve --config /etc/saksi/collector.toml",
}

# [Service] directives both units must carry, with their exact values.
HARDENING = {
    "Type": "exec",
    "DynamicUser": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "NoNewPrivileges": "yes",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallFilter": "@system-service",
    "CapabilityBoundingSet": "",
    "Restart": "on-failure",
    "KillSignal": "SIGTERM",
    "TimeoutStopSec": "30",
}
PER_UNIT = {
    "saksi-probe.service": {
        "StateDirectory": "saksi-probe",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX AF_NETLINK",
        "Environment": "PROBE_STORE__PATH=/var/lib/saksi-probe/probe.db",
    },
    "saksi-collector.service": {
        "StateDirectory": "saksi-collector",
        "ConfigurationDirectory": "saksi",
        "RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
        "Environment": "PROBE_COLLECTOR__DATA_DIR=/var/lib/saksi-collector",
    },
}
# Present with any value.
REQUIRED_KEYS = ("RestartSec", "MemoryHigh", "MemoryMax", "ExecStart")
MEMORY_CAPS_MB = {"saksi-probe.service": (80, 512), "saksi-collector.service": (256, 8192)}


def unit_directives(path: Path) -> dict[str, dict[str, list[str]]]:
    """Section -> key -> every value, in order (systemd keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current: dict[str, list[str]] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], {})
            continue
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a key=value line: {raw!r}"
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def megabytes(value: str) -> float:
    match = re.fullmatch(r"(\d+)([KMG]?)", value)
    assert match, f"not a plain byte size: {value!r}"
    scale = {"": 1 / 2**20, "K": 1 / 1024, "M": 1, "G": 1024}[match.group(2)]
    return int(match.group(1)) * scale


@pytest.mark.parametrize("unit", sorted(UNITS))
def test_unit_is_hardened(unit: str) -> None:
    service = unit_directives(SYSTEMD / unit)["Service"]
    expected = {**HARDENING, **PER_UNIT[unit]}
    for key, value in expected.items():
        assert value in service.get(key, []), (
            f"{unit}: [Service] needs {key}={value} (has {service.get(key)})"
        )
    for key in REQUIRED_KEYS:
        assert service.get(key), f"{unit}: [Service] needs {key}="
    assert service["ExecStart"] == [UNITS[unit]]
    high, cap = megabytes(service["MemoryHigh"][-1]), megabytes(service["MemoryMax"][-1])
    low, high_bound = MEMORY_CAPS_MB[unit]
    assert low <= high < cap <= high_bound, f"{unit}: MemoryHigh {high}M must be below MemoryMax {cap}M"


def test_probe_unit_starts_after_the_network() -> None:
    unit = unit_directives(SYSTEMD / "saksi-probe.service")["Unit"]
    assert "network-online.target" in unit["Wants"]
    assert "network-online.target" in unit["After"]


def _systemd_analyze() -> str:
    tool = shutil.which("systemd-analyze")
    if tool is None:
        if os.environ.get("CI"):
            pytest.fail("systemd-analyze is missing in CI: .ci/run must install the Debian package `systemd`")
        pytest.skip("systemd-analyze is not installed (Debian package `systemd`); CI runs this check")
    return tool


def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    tool = _systemd_analyze()
    # verify insists that ExecStart's program exists: point it at a stand-in with the same arguments.
    stand_in = tmp_path / "bin" / "probe"
    stand_in.parent.mkdir()
    stand_in.write_text("#!/bin/sh\nexit 0\n")
    stand_in.chmod(0o755)
    copies = []
    for unit in sorted(UNITS):
        text = (SYSTEMD / unit).read_text()
        assert text.count(f"ExecStart={INSTALLED_PROBE} ") == 1, (
            f"{unit}: ExecStart must run {INSTALLED_PROBE}"
        )
        copy = tmp_path / unit
        copy.write_text(text.replace(f"ExecStart={INSTALLED_PROBE} ", f"ExecStart={stand_in} "))
        copies.append(copy)
    done = subprocess.run(
        [tool, "verify", "--man=no", *map(str, copies)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"systemd-analyze verify failed:\n{output}"
    # Unknown keys and bad values only print a line (exit status 0): any line about our units fails.
    ours = [line for line in output.splitlines() if str(tmp_path) in line or "saksi-" in line]
    assert not ours, "systemd-analyze verify complained:\n" + "\n".join(ours)


@pytest.mark.parametrize(("name", "section"), [("probe.toml", "upload"), ("collector.toml", "collector")])
def test_example_settings_load(name: str, section: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in [v for v in os.environ if v.startswith("PROBE_") and v != "PROBE_LOOPBACK_GUARD"]:
        monkeypatch.delenv(var)
    settings = load_settings(EXAMPLES / name)
    if section == "upload":
        assert settings.upload.url and settings.upload.url.startswith("https://")
        assert settings.control.url and settings.control.url.startswith("https://")
        assert settings.store.path == Path("/var/lib/saksi-probe/probe.db")
        assert settings.store.seed_folder.is_relative_to("/var/lib/saksi-probe")
        assert settings.targets.include_sensitive is False
    else:
        assert settings.collector.data_dir == Path("/var/lib/saksi-collector")
        assert settings.collector.listen_host == "127.0.0.1"
        assert settings.collector.trusted_proxies == ["127.0.0.1"]


def _service_blocks(compose: str) -> dict[str, str]:
    """Each service's lines in compose.yaml (a text reading: PyYAML is not a dependency)."""
    services = re.search(r"^services:\n(.*?)(?=^\S)", compose, re.MULTILINE | re.DOTALL)
    assert services, "compose.yaml has no services: block"
    parts = re.split(r"^  ([a-z][a-z0-9_-]*):[ \t]*\n", services.group(1), flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_compose_runs_collector_behind_the_proxy() -> None:
    compose = (CONTAINER / "compose.yaml").read_text()
    assert "\t" not in compose, "compose.yaml: YAML does not allow tabs for indentation"
    blocks = _service_blocks(compose)
    assert set(blocks) == {"collector", "proxy"}
    assert "dockerfile: deploy/container/Containerfile.collector" in blocks["collector"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in blocks["proxy"]
    assert re.search(r"^      - \"443:443\"$", blocks["proxy"], re.MULTILINE)
    # The collector is reachable through the proxy only...
    assert "ports:" not in blocks["collector"]
    # ...and trusts X-Forwarded-For from the proxy's fixed address, and from nothing else.
    proxy_ip = re.search(r"ipv4_address: ([\d.]+)$", blocks["proxy"], re.MULTILINE)
    assert proxy_ip, "the proxy needs a fixed ipv4_address"
    trusted = re.search(r"PROBE_COLLECTOR__TRUSTED_PROXIES: '(.*)'$", blocks["collector"], re.MULTILINE)
    assert trusted, "the collector needs PROBE_COLLECTOR__TRUSTED_PROXIES"
    assert json.loads(trusted.group(1)) == [proxy_ip.group(1)]

    if importlib.util.find_spec("yaml") is not None:  # PyYAML, where installed: the file parses too
        parsed = importlib.import_module("yaml").safe_load(compose)
        assert set(parsed["services"]) == {"collector", "proxy"}
        env = parsed["services"]["collector"]["environment"]
        assert json.loads(env["PROBE_COLLECTOR__TRUSTED_PROXIES"]) == [proxy_ip.group(1)]
        assert parsed["services"]["proxy"]["networks"]["saksi"]["ipv4_address"] == proxy_ip.group(1)


def test_proxy_logs_no_client_addresses() -> None:
    caddyfile = (CONTAINER / "Caddyfile").read_text()
    directives = "\n".join(line.split("#", 1)[0] for line in caddyfile.splitlines())
    # No access log anywhere: a `log` directive inside a site block turns one on.
    assert re.findall(r"^\s*log\b.*$", directives, re.MULTILINE) == ["\tlog default {"]
    # The default logger drops the loggers whose entries carry the remote address.
    excluded = re.search(r"^\s*exclude (.+)$", directives, re.MULTILINE)
    assert excluded
    assert {"http.log.access", "http.log.error", "http.stdlib"} <= set(excluded.group(1).split())
    for placeholder in ("remote_ip", "remote_host", "client_ip", "{remote}"):
        assert placeholder not in directives, f"Caddyfile mentions {placeholder}"
    assert re.search(r"^\s*reverse_proxy collector:8080\s*$", directives, re.MULTILINE)


@pytest.mark.parametrize("kind", ["probe", "collector"])
def test_containerfiles(kind: str) -> None:
    text = (CONTAINER / f"Containerfile.{kind}").read_text()
    froms = re.findall(r"^FROM (\S+)", text, re.MULTILINE)
    assert froms and all(image == "python:3.11-slim" for image in froms), froms
    assert re.search(r"^USER 10001:10001$", text, re.MULTILINE), "run as a non-root user"
    assert f'VOLUME ["/var/lib/saksi-{kind}"]' in text
    # The collector's image can also run on PostgreSQL (psycopg); the probe's stays lean.
    assert ("pip install '.[postgresql]'" if kind == "collector" else "pip install .") in text
    # Every path copied from the build context exists in the repository.
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.MULTILINE):
        for source in line.split()[:-1]:
            assert (ROOT / source).exists(), f"Containerfile.{kind}: COPY {source}: not in the repository"
    command = re.search(r"^CMD (\[.*\])$", text, re.MULTILINE)
    assert command
    assert (
        command.group(1)
        == {
            "probe": '["probe", "daemon"]',
            "collector": '["probe", "collector", "serve"]',
        }[kind]
    )
    healthcheck = re.search(r"^HEALTHCHECK (.+)$", text, re.MULTILINE)
    assert healthcheck
    if kind == "collector":
        assert "/api/v1/log/key" in text
    else:
        assert healthcheck.group(1) == "NONE"


def test_readme_covers_every_case() -> None:
    readme = (DEPLOY / "README.md").read_text()
    for needle in (
        "pipx install",
        "/opt/saksi/venv",
        "systemctl enable --now saksi-probe",
        "systemctl enable --now saksi-collector",
        "docker compose up",
        "Raspberry Pi OS Lite (64-bit)",
        "python3-venv",
        "80 MB",
    ):
        assert needle in readme, f"deploy/README.md should mention {needle!r}"
    # Every file in deploy/ is explained there.
    for path in sorted(DEPLOY.rglob("*")):
        if path.is_file() and path.name != "README.md":
            assert path.name in readme, f"deploy/README.md does not mention {path.relative_to(DEPLOY)}"


def test_the_probe_unit_reads_the_settings_file_init_writes() -> None:
    """Issue 12, problem 8: `saksi init` wrote /var/lib/saksi-probe/init.toml while the unit read
    /etc/saksi/probe.toml, so the categories and schedule chosen at init had no effect."""
    service = unit_directives(SYSTEMD / "saksi-probe.service")["Service"]
    read = re.search(r"--config (\S+)", service["ExecStart"][0])
    assert read is not None
    readme = (DEPLOY / "README.md").read_text()
    helper = re.search(r"saksi\(\) \{(.*?)\}", readme, re.S)
    assert helper is not None
    written = re.findall(r"--config ([^\s;]+)", helper.group(1))
    assert written == [read.group(1)]  # every command, init included, uses the file the unit reads
    assert "cfg=" not in helper.group(1)  # no other file for some commands
    state = f"/var/lib/{service['StateDirectory'][0]}/"
    assert read.group(1).startswith(state)  # the service can read it, and `saksi init` can write it
    assert f"PROBE_STORE__PATH={state}probe.db" in helper.group(1)
    assert f"PROBE_STORE__KEYS_DIR={state}keys" in helper.group(1)
    assert f"Environment=PROBE_STORE__KEYS_DIR={state}keys" in (SYSTEMD / "saksi-probe.service").read_text()
    for doc in (readme, (ROOT / "docs" / "volunteer.md").read_text()):
        assert "init.toml" not in doc and "/etc/saksi/probe.toml" not in doc
