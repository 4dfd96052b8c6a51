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
``events``        events.json likewise.

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
import binascii
import hashlib
import json
import multiprocessing as mp
import os
import threading
import time
import zipfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key
from pydantic import ValidationError

from probe.analysis.bundle import (
    BUNDLE_TYPE,
    MANIFEST,
    REPORTS,
    SIGNATURE,
    bundle_horizon,
    bundle_timeline,
    filters_from_manifest,
    in_filters,
    timeline_files,
)
from probe.analysis.bundle_summary import CHECKS, Results, Summary
from probe.analysis.facts import CONTROL_CATEGORY, Fact, fact_of
from probe.analysis.provenance import LAB_SOFTWARE_VERSION, is_lab_payload
from probe.analysis.query import FilterError, Filters
from probe.log import Checkpoint, LogError, NoteError, NoteVerifier, leaf_hash, verify_inclusion
from probe.models.evidence import InclusionProof, LogStatement, Receipt
from probe.models.measurement import Measurement
from probe.sign.dsse import MEASUREMENT_TYPE, RECEIPT_TYPE, Envelope, SignatureError, verify_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import key_id, raw_public
from probe.verify import statement_differences


class BundleInputError(Exception):
    """The file is not a bundle at all (not a zip, unreadable); nothing was verified. One sentence."""


class _Damaged(Exception):
    """A zip whose structure cannot be read (truncated, corrupted): a bundle that fails verification."""


@dataclass
class _Part(Results):
    facts: list[Fact] = field(default_factory=list)
    controls: list[Fact] = field(default_factory=list)
    lab: int = 0  # payloads invented by probe.lab.history


MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError, RecursionError)
SMALL_FILE = 1024 * 1024  # a key, a checkpoint, a signature: far smaller than this
MANIFEST_ENTRY = 512  # bytes MANIFEST.json may spend per file of the zip (a name, a SHA-256, a size)


class _Bundle:
    def __init__(self, path: Path) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise BundleInputError(f"{path} does not exist") from None
        except IsADirectoryError:
            raise BundleInputError(f"{path} is a directory; give the bundle's .zip file") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            if _starts_like_a_zip(path):
                raise _Damaged(
                    f"the zip is damaged (truncated or corrupted: {exc}): its table of contents cannot be "
                    "read, so none of its files can be verified"
                ) from None
            raise BundleInputError(f"{path} is not a zip file ({exc}); it is not a bundle") from None
        self.path = path
        # Directory entries (`zip -r` adds them: "measurements/<uid>/", empty) hold nothing to verify.
        self.names = [i.filename for i in self.zip.infolist() if not (i.is_dir() and i.file_size == 0)]
        self.oversize: set[str] = set()  # names whose bytes ran past the bound they were read with

    def read(self, name: str, limit: int = SMALL_FILE) -> bytes | None:
        """A file's bytes, never more than `limit` of them in memory: the entry is streamed and the read
        stops past `limit` (whatever size its header claims); None (and the name in `oversize`) then."""
        try:
            info = self.zip.getinfo(name)
            if info.file_size > limit:
                self.oversize.add(name)
                return None
            with self.zip.open(info) as fh:
                data = fh.read(limit + 1)
        except KeyError:
            return None
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
            return None
        if len(data) > limit:
            self.oversize.add(name)
            return None
        return data


def _entry_size(entry: Any) -> int | None:
    """The size a manifest entry gives, when it is a sane one."""
    size = entry.get("size") if isinstance(entry, dict) else None
    return size if isinstance(size, int) and not isinstance(size, bool) and 0 <= size < 2**40 else None


def _starts_like_a_zip(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _json(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def verify_bundle(path: Path, *, log_key: str | None = None, workers: int | None = None) -> Summary:
    """Verify the bundle at `path` offline; `log_key` is the collector verifier key the user trusts.

    `workers`: processes for the per-measurement checks (default: one per core for large bundles)."""
    started = time.perf_counter()
    s = Summary(path=str(path), log_key_from_user=log_key is not None)
    try:
        bundle = _Bundle(path)
    except _Damaged as exc:
        s.fail(path.name, "manifest", str(exc))
        for check in CHECKS:
            if check != "manifest":
                s.skip(check, "the zip itself is damaged")
        s.elapsed_s = time.perf_counter() - started
        return s
    try:
        _verify(bundle, s, log_key, workers)
    except MALFORMED as exc:
        # A malformed file this code did not foresee: a failure with its reason, never a traceback.
        s.fail(MANIFEST, "manifest", f"the bundle is malformed: {type(exc).__name__}: {str(exc)[:200]}")
    finally:
        bundle.zip.close()
    s.elapsed_s = time.perf_counter() - started
    return s


def _verify(b: _Bundle, s: Summary, user_key: str | None, workers: int | None) -> None:
    if len(set(b.names)) != len(b.names):
        dup = next(n for n, c in Counter(b.names).items() if c > 1)
        s.fail(dup, "manifest", "this name appears twice in the zip")

    # The collector's key: the trust anchor.
    collector = _collector_key(b, s, user_key)

    # SIGNATURE.json over MANIFEST.json and the reports.
    manifest_bytes = b.read(MANIFEST, SMALL_FILE + MANIFEST_ENTRY * len(b.names))
    manifest = _json(manifest_bytes)
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
        elif not _is_measurement_file(name):  # those are checked as they are read, once
            data = _read_checked(b, s, name, expected)
            if data is not None:
                hashes[name] = data
    for name in sorted(set(expected) - present):
        s.fail(name, "manifest", "listed in MANIFEST.json but missing from the bundle")

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
    uids = sorted({n.split("/")[1] for n in (*present, *expected) if _is_measurement_file(n)})
    context = _Context(
        path=b.path,
        keys={kid: raw_public(k) for kid, k in keys.items()},
        collector=raw_public(collector) if collector is not None else None,
        checkpoint=checkpoint,
        filters=manifest.get("filters") or {},
        expected={n: e for n, e in expected.items() if _is_measurement_file(n)},
    )
    facts: list[Fact] = []
    controls: list[Fact] = []
    for part in _run_chunks(context, uids, workers):
        s.merge(part)
        facts.extend(part.facts)
        controls.extend(part.controls)
        s.lab_measurements += part.lab
    bundled_keys = {f.key_id for f in facts}
    for f in controls:
        if f.key_id not in bundled_keys:
            s.fail(
                f"measurements/{f.uid}/envelope.json",
                "measurement",
                "a control of a probe not in this bundle",
            )

    # Timeline and events, recomputed: only from every measurement, or the comparison means nothing.
    unverified = sum(s.failed_count[c] + s.skipped[c] for c in ("signature", "measurement", "receipt"))
    because = (
        "there is no trusted collector key, so no receipt could be checked"
        if collector is None
        else f"{unverified} measurement check(s) failed, so the timeline cannot be recomputed from all of "
        "the bundled measurements"
        if unverified
        else None
    )
    tl = bundle_timeline(facts, controls, bundle_horizon(manifest.get("created_at"), filters))
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


def _collector_key(b: _Bundle, s: Summary, user_key: str | None) -> Ed25519PublicKey | None:
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
    b: _Bundle, s: Summary, collector: Ed25519PublicKey | None, manifest_sha256: str
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
    b: _Bundle, s: Summary, collector: Ed25519PublicKey | None, manifest: dict[str, Any]
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


def _probe_keys(b: _Bundle, s: Summary, files: dict[str, bytes]) -> dict[str, Ed25519PublicKey]:
    index = _json(b.read("keys/index.json", SMALL_FILE + MANIFEST_ENTRY * len(b.names)))
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


def _is_measurement_file(name: str) -> bool:
    return name.startswith("measurements/") and name.count("/") == 2


def _read_checked(b: _Bundle, r: Results, name: str, expected: dict[str, Any]) -> bytes | None:
    """The file's bytes, compared with its manifest entry on the way (None when it cannot be read). No
    more than the size its entry gives is ever read (a zip bomb stops there)."""
    entry = expected.get(name)
    size = _entry_size(entry)
    if entry is not None and size is None:
        r.fail(name, "manifest", "its entry in MANIFEST.json has no valid size")
        return None
    data = b.read(name, size if size is not None else SMALL_FILE)
    if data is None:
        if name in b.oversize:
            r.fail(name, "manifest", "it is larger than MANIFEST.json says: it was changed (not read)")
        elif name in b.names:
            r.fail(name, "manifest", "cannot be read from the zip (damaged)")
        return None
    if isinstance(entry, dict):
        if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != size:
            r.fail(name, "manifest", "its SHA-256 differs from the one in MANIFEST.json: it was changed")
        else:
            r.passed["manifest"] += 1
    return data


@dataclass(frozen=True)
class _Context:
    """What checking one measurement needs; plain data, so it can be sent to a worker process."""

    path: Path
    keys: dict[str, bytes]  # probe key id -> raw public key
    collector: bytes | None
    checkpoint: Checkpoint | None
    filters: dict[str, Any]
    expected: dict[str, Any]  # manifest entries of the measurement files


@dataclass
class _Loaded:
    keys: dict[str, Ed25519PublicKey]
    collector: dict[str, Ed25519PublicKey]
    checkpoint: Checkpoint | None
    filters: Filters
    expected: dict[str, Any]

    @classmethod
    def of(cls, c: _Context) -> _Loaded:
        collector = Ed25519PublicKey.from_public_bytes(c.collector) if c.collector else None
        return cls(
            keys={kid: Ed25519PublicKey.from_public_bytes(raw) for kid, raw in c.keys.items()},
            collector={key_id(collector): collector} if collector else {},
            checkpoint=c.checkpoint,
            filters=filters_from_manifest(c.filters),
            expected=c.expected,
        )


PARALLEL_FROM = 3000  # measurements; below this a process pool costs more than it saves


def _run_chunks(context: _Context, uids: list[str], workers: int | None) -> list[_Part]:
    count = workers if workers is not None else (os.cpu_count() or 1) if len(uids) >= PARALLEL_FROM else 1
    count = max(1, min(count, len(uids) // 200 or 1))
    if count == 1:
        return [_verify_chunk(context, uids)]
    chunks = [uids[i::count] for i in range(count)]
    # fork is cheapest (modules already imported) but unsafe with threads running; forkserver otherwise.
    method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=count, mp_context=mp.get_context(method)) as pool:
        return list(pool.map(_verify_chunk, [context] * count, chunks))


def _verify_chunk(context: _Context, uids: list[str]) -> _Part:
    part = _Part()
    loaded = _Loaded.of(context)
    bundle = _Bundle(context.path)
    try:
        for uid in uids:
            try:
                _measurement(bundle, part, uid, loaded)
            except MALFORMED as exc:  # a failure with its reason, never a traceback
                part.fail(
                    f"measurements/{uid}/", "measurement", f"malformed: {type(exc).__name__}: {exc}"[:300]
                )
    finally:
        bundle.zip.close()
    return part


def _measurement(b: _Bundle, part: _Part, uid: str, ctx: _Loaded) -> None:
    base = f"measurements/{uid}/"
    env_name, rec_name, proof_name = base + "envelope.json", base + "receipt.json", base + "proof.json"
    fail = part.fail

    # The probe's signature, then the payload.
    measurement: Measurement | None = None
    digest: str | None = None
    data = _read_checked(b, part, env_name, ctx.expected)
    envelope_bytes = data
    try:
        if data is None:
            raise SignatureError("missing")
        envelope = Envelope.model_validate_json(data)
        kid = envelope.signatures[0].keyid
        if kid not in ctx.keys:
            raise SignatureError(f"signed by key {kid[:16]}..., which is not a usable key in keys/")
        body = verify_envelope(envelope, MEASUREMENT_TYPE, {kid: ctx.keys[kid]})
        part.passed["signature"] += 1
        digest = hashlib.sha256(body).hexdigest()
        try:
            measurement = Measurement.model_validate_json(body)
        except ValidationError:
            fail(env_name, "measurement", "the signed payload is not a measurement")
        else:
            if measurement.probe.key_id != kid:
                fail(env_name, "measurement", f"it names key {measurement.probe.key_id}, not its signer")
                measurement = None
            elif measurement.measurement_uid != uid:
                fail(env_name, "measurement", f"its uid is {measurement.measurement_uid}, not its folder's")
                measurement = None
    except (ValidationError, SignatureError) as exc:
        fail(env_name, "signature", str(exc) if isinstance(exc, SignatureError) else "not a DSSE envelope")
    if is_lab_payload(measurement) if measurement is not None else _looks_lab(envelope_bytes):
        part.lab += 1

    # The receipt.
    receipt: Receipt | None = None
    data = _read_checked(b, part, rec_name, ctx.expected)
    try:
        if data is None:
            raise SignatureError("missing")
        if not ctx.collector:
            part.skip("receipt", "log-key failed: there is no trusted collector key")
        else:
            body = verify_envelope(Envelope.model_validate_json(data), RECEIPT_TYPE, ctx.collector)
            receipt = Receipt.model_validate_json(body)
    except (ValidationError, SignatureError) as exc:
        message = str(exc) if isinstance(exc, SignatureError) else "not a receipt envelope"
        fail(rec_name, "receipt", f"not a receipt signed by the collector key: {message}")
    if receipt is not None:
        if digest is not None and receipt.payload_sha256 != digest:
            fail(rec_name, "receipt", "it names another payload SHA-256 than the envelope's")
            receipt = None
        elif receipt.measurement_uid != uid:
            fail(rec_name, "receipt", f"it names measurement {receipt.measurement_uid}, not {uid}")
            receipt = None
        else:
            part.passed["receipt"] += 1

    # The statement and its inclusion proof.
    document = _json(_read_checked(b, part, proof_name, ctx.expected))
    try:
        if not isinstance(document, dict):
            raise ValueError("missing or not JSON")
        statement = LogStatement.model_validate(document.get("statement"))
        proof = InclusionProof.model_validate(document.get("inclusion"))
    except (ValidationError, ValueError) as exc:
        fail(proof_name, "statement", f"not a statement with an inclusion proof ({str(exc).splitlines()[0]})")
        return
    if receipt is not None:
        differences = statement_differences(statement, receipt)
        if differences:
            fail(proof_name, "statement", f"it differs from the receipt in {', '.join(differences)}")
        else:
            part.passed["statement"] += 1
    else:
        part.skip("statement", "its receipt could not be verified")
    checkpoint = ctx.checkpoint
    if checkpoint is None:
        part.skip("inclusion", "checkpoint.txt could not be verified, so there is no root to prove against")
    else:
        try:
            if proof.tree_size != checkpoint.size:
                raise LogError(f"the proof is for size {proof.tree_size}, the checkpoint {checkpoint.size}")
            hashes = [base64.b64decode(h.encode("ascii"), validate=True) for h in proof.hashes]
            verify_inclusion(
                leaf_hash(canonical(statement)), proof.leaf_index, proof.tree_size, hashes, checkpoint.root
            )
            part.passed["inclusion"] += 1
        except (binascii.Error, UnicodeEncodeError):
            fail(proof_name, "inclusion", "a proof hash is not valid base64")
        except LogError as exc:
            fail(proof_name, "inclusion", f"not in the checkpoint's tree: {exc}")

    if measurement is None or receipt is None:
        if measurement is not None:
            part.skip("measurement", "its receipt could not be verified")
        return
    fact = fact_of(measurement, seq=proof.leaf_index, observed_asn=receipt.observed_asn, tier=receipt.tier)
    if in_filters(fact, ctx.filters):
        part.facts.append(fact)
        part.passed["measurement"] += 1
    elif fact.category == CONTROL_CATEGORY:
        part.controls.append(fact)
        part.passed["measurement"] += 1
    else:
        fail(
            env_name, "measurement", "it does not match the bundle's filters and is not a control measurement"
        )


def _looks_lab(envelope: bytes | None) -> bool:
    """Whether an envelope that did not verify still carries a lab payload (it is flagged all the same)."""
    try:
        payload = json.loads(base64.b64decode(json.loads(envelope or b"")["payload"]))
        return bool(payload["software"]["version"] == LAB_SOFTWARE_VERSION)
    except (ValueError, TypeError, KeyError, binascii.Error, RecursionError):
        return False
