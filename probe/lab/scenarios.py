"""The lab's named censorship scenarios, as data: what each does to the probe and the verdict it must get.

Each scenario is one site (a `.lab.test` name on its own loopback address) plus three knobs: what the ISP
resolver tells the probe, what the middlebox in front of the address does to the probe's connections, and what
the site itself serves. `probe.lab.network` turns these rows into servers; nothing here does I/O. The address
plan is in this module so that the whole lab can be read in one place:

    127.0.0.2 / .3     probe and control sources (clients bind to them; the lab tells them apart by address)
    127.0.53.1 / .2    ISP resolver (censors the probe) / public resolver (honest), UDP, ephemeral ports
    127.0.53.3         DoH resolver (honest, HTTPS, certificate with an IP SAN)
    127.0.99.1         the origin servers behind the middleboxes (HTTP, HTTPS, HTTPS with the rogue CA)
    127.10.0.0/16      scenario sites (AS64500 "Lab Hosting")
    127.20.0.0/16      geo-DNS CDN node the ISP resolver hands out (AS64501, KH)
    127.21.0.0/16      geo-DNS CDN node the honest resolvers hand out (AS64502, DE)
    127.36.0.0/16,
    127.38.0.0/16      inside the probe's own ISP (AS38623 "Lab Metfone"): blockpage server, sinkhole
    127.40-42.0.0/16   generated benchmark sites (accessible, SYN-dropped, SNI-silenced)
    127.66.6.6         the address the on-path DNS injector forges (nothing listens there)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

LAB_DOMAIN = "lab.test"

ISP_RESOLVER_IP = "127.0.53.1"
PUBLIC_RESOLVER_IP = "127.0.53.2"
DOH_IP = "127.0.53.3"
ORIGIN_IP = "127.0.99.1"

BOGON_ANSWER = "10.10.10.1"  # pfBlockerNG's default sinkhole, OONI fingerprint ooni.kh_dns_2
BLOCKPAGE_SERVER_IP = "127.36.37.94"  # stands in for Metfone's 36.37.242.94 (ooni.kh_dns_1)
BLOCKPAGE_FINGERPRINT = "lab.kh_dns_blockpage"
SINKHOLE_IP = "127.38.0.10"
INJECTED_ANSWER = "127.66.6.6"
INJECTION_DELAY_S = 0.05  # the genuine reply trails the forged one, as it does across a real border

PROBE_ASN = 38623
PROBE_NETWORK_NAME = "Lab Metfone"
PROBE_CC = "KH"


@dataclass(frozen=True)
class Expected:
    """The verdict the probe must reach for a scenario (the Verdict fields a test can check)."""

    outcome: str  # "accessible" | "blocked" | "down" | "inconclusive"
    method: str | None
    confidence: str | None  # "confirmed" | "likely" | "possible"
    fingerprint: str | None = None


ACCESSIBLE = Expected("accessible", None, None)


class IspDns(Enum):
    """What the ISP resolver answers the probe for the scenario's name (everyone else gets the truth)."""

    HONEST = "honest"
    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    SILENT = "silent"
    ADDRESS = "address"  # a different address: Scenario.isp_address


class Front(Enum):
    """What the middlebox on the scenario's address does to the probe's connections."""

    FORWARD = "forward"  # nothing: every connection reaches the origin
    DROP_PROBE_SYN = "drop_probe_syn"  # BPF filter on the listener: the probe's connect times out
    RESET_ON_CONNECT = "reset_on_connect"  # accepted, then RST before any byte
    SNI_RESET = "sni_reset"  # RST after a ClientHello naming the site
    SNI_SILENCE = "sni_silence"  # no answer after a ClientHello naming the site
    MITM = "mitm"  # TLS for the site terminated with the rogue CA's certificate
    HTTP_BLOCKPAGE_KH = "http_blockpage_kh"  # plain HTTP for the site answered with ooni.kh_http_1's page
    HTTP_BLOCKPAGE_UNKNOWN = "http_blockpage_unknown"  # plain HTTP answered with an unfingerprinted page
    HOST_RESET = "host_reset"  # RST after an HTTP request naming the site
    # DPI rules written against a browser's exact bytes (probe.netio.browser), blind to other spellings:
    DPI_HOST_RESET = "dpi_host_reset"  # RST when the request holds "\r\nHost: <site>" exactly
    DPI_BROWSER_BLOCKPAGE = "dpi_browser_blockpage"  # ooni.kh_http_1's page, LF line endings, when the
    # request starts as Chrome's does: "GET / HTTP/1.1", Host first, Connection, Upgrade-Insecure-Requests
    NOTHING = "nothing"  # no listener at all: connection refused for everyone


class Page(Enum):
    """What the origin serves for the site, to everyone."""

    NORMAL = "normal"
    REDIRECT = "redirect"  # / → 301 /step2 → 302 https://redirect-final.lab.test/
    HOSTING_UNAVAILABLE = "hosting_unavailable"  # a hosting provider's page that looks like a blockpage


@dataclass(frozen=True)
class Scenario:
    """One named censorship scenario: a site, what the ISP does to the probe's traffic, and the verdict."""

    id: str
    description: str
    expected: Expected
    host: str
    scheme: str  # "http" | "https"
    address: str  # where the site really is (what honest resolvers answer)
    isp_dns: IspDns = IspDns.HONEST
    isp_address: str | None = None  # the ISP resolver's answer when isp_dns is ADDRESS
    injected: bool = False  # an on-path injector forges a reply before every resolver's real one
    front: Front = Front.FORWARD
    page: Page = Page.NORMAL
    path: str = "/"


@dataclass(frozen=True)
class HelperSite:
    """A site that is not a scenario of its own but that a scenario needs (a redirect's final hop)."""

    id: str
    host: str
    address: str


def _host(label: str) -> str:
    return f"{label}.{LAB_DOMAIN}"


REDIRECT_FINAL = HelperSite("redirect_final", _host("redirect-final"), "127.10.1.3")
HELPER_SITES: tuple[HelperSite, ...] = (REDIRECT_FINAL,)


def _blocked(method: str, confidence: str, fingerprint: str | None = None) -> Expected:
    return Expected("blocked", method, confidence, fingerprint)


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "http_accessible",
        "A plain HTTP page nobody interferes with.",
        ACCESSIBLE,
        _host("http-accessible"),
        "http",
        "127.10.0.1",
    ),
    Scenario(
        "https_accessible",
        "An HTTPS page nobody interferes with.",
        ACCESSIBLE,
        _host("https-accessible"),
        "https",
        "127.10.0.2",
    ),
    Scenario(
        "redirect_chain",
        "A 301 then a 302 to HTTPS on another lab host, which answers 200.",
        ACCESSIBLE,
        _host("redirect"),
        "http",
        "127.10.0.3",
        page=Page.REDIRECT,
    ),
    Scenario(
        "cdn_geo_dns",
        "Geo-DNS: the ISP resolver gives a nearby CDN node (other /16, other ASN) that serves the same site "
        "with a valid certificate; not censorship.",
        ACCESSIBLE,
        _host("cdn-geo-dns"),
        "https",
        "127.21.0.4",
        isp_dns=IspDns.ADDRESS,
        isp_address="127.20.0.4",
    ),
    Scenario(
        "dns_nxdomain",
        "The ISP resolver says the name does not exist.",
        _blocked("dns.nxdomain", "likely"),
        _host("dns-nxdomain"),
        "https",
        "127.10.0.5",
        isp_dns=IspDns.NXDOMAIN,
    ),
    Scenario(
        "dns_servfail",
        "The ISP resolver answers SERVFAIL for the name.",
        _blocked("dns.servfail", "possible"),
        _host("dns-servfail"),
        "https",
        "127.10.0.6",
        isp_dns=IspDns.SERVFAIL,
    ),
    Scenario(
        "dns_refused",
        "The ISP resolver answers REFUSED for the name.",
        _blocked("dns.refused", "likely"),
        _host("dns-refused"),
        "https",
        "127.10.0.7",
        isp_dns=IspDns.REFUSED,
    ),
    Scenario(
        "dns_timeout",
        "The ISP resolver never answers queries for the name.",
        _blocked("dns.timeout", "likely"),
        _host("dns-timeout"),
        "https",
        "127.10.0.8",
        isp_dns=IspDns.SILENT,
    ),
    Scenario(
        "dns_bogon",
        "The ISP resolver answers 10.10.10.1, pfBlockerNG's sinkhole (OONI ooni.kh_dns_2).",
        _blocked("dns.bogon", "confirmed", "ooni.kh_dns_2"),
        _host("dns-bogon"),
        "https",
        "127.10.0.9",
        isp_dns=IspDns.ADDRESS,
        isp_address=BOGON_ANSWER,
    ),
    Scenario(
        "dns_isp_sinkhole_timeout",
        "The ISP resolver answers an address inside the ISP's own network, which drops every SYN.",
        _blocked("dns.inconsistent", "likely"),
        _host("dns-isp-sinkhole-timeout"),
        "https",
        "127.10.0.10",
        isp_dns=IspDns.ADDRESS,
        isp_address=SINKHOLE_IP,
    ),
    Scenario(
        "dns_blockpage_ip",
        "The ISP resolver answers the address of the ISP's blockpage server (lab.kh_dns_blockpage).",
        _blocked("dns.blockpage_ip", "confirmed", BLOCKPAGE_FINGERPRINT),
        _host("dns-blockpage-ip"),
        "http",
        "127.10.0.11",
        isp_dns=IspDns.ADDRESS,
        isp_address=BLOCKPAGE_SERVER_IP,
    ),
    Scenario(
        "dns_injection",
        "An on-path injector answers every resolver first (127.66.6.6); the real reply follows 50 ms later.",
        _blocked("dns.injection", "confirmed"),
        _host("dns-injection"),
        "https",
        "127.10.0.12",
        injected=True,
    ),
    Scenario(
        "tcp_timeout",
        "SYNs from the probe to the site's address are dropped.",
        _blocked("tcp.timeout", "likely"),
        _host("tcp-timeout"),
        "https",
        "127.10.0.13",
        front=Front.DROP_PROBE_SYN,
    ),
    Scenario(
        "tcp_reset",
        "The probe's connections are accepted, then reset before any byte.",
        _blocked("tcp.reset", "likely"),
        _host("tcp-reset"),
        "https",
        "127.10.0.14",
        front=Front.RESET_ON_CONNECT,
    ),
    Scenario(
        "tls_sni_reset",
        "A ClientHello naming the site is answered with a RST; other names pass.",
        _blocked("tls.reset", "likely"),
        _host("tls-sni-reset"),
        "https",
        "127.10.0.15",
        front=Front.SNI_RESET,
    ),
    Scenario(
        "tls_sni_timeout",
        "A ClientHello naming the site is never answered; other names pass.",
        _blocked("tls.timeout", "likely"),
        _host("tls-sni-timeout"),
        "https",
        "127.10.0.16",
        front=Front.SNI_SILENCE,
    ),
    Scenario(
        "tls_mitm_untrusted_ca",
        "The probe's TLS is terminated with a certificate for the site from a CA it does not trust.",
        _blocked("tls.mitm", "confirmed"),
        _host("tls-mitm-untrusted-ca"),
        "https",
        "127.10.0.17",
        front=Front.MITM,
    ),
    Scenario(
        "http_blockpage_fingerprint",
        "Plain HTTP answered with the Cambodian 'ERROR: Forbidden' blockpage (OONI ooni.kh_http_1).",
        _blocked("http.blockpage", "confirmed", "ooni.kh_http_1"),
        _host("http-blockpage-fingerprint"),
        "http",
        "127.10.0.18",
        front=Front.HTTP_BLOCKPAGE_KH,
    ),
    Scenario(
        "http_blockpage_unknown",
        "Plain HTTP answered with a short ministry notice no fingerprint knows.",
        _blocked("http.diff", "likely"),
        _host("http-blockpage-unknown"),
        "http",
        "127.10.0.19",
        front=Front.HTTP_BLOCKPAGE_UNKNOWN,
    ),
    Scenario(
        "http_false_positive",
        "The site itself serves a hosting provider's 'Site Unavailable' page that says 'Website Blocked'.",
        ACCESSIBLE,
        _host("http-false-positive"),
        "http",
        "127.10.0.20",
        page=Page.HOSTING_UNAVAILABLE,
    ),
    Scenario(
        "http_host_reset",
        "An HTTP request naming the site is answered with a RST.",
        _blocked("http.reset", "likely"),
        _host("http-host-reset"),
        "http",
        "127.10.0.21",
        front=Front.HOST_RESET,
    ),
    Scenario(
        "http_dpi_host_reset",
        "A DPI rule resets requests holding 'Host: <site>' exactly as a browser writes it (case, one space).",
        _blocked("http.reset", "likely"),
        _host("http-dpi-host-reset"),
        "http",
        "127.10.0.23",
        front=Front.DPI_HOST_RESET,
    ),
    Scenario(
        "http_dpi_browser_blockpage",
        "A DPI rule matching Chrome's first request lines answers the 'ERROR: Forbidden' page (OONI "
        "ooni.kh_http_1) with LF line endings where OONI's pattern has CRLF.",
        _blocked("http.blockpage", "confirmed", "ooni.kh_http_1"),
        _host("http-dpi-browser-blockpage"),
        "http",
        "127.10.0.24",
        front=Front.DPI_BROWSER_BLOCKPAGE,
    ),
    Scenario(
        "site_down",
        "Nothing listens at the site's address: connection refused for everyone.",
        Expected("down", None, None),
        _host("site-down"),
        "https",
        "127.10.0.22",
        front=Front.NOTHING,
    ),
)

# Benchmark sites share a few addresses per behaviour, so thousands of them need only a few hundred sockets.
BULK_POOL_SIZE = 32
BULK_NETWORKS = {Front.FORWARD: "127.40", Front.DROP_PROBE_SYN: "127.41", Front.SNI_SILENCE: "127.42"}


def bulk_scenarios(count: int) -> tuple[Scenario, ...]:
    """`count` generated HTTPS sites: 80 % accessible, 10 % SYN-dropped, 10 % silenced after the SNI.

    The first site is always blocked, so even a tiny sweep pays for a timeout.
    """
    sites = []
    for i in range(count):
        if i % 10 == 0:
            front, expected = Front.DROP_PROBE_SYN, _blocked("tcp.timeout", "likely")
        elif i % 10 == 5:
            front, expected = Front.SNI_SILENCE, _blocked("tls.timeout", "likely")
        else:
            front, expected = Front.FORWARD, ACCESSIBLE
        slot = i % BULK_POOL_SIZE
        address = f"{BULK_NETWORKS[front]}.{slot // 250}.{slot % 250 + 1}"
        sites.append(
            Scenario(
                f"bulk_{i:04d}",
                "A generated benchmark site.",
                expected,
                _host(f"bulk-{i:04d}"),
                "https",
                address,
                front=front,
            )
        )
    return tuple(sites)
