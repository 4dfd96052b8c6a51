"""TLS handshakes on an address we chose, with the SNI we choose, and a summary of the certificate.

Python 3.11's ssl module exposes only the leaf certificate; validation is done by OpenSSL against the
configured bundle during the handshake, and when it fails a second, non-validating handshake fetches
the leaf so the evidence (who issued it, for which names) is kept.
"""

from __future__ import annotations

import asyncio
import hashlib
import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import certifi

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
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # no trust store loaded: nothing is verified here
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


_SHORT_NAMES = {
    "commonName": "CN",
    "countryName": "C",
    "localityName": "L",
    "stateOrProvinceName": "ST",
    "organizationName": "O",
    "organizationalUnitName": "OU",
    "domainComponent": "DC",
    "streetAddress": "STREET",
    "userId": "UID",
}


def _rfc4514(rdns: tuple[tuple[tuple[str, str], ...], ...]) -> str:
    def escape(value: str) -> str:
        value = "".join(f"\\{c}" if c in ',+"\\<>;' else c for c in value)
        return f"\\{value}" if value[:1] in ("#", " ") else value

    return ",".join(
        "+".join(f"{_SHORT_NAMES.get(k, k)}={escape(v)}" for k, v in rdn) for rdn in reversed(rdns)
    )


def _iso(when: str) -> str:
    return datetime.fromtimestamp(ssl.cert_time_to_seconds(when), UTC).isoformat().replace("+00:00", "Z")


def summarise_verified(cert: dict[str, Any], der: bytes) -> Leaf:
    """The leaf from the dict the ssl module gives for a validated certificate: no X.509 parser needed,
    which keeps `cryptography.x509` (8 MB) out of a volunteer's memory unless a certificate fails."""
    alt = cert.get("subjectAltName", ())
    sans = [v for k, v in alt if k == "DNS"] + [
        str(ipaddress.ip_address(v)) for k, v in alt if k == "IP Address"
    ]
    return Leaf(
        subject=_rfc4514(cert.get("subject", ())),
        issuer=_rfc4514(cert.get("issuer", ())),
        sans=sans,
        sha256=hashlib.sha256(der).hexdigest(),
        not_before_at=_iso(cert["notBefore"]),
        not_after_at=_iso(cert["notAfter"]),
    )


def summarise(der: bytes) -> Leaf:
    from cryptography import x509  # only for certificates that failed validation (see summarise_verified)

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
    want_leaf: bool = True,
) -> Handshake:
    """Connect, then handshake. Raises PhaseError whose __cause__ is the original exception.

    With `want_leaf=False` an unvalidated certificate is not parsed (a control-SNI handshake only needs
    to know that the server answered).
    """
    try:
        reader, writer = await open_stream(
            ip, port, source_address=source_address, timeout_s=connect_timeout_s
        )
    except (OSError, TimeoutError) as exc:
        raise PhaseError("connect", exc) from exc
    try:
        async with asyncio.timeout(handshake_timeout_s):
            sslobj = await _handshake_over(reader, writer, ctx, sni)
    except (OSError, TimeoutError, ssl.SSLError, EOFError) as exc:
        abort_stream(writer)
        raise PhaseError("handshake", exc) from exc
    try:
        der = sslobj.getpeercert(binary_form=True)
        parsed = sslobj.getpeercert() if ctx.verify_mode != ssl.CERT_NONE else None
        selected = sslobj.cipher()
        return Handshake(
            version=sslobj.version(),
            cipher=selected[0] if selected else None,
            alpn=sslobj.selected_alpn_protocol(),
            leaf=None
            if der is None
            else summarise_verified(parsed, der)
            if parsed
            else summarise(der)
            if want_leaf
            else None,
        )
    finally:
        await close_stream(writer)


async def _handshake_over(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, ctx: ssl.SSLContext, sni: str
) -> ssl.SSLObject:
    """The TLS handshake over memory BIOs: we only need the handshake, and asyncio's own TLS transport
    allocates a 256 KiB buffer per connection, which is most of a sweep's memory at 64 URLs in flight."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    sslobj = ctx.wrap_bio(incoming, outgoing, server_hostname=sni)
    while True:
        # I/O happens outside the `except` so that a reset is not chained to SSLWantReadError, which
        # would label it a TLS failure instead of a reset.
        try:
            sslobj.do_handshake()
            done = True
        except ssl.SSLWantReadError:
            done = False
        pending = outgoing.read()
        if pending:  # the ClientHello, later the client's Finished, or nothing
            writer.write(pending)
            await writer.drain()
        if done:
            return sslobj
        chunk = await reader.read(16 * 1024)
        if not chunk:
            raise EOFError("the server closed the connection during the handshake")
        incoming.write(chunk)
