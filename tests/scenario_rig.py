"""Every named censorship scenario of the lab measured once by `probe run --json`, as a user would run it:
the lab, a control service, and the `probe` command in a subprocess with a TOML config."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from probe.cli.demo import DEMO_TIMEOUTS, merge
from probe.config import Settings
from probe.control.service import ServerThread, uvicorn_config
from probe.lab import Lab
from tests.consent import consented


def to_toml(settings: dict[str, Any]) -> str:
    """Write the few value kinds our settings use (str, number, bool, list of str) as TOML tables."""
    lines: list[str] = []
    for section, values in settings.items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int | float):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f"{key} = {json.dumps(value if isinstance(value, list) else str(value))}")
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def measure_all_scenarios(workdir: Path) -> Iterator[dict[str, dict[str, Any]]]:
    """Scenario id -> its measurement (as `probe run --json` printed it), plus "_raw"."""
    with Lab(workdir / "lab") as lab:
        control = ServerThread(
            uvicorn_config(
                Settings(**merge(lab.control_overrides(), {"timeouts": DEMO_TIMEOUTS})), "127.0.0.4", 0
            )
        )
        control.start()
        try:
            overrides = merge(
                lab.probe_overrides(),
                {
                    "control": {"url": f"http://127.0.0.4:{control.port}/api/v1/control"},
                    "store": {"path": str(workdir / "probe.db")},
                    "timeouts": DEMO_TIMEOUTS,
                },
            )
            overrides["network"]["bogon_ranges"] = [str(r) for r in overrides["network"]["bogon_ranges"]]
            config = workdir / "probe.toml"
            config.write_text(to_toml(overrides))
            consented(config)
            env = {
                k: v
                for k, v in os.environ.items()
                if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"
            }

            def probe(*args: str) -> subprocess.CompletedProcess[str]:
                return subprocess.run(
                    [sys.executable, "-m", "probe", *args, "--config", str(config)],
                    capture_output=True,
                    text=True,
                    timeout=300,
                    env=env,
                )

            imported = probe("targets", "import-fingerprints", str(lab.fingerprints_csv))
            assert imported.returncode == 0, imported.stderr
            urls = [arg for i in lab.instances for arg in ("--url", i.url)]
            result = probe("run", "--json", *urls)
            assert result.returncode == 0, result.stderr
            by_url = {m["target"]["url"]: m for m in map(json.loads, result.stdout.splitlines())}
            yield {i.scenario.id: by_url[i.url] for i in lab.instances} | {
                "_raw": {"stdout": result.stdout, "probe_source": lab.probe_source}
            }
        finally:
            control.stop()
