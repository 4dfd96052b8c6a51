"""The witness's deployment files: a hardened systemd unit that systemd-analyze accepts, example settings
whose log keys parse, and a compose service behind Caddy that logs no client address."""

from __future__ import annotations

import importlib
import importlib.util
import os
import re
import subprocess
from pathlib import Path

import pytest

from probe.config import load_settings
from probe.witness.server import log_verifiers
from tests.test_deploy import (
    CONTAINER,
    EXAMPLES,
    HARDENING,
    INSTALLED_PROBE,
    SYSTEMD,
    _service_blocks,
    _systemd_analyze,
    megabytes,
    unit_directives,
)

UNIT = SYSTEMD / "saksi-witness.service"


def test_witness_unit_is_hardened() -> None:
    service = unit_directives(UNIT)["Service"]
    for key, value in HARDENING.items():
        assert value in service.get(key, []), f"saksi-witness.service: [Service] needs {key}={value}"
    assert service["ExecStart"] == [f"{INSTALLED_PROBE} witness serve --config /etc/saksi/witness.toml"]
    assert service["StateDirectory"] == ["saksi-witness"]
    assert "PROBE_WITNESS__DATA_DIR=/var/lib/saksi-witness" in service["Environment"]
    assert service["RestrictAddressFamilies"] == ["AF_INET AF_INET6 AF_UNIX"]
    assert megabytes(service["MemoryHigh"][-1]) < megabytes(service["MemoryMax"][-1]) <= 512


def test_witness_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    tool = _systemd_analyze()
    stand_in = tmp_path / "bin" / "probe"
    stand_in.parent.mkdir()
    stand_in.write_text("#!/bin/sh\nexit 0\n")
    stand_in.chmod(0o755)
    copy = tmp_path / UNIT.name
    copy.write_text(UNIT.read_text().replace(f"ExecStart={INSTALLED_PROBE} ", f"ExecStart={stand_in} "))
    done = subprocess.run(
        [tool, "verify", "--man=no", str(copy)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "SYSTEMD_LOG_COLOR": "0", "SYSTEMD_PAGER": ""},
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert not [line for line in output.splitlines() if str(tmp_path) in line or "saksi-" in line], output


def test_example_witness_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in [v for v in os.environ if v.startswith("PROBE_") and v != "PROBE_LOOPBACK_GUARD"]:
        monkeypatch.delenv(var)
    settings = load_settings(EXAMPLES / "witness.toml")
    assert settings.witness.data_dir == Path("/var/lib/saksi-witness")
    assert settings.witness.listen_host == "127.0.0.1"
    assert [v.name for v in log_verifiers(settings.witness.logs)] == ["collector.example.org/log"]


def test_compose_runs_the_witness_behind_caddy_without_client_logs() -> None:
    compose = (CONTAINER / "compose.witness.yaml").read_text()
    assert "\t" not in compose
    blocks = _service_blocks(compose)
    assert set(blocks) == {"witness", "proxy"}
    assert 'command: ["probe", "witness", "serve"]' in blocks["witness"]
    assert "ports:" not in blocks["witness"] and "/key" in blocks["witness"]
    assert "./Caddyfile.witness:/etc/caddy/Caddyfile:ro" in blocks["proxy"]
    caddy = (CONTAINER / "Caddyfile.witness").read_text()
    directives = "\n".join(line.split("#", 1)[0] for line in caddy.splitlines())
    assert re.findall(r"^\s*log\b.*$", directives, re.MULTILINE) == ["\tlog default {"]
    assert re.search(r"^\s*reverse_proxy witness:8090\s*$", directives, re.MULTILINE)
    if importlib.util.find_spec("yaml") is not None:
        parsed = importlib.import_module("yaml").safe_load(compose)
        assert parsed["services"]["witness"]["environment"]["PROBE_WITNESS__LISTEN_PORT"] == "8090"
