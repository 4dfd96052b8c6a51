"""The request a browser sends: one documented desktop profile (Chrome on Windows, HTTP/1.1).

A filter that matches the bytes a browser puts on the wire (`Host: www.example.com`, a request line of
`GET / HTTP/1.1`, Host first) must see the same bytes from the probe, or HTTP blocking by Host is missed.
So the names keep a browser's case, come in its order, and carry its usual values. The profile is Chrome
131 on Windows 10, as captured from its first request of a typed-in address over HTTP/1.1:

    GET / HTTP/1.1
    Host: www.example.com
    Connection: keep-alive
    Upgrade-Insecure-Requests: 1
    User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) ... Chrome/131.0.0.0 Safari/537.36
    Accept: text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,...
    Accept-Encoding: gzip, deflate
    Accept-Language: en-US,en;q=0.9

Over HTTPS Chrome adds its client hints (`sec-ch-ua*`) after Connection and its fetch metadata
(`Sec-Fetch-*`) after Accept, as it does for a secure origin. Accept-Encoding stays `gzip, deflate` on
both (Chrome offers `br, zstd` too over HTTPS; the probe can decode neither, so it does not offer them).
User-Agent and Accept-Language are settings (`network.user_agent`, `network.accept_language`); the client
hints follow the User-Agent's Chrome version and are left out for a User-Agent that is not Chrome's.

Pure: no I/O.
"""

from __future__ import annotations

import re

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)
DEFAULT_ACCEPT_LANGUAGE = "en-US,en;q=0.9"
NAVIGATION_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,"
    "application/signed-exchange;v=b3;q=0.7"
)
ACCEPT_ENCODING = "gzip, deflate"
_CHROME = re.compile(r"\bChrome/(\d{2,4})\.")
_PLATFORMS = (("Windows", "Windows"), ("Macintosh", "macOS"), ("Android", "Android"), ("Linux", "Linux"))

Headers = list[tuple[str, str]]


def _client_hints(user_agent: str) -> Headers:
    found = _CHROME.search(user_agent)
    if found is None or "Edg/" in user_agent or "OPR/" in user_agent:
        return []
    major = found[1]
    platform = next((name for key, name in _PLATFORMS if key in user_agent), "Windows")
    mobile = "?1" if "Mobile" in user_agent else "?0"
    return [
        ("sec-ch-ua", f'"Google Chrome";v="{major}", "Chromium";v="{major}", "Not_A Brand";v="24"'),
        ("sec-ch-ua-mobile", mobile),
        ("sec-ch-ua-platform", f'"{platform}"'),
    ]


def navigation_headers(
    *,
    host: str,
    secure: bool,
    user_agent: str = DEFAULT_USER_AGENT,
    accept_language: str = DEFAULT_ACCEPT_LANGUAGE,
) -> Headers:
    """The header lines of a top-level GET, in the browser's order and case; `host` as the URL has it
    (with its port only when the URL names one)."""
    headers: Headers = [("Host", host), ("Connection", "keep-alive")]
    if secure:
        headers += _client_hints(user_agent)
    headers += [
        ("Upgrade-Insecure-Requests", "1"),
        ("User-Agent", user_agent),
        ("Accept", NAVIGATION_ACCEPT),
    ]
    if secure:
        headers += [
            ("Sec-Fetch-Site", "none"),
            ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-User", "?1"),
            ("Sec-Fetch-Dest", "document"),
        ]
    headers += [("Accept-Encoding", ACCEPT_ENCODING), ("Accept-Language", accept_language)]
    return headers


def request_head(method: str, target: str, headers: Headers) -> bytes:
    """The bytes of a request head as HTTP/1.1 writes it (for tests and the lab's filters)."""
    lines = [f"{method} {target} HTTP/1.1", *(f"{k}: {v}" for k, v in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
