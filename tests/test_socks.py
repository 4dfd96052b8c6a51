"""Uploads through a SOCKS5 proxy (upload.socks5, for Tor), with a real collector and a real SOCKS5 server.

Everything sent to the collector goes through the proxy, which resolves the collector's name itself (the
probe could not: `collector.test` only exists in the proxy's table); a proxy that is down leaves the outbox
as it was and says so in one sentence.
"""

from __future__ import annotations

import asyncio
import gc
import os
import socket
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from probe.cli.daemon import _reachable
from probe.config import ConfigError, Settings, UploadSettings, load_settings
from probe.daemon import jobs
from probe.models.measurement import TargetRef
from probe.store import Store
from probe.upload import CollectorUnreachable, collector_problem, upload, whoami
from tests.collector_rig import Rig, collector
from tests.socks_server import COMMAND_NOT_SUPPORTED, REFUSED, SocksServer, socks_server
from tests.test_probe_durability import _fill_outbox
from tests.test_scenarios import to_toml

NAME = "collector.test"  # known only to the proxy
DIRECT = "127.0.0.2"  # the probe's own address (network.source_address), mapped to AS38623 by the collector
ONLY_DIRECT = f"{DIRECT}\t{DIRECT}\t38623\tKH\tVIETTEL-KH Metfone\n"  # the proxy's 127.0.0.9 is unmapped


# httpcore 1.0.9 does not close its connection to the proxy when the SOCKS handshake fails (the proxy refuses
# the CONNECT, or does not speak SOCKS5): CPython closes it when it is dropped, with a ResourceWarning, which
# gc.collect() keeps in the test that caused it.
LEAKS_A_SOCKET = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_of(rig: Rig) -> int:
    return int(rig.url.rsplit(":", 1)[1])


def values(tmp: Path, url: str, proxy: str | None) -> dict[str, Any]:
    # The collector is named (resolved by the proxy), over plain http in this lab: allowed explicitly.
    upload: dict[str, Any] = {
        "url": url,
        "batch_size": 5,
        "retry_base_s": 30,
        "retry_max_s": 60,
        "allow_http": True,
    }
    if proxy is not None:
        upload["socks5"] = proxy
    return {
        "store": {"path": str(tmp / "probe" / "probe.db")},
        "upload": upload,
        "network": {"source_address": DIRECT},
    }


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    with collector(tmp_path / "c", asn_table=ONLY_DIRECT) as rig:
        yield rig


@pytest.fixture
def proxy(rig: Rig) -> Iterator[SocksServer]:
    with socks_server(hosts={NAME: "127.0.0.5"}) as server:
        yield server


def test_uploads_enrolment_and_whoami_go_through_the_proxy(
    tmp_path: Path, rig: Rig, proxy: SocksServer
) -> None:
    s = Settings(**values(tmp_path, f"http://{NAME}:{port_of(rig)}", proxy.address))
    uids = _fill_outbox(s, 12)
    with Store(s.store.path) as store:
        report = asyncio.run(upload(s, store))
        assert store.outbox_counts() == {"uploaded": 12}
    assert report.error is None, report.error
    assert (report.uploaded, report.pending, len(report.enrolled)) == (12, 0, 1)
    assert report.checkpoint_size is not None
    # The proxy carried every connection and was given the name (address type 3), not an address.
    assert proxy.connects, "nothing went through the proxy"
    assert {(c.address_type, c.host, c.port, c.reply) for c in proxy.connects} == {
        ("domain", NAME, port_of(rig), 0)
    }
    # network.source_address is not applied to the connection to the (loopback) proxy.
    assert set(proxy.clients) == {"127.0.0.1"}
    # The collector saw the proxy as the caller: whoami names no network, while directly it names AS38623.
    assert asyncio.run(whoami(s)).asn is None
    direct = Settings(**values(tmp_path, rig.url, None))
    assert asyncio.run(whoami(direct)).asn == 38623
    with rig.client() as c:
        for uid in uids:
            assert c.get(f"/api/v1/measurements/{uid}").status_code == 200


def test_lists_status_and_the_network_check_use_the_proxy(
    tmp_path: Path, rig: Rig, proxy: SocksServer
) -> None:
    s = Settings(**values(tmp_path, f"http://{NAME}:{port_of(rig)}", proxy.address))
    (tmp_path / "probe").mkdir()
    with Store(s.store.path) as store:
        asyncio.run(jobs.refresh_lists(s, store))
    paths_before = len(proxy.connects)
    assert paths_before >= 1
    assert asyncio.run(collector_problem(s)) is None
    assert _reachable(s) == f" (reachable through the SOCKS5 proxy at {proxy.address})"
    assert len(proxy.connects) == paths_before + 2
    # Through the proxy the collector cannot tell this network: no answer rather than the proxy's network.
    assert asyncio.run(jobs.current_asn(s)) is None
    assert len(proxy.connects) == paths_before + 2
    assert all(c.host == NAME for c in proxy.connects)


def test_a_proxy_that_is_down_leaves_the_outbox_and_says_so(tmp_path: Path, rig: Rig) -> None:
    dead = f"127.0.0.1:{closed_port()}"
    s = Settings(**values(tmp_path, rig.url, dead))
    _fill_outbox(s, 7)
    sentence = f"the SOCKS5 proxy at {dead} is not answering (is Tor running?)"
    with Store(s.store.path) as store:
        report = asyncio.run(upload(s, store))
        assert store.outbox_counts() == {"pending": 7}
        assert store.outbox_due("9999", 100) != []  # due later, not dead
    assert report.error == f"{sentence}; the measurements wait in the outbox"
    assert (report.uploaded, report.pending, report.retrying) == (0, 7, 5)  # the first batch, as drawn
    assert report.next_attempt_at is not None
    with pytest.raises(CollectorUnreachable, match=r"is not answering \(is Tor running\?\)"):
        asyncio.run(whoami(s))
    assert asyncio.run(collector_problem(s)) == sentence
    assert _reachable(s) == f" (not reachable now: {sentence})"
    with Store(s.store.path) as store, pytest.raises(httpx.ConnectError):  # the daemon logs it and goes on
        asyncio.run(jobs.refresh_lists(s, store))


def test_probe_upload_prints_the_sentence_and_exits_0(tmp_path: Path, rig: Rig) -> None:
    dead = f"127.0.0.1:{closed_port()}"
    config = tmp_path / "probe.toml"
    config.write_text(to_toml(values(tmp_path, rig.url, dead)))
    s = load_settings(config)
    _fill_outbox(s, 3)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROBE_") or k == "PROBE_LOOPBACK_GUARD"}
    done = subprocess.run(
        [sys.executable, "-m", "probe", "upload", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    said = " ".join((done.stdout + done.stderr).split())
    assert (
        f"the SOCKS5 proxy at {dead} is not answering (is Tor running?); the measurements wait in the outbox"
        in said
    ), said
    assert "Traceback" not in said
    with Store(s.store.path) as store:
        assert store.outbox_counts() == {"pending": 3}


@LEAKS_A_SOCKET
def test_a_proxy_that_cannot_reach_the_collector(tmp_path: Path, rig: Rig) -> None:
    with socks_server(reply=REFUSED) as refusing:
        s = Settings(**values(tmp_path, f"http://{NAME}:{port_of(rig)}", refusing.address))
        _fill_outbox(s, 2)
        with Store(s.store.path) as store:
            report = asyncio.run(upload(s, store))
            assert store.outbox_counts() == {"pending": 2}
    assert report.error is not None
    assert report.error.startswith(
        f"the SOCKS5 proxy at {refusing.address} could not reach the collector at http://{NAME}:"
    ), report.error
    assert [c.host for c in refusing.connects] == [NAME]
    gc.collect()


@LEAKS_A_SOCKET
def test_a_port_that_is_not_a_socks5_proxy(tmp_path: Path, rig: Rig) -> None:
    """A proxy port that answers something else (here: the collector's HTTP) is a network problem, not a crash."""
    s = Settings(**values(tmp_path, rig.url, f"127.0.0.5:{port_of(rig)}"))
    _fill_outbox(s, 2)
    with Store(s.store.path) as store:
        report = asyncio.run(upload(s, store))
        assert store.outbox_counts() == {"pending": 2}
    assert report.error is not None
    assert report.error.startswith(f"what answers at 127.0.0.5:{port_of(rig)} is not a SOCKS5 proxy"), (
        report.error
    )
    gc.collect()


def test_the_setting_is_host_port(tmp_path: Path) -> None:
    assert UploadSettings(socks5=" 127.0.0.1:9050 ").socks5 == "127.0.0.1:9050"
    assert UploadSettings(socks5="[::1]:9050").socks5 == "[::1]:9050"
    assert UploadSettings(socks5="tor.internal:9050").socks5 == "tor.internal:9050"
    for bad in ("127.0.0.1", "::1:9050", "host:0", "host:http", "user@host:1", ":9050"):
        config = tmp_path / "bad.toml"
        config.write_text(f'[upload]\nsocks5 = "{bad}"\n')
        with pytest.raises(ConfigError, match=r"upload\.socks5: .* is not host:port"):
            load_settings(config)


# the test proxy itself (RFC 1928) ----------------------------------------------------------------------------


def _greet(c: socket.socket, methods: bytes = b"\x00") -> bytes:
    c.sendall(bytes([5, len(methods)]) + methods)
    return c.recv(2)


def _reply(c: socket.socket) -> tuple[int, int]:
    head = c.recv(4)
    c.recv({1: 4, 4: 16}[head[3]] + 2)
    return head[1], head[3]


def test_the_proxy_relays_ipv6_and_refuses_what_it_does_not_speak() -> None:
    with socket.socket(socket.AF_INET6) as listener:
        listener.bind(("::1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with socks_server() as server:
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as c:
                assert _greet(c) == b"\x05\x00"
                c.sendall(
                    b"\x05\x01\x00\x04" + socket.inet_pton(socket.AF_INET6, "::1") + struct.pack("!H", port)
                )
                assert _reply(c) == (0, 4)  # succeeded, bound to an IPv6 address
                accepted, _ = listener.accept()
                with accepted:
                    c.sendall(b"ping")
                    assert accepted.recv(4) == b"ping"
                    accepted.sendall(b"pong")
                    assert c.recv(4) == b"pong"
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as c:
                assert _greet(c, b"\x02") == b"\x05\xff"  # username/password only: no acceptable method
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as c:
                _greet(c)
                c.sendall(b"\x05\x02\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", port))  # BIND
                assert _reply(c)[0] == COMMAND_NOT_SUPPORTED
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as c:
                _greet(c)
                c.sendall(b"\x05\x01\x00\x01\x7f\x00\x00\x01" + struct.pack("!H", closed_port()))
                assert _reply(c)[0] == REFUSED
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as c:
                _greet(c)
                c.sendall(b"\x05\x01\x00\x09")  # no such address type
                assert _reply(c)[0] == 0x08
        assert [(x.address_type, x.host, x.reply) for x in server.connects] == [
            ("ipv6", "::1", 0),
            ("ipv4", "127.0.0.1", COMMAND_NOT_SUPPORTED),
            ("ipv4", "127.0.0.1", REFUSED),
        ]


async def test_the_control_is_asked_through_the_proxy_too(tmp_path: Path, proxy: SocksServer) -> None:
    """The control usually runs on the collector: it must not learn the volunteer's address either, and
    what it says about the caller's network (the proxy's) is not taken as this probe's network."""
    from probe.runner import run

    no_dns = {
        "system_resolvers": [],
        "udp_resolvers": [],
        "doh_urls": [],
        "getaddrinfo": False,
        "bogon_ranges": ["10.0.0.0/8"],
    }
    with collector(tmp_path / "ctl", asn_table=ONLY_DIRECT, extra={"network": no_dns}) as control_rig:
        settings = Settings(
            **values(tmp_path, f"http://{NAME}:{port_of(control_rig)}", proxy.address)
            | {
                "control": {"url": f"http://{NAME}:{port_of(control_rig)}/api/v1/control"},
                "network": {**no_dns, "source_address": DIRECT},
            }
        )
        target = f"http://127.0.0.1:{closed_port()}/"
        with Store(settings.store.path) as store:
            measured = [m async for m in run(settings, [TargetRef(url=target)], store)]
    assert measured[0].control is not None
    assert measured[0].control.response is not None  # the answer came back through the proxy
    assert any(c.host == NAME for c in proxy.connects)
    assert measured[0].probe.asn is None  # not the proxy's network
    # Through the proxy the collector never sees this probe's network: the measurement is `claimed`, and
    # says so (the control answer is bound to its key and uid, but names no network of this probe).
    from probe.collector.attest import network_evidence
    from probe.collector.signing import CollectorKey

    cfg = control_rig.settings.collector
    key = CollectorKey.load_or_create(cfg.data_dir, cfg.origin)
    m = measured[0]
    assert m.control.response.request is not None
    assert m.control.response.request.measurement_uid == m.measurement_uid
    found = network_evidence(m, m.probe.key_id or "", None, {key.key_id: key.private.public_key()})
    assert found.evidence == "claimed"
