"""The settings loader: defaults, then the TOML file, then PROBE_* variables, then explicit overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from probe.config import ConfigError, environment_values, load_settings


def test_layers_and_their_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "probe.toml"
    config.write_text(
        '[network]\nconcurrency = 8\nudp_resolvers = ["1.1.1.1:53"]\n[upload]\nbatch_size = 50\n'
    )
    monkeypatch.setenv("PROBE_NETWORK__CONCURRENCY", "16")
    monkeypatch.setenv("probe_upload__url", "https://collector.example/")  # names are case-insensitive
    s = load_settings(config, upload={"batch_size": 7})
    assert s.network.concurrency == 16  # the variable beats the file
    assert s.network.udp_resolvers == ["1.1.1.1:53"]  # the rest of the file's section stays
    assert s.upload.url == "https://collector.example"
    assert s.upload.batch_size == 7  # explicit overrides beat everything


def test_structured_values_are_json_and_scalars_are_text() -> None:
    values = environment_values(
        {
            "PROBE_NETWORK__DOH_URLS": "[]",
            "PROBE_TIMEOUTS": '{"dns_s": 1.5}',
            "PROBE_PROBE__ASN": "38623",
            "PROBE_CONFIG": "/ignored.toml",
            "HOME": "/root",
        }
    )
    assert values == {"network": {"doh_urls": []}, "timeouts": {"dns_s": 1.5}, "probe": {"asn": "38623"}}


@pytest.mark.parametrize("name", ["PROBE_NETWORK__NOPE", "PROBE_NOPE", "PROBE_NETWORK__A__B"])
def test_unknown_variables_are_errors(name: str) -> None:
    with pytest.raises(ConfigError, match=name):
        environment_values({name: "1"})
