"""The HTTP layer: fetch a URL through a chosen address, follow redirects, keep what a comparison needs."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable

import httpx

from probe.failures import Failure, classify_exception
from probe.measure.env import Clock, Env
from probe.models.observation import HttpObservation
from probe.netio.browser import navigation_headers
from probe.netio.http import fetch

EXCERPT_BYTES = 64 * 1024  # kept as evidence; trimmed later when the verdict is `accessible`
_TITLE = re.compile(r"(?i)<title>([^<]{1,512})</title>")
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

# Picks an address for a host met on a redirect: (host) -> address or None.
Resolve = Callable[[str], Awaitable[str | None]]


def request_headers(env: Env, url: httpx.URL) -> list[tuple[str, str]]:
    """A browser's request headers for `url` (probe.netio.browser), with the configured User-Agent and
    Accept-Language."""
    return navigation_headers(
        host=url.netloc.decode("ascii"),
        secure=url.scheme == "https",
        user_agent=env.network.user_agent,
        accept_language=env.network.accept_language,
    )


def decode(body: bytes, content_type: str | None) -> str:
    charset = "utf-8"
    if content_type and "charset=" in content_type:
        charset = content_type.split("charset=", 1)[1].split(";")[0].strip().strip('"') or "utf-8"
    try:
        return body.decode(charset, errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def title_of(text: str) -> str | None:
    match = _TITLE.search(text)
    return match.group(1).strip() if match else None


def _port(url: httpx.URL) -> int:
    return url.port or (443 if url.scheme == "https" else 80)


async def fetch_chain(env: Env, url: str, ip: str, resolve: Resolve, clock: Clock) -> list[HttpObservation]:
    """One observation per hop; the last is the final response or the failure that ended the chain."""
    hops: list[HttpObservation] = []
    current = httpx.URL(url)
    address: str | None = ip
    for _ in range(env.network.max_redirects + 1):
        t0 = clock.now()
        sent = request_headers(env, current)
        headers = dict(sent)
        if address is None:
            hops.append(
                HttpObservation(
                    url=str(current),
                    ip=None,
                    port=_port(current),
                    t_start=t0,
                    t_end=clock.now(),
                    failure=Failure.DNS_NXDOMAIN,
                    failure_detail=f"no usable address for {current.host}",
                    request_headers=headers,
                )
            )
            return hops
        try:
            got = await fetch(
                env.http,
                current,
                address,
                sent,
                max_body_bytes=env.network.max_body_bytes,
                timeout_s=env.timeouts.http_s,
            )
        except (httpx.HTTPError, OSError, TimeoutError) as exc:
            failure, detail = classify_exception(exc)
            hops.append(
                HttpObservation(
                    url=str(current),
                    ip=address,
                    port=_port(current),
                    t_start=t0,
                    t_end=clock.now(),
                    failure=failure,
                    failure_detail=detail,
                    request_headers=headers,
                )
            )
            return hops
        response_headers: dict[str, str] = {}
        for name, value in got.headers:
            response_headers[name] = (
                f"{response_headers[name]}, {value}" if name in response_headers else value
            )
        text = decode(got.body, response_headers.get("content-type"))
        hops.append(
            HttpObservation(
                url=str(current),
                ip=address,
                port=_port(current),
                t_start=t0,
                t_end=clock.now(),
                request_headers=headers,
                status=got.status,
                response_headers=response_headers,
                body_length=len(got.body),
                body_truncated=got.truncated,
                body_sha256=hashlib.sha256(got.body).hexdigest(),
                title=title_of(text),
                body_excerpt=decode(got.body[:EXCERPT_BYTES], response_headers.get("content-type")) or None,
            )
        )
        location = response_headers.get("location")
        if got.status not in _REDIRECTS or not location:
            return hops
        following = current.join(location)
        if following.scheme not in ("http", "https"):
            return hops
        if following.host != current.host:
            address = await resolve(following.host)
        current = following
    last = hops[-1]
    hops[-1] = last.model_copy(update={"failure": Failure.HTTP_TOO_MANY_REDIRECTS})
    return hops
