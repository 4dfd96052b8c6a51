"""Matching DNS answers and HTTP responses against fingerprints (probe.classify.fingerprints)."""

from __future__ import annotations

import pytest

from probe.classify.fingerprints import FingerprintSet, HttpMatch
from probe.lists import builtin_fingerprints, read_fingerprints_csv
from probe.models.target import Fingerprint
from tests.shared_data import shared


def fp(name: str, scope: str, location: str, kind: str, pattern: str) -> Fingerprint:
    return Fingerprint.model_validate(
        {"name": name, "scope": scope, "location_found": location, "pattern_type": kind, "pattern": pattern}
    )


def name_of(fingerprint: Fingerprint | None) -> str | None:
    return None if fingerprint is None else fingerprint.name


@pytest.fixture(scope="module")
def shipped() -> FingerprintSet:
    return FingerprintSet(builtin_fingerprints())


def test_cambodian_dns_answers_match(shipped: FingerprintSet) -> None:
    hit = shipped.match_dns("36.37.242.94")
    assert name_of(hit) == "ooni.kh_dns_1"
    hit = shipped.match_dns("10.10.10.1")
    assert name_of(hit) == "ooni.kh_dns_2"
    assert shipped.match_dns("36.37.242.95") is None
    assert shipped.match_dns("") is None


def test_dns_answers_are_normalised() -> None:
    fps = FingerprintSet(
        [
            fp("v6", "isp", "dns", "full", "2001:db8::1"),
            fp("name", "nat", "dns", "full", "block.example.net"),
            fp("pre", "isp", "dns", "prefix", "sinkhole."),
        ]
    )
    assert name_of(fps.match_dns("2001:DB8:0:0::1")) == "v6"
    assert name_of(fps.match_dns("Block.Example.NET.")) == "name"
    assert name_of(fps.match_dns("sinkhole.isp.example")) == "pre"


def test_dns_false_positive_wins() -> None:
    fps = FingerprintSet(
        [fp("block", "isp", "dns", "full", "192.0.2.1"), fp("ok", "fp", "dns", "full", "192.0.2.1")]
    )
    assert fps.match_dns("192.0.2.1") is None


def test_cambodian_http_blockpage_matches_with_its_crlf(shipped: FingerprintSet) -> None:
    body = (
        "<html><head><title>ERROR: Forbidden</title></head> \r\n<body><h2>ERROR: Forbidden</h2></body></html>"
    )
    match = shipped.match_http(body, {"server": "x"})
    assert name_of(match.blockpage) == "ooni.kh_http_1"
    assert match.false_positive is None
    # Same page with a bare LF: the fingerprint is byte-exact, as upstream's.
    assert shipped.match_http(body.replace("\r\n", "\n"), {}).blockpage is None


def test_false_positive_is_checked_first(shipped: FingerprintSet) -> None:
    # A default "Site Unavailable" page that also holds the vague words "Website Blocked".
    body = "<html><title>Site Unavailable</title><p>Website Blocked</p></html>"
    match = shipped.match_http(body, {})
    assert match.blockpage is None
    assert name_of(match.false_positive) == "cp.fp_x_fpru_site_unavailable"
    vague = shipped.match_http("<p>Website Blocked</p>", {})
    assert name_of(vague.blockpage) == "cl.vbw_websiteblocked"


def test_header_location_matching_is_case_insensitive(shipped: FingerprintSet) -> None:
    headers = {"location": "http://10.0.0.1/php/urlblock.php?args=abc"}
    match = shipped.match_http("", headers)
    assert name_of(match.blockpage) == "cl.prod_paloaltonetworks_forward"
    assert shipped.match_http("", {"Location": headers["location"]}) == match
    # The pattern in the body instead of the header is no match: the location is part of the fingerprint.
    assert shipped.match_http(headers["location"], {}) == HttpMatch()


def test_pattern_types() -> None:
    fps = FingerprintSet(
        [
            fp("full", "isp", "body", "full", "blocked"),
            fp("prefix", "isp", "header.server", "prefix", "Filter/"),
            fp("regexp", "isp", "body", "regexp", r"ref=\d{4}"),
        ]
    )
    assert name_of(fps.match_http("blocked", {}).blockpage) == "full"
    assert fps.match_http("blocked!", {}).blockpage is None  # full means the whole body
    assert name_of(fps.match_http("", {"server": "Filter/2.1"}).blockpage) == "prefix"
    assert fps.match_http("", {"server": "My Filter/2.1"}).blockpage is None
    assert name_of(fps.match_http("see ref=1234 now", {}).blockpage) == "regexp"


def test_most_specific_scope_is_reported() -> None:
    fps = FingerprintSet(
        [
            fp("vague", "vbw", "body", "contains", "Blocked"),
            fp("product", "prod", "body", "contains", "FilterBox"),
            fp("national", "nat", "body", "contains", "Ministry"),
        ]
    )
    match = fps.match_http("Blocked by FilterBox on order of the Ministry", {})
    assert name_of(match.blockpage) == "national"
    assert len(fps) == 3


def test_full_ooni_set_finds_nothing_in_an_ordinary_page() -> None:
    paths = [shared(f"ooni-fingerprints/fingerprints_{n}.csv") for n in ("dns", "http")]
    fps = FingerprintSet(read_fingerprints_csv(paths[0]) + read_fingerprints_csv(paths[1]))
    chunk = '<div class="post"><a href="/news/2023/07/17/article">Phnom Penh</a><p>ព័ត៌មាន</p></div>\n'
    body = (chunk * (512 * 1024 // len(chunk)))[: 512 * 1024]
    headers = {"server": "nginx", "content-type": "text/html"}
    # Its speed is a figure of bench/fingerprint_match.py, not an assertion here.
    assert fps.match_http(body, headers) == HttpMatch()


def test_large_bodies_still_match(shipped: FingerprintSet) -> None:
    # Above the size where the character-set filter applies, every kind of match must still be found.
    padding = "<p>filler text</p>\n" * 1000
    page = padding + "<title>ERROR: Forbidden</title></head> \r\n<body><h2>ERROR: Forbidden</h2>" + padding
    assert name_of(shipped.match_http(page, {}).blockpage) == "ooni.kh_http_1"
    page = padding + "<title>Site Unavailable</title> Website Blocked"
    assert name_of(shipped.match_http(page, {}).false_positive) == "cp.fp_x_fpru_site_unavailable"
    regexp = FingerprintSet([fp("r", "isp", "body", "regexp", r"ref=[0-9]{4}")])
    assert name_of(regexp.match_http(padding + "ref=2023", {}).blockpage) == "r"
