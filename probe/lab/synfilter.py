"""Classic BPF socket filters that make a listening socket drop SYNs, giving TCP timeouts without root.

A filter attached to a listening socket sees the SYNs that would create connections; a packet the filter drops
is as if it never arrived, so the client retransmits until its connect times out. Filtering on the IPv4 source
address (loaded with `ld [SKF_NET_OFF+12]`) makes the address time out for the probe only.
Linux only (SO_ATTACH_FILTER); needs no privilege.
"""

from __future__ import annotations

import ctypes
import ipaddress
import socket
import struct

SO_ATTACH_FILTER = 26
SKF_NET_OFF = -0x100000

# Instruction codes from linux/filter.h.
BPF_LD_W_ABS = 0x20  # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15  # BPF_JMP | BPF_JEQ | BPF_K
BPF_RET_K = 0x06  # BPF_RET | BPF_K

ACCEPT = 0xFFFFFFFF  # keep the whole packet
DROP = 0


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("HBBI", code, jt, jf, k & 0xFFFFFFFF)


def drop_from_program(source: str) -> bytes:
    """A program dropping every IPv4 packet from `source` and keeping the rest."""
    address = int(ipaddress.IPv4Address(source))
    return b"".join(
        (
            _insn(BPF_LD_W_ABS, 0, 0, SKF_NET_OFF + 12),  # the IPv4 source address
            _insn(BPF_JEQ_K, 0, 1, address),
            _insn(BPF_RET_K, 0, 0, DROP),
            _insn(BPF_RET_K, 0, 0, ACCEPT),
        )
    )


def drop_all_program() -> bytes:
    return _insn(BPF_RET_K, 0, 0, DROP)


def attach(sock: socket.socket, program: bytes) -> None:
    """Attach a classic BPF program (concatenated 8-byte instructions) to `sock`."""
    buffer = ctypes.create_string_buffer(program, len(program))
    # struct sock_fprog { unsigned short len; struct sock_filter *filter; }, native alignment.
    fprog = struct.pack("HP", len(program) // 8, ctypes.addressof(buffer))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)
