"""The TLS layer: a handshake with SNI = host, and when it fails, the handshakes that explain why.

- a certificate that does not validate: a second, non-validating handshake keeps the leaf as evidence;
- a reset, EOF or timeout: a handshake with the control SNI on the same address separates SNI
  filtering from IP blocking (METHODS.md), and a timeout is repeated once, because a single timeout
  after the ClientHello is weak evidence.
"""

from __future__ import annotations

import asyncio
import ssl

from probe.failures import Failure, classify_exception
from probe.measure.env import Clock, Env
from probe.models.observation import CertSummary, TlsObservation, TlsPhase, TlsPurpose
from probe.netio.tls import Handshake, Leaf, PhaseError, handshake

_CERT_FAILURES = frozenset(
    {Failure.SSL_UNKNOWN_AUTHORITY, Failure.SSL_INVALID_HOSTNAME, Failure.SSL_INVALID_CERTIFICATE}
)
_INTERFERENCE = frozenset({Failure.CONNECTION_RESET, Failure.EOF, Failure.GENERIC_TIMEOUT})


def _cert(leaf: Leaf | None) -> CertSummary | None:
    if leaf is None:
        return None
    return CertSummary(
        subject=leaf.subject,
        issuer=leaf.issuer,
        sans=leaf.sans,
        leaf_sha256=leaf.sha256,
        not_before_at=leaf.not_before_at,
        not_after_at=leaf.not_after_at,
    )


async def _attempt(
    env: Env, ip: str, port: int, sni: str, ctx: ssl.SSLContext, *, want_leaf: bool = True
) -> tuple[Handshake | None, Failure | None, str | None, TlsPhase | None]:
    try:
        result = await handshake(
            ip,
            port,
            sni,
            ctx,
            source_address=env.source,
            connect_timeout_s=env.timeouts.tcp_connect_s,
            handshake_timeout_s=env.timeouts.tls_handshake_s,
            want_leaf=want_leaf,
        )
    except PhaseError as exc:
        failure, _ = classify_exception(exc)
        return None, failure, str(exc), exc.phase
    return result, None, None, None


async def _observe(
    env: Env, ip: str, port: int, sni: str, purpose: TlsPurpose, clock: Clock, *, validate: bool
) -> TlsObservation:
    t0 = clock.now()
    ctx = env.verify_ctx if validate else env.unverified_ctx
    result, failure, detail, phase = await _attempt(env, ip, port, sni, ctx, want_leaf=validate)
    leaf = result.leaf if result else None
    if validate and failure in _CERT_FAILURES:
        # Keep the certificate that failed: who issued it, for which names, is the evidence.
        evidence, _, _, _ = await _attempt(env, ip, port, sni, env.unverified_ctx)
        leaf = evidence.leaf if evidence else None
    return TlsObservation(
        ip=ip,
        port=port,
        sni=sni,
        purpose=purpose,
        t_start=t0,
        t_end=clock.now(),
        failure=failure,
        failure_detail=detail,
        phase=phase,
        version=result.version if result else None,
        cipher=result.cipher if result else None,
        alpn=result.alpn if result else None,
        cert=_cert(leaf),
        cert_valid_for_host=(failure is None) if validate and (result or failure in _CERT_FAILURES) else None,
    )


async def measure_endpoint(env: Env, ip: str, port: int, host: str, clock: Clock) -> list[TlsObservation]:
    target = await _observe(env, ip, port, host, "target", clock, validate=True)
    out = [target]
    # A reset can land before the ClientHello is even sent (a middlebox resetting every connection to the
    # address): the control-SNI handshake is what tells that apart from SNI filtering, so it runs either way.
    if target.failure in _INTERFERENCE:
        followups = [_observe(env, ip, port, env.network.control_sni, "control_sni", clock, validate=False)]
        if target.failure == Failure.GENERIC_TIMEOUT:
            followups.append(_observe(env, ip, port, host, "target_repeat", clock, validate=True))
        out.extend(await asyncio.gather(*followups))
    return out
