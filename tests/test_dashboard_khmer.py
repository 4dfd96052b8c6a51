"""The dashboard in Khmer (`?lang=km`), driven by a real headless Chromium against a real collector serving
the known history (tests/analysis_rig.py): every page says `lang="km"`, its words come from the catalogue
(probe.i18n.dashboard_words), every link it makes keeps the language, and no English sentence is left.

What the probe or the collector signed in English (a verdict's explanation, a receipt's reasons, the JSON
of the record) is said in Khmer from the catalogue, by rule id or reason code; the signed text stays on the
page marked translate="no", and the check skips it.

Screenshots are kept in artifacts/screenshots/ (overview-km.png, domain-km.png, asn-km.png, not-found-km.png,
bad-request-km.png, measurement-km.png, ooni-km.png).
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import urllib.error
import urllib.request
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from probe.analysis.dashboard.render import network_why_words, with_lang, words
from probe.collector.attest import why_reasons
from probe.i18n.catalogue import MESSAGES
from probe.i18n.dashboard_words import DASHBOARD
from tests.collector_rig import Rig
from tests.test_dashboard import Browser, require_chromium, served

__all__ = ["served"]

KHMER = re.compile("[\u1780-\u17ff]")
# what may stay in Latin letters on a Khmer page: names, identifiers and units, never a sentence
NAMES = {"saksi", "utc", "api", "json", "probe", "collector", "demo-data", "as", "english", "docs/methods.md"}


VOID = {"br", "hr", "img", "input", "meta", "link", "wbr"}


class Visible(HTMLParser):
    """The page's visible text (no style or script), its links, and the html element's lang. Text inside an
    element marked translate="no" (what was signed, shown verbatim) is kept apart in `verbatim`."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.verbatim: list[str] = []
        self.links: list[str] = []
        self.switch: list[str] = []
        self.lang = ""
        self.skip = 0
        self.depth = 0  # inside a translate="no" element: how deep
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "html":
            self.lang = found.get("lang") or ""
        if tag in ("style", "script"):
            self.skip += 1
        if self.depth and tag not in VOID:
            self.depth += 1
        elif found.get("translate") == "no" and tag not in VOID:
            self.depth = 1
        if tag == "a" and found.get("href"):
            (self.switch if "data-lang-switch" in found else self.links).append(found["href"] or "")
        for name in ("title", "aria-label"):
            if found.get(name):
                (self.verbatim if self.depth else self.text).append(found[name] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self.skip -= 1
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if not self.skip:
            (self.verbatim if self.depth else self.text).append(data)


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


def answer(url: str) -> tuple[int, str]:
    """The status and the HTML of a page, an error page too."""
    try:
        with urllib.request.urlopen(url, timeout=30) as found:
            return found.status, found.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


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
def test_khmer_pages_in_a_browser(served: Rig, history_dir: Path, tmp_path: Path) -> None:
    require_chromium()
    browser = Browser(tmp_path)
    add_ooni(history_dir)
    for path, name in (
        ("/?lang=km", "overview-km"),
        ("/domain/www.rfa.org?lang=km", "domain-km"),
        ("/asn/38623?lang=km", "asn-km"),
        ("/domain/never.example?lang=km", "not-found-km"),
        ("/domain/www.rfa.org?since=2026-09-01&window=weekly&lang=km", "bad-request-km"),
        (measurement_link(served), "measurement-km"),
        ("/domain/www.rfa.org?since=2026-09-01&lang=km", "ooni-km"),
    ):
        dom = browser.dom(f"{served.url}{path}")
        page = Visible(dom)
        assert page.lang == "km"
        text = " ".join(page.text)
        assert KHMER.search(text) and english_runs(text) == [], (path, english_runs(text))
        # the OONI section lies at the bottom of the site page: its screenshot is a tall one
        shot = browser.screenshot(f"{served.url}{path}", name, 3400 if name == "ooni-km" else 900)
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


# -- the 400 page, the OONI section and the measurement page, in Khmer ----------------------------------

BAD_REQUESTS = {  # a refused parameter, and the catalogue message the page must say it with
    "/?at=yesterday": "filter_not_date",
    "/?at=3100-01-01": "filter_year",
    "/?only=everything": "filter_only",
    "/?offset=lots": "filter_not_count",
    "/domain/www.rfa.org?since=2026-10-01&until=2026-09-01": "filter_since_until",
    "/domain/www.rfa.org?window=weekly": "filter_window",
    "/asn/99999999999": "filter_not_asn",
}


@pytest.mark.parametrize("path", list(BAD_REQUESTS))
def test_a_refused_parameter_is_explained_in_khmer(served: Rig, path: str) -> None:
    """The 400 page's detail is the parameter check's message (FilterError) in the page's language."""
    joiner = "&" if "?" in path else "?"
    status, html = answer(f"{served.url}{path}{joiner}lang=km")
    page = Visible(html)
    text = " ".join(page.text)
    assert status == 400 and page.lang == "km" and DASHBOARD["dash_error_bad_request"][1] in text, path
    khmer = MESSAGES[BAD_REQUESTS[path]][1]
    for part in re.split(r"{\w+}", khmer):  # every word of the message, around the values filled in
        assert part.strip() in text, (path, part)
    assert english_runs(text) == [], (path, english_runs(text))
    # the same refusal in English says the English sentence
    english_page = Visible(fetch(f"{served.url}{path}"))
    assert english_runs(" ".join(english_page.text)), path


def add_ooni(collector_dir: Path) -> None:
    """OONI's measurements of www.rfa.org as `probe import ooni --reclassify` stores them: one where
    Saksi's reading of OONI's observations differs from OONI's own verdict."""
    columns = (
        "measurement_uid, report_id, input, domain, probe_asn, measurement_start_time, test_name, blocking, "
        "anomaly, confirmed, raw, imported_at, saksi_outcome, saksi_method, saksi_confidence, saksi_rule_id, "
        "saksi_explanation, saksi_rules_version"
    )
    rows = [
        ("o1", "http://www.rfa.org/", "false", 0, 0, "blocked", "http.diff", "likely", "http.diff",
         "HTTP: the page served for www.rfa.org differs from the control's in status, size, headers and "
         "title: an unknown blockpage."),
        ("o2", "http://www.rfa.org/", "dns", 1, 1, "blocked", "dns.bogon", "likely", "dns.bogon",
         "DNS: www.rfa.org resolved only to private or reserved addresses."),
    ]  # fmt: skip
    with closing(sqlite3.connect(collector_dir / "collector.db")) as conn, conn:
        conn.executemany(
            f"INSERT INTO ooni_measurements ({columns}) VALUES (?, 'r', ?, 'www.rfa.org', 38623, "
            "'2026-09-10T00:00:00Z', 'web_connectivity', ?, ?, ?, '{}', '2026-11-01T00:00:00Z', ?, ?, ?, ?, "
            "?, 'x')",
            rows,
        )


def test_the_ooni_section_in_khmer(served: Rig, history_dir: Path) -> None:
    add_ooni(history_dir)
    page = Visible(fetch(f"{served.url}/domain/www.rfa.org?since=2026-09-01&lang=km"))
    text = " ".join(page.text)
    for key in ("dash_ooni_h2", "dash_ooni_differ_h", "dash_ooni_col_why", "dash_ooni_by_day_saksi"):
        assert DASHBOARD[key][1] in text, key
    assert MESSAGES["rule.http.diff"][1] in text  # Saksi's reason by its rule id
    assert english_runs(text) == [], english_runs(text)
    english = fetch(f"{served.url}/domain/www.rfa.org?since=2026-09-01")
    assert "Where the two verdicts differ (external)" in english and "an unknown blockpage" in english


def measurement_link(served: Rig) -> str:
    site = Visible(fetch(f"{served.url}/domain/www.rfa.org?lang=km"))
    return next(link for link in site.links if link.startswith("/measurement/"))


def test_what_the_probe_signed_is_said_in_khmer(served: Rig) -> None:
    """The verdict's explanation is the catalogue's words for its rule id, the receipt's network reasons
    are said by their codes; the signed English stays on the page, marked, and is no sentence shown."""
    link = measurement_link(served)
    page = Visible(fetch(f"{served.url}{link}"))
    text = " ".join(page.text)
    assert english_runs(text) == [], english_runs(text)
    record = json.loads(fetch(f"{served.url}/api/v1/measurements/{link.split('/')[2].split('?')[0]}"))
    payload = json.loads(base64.b64decode(record["envelope"]["payload"]))
    verdict = payload["verdict"]
    assert MESSAGES[f"rule.{verdict['rule_id']}"][1] in text
    assert verdict["explanation"] not in text and verdict["explanation"] in " ".join(page.verbatim)
    assert DASHBOARD["dash_m_signed_english"][1] in text
    receipt = json.loads(base64.b64decode(record["receipt"]["payload"]))
    if receipt.get("network_why"):
        assert receipt["network_why"] not in text
        assert any(DASHBOARD[f"attest_why_{code}"][1].split("{")[0] in text for code, _ in reasons(receipt))


def reasons(receipt: dict[str, Any]) -> list[tuple[str, dict[str, str]]]:
    found = why_reasons(receipt["network_why"])
    assert found, receipt["network_why"]  # every reason this collector signs has a code
    return found


def test_every_network_reason_reads_back_to_its_code() -> None:
    for key, (english, _) in DASHBOARD.items():
        if key.startswith("attest_why_"):
            code = key.removeprefix("attest_why_")
            filled = english.format(seen=64512, claim=38623, asn=38623)
            assert why_reasons(filled) == [
                (code, {k: v for k, v in FILLED.items() if "{" + k + "}" in english})
            ]
    assert why_reasons("the upload came from AS17976; no control answer from this collector") == [
        ("upload_from", {"asn": "17976"}),
        ("no_answer", {}),
    ]
    assert why_reasons("a reason of another version") is None
    assert network_why_words("the upload came from AS17976", "km") == "ការបញ្ជូនបានមកពី AS17976"
    assert network_why_words("a reason of another version", "km") is None


FILLED = {"seen": "64512", "claim": "38623", "asn": "38623"}
