"""A bundle's report counts what the timeline rules count, shows what they set aside apart and never as a
finding, and says about witnesses only what the bundle's witnesses.json and brackets support (in English,
in Khmer and in `probe verify`)."""

from __future__ import annotations

import base64
import re
import sqlite3
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from probe.analysis.bundle import collector_key, write_bundle
from probe.analysis.bundle_summary import describe
from probe.analysis.bundle_verify import verify_bundle
from probe.analysis.query import Filters
from probe.analysis.report import Network, render_html
from probe.analysis.report_doc import blocks
from probe.models.evidence import Receipt
from tests.collector_rig import Prober, collector, utc
from tests.test_bundle import probe
from tests.test_report_words import _Text, facts, period


def text_of(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture(scope="module")
def attacker_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reviewer's bundle: one key, 51 blocked results of www.rfa.org, 48 back-dated before its key was
    enrolled; a collector with no witness."""
    tmp = tmp_path_factory.mktemp("attacker")
    with collector(tmp) as rig, rig.client() as http:
        p = Prober(tmp)
        assert http.post("/api/v1/probes", json=p.enrol_body()).status_code == 201
        before = utc(datetime.now(UTC) - timedelta(days=2))
        envelopes = [p.envelope(p.measurement(started_at=before, finished_at=before)) for _ in range(48)]
        envelopes += [p.envelope() for _ in range(3)]
        results = http.post("/api/v1/measurements", json={"envelopes": envelopes}).json()["results"]
        assert [r["status"] for r in results] == [201] * 51
        receipts = [Receipt.model_validate_json(base64.b64decode(r["receipt"]["payload"])) for r in results]
        assert [r.time_ok for r in receipts] == [False] * 48 + [True] * 3
        deadline = time.monotonic() + 20
        while http.get("/api/v1/log/checkpoint").text.splitlines()[1:2] != ["51"]:
            assert time.monotonic() < deadline, "the collector did not sign a checkpoint holding all 51"
            time.sleep(0.1)
    out = tmp / "bundle.zip"
    data = tmp / "collector"
    with sqlite3.connect(f"file:{data / 'collector.db'}?mode=ro", uri=True) as conn:
        write_bundle(conn, collector_key(data), Filters.parse(domain="www.rfa.org"), out, lang="km")
    return out


def test_set_aside_measurements_are_never_counted_as_findings(attacker_bundle: Path) -> None:
    with zipfile.ZipFile(attacker_bundle) as z:
        html = z.read("report.html").decode()
        witnesses = z.read("witnesses.json").decode()
    text = text_of(html)
    assert '"witnesses": []' in witnesses
    assert "3 measurements of www.rfa.org from 1 probe on 1 network" in text
    assert "Set aside by the rules and not counted: 48 measurements (48 outside their time bracket)" in text
    assert "none is a finding" in text
    assert "51 measurements" not in text and "tested 51 times" not in text
    # the networks table: 3 counted (3 found blocked) by 1 probe, 48 set aside, in their own column
    assert "<th>Counted</th>" in html and "<th>Set aside</th>" in html
    row = re.search(r"<tr>\s*<td>AS38623[^<]*</td>(.*?)</tr>", html, re.S)
    assert row is not None
    assert re.findall(r'<td class="n">(\d+)</td>', row[1]) == ["3", "1", "0", "1", "3", "48"]


def test_no_witness_no_witness_claim(attacker_bundle: Path) -> None:
    with zipfile.ZipFile(attacker_bundle) as z:
        english = text_of(z.read("report.html").decode())
        khmer = text_of(z.read("report.km.html").decode())
    assert "vouched for by independent witnesses" not in english and "witnessed brackets above" not in english
    assert "No independent witness cosigned this log's checkpoints" in english
    assert "No witness vouches for any date in this report." in english
    assert "គ្មានសាក្សីឯករាជ្យណាបានចុះហត្ថលេខារួម" in khmer  # report_witness_none
    assert "ចន្លោះពេលដែលសាក្សីបានបញ្ជាក់ខាងលើ" not in khmer  # never "only the witnessed brackets above"
    assert (
        "មាននៅក្នុងរបាយការណ៍ភាសាអង់គ្លេស" not in khmer
    )  # never "the witnessed brackets are in the English report"

    s = verify_bundle(attacker_bundle)
    assert s.ok and not s.witnessed
    lines = describe(s)
    witness = next(line for line in lines if line.split()[1:2] == ["witness"])
    assert not witness.startswith("✓") and "no witness cosigned" in witness
    checked = probe("verify", str(attacker_bundle))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "✓ witness" not in checked.stdout
    assert "DATES NOT WITNESSED: no witness cosigned these checkpoints" in checked.stdout


@pytest.mark.parametrize(
    ("witnesses", "independent", "witnessed", "said"),
    [
        (0, True, False, "No independent witness cosigned"),
        (1, False, False, "throwaway lab witness, which is not independent"),
        (3, True, False, "names 3 witnesses (a date stands when 2 of them cosigned), but none cosigned"),
        (3, True, True, "vouched for by the collector's 3 witnesses (a date stands when 2 of them cosigned)"),
    ],
)
def test_each_witness_sentence_follows_from_the_bundle(
    witnesses: int, independent: bool, witnessed: bool, said: str
) -> None:
    words = "between 3 Sep 2026 10:00 and 3 Sep 2026 16:00 UTC, as witnessed by 2 of 3 independent witnesses"
    r = facts(
        witnesses=witnesses,
        quorum=2,
        independent=independent,
        tested_words=words if witnessed else None,
        periods=[period(began_words=words if witnessed else None)],
    )
    for lang in ("en", "km"):
        text = text_of(render_html(r, lang).decode())
        if lang == "en":
            assert said in text
            assert ("witnessed brackets above" in text) is witnessed
            assert ("vouched for by the collector's" in text) is witnessed
        else:  # report_witness_none, report_witness_some in Khmer
            assert ("គ្មានសាក្សីឯករាជ្យណាបានចុះហត្ថលេខារួម" in text) is (witnesses == 0)
            assert ("ត្រូវបានធានាដោយសាក្សី" in text) is witnessed


def test_a_network_with_only_set_aside_measurements_is_not_counted() -> None:
    r = facts(
        measurements=0,
        probes=0,
        periods=[],
        networks=[Network(38623, "VIETTEL-KH Metfone", 0, 0, 0, set_aside=51)],
        set_aside={"out_of_time": 48, "claimed": 3},
    )
    text = text_of(render_html(r).decode())
    assert "No measurement of" in text and "counts under the rules below" in text
    assert "51 measurements (3 whose network was only claimed, 48 outside their time bracket)" in text
    assert "tested 0 times" not in text


def test_a_title_never_names_a_network_only_set_aside_measurements_were_filed_under() -> None:
    claimed = Network(64500, None, 0, 0, 0, set_aside=40)
    r = facts(periods=[], networks=[Network(38623, "VIETTEL-KH Metfone", 9, 2, 0), claimed])
    assert r.title.startswith("Measurements of ") and " on AS38623 (VIETTEL-KH Metfone), " in r.title
    khmer_title = next(b.text for b in blocks(r, "km") if b.kind == "title")
    assert "AS38623 (VIETTEL-KH Metfone)" in khmer_title and "AS64500" not in khmer_title
