"""The control service over real HTTP on loopback, against the lab: its answers, limits and privacy.

Requests are signed by a probe key (probe.control.access); this standalone service runs with
`control.open_to_any_key` as a lab does. The collector's own control, serving enrolled keys only, is
tested in tests/test_adversary.py."""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from probe.cli.demo import merge
from probe.config import Settings
from probe.control.client import ask
from probe.control.service import ServerThread, uvicorn_config
from probe.lab import Lab
from probe.models.control import ControlResponse
from probe.sign.dsse import CONTROL_REQUEST_TYPE, CONTROL_TYPE, Envelope, sign_envelope
from probe.sign.keys import key_id, raw_public


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Lab, str]]:
    workdir: Path = tmp_path_factory.mktemp("control")
    with Lab(workdir / "lab") as lab:
        settings = Settings(
            **merge(
                lab.control_overrides(),
                {
                    "control": {"max_in_flight": 4, "open_to_any_key": True, "per_key_per_min": 20},
                    "collector": {"data_dir": workdir / "c"},
                },
            )
        )
        server = ServerThread(uvicorn_config(settings, "127.0.0.4", 0))
        server.start()
        try:
            yield lab, f"http://127.0.0.4:{server.port}/api/v1/control"
        finally:
            server.stop()


KEY = Ed25519PrivateKey.generate()


def post(
    url: str, body: dict[str, Any], source: str = "127.0.0.2", key: Ed25519PrivateKey = KEY
) -> httpx.Response:
    """`body` signed as a control request by `key` (its key id, public key and a uid filled in)."""
    kid = key_id(key.public_key())
    full = {
        "key_id": kid,
        "public_key": base64.b64encode(raw_public(key.public_key())).decode(),
        "measurement_uid": secrets.token_hex(16),
        **body,
    }
    payload = json.dumps(full, sort_keys=True, separators=(",", ":")).encode()
    envelope = sign_envelope(CONTROL_REQUEST_TYPE, payload, key, kid)
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=30) as client:
        return client.post(url, content=envelope.model_dump_json())


def test_control_measures_the_uncensored_site(service: tuple[Lab, str]) -> None:
    lab, url = service
    target = lab.instance("dns_nxdomain").url  # blocked for the probe, fine for the control
    response = post(url, {"url": target, "tcp_connect": [], "measurement_uid": "ab" * 16})
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
    # The signed answer names who asked and for which measurement, and when it was made.
    assert answer.request is not None and answer.answered_at
    assert (answer.request.key_id, answer.request.measurement_uid) == (key_id(KEY.public_key()), "ab" * 16)


def test_control_never_connects_to_private_addresses_for_a_caller(service: tuple[Lab, str]) -> None:
    lab, url = service
    target = lab.instance("https_accessible").url
    response = post(url, {"url": target, "tcp_connect": ["10.0.0.1:443", "192.168.1.1:443", "[fe80::1]:443"]})
    assert response.status_code == 200
    answer = ControlResponse.model_validate_json(Envelope.model_validate_json(response.content).body())
    assert not any(ep.startswith(("10.", "192.168.", "[fe80")) for ep in answer.tcp_connect)


def test_control_measures_only_the_urls_own_port(service: tuple[Lab, str]) -> None:
    lab, url = service
    target = lab.instance("https_accessible").url
    port = httpx.URL(target).port or 443
    response = post(url, {"url": target, "tcp_connect": [f"127.0.0.1:{port + 1}", "127.0.0.1:22"]})
    assert response.status_code == 200
    answer = ControlResponse.model_validate_json(Envelope.model_validate_json(response.content).body())
    assert all(ep.endswith(f":{port}") for ep in answer.tcp_connect)


def test_control_rejects_bad_requests_with_a_reason(service: tuple[Lab, str]) -> None:
    """Changed in 2026-12 (issue 10/11): invalid requests are 400 (they were 422), and a request must be
    a signed envelope."""
    _, url = service
    bad = post(url, {"url": 5})
    assert bad.status_code == 400
    assert bad.json()["reason"] == "bad_request"
    ftp = post(url, {"url": "ftp://example.org/"})
    assert ftp.status_code == 400 and ftp.json()["reason"] == "bad_url"
    large = post(url, {"url": "http://x.lab.test/", "headers": {"x": "y" * 20_000}})
    assert large.status_code == 413
    with httpx.Client(timeout=30) as client:
        unsigned = client.post(url, json={"url": "http://x.lab.test/", "tcp_connect": []})
    assert unsigned.status_code == 400 and unsigned.json()["reason"] == "bad_request"


@pytest.mark.parametrize(
    "target",
    ["http://0177.0.0.1/", "http://[::1", f"http://{'a' * 64}.example/", "http://1.2.3/", "http://:80/"],
)
def test_malformed_control_urls_are_400_never_500(service: tuple[Lab, str], target: str) -> None:
    _, url = service
    response = post(url, {"url": target})
    assert response.status_code == 400, response.text
    assert response.json()["reason"] in ("bad_url", "bad_request")


def test_a_request_signed_by_another_key_than_it_names_is_refused(service: tuple[Lab, str]) -> None:
    _, url = service
    other = Ed25519PrivateKey.generate()
    forged = post(url, {"url": "http://x.lab.test/", "key_id": key_id(other.public_key())})
    assert forged.status_code in (400, 403)


def test_each_key_has_a_limit_per_minute(service: tuple[Lab, str]) -> None:
    _, url = service
    key = Ed25519PrivateKey.generate()
    ok = [post(url, {"url": "http://a.invalid/"}, key=key).status_code for _ in range(21)]
    assert ok[-1] == 429 and 429 not in ok[:20]


def test_control_serve_refuses_to_start_serving_no_one(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from probe.cli.app import app

    config = tmp_path / "probe.toml"
    config.write_text(f'[collector]\ndata_dir = "{tmp_path}"\n')
    result = CliRunner().invoke(app, ["control", "serve", "--config", str(config), "--port", "0"])
    assert result.exit_code != 0
    assert "control.collector_url" in result.output + str(result.exception)


async def test_the_probe_waits_when_the_control_is_busy_and_asks_again() -> None:
    """A control past its per-key limit answers 429 with Retry-After: the probe waits and asks again, so a
    long list keeps its controls (and its verdicts) instead of ending in "no control"."""
    seen: list[bytes] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = int(
            next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(b":")[1]
        )
        seen.append(await reader.readexactly(length))
        busy = len(seen) <= 2
        status, extra = (b"429 Too Many Requests", b"retry-after: 0.05\r\n") if busy else (b"503 Busy", b"")
        writer.write(
            b"HTTP/1.1 " + status + b"\r\n" + extra + b"content-length: 0\r\nconnection: close\r\n\r\n"
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, httpx.AsyncClient() as client:
        result = await ask(
            client,
            f"http://127.0.0.1:{port}/api/v1/control",
            "https://www.rfa.org/",
            [],
            timeout_s=5,
            key=Ed25519PrivateKey.generate(),
            uid="0" * 32,
        )
    assert len(seen) == 3 and seen[0] == seen[1] == seen[2]  # the same signed request, asked again
    assert result.failure == "refused: HTTP 503"  # a 503 without Retry-After is not waited on
