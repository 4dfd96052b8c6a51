"""docs/khmer-review.md: every Khmer string the probe shows, beside its English, for a native speaker.

`python -m probe.i18n.review > docs/khmer-review.md` writes it; a test keeps the file in step with the
catalogue (probe.i18n.catalogue), the consent text (probe.consent.texts) and the category names
(probe.lists.categories).
"""

from __future__ import annotations

from probe.consent.texts import ENGLISH, KHMER
from probe.i18n.catalogue import MESSAGES
from probe.lists.categories import CATEGORIES


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def review_document() -> str:
    rows: list[tuple[str, str, str]] = []
    rows.append(("consent.title", ENGLISH.title, KHMER.title))
    for number, (en_part, km_part) in enumerate(zip(ENGLISH.parts, KHMER.parts, strict=True), 1):
        rows.append((f"consent.part{number}.title", en_part.title, km_part.title))
        for line, (en_line, km_line) in enumerate(zip(en_part.lines, km_part.lines, strict=True), 1):
            rows.append((f"consent.part{number}.{line}", en_line, km_line))
    for en_q, km_q in zip(ENGLISH.questions, KHMER.questions, strict=True):
        rows.append((f"quiz.{en_q.id}", en_q.prompt, km_q.prompt))
        rows.append((f"quiz.{en_q.id}.explanation", en_q.explanation, km_q.explanation))
    for name in ENGLISH.ui.__dataclass_fields__:
        rows.append((f"init.{name}", getattr(ENGLISH.ui, name), getattr(KHMER.ui, name)))
    for key, (en, km) in MESSAGES.items():
        rows.append((key, en, km))
    for code, (en, km) in CATEGORIES.items():
        rows.append((f"category.{code}", en, km))
    head = [
        "# Khmer strings to review",
        "",
        "Every Khmer string the probe shows a volunteer, beside its English. They were written by the",
        "developers, not by a native speaker: please check that each is plain, short and says the same as the",
        "English, and correct it in the file named in the first column's prefix (`consent.`, `quiz.`, `init.`:",
        "probe/consent/texts.py; `category.`: probe/lists/categories.py; others: probe/i18n/catalogue.py).",
        "Words in `{braces}` are filled in by the program and stay as they are.",
        "",
        "This file is made by `python -m probe.i18n.review > docs/khmer-review.md`; a test checks it is current.",
        "",
        "| key | English | ខ្មែរ |",
        "|---|---|---|",
    ]
    return "\n".join(head + [f"| `{k}` | {_cell(en)} | {_cell(km)} |" for k, en, km in rows]) + "\n"


if __name__ == "__main__":
    print(review_document(), end="")
