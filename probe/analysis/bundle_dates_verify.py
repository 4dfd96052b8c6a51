"""Checking a bundle's dates offline: its checkpoints agree with each other and with any the user saved
(no fork), the witnesses' cosignatures verify, and every measurement's bracket is what they support.

Checks (each failure names the file):

``consistency``  every checkpoint in checkpoints/ and every one given with --checkpoint is signed by the
                 log key and is a prefix of checkpoint.txt's tree (a consistency proof from the bundle or
                 from --consistency); two checkpoints of one size with different roots are a fork;
``witness``      every cosignature by a trusted witness key verifies (cosignature/v1), and with keys the
                 user gave, at least one checkpoint carries a quorum of them;
``brackets``     brackets.json equals the brackets recomputed from the verified cosignatures, and no
                 probe's time anchor contradicts the log.

Trusted witness keys are the ones given with --witness-key; without them, the bundle's witnesses.json is
used and the summary says plainly that the bundle vouches for its own witnesses.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from probe.analysis.brackets import Bracket, Witnessed, bracket, say
from probe.analysis.bundle_dates import BRACKETS, CHECKPOINTS, CONSISTENCY, WITNESSES
from probe.analysis.bundle_summary import Results
from probe.log import Checkpoint, LogError, NoteError, NoteVerifier, verify_consistency
from probe.log.cosignature import CosignatureVerifier, signature_lines


class _Reader(Protocol):
    names: list[str]

    def read(self, name: str) -> bytes | None: ...


@dataclass(frozen=True)
class Saved:
    """A checkpoint the user kept (--checkpoint FILE), or a consistency proof (--consistency FILE)."""

    name: str
    text: str


@dataclass
class DatesFound:
    witnesses: list[str] = field(default_factory=list)  # the trusted witness keys
    witnesses_from_user: bool = False
    quorum: int = 1
    brackets: dict[str, Bracket] = field(default_factory=dict)
    checkpoints: int = 0  # checkpoints checked consistent


def _json(data: bytes | None) -> Any:
    try:
        return json.loads(data) if data is not None else None
    except (ValueError, UnicodeDecodeError):
        return None


def _b64s(values: Any) -> list[bytes]:
    if not isinstance(values, list):
        raise ValueError("not a list of hashes")
    return [base64.b64decode(str(v).encode("ascii"), validate=True) for v in values]


def verify_dates(
    b: _Reader,
    r: Results,
    log: NoteVerifier | None,
    head: Checkpoint | None,
    dated: dict[str, tuple[int, tuple[int, bytes] | None]],
    *,
    witness_keys: Sequence[str] = (),
    quorum: int | None = None,
    saved: Sequence[Saved] = (),
    proofs: Sequence[Saved] = (),
) -> DatesFound:
    found = DatesFound()
    if log is None or head is None:
        for check in ("consistency", "witness", "brackets"):
            r.skip(check, "the log key or checkpoint.txt did not verify")
        return found

    # Trusted witnesses.
    policy = _json(b.read(WITNESSES)) or {}
    bundle_keys = [str(k) for k in policy.get("witnesses") or []] if isinstance(policy, dict) else []
    keys = list(witness_keys) if witness_keys else bundle_keys
    found.witnesses_from_user = bool(witness_keys)
    verifiers: list[CosignatureVerifier] = []
    for vkey in keys:
        try:
            verifiers.append(CosignatureVerifier.from_vkey(vkey))
        except NoteError as exc:
            r.fail(WITNESSES if not witness_keys else "--witness-key", "witness", f"not a witness key: {exc}")
    found.witnesses = [v.verifier_key() for v in verifiers]
    bundle_quorum = policy.get("quorum") if isinstance(policy, dict) else None
    # The policy is the user's (--witness-quorum) or the collector's; never lowered to the witnesses at
    # hand: with fewer of them than the quorum, a date is simply not witnessed.
    found.quorum = quorum or (bundle_quorum if isinstance(bundle_quorum, int) and bundle_quorum >= 1 else 1)

    # The bundle's checkpoints, each linked to checkpoint.txt.
    consistency = _json(b.read(CONSISTENCY))
    bundle_proofs = consistency.get("proofs") if isinstance(consistency, dict) else None
    bundle_proofs = bundle_proofs if isinstance(bundle_proofs, dict) else {}
    extra: dict[tuple[int, int], Any] = {}
    for p in proofs:
        doc = _json(p.text.encode())
        if not isinstance(doc, dict) or not all(
            isinstance(doc.get(n), int) for n in ("old_size", "new_size")
        ):
            r.fail(p.name, "consistency", "not a consistency proof (JSON with old_size, new_size, hashes)")
            continue
        extra[(int(doc["old_size"]), int(doc["new_size"]))] = doc.get("hashes")
    known: dict[int, tuple[bytes, str]] = {head.size: (head.root, "checkpoint.txt")}
    witnessed: list[Witnessed] = []
    head_note = (b.read("checkpoint.txt") or b"").decode("utf-8", "replace")
    witnessed.append(
        Witnessed(head.size, head.root, _cosigned(r, "checkpoint.txt", head_note, head, verifiers))
    )
    names = sorted(
        (n for n in b.names if n.startswith(CHECKPOINTS) and n.endswith(".txt")),
        key=lambda n: (len(n), n),
    )
    for name in names:
        note = (b.read(name) or b"").decode("utf-8", "replace")
        cp = _linked(
            r,
            name,
            note,
            log,
            head,
            bundle_proofs.get(name.removeprefix(CHECKPOINTS).removesuffix(".txt")),
            known,
        )
        if cp is not None:
            found.checkpoints += 1
            witnessed.append(Witnessed(cp.size, cp.root, _cosigned(r, name, note, cp, verifiers)))
    for s in saved:
        size = _size_of(s.text)
        proof = None
        if size is not None:
            proof = extra.get((size, head.size) if size < head.size else (head.size, size))
        if _linked(r, s.name, s.text, log, head, proof, known, user=True) is not None:
            found.checkpoints += 1
    if not r.failed_count["consistency"]:
        r.passed["consistency"] += 1

    # Witness quorum, when the user named the witnesses they trust.
    best = max((len(w.times) for w in witnessed), default=0)
    if verifiers and found.witnesses_from_user and best < found.quorum:
        r.fail(
            "checkpoint.txt",
            "witness",
            f"no checkpoint in the bundle carries {found.quorum} cosignature(s) by the witness keys you "
            f"trust (at most {best}): its dates are not witnessed",
        )
    elif verifiers and not r.failed_count["witness"]:
        r.passed["witness"] += 1
    elif not verifiers:
        r.skip(
            "witness", "no witness cosigned this log (witnesses.json is empty): its dates are not witnessed"
        )

    # Brackets.
    for uid, (index, anchor) in sorted(dated.items()):
        found.brackets[uid] = bracket(anchor, index, witnessed, found.quorum)
    stated = _json(b.read(BRACKETS))
    rows = (
        {str(row.get("uid")): row for row in stated if isinstance(row, dict)}
        if isinstance(stated, list)
        else None
    )
    if rows is None:
        r.fail(BRACKETS, "brackets", "missing or not a JSON list")
        return found
    same_keys = sorted(found.witnesses) == sorted(bundle_keys) and found.quorum == bundle_quorum
    for uid, got in found.brackets.items():
        index = dated[uid][0]
        if got.problem:
            r.fail(f"measurements/{uid}/envelope.json", "brackets", got.problem)
        elif same_keys and rows.get(uid) != got.row(uid, index):
            r.fail(BRACKETS, "brackets", f"the bracket of {uid} is not what the witnesses' cosignatures give")
        else:
            r.passed["brackets"] += 1
    folders = {n.split("/")[1] for n in b.names if n.startswith("measurements/") and n.count("/") == 2}
    for uid in sorted(set(rows) - set(found.brackets) - folders):
        r.fail(
            BRACKETS, "brackets", f"a bracket for {uid}, which is not a verified measurement of this bundle"
        )
    return found


def _size_of(text: str) -> int | None:
    try:
        return Checkpoint.parse(signature_lines(text)[0]).size
    except NoteError:
        return None


def _linked(
    r: Results,
    name: str,
    note: str,
    log: NoteVerifier,
    head: Checkpoint,
    proof: Any,
    known: dict[int, tuple[bytes, str]],
    *,
    user: bool = False,
) -> Checkpoint | None:
    """The checkpoint in `note` if it is signed by the log and consistent with everything seen so far."""
    try:
        cp = Checkpoint.parse(log.verify(note))
    except NoteError as exc:
        r.fail(name, "consistency", f"not a checkpoint signed by the log key: {exc}")
        return None
    if cp.origin != head.origin:
        r.fail(name, "consistency", f"a checkpoint of another log ({cp.origin})")
        return None
    if cp.size in known:
        root, other = known[cp.size]
        if root != cp.root:
            r.fail(
                name,
                "consistency",
                f"FORK: it and {other} are both signed by the log key for {cp.size} entries, with different "
                "roots: the log showed different histories to different people",
            )
            return None
        return cp
    old, new, old_root, new_root = (
        (cp.size, head.size, cp.root, head.root)
        if cp.size < head.size
        else (head.size, cp.size, head.root, cp.root)
    )
    if proof is None:
        where = "--consistency" if user else CONSISTENCY
        r.fail(
            name,
            "consistency",
            f"no consistency proof links it ({cp.size} entries) to checkpoint.txt ({head.size}) in {where}: "
            f"ask the collector for GET /api/v1/log/proof/consistency?from={old}&to={new} and pass the answer "
            "with --consistency; a log that cannot give one was forked",
        )
        return None
    try:
        hashes = _b64s(proof)
        if old > 0:
            verify_consistency(old, new, old_root, new_root, hashes)
    except (ValueError, binascii.Error, LogError) as exc:
        r.fail(
            name,
            "consistency",
            f"FORK or tampering: it is not consistent with checkpoint.txt ({exc}); the log showed different "
            "histories",
        )
        return None
    known[cp.size] = (cp.root, name)
    return cp


def _cosigned(
    r: Results, name: str, note: str, cp: Checkpoint, verifiers: Sequence[CosignatureVerifier]
) -> dict[str, int]:
    """witness key -> timestamp of each valid cosignature by a trusted witness on this checkpoint."""
    times: dict[str, int] = {}
    try:
        _, lines = signature_lines(note)
    except NoteError as exc:
        r.fail(name, "witness", str(exc))
        return times
    text = cp.text()
    for verifier in verifiers:
        for line in lines:
            try:
                found = verifier.verify_line(text, line)
            except NoteError as exc:
                r.fail(name, "witness", f"a cosignature by {verifier.name} does not verify: {exc}")
                continue
            if found is not None:
                times[verifier.verifier_key()] = min(
                    found.timestamp, times.get(verifier.verifier_key(), found.timestamp)
                )
    return times


def event_dates(
    events: Any, brackets: dict[str, Bracket], total: int, *, independent: bool = True
) -> list[str]:
    """Each published event with its witnessed dates: it happened after the last measurement that showed
    otherwise was made (its not-before) and no later than the first that showed it (its not-after)."""
    rows = events.get("events") if isinstance(events, dict) else None
    lines = []
    for e in rows if isinstance(rows, list) else []:
        if not isinstance(e, dict):
            continue
        before = brackets.get(str(e.get("last_contradicting_uid")))
        after = brackets.get(str(e.get("first_seen_uid")))
        span = Bracket(
            before.not_before if before else None,
            after.not_after if after else None,
            min((b.witnesses for b in (before, after) if b is not None), default=0),
            after.quorum if after else 1,
            None,
        )
        asn = e.get("asn")
        lines.append(
            f"event        {e.get('domain')} on {f'AS{asn}' if asn is not None else 'an unknown network'} became "
            f"{e.get('to_state')}: {say(span, total, independent=independent)}"
        )
    return lines
