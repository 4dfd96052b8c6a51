"""Matching DNS answers and HTTP responses against fingerprints (probe.classify.fingerprints)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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
    # Same page with a bare LF: still the same blockpage (line endings are the one thing loosened).
    assert name_of(shipped.match_http(body.replace("\r\n", "\n"), {}).blockpage) == "ooni.kh_http_1"


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


# -- line endings: a multi-line literal pattern matches CRLF and LF text alike, and nothing more --------

_LINE = st.text(alphabet=st.characters(blacklist_characters="\r\n", max_codepoint=0x2FF), max_size=12)
_LINES = st.lists(_LINE, min_size=2, max_size=5)


def _crlf(lines: list[str]) -> str:
    return "\r\n".join(lines)


def _lf(lines: list[str]) -> str:
    return "\n".join(lines)


@settings(max_examples=300, deadline=None)
@given(_LINES, _LINE, _LINE, st.sampled_from(["contains", "prefix", "full"]), st.booleans())
def test_multiline_literals_match_either_line_ending(
    lines: list[str], before: str, after: str, kind: str, pattern_crlf: bool
) -> None:
    pattern = _crlf(lines) if pattern_crlf else _lf(lines)
    fps = FingerprintSet([fp("ml", "prod", "body", kind, pattern)])
    for text in (_crlf(lines), _lf(lines)):
        body = {"contains": before + text + after, "prefix": text + after, "full": text}[kind]
        assert name_of(fps.match_http(body, {}).blockpage) == "ml"
        header = FingerprintSet([fp("mh", "prod", "header.x-page", kind, pattern)])
        assert name_of(header.match_http("", {"x-page": body}).blockpage) == "mh"


@settings(max_examples=300, deadline=None)
@given(_LINES, st.text(alphabet="ab\r\n", max_size=30), st.sampled_from(["contains", "prefix", "full"]))
def test_line_endings_are_the_only_thing_loosened(lines: list[str], body: str, kind: str) -> None:
    """A match means the pattern matches as written, or with CRLF turned into LF on both sides."""
    pattern = _crlf(lines)
    hit = FingerprintSet([fp("ml", "prod", "body", kind, pattern)]).match_http(body, {}).blockpage is not None

    def literal(p: str, v: str) -> bool:
        return {"contains": p in v, "prefix": v.startswith(p), "full": v == p}[kind]

    expected = literal(pattern, body) or literal(pattern.replace("\r\n", "\n"), body.replace("\r\n", "\n"))
    assert hit == expected


def test_case_spaces_and_regexps_are_not_loosened() -> None:
    fps = FingerprintSet(
        [
            fp("ml", "prod", "body", "contains", "<title>ERROR: Forbidden</title></head> \r\n<body>"),
            fp("re", "prod", "body", "regexp", "Forbidden\r\n<p>"),
        ]
    )
    assert name_of(fps.match_http("<title>ERROR: Forbidden</title></head> \n<body>", {}).blockpage) == "ml"
    assert fps.match_http("<title>error: forbidden</title></head> \n<body>", {}).blockpage is None
    assert fps.match_http("<title>ERROR: Forbidden</title></head>\n<body>", {}).blockpage is None  # space
    assert fps.match_http("<title>ERROR: Forbidden</title></head> \r<body>", {}).blockpage is None  # lone CR
    assert fps.match_http("Forbidden\n<p>", {}).blockpage is None  # a regexp is applied as written


def test_the_kh_page_with_lf_endings_is_confirmed(shipped: FingerprintSet) -> None:
    from probe.lab.pages import KH_FORBIDDEN_LF

    body = KH_FORBIDDEN_LF.partition(b"\r\n\r\n")[2].decode()
    assert "\r" not in body
    assert name_of(shipped.match_http(body, {}).blockpage) == "ooni.kh_http_1"
