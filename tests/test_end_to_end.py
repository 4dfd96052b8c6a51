"""The whole evidence chain as people run it: the lab, a collector (which also serves the control),
`probe run` uploading at the end, the collector's evidence record, and `probe verify` offline."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from probe.cli.demo import DEMO_TIMEOUTS, merge
from probe.lab import Lab
from probe.models.evidence import Receipt
from tests.collector_rig import collector
from tests.consent import consented
from tests.test_scenarios import to_toml

SCENARIOS = ("https_accessible", "dns_nxdomain", "tls_sni_reset")


def _probe(config: Path | None, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    return subprocess.run(
        [sys.executable, "-m", "probe", *args, *(("--config", str(config)) if config else ())],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_lab_run_upload_fetch_verify(tmp_path: Path) -> None:
    with Lab(tmp_path / "lab") as lab:
        control_side = merge(lab.control_overrides(), {"timeouts": DEMO_TIMEOUTS})
        control_side.pop("collector")
        with collector(tmp_path, extra=control_side, asn_table=lab.asn_db.read_text()) as rig:
            overrides = merge(
                lab.probe_overrides(),
                {
                    "control": {"url": f"{rig.url}/api/v1/control"},
                    "upload": {"url": rig.url},
                    "store": {"path": str(tmp_path / "probe.db")},
                    "timeouts": DEMO_TIMEOUTS,
                },
            )
            overrides["network"]["bogon_ranges"] = [str(r) for r in overrides["network"]["bogon_ranges"]]
            config = tmp_path / "probe.toml"
            config.write_text(to_toml(overrides))
            consented(config)
            urls = [arg for sid in SCENARIOS for arg in ("--url", lab.instance(sid).url)]
            run = _probe(config, "run", *urls)
            assert run.returncode == 0, run.stderr
            assert "3 uploaded" in run.stderr

            listed = _probe(config, "results", "--json")
            rows = [json.loads(line) for line in listed.stdout.splitlines()]
            assert {r["upload"] for r in rows} == {"uploaded"}
            blocked = next(r for r in rows if "nxdomain" in r["url"])

            with rig.client() as client:
                deadline = time.monotonic() + 15
                while True:
                    record = client.get(f"/api/v1/measurements/{blocked['uid']}")
                    if record.json()["inclusion"] or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
            evidence = tmp_path / "record.json"
            evidence.write_bytes(record.content)

    # Offline, with nothing but the file and the collector's published key.
    verified = _probe(None, "verify", str(evidence), "--log-key", record.json()["log_key"])
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.startswith("verified")
    # An honest probe with the collector's control: its network is attested, its time inside the bracket.
    assert "network attested" in verified.stdout and "started_at inside" in verified.stdout
    receipt = Receipt.model_validate_json(base64.b64decode(record.json()["receipt"]["payload"]))
    assert receipt.network_evidence == "attested" and receipt.time_ok is True
    assert record.json()["statement"]["asn"] == 38623  # the network, from the upload's address
    tampered = record.json()
    tampered["statement"]["received_at"] = "2026-01-01T00:00:00.000Z"
    evidence.write_text(json.dumps(tampered))
    failed = _probe(None, "verify", str(evidence))
    assert failed.returncode == 1
    assert "FAILED" in failed.stdout + failed.stderr
