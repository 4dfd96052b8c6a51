"""Failures are labelled from exception types and errno, walking the cause chain: real sockets here."""

from __future__ import annotations

import socket
import ssl
import struct

import httpx
import pytest

from probe.failures import Failure, classify_exception


def test_refused_from_a_real_closed_port() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with socket.socket() as client, pytest.raises(ConnectionRefusedError) as caught:
        client.connect(("127.0.0.1", port))
    assert classify_exception(caught.value)[0] == Failure.CONNECTION_REFUSED


def _exchange(client: socket.socket) -> None:
    client.sendall(b"x" * 1000)
    client.recv(10)


def test_reset_from_a_real_rst() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname()) as client:
            conn, _ = server.accept()
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            conn.close()
            client.settimeout(2)
            with pytest.raises(ConnectionResetError) as caught:
                _exchange(client)
    assert classify_exception(caught.value)[0] == Failure.CONNECTION_RESET


def test_cause_chain_reaches_the_ssl_error() -> None:
    inner = ssl.SSLCertVerificationError(1, "certificate verify failed")
    inner.verify_code = 20  # unable to get local issuer certificate
    try:
        try:
            raise inner
        except ssl.SSLError as exc:
            raise httpx.ConnectError("boom") from exc
    except httpx.ConnectError as outer:
        failure, detail = classify_exception(outer)
    assert failure == Failure.SSL_UNKNOWN_AUTHORITY
    assert "ConnectError" in detail


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        (62, Failure.SSL_INVALID_HOSTNAME),
        (10, Failure.SSL_INVALID_CERTIFICATE),
        (19, Failure.SSL_UNKNOWN_AUTHORITY),
    ],
)
def test_verify_codes(code: int, expected: Failure) -> None:
    exc = ssl.SSLCertVerificationError(1, "verify failed")
    exc.verify_code = code
    assert classify_exception(exc)[0] == expected


def test_getaddrinfo_errors() -> None:
    assert classify_exception(socket.gaierror(socket.EAI_NONAME, "x"))[0] == Failure.DNS_NXDOMAIN
    assert classify_exception(socket.gaierror(socket.EAI_AGAIN, "x"))[0] == Failure.DNS_TIMEOUT


def test_timeouts_and_unknown_keep_their_text() -> None:
    assert classify_exception(TimeoutError())[0] == Failure.GENERIC_TIMEOUT
    assert classify_exception(httpx.ReadTimeout("slow"))[0] == Failure.GENERIC_TIMEOUT
    failure, detail = classify_exception(ValueError("odd thing"))
    assert failure == Failure.UNKNOWN
    assert detail == "ValueError: odd thing"
