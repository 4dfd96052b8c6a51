"""The witnessed dates of a bundle: the checkpoints its brackets rest on, their consistency proofs, the
witness policy, and every measurement's bracket (probe.analysis.brackets). Written by the builder;
read back by the verifier (probe.analysis.bundle_dates_verify).

Files::

    checkpoints/<size>.txt        a checkpoint signed by the log, with every witness cosignature kept:
                                  each probe's time anchor and, per witness, the first cosigned checkpoint
                                  holding each measurement
    checkpoints/consistency.json  {"to": <final size>, "proofs": {"<size>": [base64 hashes]}}: each of
                                  them is a prefix of checkpoint.txt's tree (RFC 6962 consistency proofs)
    witnesses.json                the witnesses the collector used and its policy (k of n)
    brackets.json                 per measurement: not before / not after, in UTC, and by how many witnesses
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from probe.analysis.brackets import Bracket, Witnessed, bracket, say
from probe.analysis.facts import Fact
from probe.collector.db import Connection
from probe.collector.sequencer import DbHashes, SignedCheckpoint
from probe.collector.witnessing import cosigned_note
from probe.lab.history import LAB_WITNESS_NAME
from probe.log import consistency_proof

CHECKPOINTS = "checkpoints/"
CONSISTENCY = "checkpoints/consistency.json"
WITNESSES = "witnesses.json"
BRACKETS = "brackets.json"
DATE_FILES = (CONSISTENCY, WITNESSES, BRACKETS)


@dataclass(frozen=True)
class Dated:
    uid: str
    log_index: int
    anchor: tuple[int, bytes] | None  # the probe's time_anchor: (size, root)


@dataclass(frozen=True)
class Dates:
    files: dict[str, Any]  # name -> JSON value or note text
    head_note: str  # checkpoint.txt: the final checkpoint with its cosignatures
    brackets: dict[str, Bracket]
    witnesses: list[str]
    quorum: int

    @property
    def independent(self) -> bool:
        """False when every witness is demo-data's throwaway lab witness."""
        return not self.witnesses or any(w.split("+", 1)[0] != LAB_WITNESS_NAME for w in self.witnesses)


def _times(conn: Connection, size: int) -> dict[str, int]:
    rows = conn.execute("SELECT witness, timestamp FROM cosignatures WHERE size = ?", [size]).fetchall()
    return {str(w): int(t) for w, t in rows}


def dates(conn: Connection, head: SignedCheckpoint, dated: Sequence[Dated], quorum: int) -> Dates:
    witnesses = [
        str(r[0])
        for r in conn.execute(
            "SELECT DISTINCT witness FROM cosignatures WHERE size <= ? ORDER BY witness", [head.size]
        ).fetchall()
    ]
    sizes: set[int] = set()
    for d in dated:
        if d.anchor is not None and 0 < d.anchor[0] < head.size:
            sizes.add(d.anchor[0])
        for w in witnesses:
            row = conn.execute(
                "SELECT min(size) FROM cosignatures WHERE witness = ? AND size > ? AND size < ?",
                [w, d.log_index, head.size],
            ).fetchone()
            if row and row[0] is not None:
                sizes.add(int(row[0]))
    files: dict[str, Any] = {}
    witnessed = [Witnessed(head.size, head.root, _times(conn, head.size))]
    proofs: dict[str, list[str]] = {}
    hashes = DbHashes(conn)
    for size in sorted(sizes):
        row = conn.execute("SELECT size, root, note FROM checkpoints WHERE size = ?", [size]).fetchone()
        if row is None:  # a probe's anchor this log never signed: the verifier reports it
            continue
        cp = SignedCheckpoint(int(row[0]), bytes(row[1]), str(row[2]))
        files[f"{CHECKPOINTS}{size}.txt"] = cosigned_note(conn, cp)
        witnessed.append(Witnessed(cp.size, cp.root, _times(conn, cp.size)))
        proofs[str(size)] = [base64.b64encode(h).decode() for h in consistency_proof(size, head.size, hashes)]
    files[CONSISTENCY] = {"to": head.size, "proofs": proofs}
    files[WITNESSES] = {
        "quorum": quorum,
        "witnesses": witnesses,
        "note": "the witnesses this collector used; a verifier should trust witness keys it got elsewhere "
        "(probe verify --witness-key)",
    }
    brackets = {d.uid: bracket(d.anchor, d.log_index, witnessed, quorum) for d in dated}
    files[BRACKETS] = [brackets[d.uid].row(d.uid, d.log_index) for d in sorted(dated, key=lambda d: d.uid)]
    head_note = cosigned_note(conn, head)
    return Dates(files, head_note, brackets, witnesses, quorum)


def span_words(
    earlier: str | None,
    later: str | None,
    brackets: dict[str, Bracket],
    total: int,
    *,
    point: bool = False,
    independent: bool = True,
    lang: str = "en",
) -> str | None:
    """A moment after measurement `earlier` was made and before `later` was (or when `later` was made,
    `point`), as witnessed words; None when no witness vouches for either bound."""
    last = brackets.get(later or "")
    first = last if point else brackets.get(earlier or "")
    lower = first.not_before if first is not None else None
    upper = last.not_after if last is not None else None
    if lower is None and upper is None:
        return None
    known = [b for b in (first, last) if b is not None]
    both = Bracket(lower, upper, min(b.witnesses for b in known), known[0].quorum, None)
    return say(both, total, independent=independent, lang=lang)


def measured_bounds(facts: Sequence[Fact], brackets: dict[str, Bracket]) -> tuple[int | None, int | None]:
    """When the bundled measurements of the site were made, witnessed: each bound only when every
    measurement has it (POSIX seconds)."""
    found = [brackets.get(f.uid) for f in facts]
    known = [b for b in found if b is not None]
    if not found or len(known) < len(found):
        return None, None
    befores = [b.not_before for b in known if b.not_before is not None]
    afters = [b.not_after for b in known if b.not_after is not None]
    return (
        min(befores) if len(befores) == len(known) else None,
        max(afters) if len(afters) == len(known) else None,
    )


def measured_words(
    facts: Sequence[Fact],
    brackets: dict[str, Bracket],
    total: int,
    *,
    independent: bool = True,
    lang: str = "en",
) -> str | None:
    """measured_bounds in plain words; None when neither bound is witnessed for all."""
    lower, upper = measured_bounds(facts, brackets)
    known = [b for f in facts if (b := brackets.get(f.uid)) is not None]
    if (lower is None and upper is None) or not known:
        return None
    both = Bracket(lower, upper, min(b.witnesses for b in known), known[0].quorum, None)
    return say(both, total, independent=independent, lang=lang)
