"""Lines of at most N terminal cells that never tear a Khmer letter from its vowel signs.

Khmer writes words without spaces and stacks vowel signs and subscripts on a consonant; a line cut at an
arbitrary code point tears them apart. Lines here end only where Unicode allows a line break (UAX #14):
with ICU's line breaker (the `icu4py` package, the `khmer` extra), which finds Khmer word boundaries with
its dictionary; without it, at spaces and zero-width spaces. A word longer than a line is cut between
extended grapheme clusters (UAX #29, the `regex` package's `\\X`), never inside one. Widths are terminal
cells (rich's table: combining signs take none).

Pure functions; the libraries are imported when first needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from rich.cells import cell_len


@cache
def _line_breaker() -> Any:
    try:
        from icu4py.breakers import LineBreaker
    except ImportError:
        return None
    return LineBreaker


def break_spans(text: str, lang: str = "km") -> list[tuple[int, int]]:
    """The pieces of `text` between line-break opportunities, as (start, end) offsets (trailing spaces kept)."""
    import regex

    breaker = _line_breaker()
    if breaker is None:
        found = [m.span() for m in regex.finditer(r"[^\s\u200b]+[\s\u200b]*|[\s\u200b]+", text)]
    else:
        found = list(breaker(text, lang).segments())
    # A break inside what `regex` holds to be one cluster is dropped: ICU may follow another Unicode version,
    # and a space followed by a combining sign is one cluster (odd input, but input all the same).
    clusters = {0} | {m.end() for m in regex.finditer(r"\X", text)}
    spans: list[tuple[int, int]] = []
    for start, end in found:
        if spans and start not in clusters:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def cluster_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """The extended grapheme clusters of text[start:end], as offsets into `text`."""
    import regex

    for m in regex.finditer(r"\X", text[start:end]):
        yield start + m.start(), start + m.end()


def wrap_spans(text: str, width: int, lang: str = "km") -> list[tuple[int, int]]:
    """Where the lines of one paragraph (no newline) start and end in `text`; trailing spaces excluded."""
    if width < 1:
        raise ValueError(f"a line must be at least 1 cell wide, not {width}")
    lines: list[tuple[int, int]] = []
    start = end = 0  # the current line is text[start:end]
    for s, e in break_spans(text, lang):
        if cell_len(text[start:e].rstrip()) <= width:
            end = e
            continue
        if text[start:end].strip():
            lines.append((start, end))
        start = end = s
        if cell_len(text[s:e].rstrip()) <= width:
            end = e
            continue
        for cs, ce in cluster_spans(text, s, e):  # a word wider than a line: cut between clusters
            if end > start and cell_len(text[start:ce].rstrip()) > width:
                lines.append((start, end))
                start = cs
            end = ce
    if text[start:end].strip():
        lines.append((start, end))
    return [(s, s + len(text[s:e].rstrip())) for s, e in lines]


def wrap(text: str, width: int, *, lang: str = "km", indent: str = "", hanging: str = "") -> list[str]:
    """`text` as lines of at most `width` cells; `indent` starts the first line, `hanging` the others."""
    out: list[str] = []
    for paragraph in text.split("\n"):
        room = max(1, width - max(cell_len(indent), cell_len(hanging)))
        spans = wrap_spans(paragraph, room, lang) or [(0, 0)]
        for number, (s, e) in enumerate(spans):
            out.append((indent if not out and number == 0 else hanging) + paragraph[s:e])
    return out
