"""Time brackets: the k-of-n rule, a probe anchor that contradicts the log, and back-dated receipts that
cannot move a bracket (a month of receipts "received weeks ago" is witnessed today, and says so)."""

from __future__ import annotations

import html
import json
import sqlite3
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from probe.analysis.brackets import Witnessed, bracket, say
from probe.analysis.bundle import collector_key, write_bundle
from probe.analysis.bundle_summary import describe, trust_lines
from probe.analysis.bundle_verify import Saved, Trust, verify_bundle
from probe.analysis.query import Filters
from probe.lab.history import Block, History, generate
from probe.log import Checkpoint, NoteSigner

R1, R2 = b"\x01" * 32, b"\x02" * 32


def test_k_of_n_takes_the_kth_earliest_time_of_each_bound() -> None:
    cps = [
        Witnessed(4, R1, {"a": 100, "b": 130, "c": 400}),
        Witnessed(8, R2, {"a": 200, "b": 210}),
        Witnessed(12, b"\x03" * 32, {"c": 500}),
    ]
    one = bracket((4, R1), 6, cps, 1)
    assert (one.not_before, one.not_after, one.witnesses) == (100, 200, 3)
    two = bracket((4, R1), 6, cps, 2)
    assert (two.not_before, two.not_after) == (130, 210)
    three = bracket((4, R1), 6, cps, 3)
    assert (three.not_before, three.not_after) == (400, 500)
    four = bracket((4, R1), 6, cps, 4)
    assert (four.not_before, four.not_after) == (None, None)
    assert "no independent witness vouches" in say(four, 3)
    assert say(two, 3).startswith("between 1 Jan 1970 00:02 and 1 Jan 1970 00:03 UTC, as witnessed by 3 of 3")


def test_an_anchor_the_log_contradicts_is_a_fork_not_a_date() -> None:
    cps = [Witnessed(4, R1, {"a": 100}), Witnessed(8, R2, {"a": 200})]
    forked = bracket((4, b"\x09" * 32), 6, cps, 1)
    assert forked.problem is not None and "fork" in forked.problem
    assert forked.not_before is None
    impossible = bracket((8, R2), 6, cps, 1)  # it claims to have seen a tree that already held it
    assert impossible.problem is not None
    unknown = bracket((5, R1), 6, cps, 1)  # a checkpoint this log's bundle does not hold
    assert unknown.problem is not None and "not among" in unknown.problem and unknown.not_before is None
    assert bracket(None, 6, cps, 1).problem is None and bracket((0, R1), 6, cps, 1).problem is None


@given(
    st.lists(
        st.tuples(st.integers(1, 50), st.dictionaries(st.just("a"), st.integers(1, 10**9))),
        max_size=8,
    ),
    st.integers(0, 49),
    st.integers(1, 3),
)
def test_brackets_never_invert_when_witness_times_grow_with_size(
    raw: list[tuple[int, dict[str, int]]], index: int, quorum: int
) -> None:
    # One honest witness: its times grow with the size it cosigns (it never goes back).
    by_size: dict[int, dict[str, int]] = {}
    for size, times in sorted(raw, key=lambda pair: pair[0]):
        by_size.setdefault(size, {}).update(times)
    clock: dict[str, int] = {}
    cps = []
    for size in sorted(by_size):
        times = {}
        for w, t in by_size[size].items():
            clock[w] = max(clock.get(w, 0), t)
            times[w] = clock[w]
        cps.append(Witnessed(size, size.to_bytes(32, "big"), times))
    for cp in cps:
        if cp.size <= index:
            b = bracket((cp.size, cp.root), index, cps, quorum)
            if b.not_before is not None and b.not_after is not None and quorum == 1:
                assert b.not_before <= b.not_after


def test_back_dated_receipts_cannot_shift_a_bracket(tmp_path: Path) -> None:
    """demo-data's collector writes receipts dated weeks ago; the witness saw the log today, and every
    bracket says today, whatever the receipts claim."""
    started = int(time.time())
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=20)
    history = History(
        domains=["www.rfa.org", "www.example.com"],
        asns=[38623],
        start=start,
        days=6,
        runs_per_probe_per_day=2,
        probes_per_asn=2,
        blocks=[Block("www.rfa.org", start + timedelta(days=2), None, method="dns.bogon")],
        categories={"www.example.com": "CTRL", "www.rfa.org": "NEWS"},
        seed=3,
    )
    data = tmp_path / "collector"
    generate(history, data)
    with sqlite3.connect(data / "collector.db") as conn:
        received = [str(r[0]) for r in conn.execute("SELECT received_at FROM measurements")]
        assert max(received) < (datetime.now(UTC) - timedelta(days=10)).isoformat()  # back-dated indeed
        out = tmp_path / "b.zip"
        write_bundle(conn, collector_key(data), Filters.parse(domain="www.rfa.org"), out, lab_ok=True)
    with zipfile.ZipFile(out) as z:
        brackets = json.loads(z.read("brackets.json"))
        report = html.unescape(z.read("report.html").decode())
    assert brackets
    floor = datetime.fromtimestamp(started - 1, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    for b in brackets:
        assert b["not_after"] is not None and b["not_after"] >= floor, b
    summary = verify_bundle(out)
    assert summary.ok, summary.ordered_failures()
    assert not summary.witnessed  # the lab witness is not an independent one
    assert any("LAB WITNESS" in line for line in trust_lines(summary))
    events = [line for line in describe(summary) if line.startswith("event ")]
    assert events and all("became" in e and "no later than" in e for e in events), events
    today = datetime.now(UTC)
    assert f"{today.day} {today:%b %Y}" in report  # the report's dates are the witnessed ones: today
    assert "as cosigned by demo-data's throwaway lab witness, which is not independent" in report
    assert "as witnessed by" not in report


def test_a_saved_checkpoint_of_the_same_size_with_another_root_is_a_fork(tmp_path: Path) -> None:
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=5)
    history = History(
        domains=["www.rfa.org", "www.example.com"],
        asns=[38623],
        start=start,
        days=3,
        runs_per_probe_per_day=1,
        probes_per_asn=1,
        blocks=[],
        categories={"www.example.com": "CTRL", "www.rfa.org": "NEWS"},
        seed=5,
    )
    data = tmp_path / "collector"
    generate(history, data)
    out = tmp_path / "b.zip"
    with sqlite3.connect(data / "collector.db") as conn:
        write_bundle(conn, collector_key(data), Filters.parse(domain="www.rfa.org"), out, lab_ok=True)
    with zipfile.ZipFile(out) as z:
        head = Checkpoint.parse(z.read("checkpoint.txt").decode().split("\n\n")[0] + "\n")
    key = collector_key(data)
    signer = NoteSigner(head.origin, key.private)
    other = signer.sign(Checkpoint(head.origin, head.size, b"\x07" * 32).text())
    same = signer.sign(head.text())
    found = verify_bundle(out, trust=Trust(checkpoints=(Saved("kept-by-me.txt", other),)))
    assert not found.ok
    fork = [f for f in found.failures if f.check == "consistency"]
    assert fork and fork[0].file == "kept-by-me.txt" and "FORK" in fork[0].message
    assert "checkpoint.txt" in fork[0].message
    assert verify_bundle(out, trust=Trust(checkpoints=(Saved("kept.txt", same),))).ok
