"""What the lab serves over HTTP: the sites (by Host header), and the blockpages a censor puts in their place.

Site pages are a few KB with a title and an uncommon `x-lab-origin` header, so that the probe's comparison
with the control (body length, title, header names) has something to work with. Blockpages are complete raw
HTTP responses, because middleboxes write them straight onto the connection instead of the origin's answer.
"""

from __future__ import annotations

from dataclasses import dataclass

from probe.lab.scenarios import REDIRECT_FINAL, Page
from probe.lab.web import Request, Response

ORIGIN_HEADER = "x-lab-origin"

_PARAGRAPH = (
    "<p>Phnom Penh, {n}. This is paragraph {n} of a page served by the Saksi censorship lab. It stands in "
    "for a news article long enough that a blockpage put in its place is easy to tell apart by its size, "
    "its title and its headers, as a real one would be.</p>\n"
)


@dataclass(frozen=True)
class Site:
    id: str
    title: str
    page: Page = Page.NORMAL


def normal_page(site: Site) -> bytes:
    paragraphs = "".join(_PARAGRAPH.format(n=n) for n in range(1, 16))
    return (
        f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>{site.title}</title></head>\n'
        f"<body><h1>{site.title}</h1>\n{paragraphs}</body></html>\n"
    ).encode()


# A shared-hosting provider's suspension page: it trips a vague blockpage word (cl.vbw_websiteblocked) but
# is a known false positive (cp.fp_x_fpru_site_unavailable), and the control sees the same page.
HOSTING_UNAVAILABLE_PAGE = (
    '<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Site Unavailable</title></head>\n'
    "<body><h1>Site Unavailable</h1>\n"
    "<p>This account has been suspended by Lab Hosting for unpaid invoices.</p>\n"
    "<p>Website Blocked: if you are the owner, log in to the hosting control panel to settle the account "
    "and the site will be restored within one hour.</p>\n" + "<!-- padding -->\n" * 40 + "</body></html>\n"
).encode()


class OriginApp:
    """The origin web servers: one process, virtual hosts by Host header."""

    def __init__(self, sites: dict[str, Site], https_port: int) -> None:
        self._sites = sites
        self._https_port = https_port

    def __call__(self, request: Request) -> Response:
        site = self._sites.get(request.host)
        if site is None:
            return Response(404, b"no such site in the lab\n", [("content-type", "text/plain")])
        headers = [("content-type", "text/html; charset=utf-8"), (ORIGIN_HEADER, site.id)]
        path = request.target.partition("?")[0]
        if site.page is Page.REDIRECT:
            if path == "/":
                return Response(301, b"", [*headers, ("location", "/step2")])
            if path == "/step2":
                final = f"https://{REDIRECT_FINAL.host}:{self._https_port}/"
                return Response(302, b"", [*headers, ("location", final)])
        if path != "/":
            return Response(404, b"not found\n", [*headers[1:], ("content-type", "text/plain")])
        if site.page is Page.HOSTING_UNAVAILABLE:
            return Response(200, HOSTING_UNAVAILABLE_PAGE, headers)
        return Response(200, normal_page(site), headers)


def raw_response(status: str, body: bytes, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{k}: {v}" for k, v in headers)]
    lines += [f"Content-Length: {len(body)}", "Connection: close"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# OONI fingerprint ooni.kh_http_1 is a body substring with a CRLF after "</head> " (the bytes of the
# fingerprints CSV read with newline="", as the csv module requires); the page reproduces it exactly.
KH_FORBIDDEN_PATTERN = b"<title>ERROR: Forbidden</title></head> \r\n<body><h2>ERROR: Forbidden</h2>"
KH_FORBIDDEN = raw_response(
    "200 OK",
    b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">\r\n'
    + KH_FORBIDDEN_PATTERN
    + b"\r\n<p>Access control configuration prevents your request from being allowed at this time.</p>"
    b"\r\n</body></html>\r\n",
    [("Content-Type", "text/html; charset=utf-8"), ("Server", "squid")],
)

# The same page as a box that writes LF line endings serves it: OONI's CRLF pattern must still match.
KH_FORBIDDEN_LF = raw_response(
    "200 OK",
    b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">\n'
    + KH_FORBIDDEN_PATTERN.replace(b"\r\n", b"\n")
    + b"\n<p>Access control configuration prevents your request from being allowed at this time.</p>"
    b"\n</body></html>\n",
    [("Content-Type", "text/html; charset=utf-8"), ("Server", "squid")],
)

# No fingerprint knows this page (its words avoid every vague-blockpage pattern); only the comparison with
# the control (another title, a fraction of the length, no x-lab-origin) can tell it is not the site.
MINISTRY_NOTICE = raw_response(
    "200 OK",
    b'<html><head><meta charset="utf-8"><title>Notice</title></head><body>'
    b"<h2>Notice</h2><p>Access to this address has been withheld by order of the ministry.</p>"
    b"</body></html>\n",
    [("Content-Type", "text/html; charset=utf-8")],
)

# What the ISP's own blockpage server (the DNS blockpage address) answers to any request.
ISP_NOTICE = raw_response(
    "200 OK",
    b'<html><head><meta charset="utf-8"><title>Lab Metfone</title></head><body>'
    b"<h2>Lab Metfone</h2><p>The page you asked for is not available on this network.</p>"
    b"</body></html>\n",
    [("Content-Type", "text/html; charset=utf-8")],
)
