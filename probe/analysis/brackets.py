"""Witnessed time brackets: when a measurement was made, as independent witnesses can vouch; pure.

A witness's cosignature/v1 on a checkpoint says "at time T, this is the largest consistent tree of the log
I have seen". So for a measurement at log index i whose probe had seen checkpoint A (its `time_anchor`):

* not after: the time a witness first cosigned a checkpoint of more than i entries: by then the log held
  the measurement, so it had been made. With a k-of-n policy, the k-th earliest such time over witnesses
  (k witnesses each vouch that it existed by then).
* not before: the time the witnesses cosigned checkpoint A itself (size and root equal to the probe's
  anchor). A collector with witnesses serves probes only checkpoints a quorum already cosigned, so the
  probe saw A after the k-th cosignature; the k-th earliest time is the bound.

Neither bound uses the collector's clock or the receipt's received_at: a collector that back-dates its
receipts moves no bracket. A bound that k witnesses do not support is None ("not witnessed").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Witnessed:
    """A checkpoint (size, root) and when each trusted witness cosigned it (witness -> POSIX seconds)."""

    size: int
    root: bytes
    times: Mapping[str, int]


@dataclass(frozen=True)
class Bracket:
    not_before: int | None
    not_after: int | None
    witnesses: int  # witnesses that vouch for the not-after bound
    quorum: int
    anchor_size: int | None
    problem: str | None = None  # the probe's anchor contradicts the log: a fork

    def row(self, uid: str, log_index: int) -> dict[str, Any]:
        return {
            "uid": uid,
            "log_index": log_index,
            "anchor_size": self.anchor_size,
            "not_before": iso(self.not_before),
            "not_after": iso(self.not_after),
            "witnesses": self.witnesses,
            "quorum": self.quorum,
            "problem": self.problem,
        }


def iso(ts: int | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bracket(
    anchor: tuple[int, bytes] | None,
    log_index: int,
    checkpoints: Sequence[Witnessed],
    quorum: int,
) -> Bracket:
    """The bracket of the measurement at `log_index` whose probe had seen `anchor` (size, root)."""
    first: dict[str, int] = {}
    for cp in checkpoints:
        if cp.size > log_index:
            for witness, ts in cp.times.items():
                first[witness] = min(ts, first.get(witness, ts))
    after = sorted(first.values())
    not_after = after[quorum - 1] if len(after) >= quorum else None
    not_before: int | None = None
    problem = None
    if anchor is not None and anchor[0] > 0:
        size, root = anchor
        if not any(cp.size == size for cp in checkpoints):
            problem = (
                f"the checkpoint its probe had seen ({size} entries) is not among the log's checkpoints in "
                "this bundle: nothing shows the probe saw this log"
            )
        if size > log_index:
            problem = f"its probe claims to have seen a checkpoint of {size} entries, which already held it"
        for cp in checkpoints:
            if cp.size == size and cp.root != root:
                problem = f"its probe saw another root for size {size} than the log's: a fork"
        earliest: dict[str, int] = {}
        for cp in checkpoints:
            if cp.size == size and cp.root == root:
                for witness, ts in cp.times.items():
                    earliest[witness] = min(ts, earliest.get(witness, ts))
        seen = sorted(earliest.values())
        not_before = seen[quorum - 1] if len(seen) >= quorum else None
    if problem is not None:
        not_before = None
    return Bracket(not_before, not_after, len(after), quorum, anchor[0] if anchor else None, problem)


def say(b: Bracket | None, total: int, *, independent: bool = True, lang: str = "en") -> str:
    """A bracket in plain words: 'between 4 Nov 2026 01:47 and 4 Nov 2026 02:30 UTC, as witnessed by 2 of
    3 independent witnesses'; `lang` km: the same in Khmer (the catalogue's report_bracket_* messages)."""
    if lang == "km":
        return _say_km(b, total, independent=independent)
    if b is None or (b.not_before is None and b.not_after is None):
        return "at a time no independent witness vouches for (the date rests on the collector's word alone)"

    def day(ts: int) -> str:
        when = datetime.fromtimestamp(ts, UTC)
        return f"{when.day} {when:%b %Y %H:%M}"

    who = f"as witnessed by {b.witnesses} of {total} independent witness{'es' if total != 1 else ''}"
    if not independent:
        who = "as cosigned by demo-data's throwaway lab witness, which is not independent"
    if b.not_before is not None and b.not_after is not None:
        return f"between {day(b.not_before)} and {day(b.not_after)} UTC, {who}"
    if b.not_after is not None:
        return f"no later than {day(b.not_after)} UTC (no witnessed lower bound), {who}"
    assert b.not_before is not None
    return f"no earlier than {day(b.not_before)} UTC (no witnessed upper bound yet)"


def _say_km(b: Bracket | None, total: int, *, independent: bool) -> str:
    from probe.i18n.catalogue import MESSAGES

    def km(key: str, **values: object) -> str:
        return MESSAGES[key][1].format(**values)

    if b is None or (b.not_before is None and b.not_after is None):
        return km("report_bracket_none")

    def day(ts: int) -> str:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")

    who = (
        km("report_bracket_who", witnesses=b.witnesses, total=total)
        if independent
        else km("report_bracket_who_lab")
    )
    if b.not_before is not None and b.not_after is not None:
        return km("report_bracket_between", after=day(b.not_before), by=day(b.not_after), who=who)
    if b.not_after is not None:
        return km("report_bracket_no_later", by=day(b.not_after), who=who)
    assert b.not_before is not None
    return km("report_bracket_no_earlier", after=day(b.not_before))
