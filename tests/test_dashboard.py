"""The collector's dashboard, driven by a real headless Chromium against a real collector serving the known
history (tests/analysis_rig.py), plus HTTP-level checks of errors, escaping and downloads.

Screenshots of every page are kept in artifacts/screenshots/ (docs/dashboard.md describes them).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import struct
import subprocess
from contextlib import closing
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from probe.analysis.dashboard.overview import overview
from probe.analysis.dashboard.render import render
from probe.analysis.dashboard.subject import subject_page
from probe.analysis.query import Filters
from probe.verify import verify_file
from tests.analysis_rig import ASNS
from tests.collector_rig import Rig, collector

REPO = Path(__file__).resolve().parents[1]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
]


def require_chromium() -> None:
    if not CHROMIUM.exists():
        message = f"needs Chromium at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


class Browser:
    """Headless Chromium, a fresh profile for every page load."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.loads = 0

    def run(self, url: str, *args: str) -> str:
        self.loads += 1
        profile = self.tmp / f"chromium-profile-{self.loads}"
        done = subprocess.run(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", *args, url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def dom(self, url: str) -> str:
        return self.run(url, "--dump-dom")

    def screenshot(self, url: str, name: str, height: int = 900) -> Path:
        """The page's first `height` pixels (a tall one shows what lies at the bottom of a page)."""
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        path.unlink(missing_ok=True)
        self.run(url, f"--screenshot={path}", f"--window-size=1280,{height}")
        data = path.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
        assert struct.unpack(">II", data[16:24]) == (1280, height)
        assert len(data) > 30_000, f"{path} is nearly empty ({len(data)} bytes)"
        return path


class Tagged(HTMLParser):
    """The attributes of every element carrying a data-* attribute, and the page's visible text."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: list[dict[str, str]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if any(k.startswith("data-") for k in found):
            self.elements.append({"tag": tag, **found})

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def where(self, **match: str) -> list[dict[str, str]]:
        return [e for e in self.elements if all(e.get(f"data-{k}") == v for k, v in match.items())]

    @property
    def all_text(self) -> str:
        return " ".join(" ".join(self.text).split())


@pytest.fixture
def served(history_dir: Path, tmp_path: Path) -> object:
    with collector(tmp_path) as rig:
        yield rig


@pytest.mark.slow
def test_every_page_in_a_browser(served: Rig, tmp_path: Path) -> None:
    require_chromium()
    browser = Browser(tmp_path)
    url = served.url

    # the overview matrix: www.rfa.org blocked by dns.bogon everywhere, vodkhmer.news accessible again
    page = Tagged(browser.dom(f"{url}/"))
    for asn in ASNS:
        (cell,) = page.where(domain="www.rfa.org", asn=str(asn))
        assert (cell["data-state"], cell["data-method"], cell["data-published"]) == (
            "blocked",
            "dns.bogon",
            "yes",
        )
    (vod,) = page.where(domain="vodkhmer.news", asn="38623")
    assert (vod["data-state"], vod["data-published"]) == ("accessible", "yes")
    assert "timeline rules 2026" in page.all_text
    assert "Permalink: /?at=2026-09-25T00:00:00Z" in page.all_text  # the data's end: the history is past
    assert "LAB DATA" in page.all_text and page.where(lab="yes")
    # sites blocked somewhere first; the control site apart, below the matrix
    assert [e["data-site"] for e in page.elements if "data-site" in e] == [
        "www.rfa.org",
        "vodkhmer.news",
        "www.cambodiadaily.com",
    ]
    assert [e["data-control"] for e in page.elements if "data-control" in e] == ["www.example.com"]
    assert "Control sites (should be reachable everywhere)" in page.all_text
    assert "data from 2026-09-01" in page.all_text
    browser.screenshot(f"{url}/", "overview")

    # a matrix as of a date in the middle: vodkhmer.news still blocked then
    page = Tagged(browser.dom(f"{url}/?at=2026-09-10"))
    (vod,) = page.where(domain="vodkhmer.news", asn="38623")
    assert (vod["data-state"], vod["data-method"]) == ("blocked", "tls.reset")

    # the site page: a strip per network, and both events with the measurements that bound them
    page = Tagged(browser.dom(f"{url}/domain/vodkhmer.news"))
    assert {e["data-row"] for e in page.where(state="accessible") if e["tag"] == "div"} == {
        f"AS{a}" for a in ASNS
    }
    kinds = [e["data-kind"] for e in page.where(row="AS38623") if e["tag"] == "tr"]
    # changes first, a change to blocked before others; the state in force when the data begins last
    assert kinds == ["blocking_start", "blocking_end", "state_at_start"]
    assert "in force when the data begins" in page.all_text and "first published state" not in page.all_text
    assert "between 2026-09-03" in page.all_text  # the start's uncertainty: after the last contradiction
    assert "tls.reset" in page.all_text
    (start,) = page.where(row="AS38623", kind="blocking_start")
    blocked_uid = start["data-first-seen"]
    browser.screenshot(f"{url}/domain/vodkhmer.news", "domain")

    # the network page: every site on AS38623
    page = Tagged(browser.dom(f"{url}/asn/38623"))
    rows = {e["data-row"]: e["data-state"] for e in page.elements if e["tag"] == "div" and "data-row" in e}
    assert rows == {
        "vodkhmer.news": "accessible",
        "www.cambodiadaily.com": "accessible",
        "www.example.com": "accessible",
        "www.rfa.org": "blocked",
    }
    assert "VIETTEL-KH Metfone" in page.all_text
    browser.screenshot(f"{url}/asn/38623", "asn")

    # the measurement that first showed the blocking: verdict, proof, and how to verify it
    with served.client() as client:
        record = client.get(f"/api/v1/measurements/{blocked_uid}").json()
    text = Tagged(browser.dom(f"{url}/measurement/{blocked_uid}")).all_text
    assert "Verdict: blocked" in text
    assert "tls.reset" in text
    assert record["statement"]["payload_sha256"] in text
    assert record["inclusion"]["hashes"] and all(h in text for h in record["inclusion"]["hashes"])
    assert f"probe verify record.json --log-key '{record['log_key']}'" in text
    assert "openssl pkeyutl -verify" in text
    browser.screenshot(f"{url}/measurement/{blocked_uid}", "measurement")

    browser.screenshot(f"{url}/domain/never-measured.example", "not-found")
    browser.screenshot(f"{url}/asn/Metfone", "asn-suggest")


def test_errors_escaping_and_headers_over_http(served: Rig, history_dir: Path) -> None:
    with served.client() as client:
        page = client.get("/")
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == "default-src 'self'"
        assert "text/html" in page.headers["content-type"]
        assert "http://" not in page.text.replace(served.url, "")  # nothing fetched from elsewhere
        css = client.get("/static/dashboard.css")
        assert css.status_code == 200 and "text/css" in css.headers["content-type"]

        for hostile_path, shown in (
            ("/domain/%3Cscript%3Ealert(1)%3Cb%3E", "&lt;script&gt;alert(1)&lt;b&gt;"),
            (
                "/domain/%22%3E%3Cimg%20src=x%20onerror=alert(1)%3E",
                "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;",
            ),
        ):
            hostile = client.get(hostile_path)
            assert hostile.status_code == 404
            assert shown in hostile.text
            assert "<script>" not in hostile.text and "<img" not in hostile.text
            assert hostile.headers["content-security-policy"] == "default-src 'self'"

        for path, status in (
            ("/domain/never-measured.example", 404),
            ("/asn/64512", 404),
            ("/asn/not-a-number", 404),
            ("/?only=everything", 400),
            ("/measurement/" + "0" * 32, 404),
            ("/measurement/nothing/envelope.json", 404),
            ("/?at=yesterday", 400),
            ("/domain/www.rfa.org?since=2026-09-10&until=2026-09-01", 400),
            ("/domain/www.rfa.org?window=week", 400),
        ):
            answer = client.get(path)
            assert answer.status_code == status, path
            assert "text/html" in answer.headers["content-type"], path

        with closing(sqlite3.connect(history_dir / "collector.db")) as conn:
            uid, digest, stored = conn.execute(
                "SELECT uid, payload_sha256, envelope FROM measurements ORDER BY seq LIMIT 1"
            ).fetchone()
        envelope = client.get(f"/measurement/{uid}/envelope.json")
        assert envelope.content == stored.encode()  # the exact bytes stored
        assert "attachment" in envelope.headers["content-disposition"]
        payload = client.get(f"/measurement/{digest}/payload.json")  # by payload hash too
        assert hashlib.sha256(payload.content).hexdigest() == digest
        assert client.get(f"/measurement/{digest}").status_code == 200


def test_the_evidence_record_still_verifies(served: Rig, tmp_path: Path) -> None:
    """GET /api/v1/measurements/{id} now comes from probe.collector.records: `probe verify` accepts it."""
    with served.client() as client:
        uid = client.get("/api/v1/events", params={"domain": "www.rfa.org", "asn": "38623"}).json()["events"][
            -1
        ]["first_seen_uid"]
        record = client.get(f"/api/v1/measurements/{uid}")
    path = tmp_path / "record.json"
    path.write_bytes(record.content)
    result = verify_file(path, log_key=json.loads(record.content)["log_key"], probe_key_pem=None)
    assert result.ok, result


def test_ooni_corroboration_is_shown_when_imported(history_dir: Path, tmp_path: Path) -> None:
    with closing(sqlite3.connect(history_dir / "collector.db")) as conn, conn:
        rows = [("www.rfa.org", 38623, "dns")] * 3 + [
            ("www.rfa.org", 17976, "false"),
            ("vodkhmer.news", 38623, "dns"),
        ]
        conn.executemany(
            "INSERT INTO ooni_measurements (measurement_uid, report_id, domain, probe_asn, "
            "measurement_start_time, test_name, blocking, raw, imported_at) "
            "VALUES (?, 'r', ?, ?, '2026-09-10T00:00:00Z', 'web_connectivity', ?, '{}', '2026-11-01T00:00:00Z')",
            [(f"u{i}", *row) for i, row in enumerate(rows)],
        )
    with collector(tmp_path) as rig, rig.client() as client:
        site = client.get("/domain/www.rfa.org").text
        network = client.get("/asn/38623").text
    assert "External corroboration (OONI)" in site
    assert "<td>dns</td><td>3</td>" in site and "<td>false</td><td>1</td>" in site
    assert "<td>dns</td><td>4</td>" in network


def test_no_ooni_section_when_nothing_was_imported(served: Rig) -> None:
    with served.client() as client:
        assert "OONI" not in client.get("/domain/www.rfa.org").text


def lab_banner(html: str) -> bool:
    return 'class="lab-banner"' in html and "they are not evidence of anything" in html


def test_lab_data_is_announced_on_every_page(served: Rig, history_dir: Path) -> None:
    """The fixture is invented (probe.lab.history): every page, errors included, says so at the top."""
    with served.client() as client:
        uid = client.get("/api/v1/events", params={"domain": "www.rfa.org"}).json()["events"][0][
            "first_seen_uid"
        ]
        paths = ["/", "/domain/www.rfa.org", "/asn/38623", f"/measurement/{uid}", "/domain/nothing.example"]
        paths += ["/?at=yesterday"]
        for path in paths:
            text = client.get(path).text
            assert lab_banner(text), path
            assert text.index("lab-banner") < text.index("<h1"), path  # above the page's content
    with closing(sqlite3.connect(history_dir / "collector.db")) as conn, conn:
        conn.execute("DELETE FROM lab_history")  # as if the measurements were real
    with served.client() as client:
        for path in ("/", "/domain/www.rfa.org", "/domain/nothing.example"):
            assert not lab_banner(client.get(path).text), path


def cite_link(html: str) -> str:
    start = html.index('Permalink: <a href="') + len('Permalink: <a href="')
    return html[start : html.index('"', start)].replace("&amp;", "&")


def test_permalinks_hold_what_the_page_shows(served: Rig) -> None:
    with served.client() as client:
        page = client.get("/domain/vodkhmer.news")
        link = cite_link(page.text)
        query = parse_qs(urlsplit(link).query)
        assert set(query) == {"since", "until", "window"}
        assert query["until"] == ["2026-09-25T00:00:00Z"]  # the end of the last window shown
        # the header's "from" is the permalink's since, to the second
        shown_from = query["since"][0][:19].replace("T", " ").removesuffix(":00")
        assert f'windows from <span class="date">{shown_from}</span>' in page.text
        again = client.get(link)
        assert cite_link(again.text) == link
        rows = [e for e in Tagged(page.text).elements if "data-row" in e]
        assert [e for e in Tagged(again.text).elements if "data-row" in e] == rows

        asn = client.get("/asn/AS38623?since=2026-09-05&until=2026-09-10&window=hour")
        query = parse_qs(urlsplit(cite_link(asn.text)).query)
        assert query == {
            "since": ["2026-09-05T00:00:00Z"],
            "until": ["2026-09-11T00:00:00Z"],  # --until 2026-09-10 includes that day
            "window": ["hour"],
        }

        at = "2026-09-10T02:43:40Z"
        overview = client.get("/", params={"at": at, "only": "blocked"})
        assert cite_link(overview.text) == f"/?at={at}&only=blocked"
        assert 'as of <span class="date">2026-09-10 02:43:40</span> UTC' in overview.text


def test_only_blocked_sites_and_dates_on_one_line(served: Rig) -> None:
    with served.client() as client:
        page = Tagged(client.get("/", params={"at": "2026-09-10", "only": "blocked"}).text)
        assert [e["data-site"] for e in page.elements if "data-site" in e] == ["vodkhmer.news", "www.rfa.org"]
        assert "1 site not blocked on any network is hidden" in page.all_text
        assert [e["data-control"] for e in page.elements if "data-control" in e] == ["www.example.com"]
        events = client.get("/domain/vodkhmer.news").text
    # the times in the events table are kept whole
    assert 'between <span class="date">2026-09-03' in events


def test_unknown_networks_and_sites_suggest_what_exists(served: Rig) -> None:
    with served.client() as client:
        metfone = client.get("/asn/Metfone")
        assert metfone.status_code == 404
        assert "Did you mean" in metfone.text
        assert '<a href="/asn/38623">AS38623 (VIETTEL-KH Metfone)</a>?' in metfone.text
        unknown = client.get("/asn/64512")
        assert unknown.status_code == 404
        assert all(f'href="/asn/{a}"' in unknown.text for a in ASNS)
        for text in ("rfa", "www.rfa.com", "RFA.ORG"):
            site = client.get(f"/domain/{text}")
            assert site.status_code in (200, 404)
            if site.status_code == 404:
                assert '<a href="/domain/www.rfa.org">www.rfa.org</a>' in site.text, text
        nothing = client.get("/asn/Nowhere")
        assert "no network measured here has a name containing it" in nothing.text
        assert "Did you mean" not in nothing.text


def test_incomplete_windows_are_marked(history_dir: Path) -> None:
    """As if it were 2026-09-10 12:00: that day's window is still open on every strip and in the matrix."""
    now = datetime(2026, 9, 10, 12, tzinfo=UTC)
    with closing(sqlite3.connect(f"file:{history_dir / 'collector.db'}?mode=ro", uri=True)) as conn:
        filters = Filters.parse(domain="vodkhmer.news", since="2026-09-01", until="2026-09-10T12:00:00Z")
        context = subject_page(conn, filters, "day", "domain", {"since": "", "until": ""}, now)
        assert context is not None
        matrix = overview(conn, None, now)
    assert {s.incomplete for s in context["strips"]} == {"incomplete (today)"}
    for strip in context["strips"]:
        assert strip.bars[-1].incomplete and not strip.bars[0].incomplete
        assert strip.bars[-1].title.startswith("incomplete (today)")
    assert any(
        e["incomplete"] == "latest window incomplete (today)" for e in context["events"] if e["ongoing"]
    )
    html = render(
        "subject.html", lab=False, subject="vodkhmer.news", asn=None, domain="vodkhmer.news", **context
    )
    assert "b-incomplete" in html and "incomplete window" in html
    assert "latest window incomplete (today)" in html
    assert context["permalink_query"].endswith("until=2026-09-10T12:00:00Z&window=day")
    # the matrix: published states rest on complete windows; a provisional one on the open window says so
    assert matrix["at"] == "2026-09-10T12:00:00Z" and matrix["open_windows"]
    assert {c.incomplete for c in matrix["grid"].values() if c.published} == {None}
    with closing(sqlite3.connect(f"file:{history_dir / 'collector.db'}?mode=ro", uri=True)) as conn:
        first_day = overview(conn, None, datetime(2026, 9, 1, 12, 30, 15, tzinfo=UTC))
    assert first_day["at"] == "2026-09-01T12:31:00Z"  # now, rounded up to the minute: the page and permalink
    assert {(c.published, c.incomplete) for c in first_day["grid"].values()} == {
        (False, "incomplete (today)")
    }
    html = render("overview.html", lab=False, **first_day)
    assert "latest window incomplete (today)" in html and "still open (incomplete)" in html
