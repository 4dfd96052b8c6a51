"""The control service over real HTTP on loopback, against the lab: its answers, limits and privacy."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from probe.cli.demo import merge
from probe.config import Settings
from probe.control.service import ServerThread, uvicorn_config
from probe.lab import Lab
from probe.models.control import ControlResponse
from probe.sign.dsse import CONTROL_TYPE, Envelope


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, str]]:
    workdir: Path = tmp_path_factory.mktemp("control")
    with Lab(workdir / "lab") as lab:
        settings = Settings(
            **merge(
                lab.control_overrides(),
                {"control": {"max_in_flight": 4}, "collector": {"data_dir": workdir / "c"}},
            )
        )
        server = ServerThread(uvicorn_config(settings, "127.0.0.4", 0))
        server.start()
        try:
            yield lab, f"http://127.0.0.4:{server.port}/api/v1/control"
        finally:
            server.stop()


def post(url: str, body: object, source: str = "127.0.0.2") -> httpx.Response:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as client:
        return client.post(url, json=body)


def test_control_measures_the_uncensored_site(service: tuple[Lab, str]) -> None:
    lab, url = service
    target = lab.instance("dns_nxdomain").url  # blocked for the probe, fine for the control
    response = post(url, {"url": target, "tcp_connect": []})
    assert response.status_code == 200
    envelope = Envelope.model_validate_json(response.content)
    assert envelope.payloadType == CONTROL_TYPE  # signed by the service
    answer = ControlResponse.model_validate_json(envelope.body())
    assert answer.dns.addrs
    assert answer.http_request.status_code == 200
    assert answer.http_request.title
    (endpoint,) = answer.tls_handshake
    assert answer.tls_handshake[endpoint].cert_valid_for_host is True
    # The caller's network, from the lab's ip2asn table; never its address.
    assert answer.client.asn == 38623
    assert "127.0.0.2" not in response.text


def test_control_never_connects_to_private_addresses_for_a_caller(service: tuple[Lab, str]) -> None:
    lab, url = service
    target = lab.instance("https_accessible").url
    response = post(url, {"url": target, "tcp_connect": ["10.0.0.1:443", "192.168.1.1:443", "[fe80::1]:443"]})
    assert response.status_code == 200
    answer = ControlResponse.model_validate_json(Envelope.model_validate_json(response.content).body())
    assert not any(ep.startswith(("10.", "192.168.", "[fe80")) for ep in answer.tcp_connect)


def test_control_rejects_bad_requests_with_a_reason(service: tuple[Lab, str]) -> None:
    _, url = service
    bad = post(url, {"url": 5})
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid_request"
    ftp = post(url, {"url": "ftp://example.org/"})
    assert ftp.status_code == 422
    large = post(url, {"url": "http://x.lab.test/", "headers": {"x": "y" * 20_000}})
    assert large.status_code == 413
