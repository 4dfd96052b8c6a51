"""Shared CSV reading for the list and fingerprint parsers: bytes in, numbered records out.

The one place that turns files into rows, so that every problem with a data file (cannot read it, not UTF-8,
broken quoting, wrong header, ragged rows) surfaces as a `ListFormatError` naming the file, the line and
the fix. It may read files; it knows nothing about what the columns mean.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

# Long enough to show what is wrong, short enough that a file of garbage does not flood the terminal.
_SHOW_CHARS = 120


class ListFormatError(Exception):
    """A test list or fingerprint file cannot be used; the message names the file, the line and the fix."""


def show(value: str) -> str:
    """A value quoted for an error message, cut short when long."""
    if len(value) > _SHOW_CHARS:
        value = value[:_SHOW_CHARS] + "..."
    return repr(value)


def read_records(path: Path, columns: Sequence[str], what: str) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield `(line, row)` for each data row of the CSV file at `path`, `line` being where the row starts.

    The header must start with exactly `columns`, in order; extra trailing columns are tolerated and left
    out of `row` (upstream may add columns; the ones we rely on are fixed). A UTF-8 byte-order mark is
    skipped. Blank lines are skipped. Raises ListFormatError for everything else.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ListFormatError(
            f"cannot read {what} {path}: {exc.strerror or exc}; check the path and its permissions"
        ) from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ListFormatError(
            f"{path}, line {line}: the file is not UTF-8 text; save it as UTF-8 (CSV UTF-8 in a spreadsheet)"
        ) from exc
    # newline="" keeps quoted newlines inside fields intact, as the csv module requires.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    header: list[str] | None = None
    start = 1
    try:
        for fields in reader:
            line, start = start, reader.line_num + 1
            if not fields:
                continue
            if header is None:
                header = fields
                if [h.strip() for h in header[: len(columns)]] != list(columns):
                    raise ListFormatError(
                        f"{path}, line {line}: the header must begin with the columns "
                        f"{','.join(columns)}; found {show(','.join(header))}"
                    )
                continue
            if len(fields) != len(header):
                raise ListFormatError(
                    f"{path}, line {line}: the row has {len(fields)} fields where the header has "
                    f"{len(header)}; quote any field that holds a comma and check for missing columns"
                )
            yield line, dict(zip(columns, fields, strict=False))
    except csv.Error as exc:
        raise ListFormatError(
            f"{path}, line {reader.line_num}: the CSV is malformed ({exc}); check the quotes on that line"
        ) from exc
    if header is None:
        raise ListFormatError(f"{path}, line 1: the file is empty; it needs the header {','.join(columns)}")


def write_records(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write a CSV file (UTF-8, no BOM, LF line ends) atomically: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            writer.writerows(rows)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
