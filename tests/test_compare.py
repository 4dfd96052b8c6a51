"""OONI Web Connectivity's HTTP comparisons (probe.classify.compare), as METHODS.md states them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probe.classify.compare import (
    COMMON_HEADERS,
    body_length_match,
    body_proportion,
    compare_http,
    extract_title,
    headers_match,
    http_diff,
    status_code_match,
    title_match,
)


def test_extract_title() -> None:
    assert extract_title("<html><TITLE>Radio Free Asia</TITLE>") == "Radio Free Asia"
    assert extract_title("<title></title>") is None  # 1 to 512 characters
    assert extract_title("<title>a<b>c</title>") is None  # no `<` inside
    assert extract_title("<title>" + "x" * 512 + "</title>") == "x" * 512
    assert extract_title("<title>" + "x" * 513 + "</title>") is None
    assert extract_title("<title>ព័ត៌មាន</title>") == "ព័ត៌មាន"
    assert extract_title("no title") is None


def test_body_proportion_boundary() -> None:
    assert body_proportion(70, 100) == pytest.approx(0.7)
    assert body_length_match(70, 100, truncated=False) is False  # a match is strictly above 0.7
    assert body_length_match(71, 100, truncated=False) is True
    assert body_length_match(100, 71, truncated=False) is True
    assert body_proportion(0, 0) == 1.0
    assert body_proportion(0, 5) == 0.0
    with pytest.raises(ValueError, match="negative"):
        body_proportion(-1, 5)


@given(st.integers(0, 10**9), st.integers(0, 10**9))
def test_body_proportion_is_symmetric_and_bounded(a: int, b: int) -> None:
    assert body_proportion(a, b) == body_proportion(b, a)
    assert 0.0 <= body_proportion(a, b) <= 1.0


def test_body_length_not_comparable() -> None:
    assert body_length_match(100, 100, truncated=True) is None
    assert body_length_match(0, 100, truncated=False) is None
    assert body_length_match(None, 100, truncated=False) is None


def test_status_code_match() -> None:
    assert status_code_match(200, 200) is True
    assert status_code_match(403, 200) is False
    assert status_code_match(200, 301) is None  # no judgement when the control is not 2xx
    assert status_code_match(404, 404) is None
    assert status_code_match(None, 200) is None
    assert status_code_match(200, None) is None


def test_headers_match() -> None:
    assert len(COMMON_HEADERS) == 25
    assert headers_match(["Date", "X-Site-Id"], ["date", "x-site-id"]) is True
    # Only common names on both sides: nothing uncommon differs (OONI's implementation).
    assert headers_match(["date", "server", "content-type"], ["date", "server", "content-type"]) is True
    assert headers_match(["date", "x-a"], ["date", "x-b"]) is False
    # A blockpage that shares Content-Length with the origin but lacks the origin's own header differs.
    assert headers_match(["content-length", "connection"], ["content-length", "x-origin"]) is False
    assert headers_match([], ["date"]) is None


def test_title_rule() -> None:
    # Short words do not count; order does not count; case does not count.
    assert title_match("RFA Khmer News", "RFA News Khmer") is True
    assert title_match("Radio Free Asia", "radio free ASIA") is True
    assert title_match("Radio Free Asia", "Radio Asia") is True  # "Free" has 4 characters
    assert title_match("Radio Free Asia", "ERROR: Forbidden") is False
    assert title_match("Radio Free Asia: home", "Radio Free Asia: Cambodia") is False
    assert title_match(None, "Radio Free Asia") is None
    assert title_match("ព័ត៌មានថ្មីៗ", "ព័ត៌មានថ្មីៗ") is True


def _diff(**overrides: object) -> bool | None:
    args: dict[str, object] = {
        "probe_status": 200,
        "control_status": 200,
        "probe_length": 1000,
        "control_length": 1000,
        "truncated": False,
        "probe_headers": ["date"],
        "control_headers": ["date"],
        "probe_title": "Radio Free Asia",
        "control_title": "Radio Free Asia",
    } | overrides
    return http_diff(**args)  # type: ignore[arg-type]


def test_http_diff_combination() -> None:
    assert _diff() is False
    # Status codes match and only the title matches: still no diff.
    assert _diff(probe_length=100, probe_headers=["server"]) is False
    # Status codes match but nothing else does: a diff.
    assert (
        _diff(probe_length=100, probe_title="ERROR: Forbidden", probe_headers=["date", "x-squid-error"])
        is True
    )
    # Only common headers on both sides count as matching headers (OONI), which alone prevents a diff.
    assert _diff(probe_length=100, probe_title="ERROR: Forbidden") is False
    # Different status codes: a diff whatever else matches.
    assert _diff(probe_status=403) is True
    # The control is not 2xx: no judgement.
    assert _diff(control_status=302) is None
    # A truncated body leaves length out; the title still matches.
    assert _diff(truncated=True, probe_length=5) is False


def test_compare_http_records_every_comparison() -> None:
    result = compare_http(
        probe_status=200,
        control_status=200,
        probe_length=800,
        control_length=1000,
        truncated=False,
        probe_headers=["x-cache-id"],
        control_headers=["x-cache-id"],
        probe_title=None,
        control_title="Kamnotra",
    )
    assert result.status_code_match is True
    assert result.body_length_match is True
    assert result.body_proportion == pytest.approx(0.8)
    assert result.headers_match is True
    assert result.title_match is None
    assert result.diff is False
