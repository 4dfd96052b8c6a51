"""The overview (page and /api/v1/overview) is bounded, and what an uncorroborated key uploads never pushes
aside the sites the operator's test lists name (probe.analysis.dashboard.ranking)."""

from __future__ import annotations

import re
from html import unescape
from pathlib import Path

from probe.analysis.dashboard.ranking import listed_domains, ranked_domains, ranked_networks
from probe.analysis.rules import Decision
from probe.analysis.timeline import Cell, Current
from probe.models.verdict import Outcome, Verdict
from tests.collector_rig import Prober, collector

ACCESSIBLE = Verdict(outcome=Outcome.ACCESSIBLE, rule_id="http.ok", explanation="reached as the control did")


def shown_sites(page: str) -> set[str]:
    return set(re.findall(r'<tr data-site="([^"]+)"', page))


def test_a_fresh_key_s_junk_never_displaces_listed_sites(tmp_path: Path) -> None:
    assert {"www.rfa.org", "www.cambodiadaily.com"} <= listed_domains()
    with collector(tmp_path, overview_max_domains=3, overview_max_networks=2) as rig, rig.client() as http:
        real = Prober(tmp_path)
        http.post("/api/v1/probes", json=real.enrol_body())
        listed = [
            real.envelope(real.measurement(url=u))
            for u in ("https://www.rfa.org/", "https://www.cambodiadaily.com/")
        ]
        assert [
            x["status"]
            for x in http.post("/api/v1/measurements", json={"envelopes": listed}).json()["results"]
        ] == [201, 201]
        attacker = Prober(tmp_path)  # enrolled once, unverified, many more measurements than the real probe
        http.post("/api/v1/probes", json=attacker.enrol_body())
        junk = [
            attacker.envelope(attacker.measurement(url=f"https://junk{i:03}.example/", verdict=ACCESSIBLE))
            for i in range(9)
            for _ in range(3)
        ]
        r = http.post("/api/v1/measurements", json={"envelopes": junk})
        assert [x["status"] for x in r.json()["results"]] == [201] * 27

        page = http.get("/").text
        sites = shown_sites(page)
        assert {"www.rfa.org", "www.cambodiadaily.com"} <= sites and len(sites) == 3
        note = unescape(
            re.sub(r"<[^>]+>", "", re.search(r'<p class="note" id="left-out">(.*?)</p>', page, re.S)[1])
        )
        assert "This page shows 3 sites and 1 network:" in note  # never "1 networks"
        assert "8 more sites follow." in note
        # the way to the rest: each page links to the next, and following the links reaches every site once
        reached, seen, current = sorted(sites), 3, page
        while (link := re.search(r'<a href="([^"]*)">(\d+) more sites?</a>', current)) is not None:
            current = http.get(unescape(link[1])).text
            assert f"{seen} sites come before" in current
            reached += sorted(shown_sites(current))
            seen += 3
        assert sorted(reached) == sorted(
            {"www.rfa.org", "www.cambodiadaily.com"} | {f"junk{i:03}.example" for i in range(9)}
        )
        assert http.get("/", params={"offset": "-1"}).status_code == 400

        # a network's page is bounded the same way: the listed sites stay on it, junk is what is left out
        network_page = http.get("/asn/38623").text
        rows = set(re.findall(r'<div class="strip" [^>]*data-row="([^"]+)"', network_page))
        assert {"www.rfa.org", "www.cambodiadaily.com"} <= rows and len(rows) == 3
        assert "8 more sites in this period are not shown here" in network_page

        api = http.get("/api/v1/overview").json()
        assert {c["domain"] for c in api["cells"]} >= {"www.rfa.org", "www.cambodiadaily.com"}
        assert len({c["domain"] for c in api["cells"]}) == 3
        assert (api["sites"], api["left_out_sites"], api["limit"], api["offset"]) == (11, 8, 3, 0)
        assert (api["networks"], api["left_out_networks"]) == (1, 0)
        rest = http.get("/api/v1/overview", params={"offset": 3, "limit": 3}).json()
        assert {c["domain"] for c in rest["cells"]} == {
            f"junk{i:03}.example" for i in range(1, 4)
        }  # name order among equals
        for bad in ({"limit": 4}, {"limit": "x"}, {"offset": "1e3"}, {"page": 2}):
            answer = http.get("/api/v1/overview", params=bad)
            assert answer.status_code == 400 and answer.json()["reason"] == "bad_filter", bad


def cell(
    domain: str, asn: int, n: int, *, vouched: int = 0, published: bool = False, state: str = "accessible"
) -> Current:
    decision = Decision(
        state,
        "window.accessible",
        counts={"accessible": n},
        probes=1,
        tiers={"vouched": vouched} if vouched else {"unverified": 1},
    )
    window = Cell(domain, asn, "day", 0, decision, "2026-12-01T00:00:00Z", "2026-12-01T01:00:00Z")
    return Current(domain, asn, state, published, None, window)


def test_standing_comes_before_counts() -> None:
    cells = [
        cell("junk.example", 64500, 900),  # many measurements, one unverified key: last
        cell("vouched.example", 64500, 5, vouched=1),  # corroborated by a vouched probe
        cell("published.example", 64501, 3, published=True),
        cell("listed.example", 64501, 50),  # on the operator's lists, more measured than the published one
    ]
    order = ranked_domains(cells, listed=frozenset({"listed.example"}))
    assert order == ["published.example", "listed.example", "vouched.example", "junk.example"]
    # networks: the one with a published cell first, though the other holds far more measurements
    assert ranked_networks(cells) == [64501, 64500]
    assert ranked_networks([cell("a.example", 64502, 900), cell("b.example", 64503, 1, vouched=1)]) == [
        64503,
        64502,
    ]
