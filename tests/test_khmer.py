"""Khmer throughout (issue 12, problem 9): messages in both languages, wrapped without tearing a letter.

Before, Khmer stopped after the consent text, lines were cut anywhere (a vowel sign torn from its
consonant), category codes were never explained and the consent text promised to "delete everything".
"""

from __future__ import annotations

import os
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from probe.consent.texts import ENGLISH, KHMER
from probe.i18n import current, set_lang, t
from probe.i18n import wrap as wrapping
from probe.i18n.catalogue import MESSAGES
from probe.i18n.review import review_document
from probe.lists.categories import CATEGORIES, category_name

ROOT = Path(__file__).resolve().parents[1]
KHMER_LETTERS = [chr(c) for c in range(0x1780, 0x17DE)] + [chr(c) for c in range(0x17E0, 0x17EA)]
REAL = [km for _en, km in MESSAGES.values()] + [line for part in KHMER.parts for line in part.lines]


def boundaries(text: str) -> set[int]:
    """Every offset of `text` at which an extended grapheme cluster starts or ends."""
    return {0} | {m.end() for m in regex.finditer(r"\X", text)}


def check_lines(text: str, width: int) -> None:
    spans = wrapping.wrap_spans(text, width)
    allowed = boundaries(text)
    for start, end in spans:
        assert start in allowed and end in allowed, (text, start, end)  # never inside a cluster
        line = text[start:end]
        clusters = regex.findall(r"\X", line)
        # A line is never wider than asked, unless it is one cluster that is wider by itself.
        assert cell_len(line) <= width or len(clusters) == 1, (line, width)
    kept = "".join(text[s:e] for s, e in spans)
    assert re.sub(r"[\s\u200b]", "", kept) == re.sub(r"[\s\u200b]", "", text)  # nothing lost or reordered


texts = st.one_of(
    st.sampled_from(REAL),
    st.lists(
        st.one_of(
            st.text(st.sampled_from(KHMER_LETTERS), min_size=1, max_size=30),
            st.text(st.sampled_from(string.ascii_letters + ".,:;()`'-/"), min_size=1, max_size=15),
            st.sampled_from([" ", "  ", "\u200b", "។ ", "៖ "]),
        ),
        max_size=40,
    ).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(text=texts, width=st.integers(min_value=20, max_value=120))
def test_wrapping_never_splits_a_grapheme_cluster(text: str, width: int) -> None:
    check_lines(text, width)


@settings(max_examples=150, deadline=None)
@given(text=texts, width=st.integers(min_value=20, max_value=120))
def test_without_icu_lines_still_break_only_between_clusters(text: str, width: int) -> None:
    """The fallback without the `khmer` extra: spaces, then clusters."""
    real = wrapping._line_breaker
    wrapping._line_breaker = lambda: None  # type: ignore[assignment]
    try:
        check_lines(text, width)
    finally:
        wrapping._line_breaker = real


def test_khmer_words_are_kept_whole_with_icu() -> None:
    text = "សូមដំណើរការវា តែលើបណ្ដាញដែលអ្នកមានសិទ្ធិប្រើប៉ុណ្ណោះ។"
    lines = wrapping.wrap(text, 20)
    assert len(lines) > 1
    words = {"សូម", "ដំណើរការ", "បណ្ដាញ", "សិទ្ធិ", "ប្រើ", "ប៉ុណ្ណោះ។"}
    joined = "|".join(lines)
    assert all(word in joined for word in words)  # each word is on one line, whole


def test_every_message_has_both_languages_with_the_same_fields() -> None:
    field = re.compile(r"\{(\w+)[^}]*\}")
    for key, (en, km) in MESSAGES.items():
        assert en.strip() and km.strip(), key
        assert sorted(field.findall(en)) == sorted(field.findall(km)), key
        assert re.search("[\u1780-\u17ff]", km) or key in (
            "st_reachable",
            "st_unreachable",
            "dash_lang_other",
        ), key


def test_the_language_follows_the_flag_then_the_locale(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "km_KH.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    set_lang(None)
    assert current() == "km" and t("wipe_kept") == "មិនបានលុបអ្វីទេ"
    set_lang("en")
    assert t("wipe_kept") == "nothing was deleted"
    set_lang(None)
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        set_lang("fr")


def test_categories_are_explained_by_name_in_both_languages() -> None:
    for code in ("NEWS", "HUMR", "POLR", "GOVT", "CTRL"):
        assert category_name(code, "en") != code and re.search("[\u1780-\u17ff]", category_name(code, "km"))
    assert len(CATEGORIES) == 31


def test_the_consent_text_says_what_cannot_be_deleted() -> None:
    english = " ".join(line for part in ENGLISH.parts for line in part.lines)
    khmer = " ".join(line for part in KHMER.parts for line in part.lines)
    assert "delete everything:" not in english  # the old promise
    assert "Results already uploaded are public and cannot be deleted." in english
    assert "លទ្ធផលដែលបានបញ្ជូនរួច ជាសាធារណៈ ហើយមិនអាចលុបបានទេ។" in khmer


def test_the_review_file_lists_every_khmer_string() -> None:
    assert (ROOT / "docs" / "khmer-review.md").read_text() == review_document(), (
        "run: python -m probe.i18n.review > docs/khmer-review.md"
    )


def _probe(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PROBE_", "LC_", "LANG"))}
    return subprocess.run(
        [sys.executable, "-m", "probe", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**base, **(env or {})},
    )


def test_status_and_errors_in_khmer(tmp_path: Path) -> None:
    config = tmp_path / "probe.toml"
    config.write_text(f'[store]\npath = "{tmp_path / "probe.db"}"\n')
    shown = _probe("--lang", "km", "status", "--config", str(config))
    assert shown.returncode == 0, shown.stderr
    assert "ការយល់ព្រម៖" in shown.stdout and "មិនទាន់មាន៖ ដំណើរការ `probe init`" in shown.stdout
    by_locale = _probe("run", "--config", str(config), env={"LANG": "km_KH.UTF-8"})
    assert by_locale.returncode == 2
    assert by_locale.stderr.startswith("កំហុស៖ មិនទាន់មានការយល់ព្រមទេ")
    assert "Traceback" not in by_locale.stderr
    wiped = _probe("--lang", "km", "wipe", "--config", str(config), "--yes")
    assert wiped.stdout.startswith("បានលុប៖") and not config.exists()  # the settings file too
    assert "មិនអាចលុបពីទីនេះបានទេ" in wiped.stderr  # uploads stay public, said in Khmer


def test_flags_show_no_placeholder_that_cannot_be_given() -> None:
    shown = _probe("init", "--help", env={"COLUMNS": "200"})
    assert shown.returncode == 0
    assert "<bool>" not in shown.stdout and "--yes-i-understand" in shown.stdout


def test_probe_run_speaks_khmer(tmp_path: Path) -> None:
    from tests.consent import consented

    config = tmp_path / "probe.toml"
    config.write_text(
        "[network]\nsystem_resolvers = []\nudp_resolvers = []\ndoh_urls = []\ngetaddrinfo = false\n"
        f'bogon_ranges = ["10.0.0.0/8"]\n[store]\npath = "{tmp_path / "probe.db"}"\n'
    )
    consented(config)
    ran = _probe("--lang", "km", "run", "--config", str(config), "--url", "http://127.0.0.1:9/")
    assert ran.returncode == 0, ran.stderr
    assert "បានសាកល្បង 1៖ 1 " in ran.stdout and "រក្សាទុកក្នុង" in ran.stdout
    assert "លទ្ធផល" in ran.stdout  # the table's headings
    assert "កំពុងសាកល្បងគេហទំព័រ 1" in ran.stderr and "មិនបានកំណត់ control.url ទេ" in ran.stderr
    refused = _probe("--lang", "km", "run", "--config", str(config), "--url", "http://10.1.1.1/")
    assert refused.returncode == 2 and "ជាអាសយដ្ឋានឯកជន" in refused.stderr
