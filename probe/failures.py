"""The closed failure vocabulary (OONI-compatible strings) and the one place that labels exceptions.

Failures are labelled once, at capture, from exception types and errno values, never from message text.
`classify_exception` walks the `__cause__`/`__context__` chain, because httpx and httpcore wrap the
`ssl` and `OSError` exceptions that carry the real reason.

This module imports no network code of the project; it only inspects exception objects.
"""

from __future__ import annotations

import asyncio
import errno
import socket
import ssl
from enum import StrEnum

import dns.exception
import dns.resolver
import httpx


class Failure(StrEnum):
    DNS_NXDOMAIN = "dns_nxdomain_error"
    DNS_NO_ANSWER = "dns_no_answer"
    DNS_REFUSED = "dns_refused_error"
    DNS_SERVFAIL = "dns_servfail_error"
    DNS_TIMEOUT = "dns_timeout_error"
    DNS_BOGON = "dns_bogon_error"
    CONNECTION_REFUSED = "connection_refused"
    CONNECTION_RESET = "connection_reset"
    GENERIC_TIMEOUT = "generic_timeout_error"
    EOF = "eof_error"
    HOST_UNREACHABLE = "host_unreachable"
    NETWORK_UNREACHABLE = "network_unreachable"
    SSL_INVALID_HOSTNAME = "ssl_invalid_hostname"
    SSL_UNKNOWN_AUTHORITY = "ssl_unknown_authority"
    SSL_INVALID_CERTIFICATE = "ssl_invalid_certificate"
    SSL_FAILED_HANDSHAKE = "ssl_failed_handshake"
    HTTP_TOO_MANY_REDIRECTS = "http_too_many_redirects"
    HTTP_PROTOCOL_ERROR = "http_protocol_error"
    UNKNOWN = "unknown_failure"


_ERRNO = {
    errno.ECONNREFUSED: Failure.CONNECTION_REFUSED,
    errno.ECONNRESET: Failure.CONNECTION_RESET,
    errno.ECONNABORTED: Failure.CONNECTION_RESET,
    errno.EPIPE: Failure.CONNECTION_RESET,
    errno.ETIMEDOUT: Failure.GENERIC_TIMEOUT,
    errno.EHOSTUNREACH: Failure.HOST_UNREACHABLE,
    errno.EHOSTDOWN: Failure.HOST_UNREACHABLE,
    errno.ENETUNREACH: Failure.NETWORK_UNREACHABLE,
    errno.ENETDOWN: Failure.NETWORK_UNREACHABLE,
    errno.EADDRNOTAVAIL: Failure.NETWORK_UNREACHABLE,
}

# OpenSSL verify codes (X509_V_ERR_*) that mean "signed by nobody we trust".
_UNKNOWN_AUTHORITY_CODES = {2, 18, 19, 20, 21, 27}
_HOSTNAME_MISMATCH_CODE = 62

_GAI = {
    socket.EAI_NONAME: Failure.DNS_NXDOMAIN,
    socket.EAI_AGAIN: Failure.DNS_TIMEOUT,
    socket.EAI_FAIL: Failure.DNS_SERVFAIL,
}
if hasattr(socket, "EAI_NODATA"):
    _GAI[socket.EAI_NODATA] = Failure.DNS_NO_ANSWER


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    cur: BaseException | None = exc
    while cur is not None and cur not in seen:
        seen.append(cur)
        cur = cur.__cause__ or cur.__context__
    return seen


def _one(exc: BaseException) -> Failure | None:
    if isinstance(exc, ssl.SSLCertVerificationError):
        if exc.verify_code == _HOSTNAME_MISMATCH_CODE:
            return Failure.SSL_INVALID_HOSTNAME
        if exc.verify_code in _UNKNOWN_AUTHORITY_CODES:
            return Failure.SSL_UNKNOWN_AUTHORITY
        return Failure.SSL_INVALID_CERTIFICATE
    if isinstance(exc, ssl.SSLEOFError | ssl.SSLZeroReturnError):
        return Failure.EOF
    if isinstance(exc, ssl.SSLError):
        return Failure.SSL_FAILED_HANDSHAKE
    if isinstance(exc, socket.gaierror):
        return _GAI.get(exc.errno, Failure.UNKNOWN) if exc.errno is not None else None
    if isinstance(exc, dns.resolver.NXDOMAIN):
        return Failure.DNS_NXDOMAIN
    if isinstance(exc, dns.resolver.NoAnswer):
        return Failure.DNS_NO_ANSWER
    if isinstance(exc, dns.exception.Timeout):
        return Failure.DNS_TIMEOUT
    if isinstance(exc, httpx.TooManyRedirects):
        return Failure.HTTP_TOO_MANY_REDIRECTS
    if isinstance(exc, httpx.RemoteProtocolError | httpx.LocalProtocolError):
        return Failure.HTTP_PROTOCOL_ERROR
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return Failure.GENERIC_TIMEOUT
    if isinstance(exc, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
        return Failure.CONNECTION_RESET
    if isinstance(exc, ConnectionRefusedError):
        return Failure.CONNECTION_REFUSED
    if isinstance(exc, EOFError | asyncio.IncompleteReadError):
        return Failure.EOF
    if isinstance(exc, OSError) and exc.errno in _ERRNO:
        return _ERRNO[exc.errno]
    return None


def classify_exception(exc: BaseException) -> tuple[Failure, str]:
    """Return the failure label for an exception and its raw text (kept as `failure_detail`).

    The innermost specific cause wins: an `httpx.ConnectError` whose cause is an `ssl` verification
    error is an SSL failure, not a connection failure.
    """
    detail = f"{type(exc).__name__}: {exc}".strip()
    for candidate in reversed(_chain(exc)):
        label = _one(candidate)
        if label is not None:
            return label, detail
    return Failure.UNKNOWN, detail
