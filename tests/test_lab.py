"""The censorship lab behaves as its scenarios say, checked with plain sockets, ssl and dnspython.

These tests do not use the probe's measurement code: they are what keeps the lab honest, so that a failing
scenario test elsewhere points at the probe and not at the lab.
"""

from __future__ import annotations

import base64
import csv
import gc
import ipaddress
import re
import socket
import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from probe.config import Settings
from probe.lab import SCENARIOS, Lab, LabError
from probe.lab.middlebox import FrontPolicy, client_hello_sni, http_host
from probe.lab.network import FrontAddress, _bind_fronts
from probe.lab.scenarios import (
    BLOCKPAGE_SERVER_IP,
    INJECTED_ANSWER,
    REDIRECT_FINAL,
    SINKHOLE_IP,
    Scenario,
)
from probe.models.verdict import Confidence, Method, Outcome
from probe.netio.browser import navigation_headers, request_head

PROBE = "127.0.0.2"
CONTROL = "127.0.0.3"
SHORT_S = 0.5
OONI_HTTP_FINGERPRINTS = Path("/work/shared/data/ooni-fingerprints/fingerprints_http.csv")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    with Lab(tmp_path_factory.mktemp("lab"), extra_sites=20) as running:
        yield running


def scenario(scenario_id: str) -> Scenario:
    return next(s for s in SCENARIOS if s.id == scenario_id)


def hostport(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host, int(port)


def query(
    lab: Lab, name: str, source: str, *, resolver: str | None = None, rdtype: str = "A"
) -> dns.message.Message:
    ip, port = hostport(resolver or lab.isp_resolver)
    message = dns.message.make_query(name, rdtype)
    return dns.query.udp(message, ip, port=port, timeout=1.0, source=source)


def answers(reply: dns.message.Message) -> list[str]:
    return [rdata.to_text() for rrset in reply.answer for rdata in rrset]


def connect(address: str, port: int, source: str, timeout: float = 2.0) -> socket.socket:
    return socket.create_connection((address, port), timeout=timeout, source_address=(source, 0))


def trusted(lab: Lab) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(lab.ca_bundle))


def unverified() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def http_get(
    address: str, port: int, host: str, source: str, *, tls: ssl.SSLContext | None = None, path: str = "/"
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request over a fresh connection; the status, headers (lower-case) and body."""
    with connect(address, port, source) as raw:
        sock = tls.wrap_socket(raw, server_hostname=host) if tls else raw
        with sock:
            sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode())
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body


def title(body: bytes) -> str:
    match = re.search(rb"(?i)<title>([^<]{1,512})</title>", body)
    return match.group(1).decode() if match else ""


# -- the scenario table --------------------------------------------------------------------------------------


def test_scenarios_are_the_24_named_ones_with_valid_verdicts() -> None:
    assert len(SCENARIOS) == 24
    assert len({s.id for s in SCENARIOS}) == len({s.host for s in SCENARIOS}) == 24
    assert len({s.address for s in SCENARIOS}) == 24
    for s in SCENARIOS:
        Outcome(s.expected.outcome)
        assert s.expected.method is None or Method(s.expected.method)
        assert s.expected.confidence is None or Confidence(s.expected.confidence)
        assert s.host.endswith(".lab.test")
        address = ipaddress.ip_address(s.address)
        assert address.is_loopback
        assert address not in ipaddress.ip_network("127.0.0.0/24")


def test_instances_have_urls_on_the_lab_ports(lab: Lab) -> None:
    assert [i.scenario for i in lab.instances] == list(SCENARIOS)
    assert lab.instance("tls_sni_reset").url == f"https://tls-sni-reset.lab.test:{lab.ports.https}/"
    assert lab.instance("http_accessible").url == f"http://http-accessible.lab.test:{lab.ports.http}/"


def test_overrides_are_valid_settings(lab: Lab) -> None:
    probe = Settings(**lab.probe_overrides())
    assert probe.network.source_address == PROBE
    assert probe.network.system_resolvers == [lab.isp_resolver]
    assert not any(ipaddress.ip_address("127.10.0.1") in net for net in probe.network.bogon_ranges)
    assert any(ipaddress.ip_address("10.10.10.1") in net for net in probe.network.bogon_ranges)
    assert probe.probe.asn == 38623
    control = Settings(**lab.control_overrides())
    assert control.network.source_address == CONTROL
    assert control.network.system_resolvers == [lab.public_resolver]
    assert control.control.asn_db == lab.asn_db


def test_asn_db_places_the_probe_and_sinkhole_in_the_isp_and_the_cdn_nodes_apart(lab: Lab) -> None:
    rows = [line.split("\t") for line in lab.asn_db.read_text().splitlines()]
    assert all(len(row) == 5 for row in rows)

    def asn(ip: str) -> int:
        value = ipaddress.IPv4Address(ip)
        for start, end, number, _cc, _name in rows:
            if ipaddress.IPv4Address(start) <= value <= ipaddress.IPv4Address(end):
                return int(number)
        raise AssertionError(ip)

    cdn = scenario("cdn_geo_dns")
    assert asn(PROBE) == asn(SINKHOLE_IP) == 38623
    assert asn(cdn.address) != asn(str(cdn.isp_address)) != 0
    assert asn(scenario("dns_isp_sinkhole_timeout").address) not in (0, 38623)


def test_fingerprints_csv_lists_the_blockpage_address(lab: Lab) -> None:
    with lab.fingerprints_csv.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0]["name"] == "lab.kh_dns_blockpage"
    assert (rows[0]["location_found"], rows[0]["pattern_type"]) == ("dns", "full")
    assert rows[0]["pattern"] == BLOCKPAGE_SERVER_IP


# -- DNS -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario_id", "rcode", "probe_answer"),
    [
        ("dns_nxdomain", dns.rcode.NXDOMAIN, []),
        ("dns_servfail", dns.rcode.SERVFAIL, []),
        ("dns_refused", dns.rcode.REFUSED, []),
        ("dns_bogon", dns.rcode.NOERROR, ["10.10.10.1"]),
        ("dns_isp_sinkhole_timeout", dns.rcode.NOERROR, [SINKHOLE_IP]),
        ("dns_blockpage_ip", dns.rcode.NOERROR, [BLOCKPAGE_SERVER_IP]),
        ("cdn_geo_dns", dns.rcode.NOERROR, ["127.20.0.4"]),
        ("https_accessible", dns.rcode.NOERROR, ["127.10.0.2"]),
    ],
)
def test_isp_resolver_lies_to_the_probe_only(
    lab: Lab, scenario_id: str, rcode: int, probe_answer: list[str]
) -> None:
    s = scenario(scenario_id)
    reply = query(lab, s.host, PROBE)
    assert (reply.rcode(), answers(reply)) == (rcode, probe_answer)
    for source, resolver in ((CONTROL, None), (CONTROL, lab.public_resolver), (PROBE, lab.public_resolver)):
        honest = query(lab, s.host, source, resolver=resolver)
        assert (honest.rcode(), answers(honest)) == (dns.rcode.NOERROR, [s.address])


def test_isp_resolver_is_silent_to_the_probe_for_the_timeout_name(lab: Lab) -> None:
    s = scenario("dns_timeout")
    ip, port = hostport(lab.isp_resolver)
    message = dns.message.make_query(s.host, "A")
    with pytest.raises(dns.exception.Timeout):
        dns.query.udp(message, ip, port=port, timeout=SHORT_S, source=PROBE)
    assert answers(query(lab, s.host, CONTROL)) == [s.address]


def test_aaaa_is_an_empty_answer_and_unknown_names_do_not_exist(lab: Lab) -> None:
    reply = query(lab, "https-accessible.lab.test", PROBE, rdtype="AAAA")
    assert (reply.rcode(), reply.answer) == (dns.rcode.NOERROR, [])
    injected = query(lab, "dns-injection.lab.test", PROBE, rdtype="AAAA")
    assert (injected.rcode(), injected.answer) == (dns.rcode.NOERROR, [])
    assert query(lab, "nowhere.lab.test", CONTROL).rcode() == dns.rcode.NXDOMAIN


@pytest.mark.parametrize("resolver", ["isp", "public"])
def test_injector_answers_the_probe_twice_and_the_control_once(lab: Lab, resolver: str) -> None:
    s = scenario("dns_injection")
    server = hostport(lab.isp_resolver if resolver == "isp" else lab.public_resolver)

    def replies(source: str) -> list[list[str]]:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
            sock.bind((source, 0))
            sock.settimeout(0.3)
            sock.sendto(dns.message.make_query(s.host, "A").to_wire(), server)
            received = []
            try:
                while True:
                    received.append(answers(dns.message.from_wire(sock.recv(4096))))
            except TimeoutError:
                return received

    assert replies(PROBE) == [[INJECTED_ANSWER], [s.address]]
    assert replies(CONTROL) == [[s.address]]


def test_doh_answers_get_and_post_honestly(lab: Lab) -> None:
    s = scenario("dns_nxdomain")
    wire = dns.message.make_query(s.host, "A").to_wire()
    with httpx.Client(verify=trusted(lab)) as client:
        posted = client.post(lab.doh_url, content=wire, headers={"content-type": "application/dns-message"})
        encoded = base64.urlsafe_b64encode(wire).rstrip(b"=").decode()
        got = client.get(lab.doh_url, params={"dns": encoded})
    for response in (posted, got):
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/dns-message"
        assert answers(dns.message.from_wire(response.content)) == [s.address]


# -- TCP -----------------------------------------------------------------------------------------------------


def test_syn_filter_times_the_probe_out_and_lets_the_control_in(lab: Lab) -> None:
    s = scenario("tcp_timeout")
    with pytest.raises(TimeoutError):
        connect(s.address, lab.ports.https, PROBE, timeout=SHORT_S)
    with connect(s.address, lab.ports.https, CONTROL) as sock:
        trusted(lab).wrap_socket(sock, server_hostname=s.host).close()


def test_isp_sinkhole_times_out_for_everyone(lab: Lab) -> None:
    for source in (PROBE, CONTROL):
        with pytest.raises(TimeoutError):
            connect(SINKHOLE_IP, lab.ports.https, source, timeout=SHORT_S)


def test_tcp_reset_before_any_byte_for_the_probe_only(lab: Lab) -> None:
    s = scenario("tcp_reset")
    with connect(s.address, lab.ports.https, PROBE) as sock, pytest.raises(ConnectionResetError):
        trusted(lab).wrap_socket(sock, server_hostname="example.com")
    status, _, _ = http_get(s.address, lab.ports.https, s.host, CONTROL, tls=trusted(lab))
    assert status == 200


def test_site_down_refuses_everyone(lab: Lab) -> None:
    s = scenario("site_down")
    for source in (PROBE, CONTROL):
        with pytest.raises(ConnectionRefusedError):
            connect(s.address, lab.ports.https, source)


# -- TLS -----------------------------------------------------------------------------------------------------


def test_sni_middlebox_resets_the_target_name_and_passes_another(lab: Lab) -> None:
    s = scenario("tls_sni_reset")
    with connect(s.address, lab.ports.https, PROBE) as sock, pytest.raises(ConnectionResetError):
        trusted(lab).wrap_socket(sock, server_hostname=s.host)
    with connect(s.address, lab.ports.https, PROBE) as sock:
        unverified().wrap_socket(sock, server_hostname="example.com").close()
    status, headers, _ = http_get(s.address, lab.ports.https, s.host, CONTROL, tls=trusted(lab))
    assert (status, headers["x-lab-origin"]) == (200, s.id)


def test_sni_middlebox_goes_silent_for_the_target_name(lab: Lab) -> None:
    s = scenario("tls_sni_timeout")
    with connect(s.address, lab.ports.https, PROBE, timeout=SHORT_S) as sock, pytest.raises(TimeoutError):
        trusted(lab).wrap_socket(sock, server_hostname=s.host)
    with connect(s.address, lab.ports.https, PROBE) as sock:
        unverified().wrap_socket(sock, server_hostname="example.com").close()
    with connect(s.address, lab.ports.https, CONTROL) as sock:
        trusted(lab).wrap_socket(sock, server_hostname=s.host).close()


def test_mitm_certificate_does_not_chain_to_the_lab_ca(lab: Lab) -> None:
    s = scenario("tls_mitm_untrusted_ca")
    with connect(s.address, lab.ports.https, PROBE) as sock, pytest.raises(ssl.SSLCertVerificationError):
        trusted(lab).wrap_socket(sock, server_hostname=s.host)
    with connect(s.address, lab.ports.https, PROBE) as sock:
        tls = unverified().wrap_socket(sock, server_hostname=s.host)
        der = tls.getpeercert(binary_form=True)
        tls.close()
    assert der is not None
    assert b"Interception Appliance CA" in der
    with connect(s.address, lab.ports.https, CONTROL) as sock:
        trusted(lab).wrap_socket(sock, server_hostname=s.host).close()


def test_both_geo_dns_nodes_serve_the_site_with_a_valid_certificate(lab: Lab) -> None:
    s = scenario("cdn_geo_dns")
    for address in (s.address, str(s.isp_address)):
        status, headers, _ = http_get(address, lab.ports.https, s.host, PROBE, tls=trusted(lab))
        assert (status, headers["x-lab-origin"]) == (200, s.id)


# -- HTTP ----------------------------------------------------------------------------------------------------


def ooni_http_pattern(name: str) -> bytes:
    with OONI_HTTP_FINGERPRINTS.open(newline="", encoding="utf-8") as f:
        return next(r["pattern"] for r in csv.DictReader(f) if r["name"] == name).encode()


def test_http_blockpage_carries_the_kh_fingerprint_for_the_probe_only(lab: Lab) -> None:
    s = scenario("http_blockpage_fingerprint")
    _, _, blocked = http_get(s.address, lab.ports.http, s.host, PROBE)
    assert ooni_http_pattern("ooni.kh_http_1") in blocked
    status, headers, body = http_get(s.address, lab.ports.http, s.host, CONTROL)
    assert (status, headers["x-lab-origin"]) == (200, s.id)
    assert b"Forbidden" not in body


def test_unknown_blockpage_differs_from_the_site_in_every_way(lab: Lab) -> None:
    s = scenario("http_blockpage_unknown")
    status, headers, blocked = http_get(s.address, lab.ports.http, s.host, PROBE)
    _, control_headers, real = http_get(s.address, lab.ports.http, s.host, CONTROL)
    assert status == 200
    assert "x-lab-origin" not in headers
    assert control_headers["x-lab-origin"] == s.id
    assert len(blocked) < 0.3 * len(real)
    assert title(blocked) != title(real)
    with OONI_HTTP_FINGERPRINTS.open(newline="", encoding="utf-8") as f:
        patterns = [r["pattern"].encode() for r in csv.DictReader(f) if r["location_found"] == "body"]
    assert not [p for p in patterns if p in blocked]


def test_false_positive_page_is_served_to_everyone(lab: Lab) -> None:
    s = scenario("http_false_positive")
    pages = [http_get(s.address, lab.ports.http, s.host, source)[2] for source in (PROBE, CONTROL)]
    assert pages[0] == pages[1]
    assert ooni_http_pattern("cp.fp_x_fpru_site_unavailable") in pages[0]
    assert ooni_http_pattern("cl.vbw_websiteblocked") in pages[0]


def test_host_reset_for_the_target_host_only(lab: Lab) -> None:
    s = scenario("http_host_reset")
    with pytest.raises(ConnectionResetError):
        http_get(s.address, lab.ports.http, s.host, PROBE)
    assert http_get(s.address, lab.ports.http, "http-accessible.lab.test", PROBE)[0] == 200
    assert http_get(s.address, lab.ports.http, s.host, CONTROL)[0] == 200


def test_redirect_chain_ends_on_https_at_another_host(lab: Lab) -> None:
    s = scenario("redirect_chain")
    status, headers, _ = http_get(s.address, lab.ports.http, s.host, PROBE)
    assert (status, headers["location"]) == (301, "/step2")
    status, headers, _ = http_get(s.address, lab.ports.http, s.host, PROBE, path="/step2")
    final = f"https://{REDIRECT_FINAL.host}:{lab.ports.https}/"
    assert (status, headers["location"]) == (302, final)
    assert answers(query(lab, REDIRECT_FINAL.host, PROBE)) == [REDIRECT_FINAL.address]
    status, _, body = http_get(
        REDIRECT_FINAL.address, lab.ports.https, REDIRECT_FINAL.host, PROBE, tls=trusted(lab)
    )
    assert status == 200
    assert len(body) > 2000


def test_dns_blockpage_address_serves_the_isp_notice(lab: Lab) -> None:
    s = scenario("dns_blockpage_ip")
    status, _, body = http_get(BLOCKPAGE_SERVER_IP, lab.ports.http, s.host, PROBE)
    assert (status, title(body)) == (200, "Lab Metfone")


# -- benchmark sites -----------------------------------------------------------------------------------------


def test_bulk_sites_are_mostly_accessible_and_some_time_out(lab: Lab) -> None:
    assert len(lab.bulk_urls) == 20
    assert lab.bulk_urls[2][0].startswith("https://bulk-0002.lab.test:")
    blocked = [(url, e) for url, e in lab.bulk_urls if e.outcome == "blocked"]
    assert len(blocked) >= 4
    assert {e.method for _, e in blocked} == {"tcp.timeout", "tls.timeout"}
    syn_dropped = next(url for url, e in blocked if e.method == "tcp.timeout")
    host = syn_dropped.split("/")[2].split(":")[0]
    (address,) = answers(query(lab, host, PROBE))
    with pytest.raises(TimeoutError):
        connect(address, lab.ports.https, PROBE, timeout=SHORT_S)
    accessible = next(url for url, e in lab.bulk_urls if e.outcome == "accessible")
    host = accessible.split("/")[2].split(":")[0]
    (address,) = answers(query(lab, host, PROBE))
    assert http_get(address, lab.ports.https, host, PROBE, tls=trusted(lab))[0] == 200


# -- lifecycle -----------------------------------------------------------------------------------------------


def test_start_stop_twice_leaves_nothing_behind(tmp_path: Path) -> None:
    threads_before = set(threading.enumerate())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lab = Lab(tmp_path)
        for _ in range(2):
            started = time.monotonic()
            lab.start()
            assert time.monotonic() - started < 2.0
            # Leave connections open in every state a stop must cope with.
            held = [
                connect(scenario("tls_sni_timeout").address, lab.ports.https, PROBE),
                connect(scenario("https_accessible").address, lab.ports.https, CONTROL),
            ]
            held[0].sendall(_client_hello("tls-sni-timeout.lab.test"))
            lab.stop()
            for sock in held:
                sock.close()
        lab.stop()
        gc.collect()
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]
    assert set(threading.enumerate()) <= threads_before


def test_an_address_that_cannot_be_bound_is_a_lab_error() -> None:
    front = FrontAddress(http=FrontPolicy(tls=False, origin=None), https=None)
    with pytest.raises(LabError, match="cannot listen"):
        _bind_fronts({"192.0.2.1": front})


def test_bad_sources_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(LabError, match="must differ"):
        Lab(tmp_path, probe_source="127.0.0.2", control_source="127.0.0.2")
    with pytest.raises(LabError, match=r"127\.0\.0\.0/24"):
        Lab(tmp_path, probe_source="127.10.0.1")


# -- the middlebox's parsers ---------------------------------------------------------------------------------


def _client_hello(server_name: str) -> bytes:
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ssl.create_default_context().wrap_bio(incoming, outgoing, server_hostname=server_name)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def test_sni_parser_reads_a_real_client_hello() -> None:
    assert client_hello_sni(_client_hello("Tls-Sni-Reset.lab.test")) == "tls-sni-reset.lab.test"
    assert http_host(b"GET / HTTP/1.1\r\nhOST: Example.com:8080\r\n\r\n") == "example.com"


@given(st.binary(max_size=600), st.integers(min_value=0, max_value=600))
def test_sni_parser_never_raises_on_damaged_input(noise: bytes, cut: int) -> None:
    hello = _CLIENT_HELLO[:cut] + noise + _CLIENT_HELLO[cut + len(noise) :]
    result = client_hello_sni(hello)
    assert result is None or isinstance(result, str)
    http_host(noise)


_CLIENT_HELLO = _client_hello("tls-sni-reset.lab.test")


def raw_status(address: str, port: int, source: str, head: bytes) -> tuple[int, bytes]:
    """Send `head` as it is; the status and body of the answer (ConnectionResetError on a reset)."""
    with connect(address, port, source) as sock:
        sock.sendall(head)
        data = b""
        while b"\r\n\r\n" not in data and (chunk := sock.recv(65536)):
            data += chunk
        top, _, body = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?i)\r\ncontent-length: *(\d+)", top)
        while length and len(body) < int(length[1]) and (chunk := sock.recv(65536)):
            body += chunk  # a keep-alive answer: read its length, not to the close
    return int(top.split()[1]), body


def browser_head(host: str, port: int) -> bytes:
    return request_head("GET", "/", navigation_headers(host=f"{host}:{port}", secure=False))


def test_dpi_host_rule_sees_the_browser_spelling_only(lab: Lab) -> None:
    s = scenario("http_dpi_host_reset")
    with pytest.raises(ConnectionResetError):
        raw_status(s.address, lab.ports.http, PROBE, browser_head(s.host, lab.ports.http))
    # What the probe used to send (lower-case `host:`) passes such a rule: the reason for the profile.
    old = f"GET / HTTP/1.1\r\nhost: {s.host}:{lab.ports.http}\r\nConnection: close\r\n\r\n".encode()
    assert raw_status(s.address, lab.ports.http, PROBE, old)[0] == 200
    assert raw_status(s.address, lab.ports.http, CONTROL, browser_head(s.host, lab.ports.http))[0] == 200


def test_dpi_browser_rule_serves_the_kh_page_with_lf_endings(lab: Lab) -> None:
    s = scenario("http_dpi_browser_blockpage")
    status, body = raw_status(s.address, lab.ports.http, PROBE, browser_head(s.host, lab.ports.http))
    assert status == 200 and b"ERROR: Forbidden" in body and b"\r\n" not in body
    assert ooni_http_pattern("ooni.kh_http_1") not in body  # OONI's CRLF pattern, byte for byte, is not there
    other = f"GET / HTTP/1.1\r\nHost: {s.host}:{lab.ports.http}\r\nUser-Agent: curl/8\r\n\r\n".encode()
    assert b"ERROR: Forbidden" not in raw_status(s.address, lab.ports.http, PROBE, other)[1]
