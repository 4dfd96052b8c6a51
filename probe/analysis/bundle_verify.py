"""Offline verification of an evidence bundle (probe/analysis/bundle.py): every byte of every file.

Checks, in the order they are reported (each failure names the file and the check):

``log-key``       log-key.txt is a verifier key (equal to the one the user trusts, when given), and
                  collector.pub.pem is the same key;
``bundle-signature`` SIGNATURE.json is a DSSE envelope by the collector key naming MANIFEST.json's SHA-256
                  and the reports' hashes;
``manifest``      every file's SHA-256 and size equal what MANIFEST.json (or, for the reports, SIGNATURE.json)
                  says; no file missing, none added;
``checkpoint``    checkpoint.txt is signed by the log key and is the checkpoint MANIFEST.json names;
``keys``          each keys/<key_id>.pem hashes to its key id and is listed in keys/index.json;
``signature``     each envelope is signed by its probe key (measurement payload type);
``measurement``   each payload is a Measurement naming that key, with the uid of its folder, and belongs in
                  the bundle (the domain matching the filters, or a control of a bundled probe);
``receipt``       each receipt is signed by the collector key and names the payload's SHA-256 and uid;
``statement``     each proof's log statement says what the receipt says;
``inclusion``     each statement's leaf is in the checkpoint's tree by its proof;
``timeline``      timeline.csv and timeline.json equal what the timeline rules make of the payloads;
``events``        events.json likewise;
``consistency``, ``witness``, ``brackets``  the dates: probe.analysis.bundle_dates_verify.

The zip and the per-measurement checks (run in worker processes for large bundles) are in
probe.analysis.bundle_entries.

A check that cannot be performed because an earlier one failed (no trusted collector key, a checkpoint
that does not verify, measurements that do not verify for the timeline) is "not checked", with the
reason, not failed: the failures listed are the real ones. Directory entries a re-zip adds (names ending
in "/", empty) are ignored. Lab data (measurements invented by `probe collector demo-data`) is detected
from the payloads themselves, whatever MANIFEST.json says: such a bundle is not evidence of anything.

Reuses the project's verifiers: DSSE (probe.sign.dsse), Merkle proofs and notes (probe.log). Public keys
are parsed once; a process pool is not needed (10,000 measurements verify in a few seconds on one core).
No network, no database, no clock.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import ValidationError

from probe.analysis.bundle_dates_verify import Saved, event_dates, verify_dates
from probe.analysis.bundle_entries import (
    MALFORMED,
    Bundle,
    BundleInputError,
    Context,
    Damaged,
    is_measurement_file,
    plain,
    read_checked,
    read_json,
    run_chunks,
)
from probe.analysis.bundle_files import (
    BUNDLE_TYPE,
    MANIFEST,
    REPORTS,
    SIGNATURE,
    bundle_horizon,
    bundle_timeline,
    filters_from_manifest,
    timeline_files,
)
from probe.analysis.bundle_summary import CHECKS, DATE_CHECKS, Summary, is_lab_witness
from probe.analysis.facts import Fact
from probe.analysis.query import FilterError
from probe.log import Checkpoint, NoteError, NoteVerifier
from probe.sign.dsse import Envelope, SignatureError, verify_envelope
from probe.sign.keys import key_id, raw_public

__all__ = ["BundleInputError", "Saved", "Trust", "verify_bundle"]


@dataclass(frozen=True)
class Trust:
    """What the user brings: the keys they trust and the checkpoints they kept (probe verify's options)."""

    log_key: str | None = None
    witness_keys: tuple[str, ...] = ()
    quorum: int | None = None
    checkpoints: tuple[Saved, ...] = ()
    proofs: tuple[Saved, ...] = ()


def verify_bundle(
    path: Path, *, log_key: str | None = None, workers: int | None = None, trust: Trust | None = None
) -> Summary:
    """Verify the bundle at `path` offline; `log_key` is the collector verifier key the user trusts.

    `workers`: processes for the per-measurement checks (default: one per core for large bundles)."""
    started = time.perf_counter()
    trust = trust or Trust(log_key=log_key)
    log_key = trust.log_key
    s = Summary(path=str(path), log_key_from_user=log_key is not None)
    try:
        bundle = Bundle(path)
    except Damaged as exc:
        s.fail(path.name, "manifest", str(exc))
        for check in (*CHECKS, *DATE_CHECKS):
            if check != "manifest":
                s.skip(check, "the zip itself is damaged")
        s.elapsed_s = time.perf_counter() - started
        return s
    try:
        _verify(bundle, s, trust, workers)
    except MALFORMED as exc:
        # A malformed file this code did not foresee: a failure with its reason, never a traceback.
        s.fail(MANIFEST, "manifest", f"the bundle is malformed: {plain(exc)}")
    finally:
        bundle.zip.close()
    s.elapsed_s = time.perf_counter() - started
    return s


def _verify(b: Bundle, s: Summary, trust: Trust, workers: int | None) -> None:
    user_key = trust.log_key
    if len(set(b.names)) != len(b.names):
        dup = next(n for n, c in Counter(b.names).items() if c > 1)
        s.fail(dup, "manifest", "this name appears twice in the zip")

    # The collector's key: the trust anchor.
    collector = _collector_key(b, s, user_key)

    # SIGNATURE.json over MANIFEST.json and the reports.
    manifest_bytes = b.read(MANIFEST, b.index_limit())
    manifest = read_json(manifest_bytes)
    if MANIFEST in b.oversize:
        s.fail(MANIFEST, "manifest", "larger than a manifest of this many files can be: not read")
        return
    if manifest_bytes is None or not isinstance(manifest, dict):
        s.fail(MANIFEST, "manifest", "missing or not JSON: nothing can be checked")
        return
    files = manifest.get("files") or {}
    if not isinstance(files, dict) or not isinstance(manifest.get("filters") or {}, dict):
        s.fail(MANIFEST, "manifest", '"files" and "filters" must be JSON objects: nothing can be checked')
        return
    if not isinstance(manifest.get("checkpoint") or {}, dict):
        s.fail(MANIFEST, "manifest", '"checkpoint" must be a JSON object')
        return
    s.manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()
    signed = _bundle_signature(b, s, collector, s.manifest_sha256)

    # Every file's hash.
    expected: dict[str, Any] = dict(files)
    reports = signed.get("reports") if signed else None
    if isinstance(reports, dict):
        expected.update(reports)
    s.lab_flag = manifest.get("lab_data") is True
    if not signed:  # the reports are hashed against nothing: say they could not be checked
        for name in REPORTS:
            if name not in b.names:
                continue
            if collector is None:
                s.skip("manifest", f"{name} is covered only by SIGNATURE.json, which could not be checked")
            else:
                s.fail(name, "manifest", "not covered: SIGNATURE.json did not verify")
    hashes: dict[str, bytes] = {}
    present = set(b.names)
    for name in b.names:
        if name in (MANIFEST, SIGNATURE) or (not signed and name in REPORTS):
            continue
        if name not in expected:
            s.fail(name, "manifest", "this file is not listed in MANIFEST.json: it was added")
        elif not is_measurement_file(name):  # those are checked as they are read, once
            data = read_checked(b, s, name, expected, SIGNATURE if name in REPORTS else MANIFEST)
            if data is not None:
                hashes[name] = data
    for name in sorted(set(expected) - present):
        where = SIGNATURE if name in REPORTS else MANIFEST
        s.fail(name, "manifest", f"listed in {where} but missing from the bundle")

    # The checkpoint.
    checkpoint = _checkpoint(b, s, collector, manifest)

    # Probe keys.
    keys = _probe_keys(b, s, hashes)

    # Every measurement.
    try:
        filters = filters_from_manifest(manifest.get("filters") or {})
    except FilterError as exc:
        s.fail(MANIFEST, "measurement", f"its filters cannot be read: {exc}")
        for check in ("signature", "receipt", "statement", "inclusion", "timeline", "events"):
            s.skip(check, "MANIFEST.json's filters cannot be read")
        return
    uids = sorted({n.split("/")[1] for n in (*present, *expected) if is_measurement_file(n)})
    context = Context(
        path=b.path,
        keys={kid: raw_public(k) for kid, k in keys.items()},
        collector=raw_public(collector) if collector is not None else None,
        checkpoint=checkpoint,
        filters=manifest.get("filters") or {},
        expected={n: e for n, e in expected.items() if is_measurement_file(n)},
    )
    facts: list[Fact] = []
    controls: list[Fact] = []
    earlier: list[
        Fact
    ] = []  # before `since`: they date the events, never counted (bundle_files.in_context, bundle_context)
    dated: dict[str, tuple[int, tuple[int, bytes] | None]] = {}
    for part in run_chunks(context, uids, workers):
        s.merge(part)
        facts.extend(part.facts)
        controls.extend(part.controls)
        earlier.extend(part.context)
        dated.update(part.dated)
        s.lab_measurements += part.lab

    # The dates: checkpoints consistent (no fork), witnesses' cosignatures, brackets.
    log_verifier = NoteVerifier.from_vkey(s.log_key) if collector is not None and s.log_key else None
    found = verify_dates(
        b,
        s,
        log_verifier,
        checkpoint,
        dated,
        witness_keys=trust.witness_keys,
        quorum=trust.quorum,
        saved=trust.checkpoints,
        proofs=trust.proofs,
    )
    s.witness_keys, s.witness_keys_from_user, s.quorum = (
        found.witnesses,
        found.witnesses_from_user,
        found.quorum,
    )
    independent = any(not is_lab_witness(k) for k in found.witnesses) or not found.witnesses
    s.event_dates = event_dates(
        read_json(b.read("events.json")), found.brackets, len(found.witnesses), independent=independent
    )
    bundled_keys = {f.key_id for f in (*facts, *earlier)}
    for f in controls:
        if f.key_id not in bundled_keys:
            s.fail(
                f"measurements/{f.uid}/envelope.json",
                "measurement",
                "a control of a probe not in this bundle",
            )

    # Timeline and events, recomputed: only from every measurement, or the comparison means nothing.
    # a proof that cannot be read leaves its measurement out of the recomputation: the proof is blamed, not
    # timeline.csv
    unverified = sum(
        s.failed_count[c] + s.skipped[c] for c in ("signature", "measurement", "receipt", "statement")
    )
    because = (
        "there is no trusted collector key, so no receipt could be checked"
        if collector is None
        else f"{unverified} measurement check(s) failed, so the timeline cannot be recomputed from all of "
        "the bundled measurements"
        if unverified
        else None
    )
    dates_only = manifest.get("context_dates_only") or []
    tl = bundle_timeline(
        facts,
        controls,
        bundle_horizon(manifest.get("created_at"), filters),
        earlier,
        filters.since,
        frozenset(str(uid) for uid in dates_only) if isinstance(dates_only, list) else frozenset(),
    )
    for name, data in timeline_files(tl, filters, s.lab_flag).items():
        check = "events" if name == "events.json" else "timeline"
        have = b.read(name, len(data))
        if because is not None:
            s.skip(check, because)
        elif name in b.oversize:
            s.fail(name, check, "differs from what the timeline rules make of the bundled measurements")
        elif have is None:
            s.fail(name, check, "missing")
        elif have != data:
            s.fail(name, check, "differs from what the timeline rules make of the bundled measurements")
        else:
            s.passed[check] += 1

    s.measurements = len(facts)
    s.controls = len(controls)
    s.context = len(earlier)
    s.evidence = Counter(f.evidence for f in facts)
    s.out_of_time = sum(not f.time_ok for f in facts)
    tiers = {f.key_id: f.tier for f in facts}
    s.probes = len(tiers)
    s.tiers = Counter(tiers.values())
    s.networks = sorted({f.asn for f in facts}, key=lambda a: a or 0)
    s.domains = sorted({f.domain for f in facts})
    if facts:
        s.first_at = min(f.started_at for f in facts)
        s.last_at = max(f.started_at for f in facts)
    s.events = len(tl.events)
    s.blocking_events = sum(e.to_state == "blocked" for e in tl.events)


def _collector_key(b: Bundle, s: Summary, user_key: str | None) -> Ed25519PublicKey | None:
    text = b.read("log-key.txt")
    if text is None:
        s.fail("log-key.txt", "log-key", "missing: the collector's key is the trust anchor")
        return None
    try:
        verifier = NoteVerifier.from_vkey(text.decode().strip())
    except (NoteError, UnicodeDecodeError) as exc:
        s.fail("log-key.txt", "log-key", f"not a verifier key ({exc})")
        return None
    s.log_key = verifier.verifier_key()
    if user_key is not None:
        try:
            given = NoteVerifier.from_vkey(user_key.strip())
        except NoteError as exc:
            raise BundleInputError(f"--log-key is not a verifier key ({exc})") from None
        if given.verifier_key() != verifier.verifier_key():
            s.fail(
                "log-key.txt", "log-key", f"the bundle's key is not the one given ({given.verifier_key()})"
            )
            return None
    public = Ed25519PublicKey.from_public_bytes(verifier.public_key)
    pem = b.read("collector.pub.pem")
    try:
        other = load_pem_public_key(pem) if pem is not None else None
    except ValueError:
        other = None
    if not isinstance(other, Ed25519PublicKey) or key_id(other) != key_id(public):
        s.fail("collector.pub.pem", "log-key", "missing, unreadable or not the key in log-key.txt")
    else:
        s.passed["log-key"] += 1
    return public


def _bundle_signature(
    b: Bundle, s: Summary, collector: Ed25519PublicKey | None, manifest_sha256: str
) -> dict[str, Any] | None:
    data = b.read(SIGNATURE)
    if data is None:
        s.fail(SIGNATURE, "bundle-signature", "missing: nothing vouches for MANIFEST.json")
        return None
    if collector is None:
        s.skip("bundle-signature", "log-key failed: there is no trusted collector key")
        return None
    try:
        envelope = Envelope.model_validate_json(data)
        body = verify_envelope(envelope, BUNDLE_TYPE, {key_id(collector): collector})
        signed = json.loads(body)
    except (ValidationError, SignatureError, ValueError) as exc:
        s.fail(SIGNATURE, "bundle-signature", f"not a valid signature by the collector key: {exc}")
        return None
    if not isinstance(signed, dict) or signed.get("manifest_sha256") != manifest_sha256:
        s.fail(
            MANIFEST, "bundle-signature", "its SHA-256 is not the one the collector signed: it was changed"
        )
        return None
    s.passed["bundle-signature"] += 1
    return signed


def _checkpoint(
    b: Bundle, s: Summary, collector: Ed25519PublicKey | None, manifest: dict[str, Any]
) -> Checkpoint | None:
    note = b.read("checkpoint.txt")
    text = b.read("log-key.txt")
    if note is None:
        s.fail("checkpoint.txt", "checkpoint", "missing: the proofs are against nothing")
        return None
    if collector is None or text is None:
        s.skip("checkpoint", "log-key failed: there is no trusted log key")
        return None
    try:
        verifier = NoteVerifier.from_vkey(text.decode().strip())
        checkpoint = Checkpoint.parse(verifier.verify(note.decode()))
    except (NoteError, UnicodeDecodeError) as exc:
        s.fail("checkpoint.txt", "checkpoint", f"not signed by the log key: {exc}")
        return None
    named = manifest.get("checkpoint") or {}
    root = base64.b64encode(checkpoint.root).decode()
    if (named.get("origin"), named.get("size"), named.get("root")) != (
        checkpoint.origin,
        checkpoint.size,
        root,
    ):
        s.fail("checkpoint.txt", "checkpoint", "not the checkpoint MANIFEST.json names")
        return None
    s.origin, s.checkpoint_size, s.checkpoint_root = checkpoint.origin, checkpoint.size, root
    s.passed["checkpoint"] += 1
    return checkpoint


def _probe_keys(b: Bundle, s: Summary, files: dict[str, bytes]) -> dict[str, Ed25519PublicKey]:
    index = read_json(b.read("keys/index.json", b.index_limit()))
    if not isinstance(index, dict):
        s.fail("keys/index.json", "keys", "missing or not JSON")
        index = {}
    keys: dict[str, Ed25519PublicKey] = {}
    for name in sorted(n for n in b.names if n.startswith("keys/") and n.endswith(".pem")):
        kid = name.removeprefix("keys/").removesuffix(".pem")
        data = files.get(name) or b.read(name)
        try:
            public = load_pem_public_key(data or b"")
        except ValueError:
            s.fail(name, "keys", "not a PEM public key")
            continue
        if not isinstance(public, Ed25519PublicKey) or key_id(public) != kid:
            s.fail(name, "keys", "this key's SHA-256 is not the key id in its name")
            continue
        if kid not in index:
            s.fail(name, "keys", "not listed in keys/index.json")
            continue
        keys[kid] = public
        s.passed["keys"] += 1
    for kid in sorted(set(index) - set(keys)):
        if f"keys/{kid}.pem" not in b.names:
            s.fail(f"keys/{kid}.pem", "keys", "listed in keys/index.json but missing")
    return keys
