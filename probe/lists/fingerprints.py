"""OONI blocking-fingerprints CSV files: read and write DNS and HTTP blockpage fingerprints.

Columns: `name,scope,other_names,location_found,pattern_type,pattern,confidence_no_fp,expected_countries,
source,exp_url,notes` (github.com/ooni/blocking-fingerprints). Patterns are kept byte for byte (leading
spaces and quoted newlines included): a blockpage is matched on exactly those bytes. Reads and writes files;
the matching itself is `probe.classify.fingerprints`. Every problem with an input file is a ListFormatError.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import cast, get_args

from pydantic import ValidationError

from probe.lists._csv import ListFormatError, read_records, show, write_records
from probe.models.target import Fingerprint, FingerprintScope, PatternType

FINGERPRINT_COLUMNS: tuple[str, ...] = (
    "name",
    "scope",
    "other_names",
    "location_found",
    "pattern_type",
    "pattern",
    "confidence_no_fp",
    "expected_countries",
    "source",
    "exp_url",
    "notes",
)

_SCOPES: frozenset[str] = frozenset(get_args(FingerprintScope))
_PATTERN_TYPES: frozenset[str] = frozenset(get_args(PatternType))

# Upstream uses two scopes our model has no value for. Both describe pages that are NOT a network
# censor's blockpage (`injb`: a benign injection such as a router's firmware notice; `prov`: the site's own
# geoblock), so they are read as `fp`: a match means "not a network blockpage". The original scope is kept
# at the start of `notes` so nothing is lost.
SCOPE_ALIASES: dict[str, FingerprintScope] = {"injb": "fp", "prov": "fp"}

# RFC 9110 token characters: what a header name may be made of.
_HEADER_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_COUNTRY_RE = re.compile(r"[A-Za-z]{2}")
_DIGITS_RE = re.compile(r"[0-9]{1,3}")


def read_fingerprints_csv(path: Path) -> list[Fingerprint]:
    """Read an OONI blocking-fingerprints CSV file (DNS or HTTP) into validated fingerprints.

    The header must begin with the eleven OONI columns in order (extra trailing columns are ignored).
    Checked per row: a non-empty unique name; scope one of nat, isp, prod, inst, vbw, fp (upstream's injb and
    prov read as fp, see SCOPE_ALIASES); location_found `dns`, `body` or `header.<name>` (the header name is
    lower-cased); pattern_type full, prefix, contains or regexp; a non-empty pattern, which must compile
    when it is a regexp; confidence_no_fp empty or a whole number 0-10; expected_countries empty or
    comma-separated two-letter codes (upper-cased). `other_names` is not kept (the model has no field for it).
    Raises ListFormatError.
    """
    fingerprints: list[Fingerprint] = []
    names: set[str] = set()
    for line, row in read_records(path, FINGERPRINT_COLUMNS, "fingerprint file"):

        def bad(problem: str, line: int = line) -> ListFormatError:
            return ListFormatError(f"{path}, line {line}: {problem}")

        name = row["name"].strip()
        if not name:
            raise bad("the name is empty; give every fingerprint a unique name such as ooni.kh_dns_1")
        if name in names:
            raise bad(f"the name {show(name)} is used twice; give each fingerprint its own name")
        names.add(name)

        scope = row["scope"].strip()
        notes = row["notes"]
        if scope in SCOPE_ALIASES:
            notes = f"[OONI scope {scope}, read as {SCOPE_ALIASES[scope]}] {notes}".rstrip()
            scope = SCOPE_ALIASES[scope]
        elif scope not in _SCOPES:
            raise bad(f"scope {show(scope)} is unknown; use one of {', '.join(sorted(_SCOPES))}")

        location = row["location_found"].strip()
        if location.startswith("header."):
            header = location.removeprefix("header.")
            if not _HEADER_NAME_RE.fullmatch(header):
                raise bad(f"location_found {show(location)} does not name a header; write header.<name>")
            location = "header." + header.lower()
        elif location not in ("dns", "body"):
            raise bad(f"location_found {show(location)} is unknown; use dns, body or header.<name>")

        pattern_type = row["pattern_type"].strip()
        if pattern_type not in _PATTERN_TYPES:
            raise bad(
                f"pattern_type {show(pattern_type)} is unknown; "
                f"use one of {', '.join(sorted(_PATTERN_TYPES))}"
            )
        pattern = row["pattern"]
        if not pattern:
            raise bad("the pattern is empty; an empty pattern would match every page")
        if pattern_type == "regexp":
            try:
                re.compile(pattern)
            except (re.error, OverflowError, RecursionError, ValueError) as exc:
                raise bad(f"the regexp {show(pattern)} does not compile ({exc}); fix or escape it") from exc

        confidence_text = row["confidence_no_fp"].strip()
        confidence: int | None = None
        if confidence_text:
            if not _DIGITS_RE.fullmatch(confidence_text) or int(confidence_text) > 10:
                raise bad(f"confidence_no_fp {show(confidence_text)} is not a whole number from 0 to 10")
            confidence = int(confidence_text)

        countries = [c.strip() for c in row["expected_countries"].split(",") if c.strip()]
        for country in countries:
            if not _COUNTRY_RE.fullmatch(country):
                raise bad(f"expected_countries holds {show(country)}; use two-letter country codes like KH")

        try:
            fingerprint = Fingerprint(
                name=name,
                scope=cast(FingerprintScope, scope),  # checked against _SCOPES above
                location_found=location,
                pattern_type=cast(PatternType, pattern_type),  # checked against _PATTERN_TYPES above
                pattern=pattern,
                confidence_no_fp=confidence,
                expected_countries=[c.upper() for c in countries],
                source=row["source"],
                exp_url=row["exp_url"],
                notes=notes,
            )
        except ValidationError as exc:  # not expected after the checks above; kept so nothing else escapes
            raise bad(f"the row is not a valid fingerprint ({exc})") from exc
        fingerprints.append(fingerprint)
    return fingerprints


def write_fingerprints_csv(path: Path, fingerprints: Iterable[Fingerprint]) -> None:
    """Write `fingerprints` in the OONI format (other_names left empty), replacing `path` atomically."""
    write_records(
        path,
        FINGERPRINT_COLUMNS,
        (
            (
                f.name,
                f.scope,
                "",
                f.location_found,
                f.pattern_type,
                f.pattern,
                "" if f.confidence_no_fp is None else str(f.confidence_no_fp),
                ",".join(f.expected_countries),
                f.source,
                f.exp_url,
                f.notes,
            )
            for f in fingerprints
        ),
    )
