"""The report in Khmer (issue 15, item 5): `probe evidence --lang km` adds report.km.html and report.km.pdf.
The PDF embeds a Khmer font and shapes the text with HarfBuzz; its text, extracted by poppler's pdftotext,
is the HTML's, letter for letter; its pages are rendered to PNG (pdftoppm) and kept under artifacts/ for a
reader to look at (the closing note's screenshots)."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from probe.analysis.bundle import collector_key, write_bundle
from probe.analysis.bundle_verify import verify_bundle
from probe.analysis.query import Filters
from probe.analysis.report import render_html, render_pdf
from tests.shared_data import require_tools
from tests.test_report_words import _Text, facts, squeezed

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "artifacts" / "report"
KHMER = re.compile(r"[\u1780-\u17ff]")


def pdf_text(pdf: Path) -> str:
    require_tools("pdftotext")
    # -raw: the content stream's order, so a subscript consonant stays with its base
    return subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def html_text(html: bytes) -> str:
    parser = _Text()
    parser.feed(html.decode())
    return " ".join(parser.parts)


def pages_to_png(pdf: Path, stem: str) -> list[Path]:
    require_tools("pdftoppm")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{stem}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-png", "-r", "80", str(pdf), str(ARTIFACTS / stem)], check=True)
    return sorted(ARTIFACTS.glob(f"{stem}-*.png"))


@pytest.mark.parametrize("lang", ["km", "en"])
def test_the_pdf_says_what_the_html_says_and_is_kept_as_pictures(tmp_path: Path, lang: str) -> None:
    r = facts(not_in_log=2)
    html = render_html(r, lang)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(render_pdf(r, lang))
    text = html_text(html)
    assert squeezed(pdf_text(pdf)) == squeezed(text)
    assert (len(KHMER.findall(text)) > 1000) is (lang == "km")
    assert f'<html lang="{lang}">' in html.decode()
    pages = pages_to_png(pdf, f"report-{lang}")
    assert len(pages) >= 2
    with Image.open(pages[0]) as page:
        ink = sum(1 for p in page.convert("L").get_flattened_data() if p < 128)
        assert ink > 5000  # text was drawn, not boxes left blank


def test_khmer_is_shaped_with_an_embedded_font(tmp_path: Path) -> None:
    data = render_pdf(facts(lab=True), "km")
    assert b"/FontFile2" in data  # the font travels with the PDF
    assert re.search(rb"/BaseFont /[A-Z]{6}\+KhmerOS", data)  # subset of the Khmer font
    (tmp_path / "lab.pdf").write_bytes(data)
    text = pdf_text(tmp_path / "lab.pdf")
    assert "ទិន្នន័យសាកល្បង" in "".join(text.split())  # the lab banner, in Khmer, first
    # A subscript consonant (coeng + consonant) is drawn below its base: shaped, not laid out side by side.
    assert "្ន" in text and "ន្ន" in "".join(text.split())


def test_a_bundle_in_khmer_too_verifies(history_master: Path, tmp_path: Path) -> None:
    out = tmp_path / "km.zip"
    with sqlite3.connect(f"file:{history_master / 'collector.db'}?mode=ro", uri=True) as conn:
        filters = Filters.parse(domain="www.rfa.org", asn="38623", since="2026-09-03", until="2026-09-08")
        write_bundle(conn, collector_key(history_master), filters, out, lab_ok=True, lang="km")
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
        km = z.read("report.km.html").decode()
    assert {"report.html", "report.pdf", "report.km.html", "report.km.pdf"} <= names
    assert "ទិន្នន័យសាកល្បង" in km and "www.rfa.org" in km
    s = verify_bundle(out)
    assert s.ok, s.ordered_failures()
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(out) as zin, zipfile.ZipFile(changed, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(
                info,
                data.replace(b"www.rfa.org", b"www.rfa.com", 1)
                if info.filename == "report.km.html"
                else data,
            )
    assert [str(f) for f in verify_bundle(changed).failures] == [
        "report.km.html: manifest: its SHA-256 differs from the one in SIGNATURE.json: it was changed"
    ]


def test_an_unknown_language_is_one_sentence(history_master: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from probe.cli.app import app

    args = [
        "evidence",
        "--domain",
        "www.rfa.org",
        "--data-dir",
        str(history_master),
        "-o",
        str(tmp_path / "x.zip"),
    ]
    run = CliRunner().invoke(app, [*args, "--lang", "fr", "--lab-data"])
    assert run.exit_code != 0 and "--lang 'fr' is not en or km" in str(run.exception)
    assert not (tmp_path / "x.zip").exists()


@pytest.mark.parametrize("lang", ["km", "en"])
def test_a_chart_in_each_language_is_kept_as_a_picture(history_master: Path, lang: str) -> None:
    from typer.testing import CliRunner

    from probe.cli.app import app

    folder = ROOT / "artifacts" / "chart"
    folder.mkdir(parents=True, exist_ok=True)
    for fmt in ("svg", "png"):
        out = folder / f"rfa-{lang}.{fmt}"
        args = [
            "export",
            "chart",
            "--domain",
            "www.rfa.org",
            "--data-dir",
            str(history_master),
            "-o",
            str(out),
        ]
        run = CliRunner().invoke(app, [*args, "--lang", lang])
        assert run.exit_code == 0, run.output
    svg = (folder / f"rfa-{lang}.svg").read_text()
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg) or re.findall(r">([^<>]+)</", svg)
    khmer = [t for t in texts if KHMER.search(t)]
    if lang == "km":
        assert any("នៅលើបណ្ដាញនានា" in t for t in texts)  # the title: "across networks"
        assert any("ទិន្នន័យសាកល្បង" in t for t in texts)  # the lab stamp
        assert any(re.search(r"\d{4}-\d{2}-\d{2}", t) for t in texts)  # numeric dates on the axis
    else:
        assert not khmer and "LAB DATA - NOT EVIDENCE" in svg
    with Image.open(folder / f"rfa-{lang}.png") as image:
        assert image.width > 800


def test_the_khmer_report_gives_the_witnessed_brackets() -> None:
    """Where independent witnesses vouch for a date, the Khmer report words their bracket in Khmer, as the
    English report does in English; the probes' clocks only where no witness vouches."""
    from probe.analysis.brackets import Bracket, say
    from tests.test_report_words import period

    start, end = 1788400000, 1788403600  # 2026-09-03 01:46 and 02:46 UTC
    b = Bracket(start, end, 2, 2, None)
    km = say(b, 3, lang="km")
    assert km == "នៅចន្លោះ 2026-09-03 01:46 និង 2026-09-03 02:46 UTC ដូចដែលសាក្សីឯករាជ្យ 2 ក្នុងចំណោម 3 បានបញ្ជាក់"
    assert say(b, 3).startswith("between 3 Sep 2026 01:46 and 3 Sep 2026 02:46 UTC")
    assert "demo-data" in say(b, 3, independent=False, lang="km")
    assert KHMER.search(say(None, 3, lang="km"))
    witnessed = facts(
        periods=[period(began_words=say(b, 3), began_words_km=km)],
        tested_words=say(b, 3),
        tested_words_km=km,
        witnesses=3,
        independent=True,
    )
    html = html_text(render_html(witnessed, "km"))
    assert "បានចាប់ផ្ដើម " + km in html and html.count(km) >= 2  # the blocking's start and what was measured
    assert "2026-09-03 10:00" not in html  # the probe's clock is not quoted where a witness vouches
    english = html_text(render_html(witnessed, "en"))
    assert "began " + say(b, 3) in english
    clocks = html_text(render_html(facts(), "km"))
    assert "2026-09-03 10:00" in clocks and "តាមនាឡិការបស់ probe ផ្ទាល់" in clocks
