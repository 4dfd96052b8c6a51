"""How the probe reaches its collector: one client for everything sent there, direct or through the
SOCKS5 proxy of `upload.socks5` (see probe.upload.client's docstring), and the sentences for when it
cannot be reached.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

import httpx
import socksio

from probe import SOFTWARE_NAME, __version__
from probe.config import Settings
from probe.netio.tls import verifying_context
from probe.upload.errors import NoCollectorError

API = "/api/v1"


def _reason(response: httpx.Response) -> tuple[str | None, str | None]:
    """The collector's machine-readable reason and detail, when the body carries them."""
    try:
        data = response.json()
    except ValueError:
        return None, None
    if not isinstance(data, dict) or not isinstance(data.get("reason"), str):
        return None, None
    detail = data.get("detail")
    return data["reason"], detail if isinstance(detail, str) else None


def _network_problem(exc: httpx.HTTPError) -> str:
    return type(exc).__name__ if not str(exc) else f"{type(exc).__name__}: {exc}"


class _NotSocks(httpx.ProxyError):
    """The proxy port answered, but not in SOCKS5."""


class _SocksTransport(httpx.AsyncBaseTransport):
    """httpx's SOCKS transport, with a proxy that speaks something else than SOCKS5 as an httpx.ProxyError.

    (httpcore lets socksio's parse errors through as they are, which would escape the callers' handling of
    network problems.)
    """

    def __init__(self, inner: httpx.AsyncHTTPTransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except socksio.SOCKSError as exc:
            raise _NotSocks(str(exc) or type(exc).__name__, request=request) from None

    async def aclose(self) -> None:
        await self._inner.aclose()


def _transport(settings: Settings) -> httpx.AsyncBaseTransport:
    verify = verifying_context(settings.network.ca_bundle)  # the same roots as the measurements trust
    if settings.upload.socks5 is None:
        # Without a proxy, uploads leave by the same path as measurements (network.source_address).
        return httpx.AsyncHTTPTransport(verify=verify, local_address=settings.network.source_address)
    # socks5h: the proxy resolves the collector's name (see the module docstring); no source address.
    proxy = httpx.Proxy(f"socks5h://{settings.upload.socks5}")
    return _SocksTransport(httpx.AsyncHTTPTransport(verify=verify, proxy=proxy))


@asynccontextmanager
async def collector_client(
    settings: Settings, client: httpx.AsyncClient | None = None, *, timeout_s: float | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """The one client for talking to the collector: through `upload.socks5` when set, else directly.

    `client`, when given (tests), is used as it is. `timeout_s` defaults to `upload.timeout_s`.
    """
    if client is not None:
        yield client
        return
    headers = {"user-agent": f"{SOFTWARE_NAME}/{__version__}"}
    async with httpx.AsyncClient(
        transport=_transport(settings),
        timeout=settings.upload.timeout_s if timeout_s is None else timeout_s,
        headers=headers,
        trust_env=False,
    ) as own:
        yield own


def _timeout_of(exc: httpx.TimeoutException) -> str:
    """The timeout that ran out, as "N s" (from the request's own timeout settings)."""
    try:
        seconds = exc.request.extensions.get("timeout", {}).get("read")
    except RuntimeError:  # no request attached
        seconds = None
    return f"{seconds:g} s" if isinstance(seconds, int | float) else "its timeout (upload.timeout_s)"


def proxy_down_sentence(proxy: str) -> str:
    return f"the SOCKS5 proxy at {proxy} is not answering (is Tor running?)"


async def _proxy_answers(proxy: str, timeout_s: float) -> bool:
    """Whether a TCP connection to the proxy is accepted (to tell a dead proxy from an unreachable collector)."""
    host, _, port = proxy.rpartition(":")
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(host.strip("[]"), int(port)), timeout=timeout_s
        )
    except (OSError, TimeoutError):
        return False
    writer.close()
    with suppress(OSError):
        await writer.wait_closed()
    return True


async def _unreachable_sentence(settings: Settings, url: str, exc: httpx.HTTPError) -> tuple[str, bool]:
    """Why `url` did not answer, in one sentence, and whether it is the proxy that is down."""
    proxy = settings.upload.socks5
    if isinstance(exc, httpx.ReadTimeout | httpx.WriteTimeout | httpx.PoolTimeout):
        waited = _timeout_of(exc)
        return f"the collector at {url} accepted the connection but did not answer within {waited}", False
    if proxy is None:
        if isinstance(exc, httpx.ConnectTimeout):
            return f"the collector at {url} could not be reached within {_timeout_of(exc)}", False
        return f"the collector at {url} cannot be reached ({_network_problem(exc)})", False
    if isinstance(exc, _NotSocks):
        return f"what answers at {proxy} is not a SOCKS5 proxy ({exc}); is upload.socks5 right?", False
    if isinstance(exc, httpx.ProxyError):
        return f"the SOCKS5 proxy at {proxy} could not reach the collector at {url} ({exc})", False
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout) and not await _proxy_answers(
        proxy, min(settings.upload.timeout_s, 5.0)
    ):
        return proxy_down_sentence(proxy), True
    return (
        f"the collector at {url} cannot be reached through the SOCKS5 proxy at {proxy} "
        f"({_network_problem(exc)})",
        False,
    )


async def collector_problem(settings: Settings, *, timeout_s: float = 3.0) -> str | None:
    """None when the collector answers for its log key (through the proxy when set), else why not."""
    url = _collector_url(settings)
    async with collector_client(settings, timeout_s=timeout_s) as http:
        try:
            (await http.get(f"{url}{API}/log/key")).raise_for_status()
        except httpx.HTTPStatusError as exc:
            return f"the collector at {url} answered {exc.response.status_code}"
        except httpx.HTTPError as exc:
            return (await _unreachable_sentence(settings, url, exc))[0]
    return None


def _collector_url(settings: Settings) -> str:
    if not settings.upload.url:
        raise NoCollectorError(
            "no collector is set: set upload.url in the config file (or PROBE_UPLOAD__URL), for example "
            "https://collector.example.org"
        )
    return settings.upload.url
