"""Small wording helpers shared by every page, report and command that counts things in English."""

from __future__ import annotations


def plural(n: int, word: str, many: str | None = None) -> str:
    """`1 window`, `2 windows`, `0 windows`; `many` for irregular plurals (`1 probe`, `3 probes`)."""
    return f"{n} {word if n == 1 else many or word + 's'}"
