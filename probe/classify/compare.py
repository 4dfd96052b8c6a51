"""OONI Web Connectivity's HTTP comparisons between the probe's page and the control's (METHODS.md).

Pure functions over status codes, body lengths, header names and titles: no I/O, no imports beyond the
standard library. Each comparison answers True (match), False (differs) or None (no judgement possible:
missing data, a truncated body, a control answer that is not 2xx), so that "cannot tell" is never read
as "differs".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

TITLE_RE = re.compile(r"(?i)<title>([^<]{1,512})</title>")

# Jones et al., IMC 2014: above this proportion the two bodies count as the same page.
BODY_PROPORTION_MATCH = 0.7

# Header names nearly every server sends; sharing one of them says nothing about being the same site.
COMMON_HEADERS: frozenset[str] = frozenset(
    {
        "date",
        "content-type",
        "server",
        "cache-control",
        "vary",
        "set-cookie",
        "location",
        "expires",
        "x-powered-by",
        "content-encoding",
        "last-modified",
        "accept-ranges",
        "pragma",
        "x-frame-options",
        "etag",
        "x-content-type-options",
        "age",
        "via",
        "p3p",
        "x-xss-protection",
        "content-language",
        "cf-ray",
        "strict-transport-security",
        "link",
        "x-varnish",
    }
)

# Shorter words ("the", "home", "news") are shared by unrelated pages; 5 is OONI's cut-off.
TITLE_WORD_MIN_CHARS = 5


def extract_title(body: str) -> str | None:
    """The page title as OONI's control extracts it (the first `<title>` of 1-512 characters, none `<`),
    or None when there is none."""
    match = TITLE_RE.search(body)
    return match.group(1) if match else None


def body_proportion(a: int, b: int) -> float:
    """`min(a/b, b/a)`: 1.0 for equal lengths (0 and 0 included), 0.0 when exactly one is 0.

    Raises ValueError for a negative length.
    """
    if a < 0 or b < 0:
        raise ValueError(f"body lengths must not be negative, got {a} and {b}")
    if a == b:
        return 1.0
    if a == 0 or b == 0:
        return 0.0
    return min(a / b, b / a)


def body_length_match(probe_len: int | None, control_len: int | None, *, truncated: bool) -> bool | None:
    """True when `body_proportion > 0.7`, False when not, None when not comparable.

    Not comparable: either length missing or not above 0, or either body truncated (a truncated length says
    nothing about the page's size). Whether the responses are final (2xx/4xx/5xx) is `http_diff`'s check.
    """
    if truncated or probe_len is None or control_len is None or probe_len <= 0 or control_len <= 0:
        return None
    return body_proportion(probe_len, control_len) > BODY_PROPORTION_MATCH


def status_code_match(probe: int | None, control: int | None) -> bool | None:
    """True when the codes are equal, False when not, None when the control's code is missing or not 2xx
    or the probe got no response: only a control that fetched the page sets the reference."""
    if control is None or not 200 <= control <= 299 or probe is None:
        return None
    return probe == control


def headers_match(probe_names: Iterable[str], control_names: Iterable[str]) -> bool | None:
    """True when every header name outside COMMON_HEADERS is present on both sides, False when one side has
    an uncommon name the other lacks, None when either side has no headers at all. Case-insensitive.

    This is OONI's implementation (probe-cli, Web Connectivity's HTTP diff), which METHODS.md summarises as
    "share one name": the looser reading would let any blockpage that sends one uncommon header the origin
    also sends (Content-Length is not in the common list) pass as the real page.
    """
    probe_set = {n.lower() for n in probe_names}
    control_set = {n.lower() for n in control_names}
    if not probe_set or not control_set:
        return None
    return (probe_set - COMMON_HEADERS) == (control_set - COMMON_HEADERS)


def _title_words(title: str) -> set[str]:
    return {w for w in title.lower().split() if len(w) >= TITLE_WORD_MIN_CHARS}


def title_match(probe_title: str | None, control_title: str | None) -> bool | None:
    """True when no word of 5 or more characters appears in only one of the two titles (words split on
    whitespace, compared case-insensitively, order ignored), False otherwise, None when either is missing."""
    if probe_title is None or control_title is None:
        return None
    return _title_words(probe_title) == _title_words(control_title)


def _is_final(status: int | None) -> bool:
    return status is not None and (200 <= status <= 299 or 400 <= status <= 599)


@dataclass(frozen=True)
class HttpComparison:
    """Every comparison `http_diff` made, for the record; `diff` is its answer."""

    status_code_match: bool | None
    body_length_match: bool | None
    body_proportion: float | None
    headers_match: bool | None
    title_match: bool | None
    diff: bool | None


def compare_http(
    *,
    probe_status: int | None,
    control_status: int | None,
    probe_length: int | None,
    control_length: int | None,
    truncated: bool,
    probe_headers: Iterable[str],
    control_headers: Iterable[str],
    probe_title: str | None,
    control_title: str | None,
) -> HttpComparison:
    """All four comparisons and the HTTP diff (see `http_diff`). Body lengths are compared only when both
    responses are final (2xx/4xx/5xx), as OONI does; a redirect's body says nothing about the page."""
    status = status_code_match(probe_status, control_status)
    comparable = _is_final(probe_status) and _is_final(control_status)
    length = body_length_match(probe_length, control_length, truncated=truncated) if comparable else None
    proportion = (
        body_proportion(probe_length, control_length)
        if length is not None and probe_length is not None and control_length is not None
        else None
    )
    headers = headers_match(probe_headers, control_headers)
    title = title_match(probe_title, control_title)
    # OONI: no diff when the status codes match and any one of the other three matches.
    diff = None if status is None else not (status and True in (length, headers, title))
    return HttpComparison(status, length, proportion, headers, title, diff)


def http_diff(
    *,
    probe_status: int | None,
    control_status: int | None,
    probe_length: int | None,
    control_length: int | None,
    truncated: bool,
    probe_headers: Iterable[str],
    control_headers: Iterable[str],
    probe_title: str | None,
    control_title: str | None,
) -> bool | None:
    """Whether the probe's page differs from the control's (OONI's `http-diff`).

    False (no diff) when the status codes match and at least one of body length, headers or title matches;
    None (no judgement) when the status codes cannot be compared (control not 2xx, or a status missing);
    True otherwise, i.e. different status codes, or equal codes with nothing else matching.
    """
    return compare_http(
        probe_status=probe_status,
        control_status=control_status,
        probe_length=probe_length,
        control_length=control_length,
        truncated=truncated,
        probe_headers=probe_headers,
        control_headers=control_headers,
        probe_title=probe_title,
        control_title=control_title,
    ).diff
