"""TLS handshakes on an address we chose, with the SNI we choose, and a summary of the certificate.

Python 3.11's ssl module exposes only the leaf certificate; validation is done by OpenSSL against the
configured bundle during the handshake, and when it fails a second, non-validating handshake fetches
the leaf so the evidence (who issued it, for which names) is kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import certifi
from cryptography import x509

from probe.netio.tcp import abort_stream, close_stream, open_stream


@dataclass(frozen=True)
class Leaf:
    subject: str
    issuer: str
    sans: list[str]
    sha256: str
    not_before_at: str
    not_after_at: str


@dataclass(frozen=True)
class Handshake:
    version: str | None
    cipher: str | None
    alpn: str | None
    leaf: Leaf | None


class PhaseError(Exception):
    """A failure, with the protocol phase it happened in ("connect" or "handshake")."""

    def __init__(self, phase: Literal["connect", "handshake"], cause: BaseException) -> None:
        super().__init__(f"{phase}: {type(cause).__name__}: {cause}")
        self.phase = phase


def verifying_context(ca_bundle: Path | None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else certifi.where())
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def unverified_context() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def summarise(der: bytes) -> Leaf:
    cert = x509.load_der_x509_certificate(der)
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        sans = [str(v) for v in ext.get_values_for_type(x509.DNSName)] + [
            str(v) for v in ext.get_values_for_type(x509.IPAddress)
        ]
    except x509.ExtensionNotFound:
        sans = []
    return Leaf(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        sans=sans,
        sha256=hashlib.sha256(der).hexdigest(),
        not_before_at=cert.not_valid_before_utc.isoformat().replace("+00:00", "Z"),
        not_after_at=cert.not_valid_after_utc.isoformat().replace("+00:00", "Z"),
    )


async def handshake(
    ip: str,
    port: int,
    sni: str,
    ctx: ssl.SSLContext,
    *,
    source_address: str | None,
    connect_timeout_s: float,
    handshake_timeout_s: float,
) -> Handshake:
    """Connect, then handshake. Raises PhaseError whose __cause__ is the original exception."""
    try:
        _, writer = await open_stream(ip, port, source_address=source_address, timeout_s=connect_timeout_s)
    except (OSError, TimeoutError) as exc:
        raise PhaseError("connect", exc) from exc
    try:
        async with asyncio.timeout(handshake_timeout_s):
            await writer.start_tls(ctx, server_hostname=sni)
    except (OSError, TimeoutError, ssl.SSLError, EOFError, asyncio.IncompleteReadError) as exc:
        abort_stream(writer)
        raise PhaseError("handshake", exc) from exc
    try:
        sslobj = writer.get_extra_info("ssl_object")
        der = sslobj.getpeercert(binary_form=True) if sslobj else None
        selected = sslobj.cipher() if sslobj else None
        return Handshake(
            version=sslobj.version() if sslobj else None,
            cipher=selected[0] if selected else None,
            alpn=sslobj.selected_alpn_protocol() if sslobj else None,
            leaf=summarise(der) if der else None,
        )
    finally:
        await close_stream(writer)
