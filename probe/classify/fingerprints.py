"""Match DNS answers and HTTP responses against blockpage fingerprints (OONI blocking-fingerprints).

Pure: no I/O and no imports from probe.netio, probe.measure or probe.lists; the fingerprints come in as
`Fingerprint` models (read by `probe.lists`). Everything is compiled once in `FingerprintSet`, so one set
serves many measurements.

Pattern types, as OONI defines them, applied to one value (the whole body, one header's value, or one
DNS answer): `full` the value equals the pattern; `prefix` it starts with it; `contains` it holds it;
`regexp` `re.search` finds it. Matching is case-sensitive, as upstream's.

Line endings: a literal pattern (`full`, `prefix`, `contains`) that spans lines matches the same text with
CRLF or LF line endings. OONI's CSV keeps the CRLF of the page it was taken from, and the same box serves
the same page with LF elsewhere. Such a pattern matches a value when it matches as written, or when both,
with every CRLF turned into LF, match. Nothing else is loosened: case, spaces and a lone CR still count,
and `regexp` patterns are applied as written.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from probe.models.target import Fingerprint

# Above this many characters, a body's set of characters is worth computing (a few ms for 512 KiB) to skip
# literal patterns that hold a character the body lacks, without scanning the body for them.
_CHARSET_FILTER_MIN = 4096

# Which blockpage to report when several match: the most specific kind of evidence first. A national or
# ISP page names the censor; a vague blocking word (`vbw`) is the weakest. Within a scope, input order.
_SCOPE_RANK = {"nat": 0, "isp": 1, "prod": 2, "inst": 3, "vbw": 4}


@dataclass(frozen=True)
class HttpMatch:
    """The outcome of matching one HTTP response.

    `false_positive` is the known false positive (scope `fp`) that matched, if any; `blockpage` the blockpage
    fingerprint that matched, and always None when a false positive matched (it means "not a blockpage").
    """

    blockpage: Fingerprint | None = None
    false_positive: Fingerprint | None = None


class _Matcher:
    """One compiled pattern, for one location."""

    __slots__ = ("chars", "fingerprint", "header", "kind", "lf_pattern", "pattern", "regex")

    def __init__(self, fingerprint: Fingerprint) -> None:
        self.fingerprint = fingerprint
        self.kind = fingerprint.pattern_type
        self.pattern = fingerprint.pattern
        self.regex = re.compile(fingerprint.pattern) if self.kind == "regexp" else None
        # A literal pattern spanning lines also matches with LF endings (see the module's docstring).
        self.lf_pattern = lf_endings(self.pattern) if self.regex is None and "\n" in self.pattern else None
        # A literal pattern can only be found in a value holding all of its characters (a CR excepted when
        # the pattern also matches without it).
        chars = frozenset(self.lf_pattern or self.pattern) if self.regex is None else frozenset()
        self.chars = chars
        location = fingerprint.location_found
        self.header = location.removeprefix("header.").lower() if location.startswith("header.") else None

    def matches(self, value: str) -> bool:
        if self.regex is not None:
            return self.regex.search(value) is not None
        if self._literal(self.pattern, value):
            return True
        return self.lf_pattern is not None and self._literal(self.lf_pattern, lf_endings(value))

    def _literal(self, pattern: str, value: str) -> bool:
        if self.kind == "contains":
            return pattern in value
        if self.kind == "prefix":
            return value.startswith(pattern)
        return value == pattern


def lf_endings(text: str) -> str:
    """`text` with every CRLF turned into LF (and nothing else changed)."""
    return text.replace("\r\n", "\n") if "\r" in text else text


def _dns_key(value: str) -> str:
    """One spelling per answer: canonical text for an address, lower case without a final dot for a name."""
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return value.lower().rstrip(".")


class FingerprintSet:
    """A compiled set of DNS and HTTP fingerprints.

    DNS `full` answers sit in dicts (O(1) per answer); other DNS patterns and all HTTP patterns are
    precompiled matchers. `contains` uses `str.__contains__` (CPython's fast search) per pattern: one
    regular expression joining 1,300 literals measured about 25 times slower, since `re` has no multi-literal
    automaton. For a large body, literal patterns holding a character the body lacks are skipped without a
    scan. Fingerprints with an unknown location are ignored.
    """

    def __init__(self, fingerprints: Iterable[Fingerprint]) -> None:
        self._dns_full_fp: dict[str, Fingerprint] = {}
        self._dns_full: dict[str, Fingerprint] = {}
        self._dns_fp: list[_Matcher] = []
        self._dns: list[_Matcher] = []
        http_fp: list[tuple[int, int, _Matcher]] = []
        http: list[tuple[int, int, int, _Matcher]] = []
        count = 0
        for index, fingerprint in enumerate(fingerprints):
            count += 1
            location = fingerprint.location_found
            is_fp = fingerprint.scope == "fp"
            if location == "dns":
                if fingerprint.pattern_type == "full":
                    table = self._dns_full_fp if is_fp else self._dns_full
                    table.setdefault(_dns_key(fingerprint.pattern), fingerprint)  # first one wins
                else:
                    (self._dns_fp if is_fp else self._dns).append(_Matcher(fingerprint))
            elif location == "body" or location.startswith("header."):
                matcher = _Matcher(fingerprint)
                # Headers before the body within a tier: they are tiny, so cheap to rule out first.
                on_body = int(matcher.header is None)
                if is_fp:
                    http_fp.append((on_body, index, matcher))
                else:
                    http.append(
                        (_SCOPE_RANK.get(fingerprint.scope, len(_SCOPE_RANK)), on_body, index, matcher)
                    )
        self._http_fp = [m for *_, m in sorted(http_fp, key=lambda t: t[:2])]
        self._http = [m for *_, m in sorted(http, key=lambda t: t[:3])]
        self._count = count

    def __len__(self) -> int:
        return self._count

    def match_dns(self, address: str) -> Fingerprint | None:
        """The blockpage or sinkhole fingerprint a DNS answer (an address or a name) matches, or None.

        A known false positive (scope `fp`) that matches means no match.
        """
        key = _dns_key(address)
        if key in self._dns_full_fp or any(m.matches(key) for m in self._dns_fp):
            return None
        found = self._dns_full.get(key)
        if found is not None:
            return found
        for matcher in self._dns:
            if matcher.matches(key):
                return matcher.fingerprint
        return None

    def match_http(self, body: str, headers: Mapping[str, str]) -> HttpMatch:
        """Match one HTTP response: its (decoded, possibly truncated) body and its headers.

        Known false positives are checked first; the first that matches is returned as `false_positive` and
        `blockpage` stays None. Otherwise `blockpage` is the first blockpage fingerprint that matches, by
        scope (nat, isp, prod, inst, vbw), then header before body, then input order. Header names are
        compared case-insensitively (they should come lower-cased; others are lower-cased here).
        """
        lowered = headers if all(k.islower() for k in headers) else {k.lower(): v for k, v in headers.items()}
        body_chars = frozenset(body) if len(body) >= _CHARSET_FILTER_MIN else None
        for matcher in self._http_fp:
            if self._hit(matcher, body, body_chars, lowered):
                return HttpMatch(false_positive=matcher.fingerprint)
        for matcher in self._http:
            if self._hit(matcher, body, body_chars, lowered):
                return HttpMatch(blockpage=matcher.fingerprint)
        return HttpMatch()

    @staticmethod
    def _hit(
        matcher: _Matcher, body: str, body_chars: frozenset[str] | None, headers: Mapping[str, str]
    ) -> bool:
        if matcher.header is None:
            if body_chars is not None and not matcher.chars <= body_chars:
                return False
            return matcher.matches(body)
        value = headers.get(matcher.header)
        return value is not None and matcher.matches(value)
