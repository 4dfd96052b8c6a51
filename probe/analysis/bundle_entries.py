"""Reading a bundle's zip, and checking its measurements (one worker process's share, or all of them):
the probe's signature, the payload, the receipt, the log statement and the inclusion proof
(probe.analysis.bundle_verify runs the rest)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import multiprocessing as mp
import os
import threading
import zipfile
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from pydantic import ValidationError

from probe.analysis.bundle_files import filters_from_manifest, in_context, in_filters
from probe.analysis.bundle_summary import Results
from probe.analysis.facts import CONTROL_CATEGORY, Fact, fact_from_receipt
from probe.analysis.provenance import is_lab_payload
from probe.analysis.query import Filters
from probe.classify.recheck import recheck
from probe.log import Checkpoint, LogError, leaf_hash, verify_inclusion
from probe.models.evidence import InclusionProof, LogStatement, Receipt
from probe.models.measurement import Measurement
from probe.sign.dsse import MEASUREMENT_TYPE, RECEIPT_TYPE, Envelope, SignatureError, verify_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import key_id
from probe.verify import statement_differences

MALFORMED = (ValueError, TypeError, KeyError, AttributeError, IndexError, OverflowError, RecursionError)
SMALL_FILE = 1024 * 1024  # a key, a checkpoint, a signature: far smaller than this
MANIFEST_ENTRY = 512  # bytes MANIFEST.json may spend per file of the zip (a name, a SHA-256, a size)


class BundleInputError(Exception):
    """The file is not a bundle at all (not a zip, unreadable); nothing was verified. One sentence."""


class Damaged(Exception):
    """A zip whose structure cannot be read (truncated, corrupted): a bundle that fails verification."""


@dataclass
class _Part(Results):
    facts: list[Fact] = field(default_factory=list)
    controls: list[Fact] = field(default_factory=list)
    context: list[Fact] = field(
        default_factory=list
    )  # before `since`: to date the events (bundle_files.in_context, bundle_context)
    lab: int = 0  # payloads invented by probe.lab.history
    # uid -> (log index, the probe's time anchor) of each measurement whose inclusion verified
    dated: dict[str, tuple[int, tuple[int, bytes] | None]] = field(default_factory=dict)


class Bundle:
    def __init__(self, path: Path) -> None:
        try:
            self.zip = zipfile.ZipFile(path)
        except FileNotFoundError:
            raise BundleInputError(f"{path} does not exist") from None
        except IsADirectoryError:
            raise BundleInputError(f"{path} is a directory; give the bundle's .zip file") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            if _starts_like_a_zip(path):
                raise Damaged(
                    f"the zip is damaged (truncated or corrupted: {exc}): its table of contents cannot be "
                    "read, so none of its files can be verified"
                ) from None
            raise BundleInputError(f"{path} is not a zip file ({exc}); it is not a bundle") from None
        self.path = path
        # Directory entries (`zip -r` adds them: "measurements/<uid>/", empty) hold nothing to verify.
        self.names = [i.filename for i in self.zip.infolist() if not (i.is_dir() and i.file_size == 0)]
        self.oversize: set[str] = set()  # names whose bytes ran past the bound they were read with

    def index_limit(self) -> int:
        """The bound for a file that lists the bundle's files (MANIFEST.json, keys/index.json)."""
        return SMALL_FILE + MANIFEST_ENTRY * len(self.names)

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


def entry_size(entry: Any) -> int | None:
    """The size a manifest entry gives, when it is a sane one."""
    size = entry.get("size") if isinstance(entry, dict) else None
    return size if isinstance(size, int) and not isinstance(size, bool) and 0 <= size < 2**40 else None


def _starts_like_a_zip(path: Path) -> bool:
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def read_json(data: bytes | None) -> Any:
    if data is None:
        return None
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError):
        return None


def plain(exc: BaseException) -> str:
    """An error in one clause a reader can use: a validation error names the first field and what is wrong
    with it, never the library's own wording, counts or web links."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the document"
        return f"{where} is not in the expected form ({str(first['msg']).split(' [')[0].lower()})"
    return f"{type(exc).__name__}: {exc}"[:300]


def is_measurement_file(name: str) -> bool:
    return name.startswith("measurements/") and name.count("/") == 2


def read_checked(
    b: Bundle, r: Results, name: str, expected: dict[str, Any], listed_in: str = "MANIFEST.json"
) -> bytes | None:
    """The file's bytes, compared with its manifest entry on the way (None when it cannot be read). No
    more than the size its entry gives is ever read (a zip bomb stops there). `listed_in`: the file whose
    entry gives the hash (the reports' is SIGNATURE.json), named in the failures."""
    entry = expected.get(name)
    size = entry_size(entry)
    if entry is not None and size is None:
        r.fail(name, "manifest", f"its entry in {listed_in} has no valid size")
        return None
    data = b.read(name, size if size is not None else SMALL_FILE)
    if data is None:
        if name in b.oversize:
            r.fail(name, "manifest", f"it is larger than {listed_in} says: it was changed (not read)")
        elif name in b.names:
            r.fail(name, "manifest", "cannot be read from the zip (damaged)")
        return None
    if isinstance(entry, dict):
        if hashlib.sha256(data).hexdigest() != entry.get("sha256") or len(data) != size:
            r.fail(name, "manifest", f"its SHA-256 differs from the one in {listed_in}: it was changed")
        else:
            r.passed["manifest"] += 1
    return data


@dataclass(frozen=True)
class Context:
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
    def of(cls, c: Context) -> _Loaded:
        collector = Ed25519PublicKey.from_public_bytes(c.collector) if c.collector else None
        return cls(
            keys={kid: Ed25519PublicKey.from_public_bytes(raw) for kid, raw in c.keys.items()},
            collector={key_id(collector): collector} if collector else {},
            checkpoint=c.checkpoint,
            filters=filters_from_manifest(c.filters),
            expected=c.expected,
        )


PARALLEL_FROM = 3000  # measurements; below this a process pool costs more than it saves


def run_chunks(context: Context, uids: list[str], workers: int | None) -> list[_Part]:
    count = workers if workers is not None else (os.cpu_count() or 1) if len(uids) >= PARALLEL_FROM else 1
    count = max(1, min(count, len(uids) // 200 or 1))
    if count == 1:
        return [_verify_chunk(context, uids)]
    chunks = [uids[i::count] for i in range(count)]
    # fork is cheapest (modules already imported) but unsafe with threads running; forkserver otherwise.
    method = "fork" if threading.active_count() == 1 and "fork" in mp.get_all_start_methods() else "spawn"
    with ProcessPoolExecutor(max_workers=count, mp_context=mp.get_context(method)) as pool:
        return list(pool.map(_verify_chunk, [context] * count, chunks))


def _verify_chunk(context: Context, uids: list[str]) -> _Part:
    part = _Part()
    loaded = _Loaded.of(context)
    bundle = Bundle(context.path)
    try:
        for uid in uids:
            try:
                _measurement(bundle, part, uid, loaded)
            except MALFORMED as exc:  # a failure with its reason, never a traceback
                part.fail(f"measurements/{uid}/", "measurement", f"malformed: {plain(exc)}")
    finally:
        bundle.zip.close()
    return part


def _measurement(b: Bundle, part: _Part, uid: str, ctx: _Loaded) -> None:
    base = f"measurements/{uid}/"
    env_name, rec_name, proof_name = base + "envelope.json", base + "receipt.json", base + "proof.json"
    fail = part.fail

    # The probe's signature, then the payload.
    measurement: Measurement | None = None
    digest: str | None = None
    data = read_checked(b, part, env_name, ctx.expected)
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
    if measurement is not None:
        found = recheck(measurement)
        if found.agrees:
            part.passed["verdict"] += 1
        elif found.agrees is None:
            part.skip("verdict", found.message)
        else:
            fail(env_name, "verdict", found.message)

    # The receipt.
    receipt: Receipt | None = None
    data = read_checked(b, part, rec_name, ctx.expected)
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
    document = read_json(read_checked(b, part, proof_name, ctx.expected))
    try:
        if not isinstance(document, dict):
            raise ValueError("missing or not JSON")
        statement = LogStatement.model_validate(document.get("statement"))
        proof = InclusionProof.model_validate(document.get("inclusion"))
    except (ValidationError, ValueError) as exc:
        why = plain(exc) if isinstance(exc, ValidationError) else str(exc)
        fail(proof_name, "statement", f"not a statement with an inclusion proof: {why}")
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
            if measurement is not None:
                anchor = measurement.time_anchor
                part.dated[uid] = (
                    proof.leaf_index,
                    (anchor.tree_size, base64.b64decode(anchor.root_hash)) if anchor is not None else None,
                )
        except (binascii.Error, UnicodeEncodeError):
            fail(proof_name, "inclusion", "a proof hash is not valid base64")
        except LogError as exc:
            fail(proof_name, "inclusion", f"not in the checkpoint's tree: {exc}")

    if measurement is None or receipt is None:
        if measurement is not None:
            part.skip("measurement", "its receipt could not be verified")
        return
    fact = fact_from_receipt(measurement, seq=proof.leaf_index, receipt=receipt)
    part.measured.append(
        (uid, fact.asn, fact.evidence, receipt.time_earliest, receipt.received_at, bool(fact.time_ok))
    )
    if in_filters(fact, ctx.filters):
        part.facts.append(fact)
        part.passed["measurement"] += 1
    elif in_context(fact, ctx.filters):
        part.context.append(fact)
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
        return is_lab_payload(json.loads(base64.b64decode(json.loads(envelope or b"")["payload"])))
    except (ValueError, TypeError, KeyError, binascii.Error, RecursionError):
        return False
