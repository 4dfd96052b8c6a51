"""The dashboard in Khmer (`?lang=km`), driven by a real headless Chromium against a real collector serving
the known history (tests/analysis_rig.py): every page says `lang="km"`, its words come from the catalogue
(probe.i18n.dashboard_words), every link it makes keeps the language, and no English sentence is left.

Screenshots are kept in artifacts/screenshots/ (overview-km.png, domain-km.png, asn-km.png, not-found-km.png).
"""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from probe.analysis.dashboard.pages import with_lang, words
from probe.i18n.catalogue import MESSAGES
from probe.i18n.dashboard_words import DASHBOARD
from tests.collector_rig import Rig
from tests.test_dashboard import Browser, require_chromium, served

__all__ = ["served"]

KHMER = re.compile("[\u1780-\u17ff]")
# what may stay in Latin letters on a Khmer page: names, identifiers and units, never a sentence
NAMES = {"saksi", "utc", "api", "json", "probe", "collector", "demo-data", "as", "english", "docs/methods.md"}


class Visible(HTMLParser):
    """The page's visible text (no style or script), its links, and the html element's lang."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.switch: list[str] = []
        self.lang = ""
        self.skip = 0
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if tag in ("style", "script"):
            self.skip += 1
        if tag == "a" and found.get("href"):
            (self.switch if "data-lang-switch" in found else self.links).append(found["href"] or "")
        for name in ("title", "aria-label"):
            if found.get(name):
                self.text.append(found[name] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.text.append(data)


def english_runs(text: str) -> list[str]:
    """Runs of three or more English words in a row: what a sentence left untranslated looks like."""
    runs: list[str] = []
    run: list[str] = []
    for token in [*text.split(), ""]:
        word = token.strip(",.;:()·—–?!")
        if re.fullmatch(r"[A-Za-z]+", word) and word.lower() not in NAMES:
            run.append(word)
            continue
        if len(run) >= 3:
            runs.append(" ".join(run))
        run = []
    return runs


def fetch(url: str) -> str:
    """The page's HTML, whatever its status (a 404 page is a page too)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            text: str = answer.read().decode()
    except urllib.error.HTTPError as error:
        text = error.read().decode()
    return text


def test_every_dashboard_word_has_khmer_and_the_same_fields() -> None:
    for key, (english, khmer) in DASHBOARD.items():
        assert MESSAGES[key] == (english, khmer)
        assert KHMER.search(khmer) or key == "dash_lang_other", key
        assert set(re.findall(r"{(\w+)}", english)) == set(re.findall(r"{(\w+)}", khmer)), key
    assert words("km")("dash_since", date="2026-09-01") == "ចាប់តាំងពី 2026-09-01"


def test_links_keep_the_language() -> None:
    assert with_lang("/domain/x", "km") == "/domain/x?lang=km"
    assert with_lang("/?at=2026-09-01T00:00:00Z&only=blocked", "km").endswith("&only=blocked&lang=km")
    assert with_lang("/domain/x#as38623", "km") == "/domain/x?lang=km#as38623"
    assert with_lang("/domain/x", "en") == "/domain/x"
    assert with_lang("/api/v1/overview", "km") == "/api/v1/overview"  # the API speaks JSON, not Khmer


def dashboard_links(links: list[str]) -> list[str]:
    return [link for link in links if link.startswith("/") and not link.startswith(("/api/", "/static/"))]


@pytest.mark.parametrize(
    "path",
    ["/", "/domain/www.rfa.org", "/domain/vodkhmer.news?window=hour", "/asn/38623", "/domain/never.example"],
)
def test_khmer_pages_have_no_english_sentence_and_keep_the_language(served: Rig, path: str) -> None:
    joiner = "&" if "?" in path else "?"
    page = Visible(fetch(f"{served.url}{path}{joiner}lang=km"))
    assert page.lang == "km"
    text = " ".join(page.text)
    assert KHMER.search(text)
    assert english_runs(text) == [], path
    # every dashboard link keeps the Khmer; the switch leads to the same page in English
    links = dashboard_links(page.links)
    assert links
    for link in links:
        assert parse_qs(urlsplit(link).query).get("lang") == ["km"], link
    (switch,) = page.switch
    assert "lang" not in parse_qs(urlsplit(switch).query)
    assert urlsplit(switch).path == urlsplit(path).path


def test_english_pages_are_unchanged_and_offer_khmer(served: Rig) -> None:
    page = Visible(fetch(f"{served.url}/"))
    assert page.lang == "en"
    assert "Website blocking by network" in " ".join(page.text)
    assert all("lang=" not in link for link in page.links)
    assert page.switch == ["/?lang=km"]


@pytest.mark.slow
def test_khmer_pages_in_a_browser(served: Rig, tmp_path: Path) -> None:
    require_chromium()
    browser = Browser(tmp_path)
    for path, name in (
        ("/?lang=km", "overview-km"),
        ("/domain/www.rfa.org?lang=km", "domain-km"),
        ("/asn/38623?lang=km", "asn-km"),
        ("/domain/never.example?lang=km", "not-found-km"),
    ):
        dom = browser.dom(f"{served.url}{path}")
        page = Visible(dom)
        assert page.lang == "km"
        text = " ".join(page.text)
        assert KHMER.search(text) and english_runs(text) == [], (path, english_runs(text))
        shot = browser.screenshot(f"{served.url}{path}", name)
        assert shot.stat().st_size > 30_000


def test_the_check_finds_english(served: Rig) -> None:
    """The same check on the English pages finds sentences: it would catch one left in the Khmer."""
    for path in ("/", "/domain/www.rfa.org", "/asn/38623"):
        assert len(english_runs(" ".join(Visible(fetch(f"{served.url}{path}")).text))) > 5


def test_a_measurement_page_in_khmer(served: Rig) -> None:
    """The measurement page's own words are Khmer; what the probe signed (its explanation, the URL, the
    network evidence) is shown as signed."""
    site = Visible(fetch(f"{served.url}/domain/www.rfa.org?lang=km"))
    link = next(link for link in site.links if link.startswith("/measurement/"))
    assert link.endswith("?lang=km")
    page = Visible(fetch(f"{served.url}{link}"))
    assert page.lang == "km"
    text = " ".join(page.text)
    for key in ("dash_m_h_chain", "dash_m_h_verify", "dash_m_verdict", "dash_m_record"):
        assert DASHBOARD[key][1] in text
    assert "Evidence chain" not in text and "How to verify" not in text
    pages = [
        x for x in dashboard_links(page.links) if not urlsplit(x).path.endswith(".json")
    ]  # not downloads
    assert pages and all(parse_qs(urlsplit(x).query).get("lang") == ["km"] for x in pages), pages
