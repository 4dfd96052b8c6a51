"""The TCP layer: connect to one endpoint, record the result."""

from __future__ import annotations

from probe.failures import Failure, classify_exception
from probe.measure.env import Clock, Env
from probe.models.observation import TcpObservation
from probe.netio.tcp import close_stream, open_stream


async def connect(env: Env, ip: str, port: int, clock: Clock) -> TcpObservation:
    t0 = clock.now()
    try:
        _, writer = await open_stream(
            ip, port, source_address=env.source, timeout_s=env.timeouts.tcp_connect_s
        )
    except (OSError, TimeoutError) as exc:
        failure, detail = classify_exception(exc)
        return TcpObservation(
            ip=ip, port=port, t_start=t0, t_end=clock.now(), failure=failure, failure_detail=detail
        )
    await close_stream(writer)
    return TcpObservation(ip=ip, port=port, t_start=t0, t_end=clock.now())


def connected(obs: TcpObservation) -> bool:
    return obs.failure is None


NETWORK_INTERFERENCE = frozenset(
    {Failure.CONNECTION_RESET, Failure.GENERIC_TIMEOUT, Failure.EOF, Failure.CONNECTION_REFUSED}
)
