import socket
import subprocess
import sys

import pytest

from tests.loopback_guard.guard import NonLoopbackConnection


def test_connect_outside_loopback_fails() -> None:
    with socket.socket() as s, pytest.raises(NonLoopbackConnection):
        s.connect(("192.0.2.1", 80))


def test_datagram_outside_loopback_fails() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s, pytest.raises(NonLoopbackConnection):
        s.sendto(b"x", ("8.8.8.8", 53))


def test_loopback_is_allowed() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.socket() as client:
            client.connect(server.getsockname())


def test_subprocesses_are_guarded_too() -> None:
    code = "import socket; socket.socket().connect(('192.0.2.1', 80))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert result.returncode != 0
    assert "outside loopback" in result.stderr
