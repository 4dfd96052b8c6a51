"""Citizen Lab test lists: read and write `url,category_code,category_description,date_added,source,notes`.

Also `select`, which applies the volunteer-safety default (sensitive categories are opt-in). Reads and writes
files; never opens a network connection. Every problem with an input file is a `ListFormatError`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import ValidationError

from probe.lists._csv import ListFormatError, read_records, show, write_records
from probe.models.target import SENSITIVE_CATEGORIES, TargetEntry

CITIZENLAB_COLUMNS: tuple[str, ...] = (
    "url",
    "category_code",
    "category_description",
    "date_added",
    "source",
    "notes",
)

# Citizen Lab codes are short upper-case words (NEWS, HUMR, ...); anything else is a typo or a shifted column.
_CATEGORY_RE = re.compile(r"[A-Z0-9_]+")


@dataclass(frozen=True)
class CitizenLabList:
    """What `read_citizenlab_list` found: the entries kept, and the duplicated URLs left out."""

    entries: list[TargetEntry]
    duplicates: list[tuple[int, str]] = field(default_factory=list)  # (line, url) of each repeat dropped


def read_citizenlab_csv(path: Path, list_name: str) -> list[TargetEntry]:
    """The entries of a Citizen Lab CSV file, each tagged with `list_name`; see `read_citizenlab_list`."""
    return read_citizenlab_list(path, list_name).entries


def read_citizenlab_list(path: Path, list_name: str) -> CitizenLabList:
    """Read a Citizen Lab test-list CSV file.

    The header must begin with the six Citizen Lab columns in order; extra trailing columns are tolerated and
    ignored (so a newer upstream format still loads). Each url must be http:// or https:// with a host, and
    each category_code a non-empty code (upper-cased here, so the sensitive-category filter cannot be dodged
    by case). Surrounding spaces in url and category_code are removed. A URL seen before (same string) is
    dropped and counted in `duplicates`; the first keeps its place. Raises ListFormatError.
    """
    entries: list[TargetEntry] = []
    duplicates: list[tuple[int, str]] = []
    seen: set[str] = set()
    for line, row in read_records(path, CITIZENLAB_COLUMNS, "test list"):
        url = row["url"].strip()
        problem = url_problem(url)
        if problem is not None:
            raise ListFormatError(f"{path}, line {line}: {problem}")
        code = row["category_code"].strip().upper()
        if not _CATEGORY_RE.fullmatch(code):
            raise ListFormatError(
                f"{path}, line {line}: category_code {show(row['category_code'])} is not a Citizen Lab code; "
                "use one such as NEWS, HUMR or POLR (see the Citizen Lab category legend)"
            )
        if url in seen:
            duplicates.append((line, url))
            continue
        seen.add(url)
        try:
            entry = TargetEntry(
                url=url,
                category_code=code,
                category_description=row["category_description"],
                date_added=row["date_added"],
                source=row["source"],
                notes=row["notes"],
                list=list_name,
            )
        except ValidationError as exc:  # not expected with all-str fields; kept so nothing else escapes
            raise ListFormatError(f"{path}, line {line}: the row is not a valid entry ({exc})") from exc
        entries.append(entry)
    return CitizenLabList(entries=entries, duplicates=duplicates)


def url_problem(url: str) -> str | None:
    """Why `url` cannot be measured (one sentence with the fix), or None when it is a usable http(s) URL."""
    from probe.i18n import t

    if not url:
        return t("url_empty")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
        return t("url_space", url=show(url))
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number in range
    except ValueError:
        return t("url_invalid", url=show(url))
    if parts.scheme.lower() not in ("http", "https"):
        return t("url_scheme", url=show(url))
    if not host:
        return t("url_no_host", url=show(url))
    return None


def write_citizenlab_csv(path: Path, entries: Iterable[TargetEntry]) -> None:
    """Write `entries` as a Citizen Lab CSV file (UTF-8, LF line ends), replacing `path` atomically."""
    write_records(
        path,
        CITIZENLAB_COLUMNS,
        ((e.url, e.category_code, e.category_description, e.date_added, e.source, e.notes) for e in entries),
    )


def select(
    entries: Iterable[TargetEntry], *, categories: set[str] | None, include_sensitive: bool
) -> list[TargetEntry]:
    """The entries to measure, in their original order.

    `categories` None means every category; otherwise only those codes (compared upper-cased). Sensitive
    categories (SENSITIVE_CATEGORIES: PORN, XED, DATE, LGBT, REL) are left out unless `include_sensitive` is
    set or the category is named in `categories`: measuring them can put a volunteer at risk, so it has to
    be asked for.
    """
    wanted = None if categories is None else {c.strip().upper() for c in categories}
    chosen: list[TargetEntry] = []
    for entry in entries:
        code = entry.category_code.upper()
        if wanted is not None and code not in wanted:
            continue
        # Here `wanted` is None or names the code: only "every category" can pull a sensitive one in silently.
        if code in SENSITIVE_CATEGORIES and wanted is None and not include_sensitive:
            continue
        chosen.append(entry)
    return chosen
