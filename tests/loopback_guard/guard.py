"""Refuse any socket connection or datagram to an address outside loopback."""

from __future__ import annotations

import ipaddress
import socket
from typing import Any


class NonLoopbackConnection(AssertionError):
    pass


def _check(address: Any) -> None:
    if isinstance(address, tuple) and address:
        host = address[0]
        try:
            ip = ipaddress.ip_address(host.split("%")[0])
        except ValueError:
            raise NonLoopbackConnection(
                f"test tried to reach {host!r} by name; tests use addresses"
            ) from None
        if not ip.is_loopback:
            raise NonLoopbackConnection(f"test tried to reach {address!r}, outside loopback")


def install() -> None:
    if getattr(socket.socket, "_loopback_guard", False):
        return
    original_connect = socket.socket.connect
    original_connect_ex = socket.socket.connect_ex
    original_sendto = socket.socket.sendto

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check(address)
        return original_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check(address)
        return original_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check(args[-1])
        return original_sendto(self, data, *args)  # type: ignore[arg-type]

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.socket.sendto = sendto  # type: ignore[method-assign,assignment]
    socket.socket._loopback_guard = True  # type: ignore[attr-defined]
