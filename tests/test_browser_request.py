"""The probe's HTTP request is a browser's, byte for byte (probe.netio.browser, docs/methods.md): read off
a loopback socket, through the same httpx path the probe uses."""

from __future__ import annotations

import asyncio
import ssl

import httpx
import pytest
from pydantic import ValidationError

from probe.config import NetworkSettings
from probe.netio.browser import DEFAULT_USER_AGENT, navigation_headers, request_head
from probe.netio.http import fetch, make_client

CHROME_HTTP_HEAD = (
    b"GET /news?id=7 HTTP/1.1\r\n"
    b"Host: www.example.com:{port}\r\n"
    b"Connection: keep-alive\r\n"
    b"Upgrade-Insecure-Requests: 1\r\n"
    b"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    b"Chrome/131.0.0.0 Safari/537.36\r\n"
    b"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;"
    b"q=0.8,application/signed-exchange;v=b3;q=0.7\r\n"
    b"Accept-Encoding: gzip, deflate\r\n"
    b"Accept-Language: en-US,en;q=0.9\r\n"
    b"\r\n"
)


async def capture(url: str) -> bytes:
    """Serve one request on 127.0.0.1 to the probe's fetch with the profile's headers for `url`; the bytes
    the client wrote, up to the blank line, with the port written `{port}`."""
    seen: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.set_result(head)
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, make_client(ssl.create_default_context(), source_address=None, timeout_s=5) as client:
        target = httpx.URL(url.format(port=port))
        headers = navigation_headers(host=target.netloc.decode(), secure=False)
        got = await fetch(client, target, "127.0.0.1", headers, max_body_bytes=1024, timeout_s=5)
        assert got.status == 200 and got.body == b"ok"
    return (await seen).replace(str(port).encode(), b"{port}")


async def test_the_wire_bytes_are_chromes() -> None:
    assert await capture("http://www.example.com:{port}/news?id=7") == CHROME_HTTP_HEAD


async def test_nothing_of_the_library_is_added_or_reordered() -> None:
    sent = await capture("http://www.example.com:{port}/")
    names = [line.split(b":", 1)[0] for line in sent.split(b"\r\n")[1:] if line]
    assert names == [
        b"Host",
        b"Connection",
        b"Upgrade-Insecure-Requests",
        b"User-Agent",
        b"Accept",
        b"Accept-Encoding",
        b"Accept-Language",
    ]
    assert b"python-httpx" not in sent and b"host:" not in sent


def test_the_profile_matches_the_documented_table() -> None:
    head = request_head("GET", "/news?id=7", navigation_headers(host="www.example.com:{port}", secure=False))
    assert head == CHROME_HTTP_HEAD


def test_https_adds_client_hints_and_fetch_metadata_in_chromes_places() -> None:
    names = [k for k, _ in navigation_headers(host="www.example.com", secure=True)]
    assert names == [
        "Host",
        "Connection",
        "sec-ch-ua",
        "sec-ch-ua-mobile",
        "sec-ch-ua-platform",
        "Upgrade-Insecure-Requests",
        "User-Agent",
        "Accept",
        "Sec-Fetch-Site",
        "Sec-Fetch-Mode",
        "Sec-Fetch-User",
        "Sec-Fetch-Dest",
        "Accept-Encoding",
        "Accept-Language",
    ]
    hints = dict(navigation_headers(host="x", secure=True))
    assert hints["sec-ch-ua"] == '"Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"'
    assert hints["sec-ch-ua-platform"] == '"Windows"'
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
    assert "sec-ch-ua" not in dict(navigation_headers(host="x", secure=True, user_agent=firefox))


def test_settings_carry_the_profile_and_refuse_header_injection() -> None:
    settings = NetworkSettings()
    assert settings.user_agent == DEFAULT_USER_AGENT and settings.accept_language == "en-US,en;q=0.9"
    for bad in ("Mozilla/5.0\r\nX-Evil: 1", "", " padded", "café"):
        with pytest.raises(ValidationError):
            NetworkSettings(user_agent=bad)
        with pytest.raises(ValidationError):
            NetworkSettings(accept_language=bad)
