"""The report claims only what the data shows, in sentences that parse, and report.html and report.pdf
say the same words (issue 15, item 3): both are rendered from one list of blocks (report_doc), and the
PDF's text, extracted by poppler's pdftotext, is compared with the HTML's."""

from __future__ import annotations

import re
import subprocess
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from probe.analysis.report import (
    _LATIN,
    METHOD_WORDS,
    BlockingPeriod,
    Network,
    ReportFacts,
    render_html,
    render_pdf,
)
from tests.shared_data import require_tools

METFONE = Network(38623, "VIETTEL-KH Metfone", 90, 2, 60, vouched=1, unverified=1)
CELLCARD = Network(17976, "CAMGSM Cellcard", 80, 1, 0, vouched=0, unverified=1)
HOSTS = ["english.cambodiadaily.com", "khmer.cambodiadaily.com", "www.cambodiadaily.com"]


def period(asn: int = 38623, **kw: object) -> BlockingPeriod:
    base = BlockingPeriod(
        domain="www.cambodiadaily.com", asn=asn, network="VIETTEL-KH Metfone", method="http.blockpage",
        confidence="confirmed", probe_words="HTTP: the page matched a known blockpage.",
        began_after="2026-09-03T10:00:00Z", began_by="2026-09-03T16:00:00Z", last_seen="2026-09-20T10:00:00Z",
        ended_after=None, ended_by=None, ongoing=True, fingerprint="kh_blockpage_metfone",
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def facts(**kw: object) -> ReportFacts:
    base = ReportFacts(
        domain="cambodiadaily.com", domains=HOSTS, since=None, until=None, first_at="2026-09-01T00:00:00Z",
        last_at="2026-09-21T00:00:00Z", measurements=170, controls=170, not_in_log=0, probes=3, vouched=1,
        unverified=2, networks=[METFONE, CELLCARD], countries=["KH"], periods=[period()],
        windows={"blocked": 18, "accessible": 22}, manifest_sha256="ab" * 32, origin="saksi.example/log",
        checkpoint_size=12, checkpoint_root="root=", rules_version="test", created_at="2026-09-21T00:00:00Z",
        hosts=[(HOSTS[0], 50, 0), (HOSTS[1], 50, 0), (HOSTS[2], 70, 60)],
    )  # fmt: skip
    return replace(base, **kw)  # type: ignore[arg-type]


def test_the_title_names_only_what_was_found_blocked_and_where() -> None:
    one = facts()
    assert one.title.startswith("Blocking of www.cambodiadaily.com on AS38623 (VIETTEL-KH Metfone), ")
    assert "english." not in one.title and "Cambodia," not in one.title and " in " not in one.title
    two = facts(periods=[period(), period(17976, network="CAMGSM Cellcard")])
    assert two.title.startswith("Blocking of www.cambodiadaily.com on 2 networks in Cambodia, ")
    none = facts(periods=[], networks=[CELLCARD])
    assert none.title.startswith(f"Measurements of {', '.join(HOSTS)} on AS17976 (CAMGSM Cellcard), ")


@pytest.mark.parametrize("method", sorted(METHOD_WORDS))
def test_each_method_phrase_completes_blocked_by(method: str) -> None:
    """ "blocked by <phrase>": a noun phrase, so its main clause has no finite verb of its own."""
    phrase = METHOD_WORDS[method]
    main = re.split(r",| as soon as | after | instead | while | before | that | with ", phrase)[0]
    finite = r"(?<!being )\b(was|were|is|are|said|did|gave|failed|refused|timed|closed|stalled)\b"
    assert not re.search(finite, main), main
    assert phrase[0].islower() or phrase.startswith(("DNS", "TLS"))


def test_the_blocking_sentence_parses() -> None:
    html = render_html(facts()).decode()
    assert "The blocking began between 2026-09-03 10:00 UTC and 2026-09-03 16:00 UTC" in html
    assert "; was still observed at the last measurement, 2026-09-20 10:00 UTC" in html


def test_counts_take_their_number() -> None:
    text = render_html(facts(measurements=1, probes=1, controls=1, vouched=1, unverified=0)).decode()
    assert "tested 1 time by 1 probe " in text and "1 measurement of control sites" in text
    assert "1 probes" not in text and "1 times" not in text


def test_a_confirmed_blockpage_names_its_fingerprint() -> None:
    html = render_html(facts()).decode()
    assert "matching the blockpage fingerprint kh_blockpage_metfone" in html
    assert "<th>Vouched</th><th>Unverified</th>" in html  # tiers per network
    assert '<td>www.cambodiadaily.com</td><td class="n">70</td><td class="n">60</td>' in html  # per host


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self.skip += tag in ("style", "title", "head")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("style", "title", "head")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def squeezed(text: str) -> str:
    """Without whitespace (the PDF wraps lines, and may break a long hash), in the PDF's Latin-1 marks."""
    return "".join(text.translate(_LATIN).split())


@pytest.mark.parametrize("lab", [False, True])
def test_pdf_and_html_say_the_same_words(tmp_path: Path, lab: bool) -> None:
    require_tools("pdftotext")
    r = facts(lab=lab, not_in_log=3)
    parser = _Text()
    parser.feed(render_html(r).decode())
    (tmp_path / "r.pdf").write_bytes(render_pdf(r))
    pdf = subprocess.run(
        ["pdftotext", "-layout", "-enc", "UTF-8", str(tmp_path / "r.pdf"), "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    html_text = squeezed(" ".join(parser.parts))
    assert squeezed(pdf) == html_text
    assert ("LABDATA" in html_text) is lab


def test_demo_blockpage_findings_name_their_fingerprint(tmp_path: Path) -> None:
    """demo-data's blockpage verdicts carry a fingerprint, as a real probe's do; the report names it."""
    import sqlite3
    from datetime import UTC, datetime

    from probe.analysis.bundle import collector_key, write_bundle
    from probe.analysis.query import Filters
    from probe.lab.history import Block, History, generate

    start = datetime(2026, 10, 1, tzinfo=UTC)
    data = tmp_path / "collector"
    generate(
        History(
            domains=["www.cambodiadaily.com", "www.example.com"], asns=(38623,), start=start, days=6,
            blocks=[Block("www.cambodiadaily.com", start, None, asn=38623, method="http.blockpage",
                          confidence="confirmed")],
            categories={"www.example.com": "CTRL"}, seed=2,
        ),
        data,
    )  # fmt: skip
    with sqlite3.connect(f"file:{data / 'collector.db'}?mode=ro", uri=True) as conn:
        write_bundle(conn, collector_key(data), Filters.parse(domain="www.cambodiadaily.com"),
                     tmp_path / "b.zip", lab_ok=True)  # fmt: skip
    import zipfile

    with zipfile.ZipFile(tmp_path / "b.zip") as z:
        html = z.read("report.html").decode()
    assert "a known block page returned instead of the site (confirmed), matching the blockpage fingerprint " \
        "ooni.kh_http_1" in html  # fmt: skip
