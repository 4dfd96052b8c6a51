"""Evidence bundles: a self-contained zip of everything behind one domain's timeline, checkable offline.

Layout (docs/bundles.md)::

    measurements/<uid>/envelope.json   the signed measurement, the stored bytes verbatim
    measurements/<uid>/receipt.json    the collector's signed receipt, verbatim
    measurements/<uid>/proof.json      the log statement and its inclusion proof against checkpoint.txt
    keys/<key_id>.pem, keys/index.json the probes' public keys, their tier and enrolment time
    checkpoint.txt, log-key.txt        the signed checkpoint the proofs are against, the log's verifier key
    collector.pub.pem                  the same collector key as PEM (receipts and SIGNATURE.json)
    timeline.csv, timeline.json        day windows from the bundled measurements, with the timeline rules
    events.json                        the published state changes, with the measurements bounding them
    VERIFY.md                          the offline recipe
    MANIFEST.json                      SHA-256 and size of every file above, the filters, the checkpoint,
                                       and lab_data: true when the measurements were invented (lab data)
    report.html, report.pdf            the plain-language report; they cite MANIFEST.json's SHA-256
    SIGNATURE.json                     a DSSE envelope by the collector over MANIFEST.json's hash and the
                                       reports' hashes (type application/vnd.saksi.bundle.v1+json)

The bundle holds the domain's measurements matching the filters (the domain and its subdomains) that are
in the log at the latest checkpoint, plus the same probes' control-target (CTRL) measurements in the
period, because the timeline rules exclude a probe's window when its controls fail. With `since`, it
also holds the earlier measurements that decide and date its events as the exports do, and only those
(probe.analysis.bundle_context). Measurements not yet in the log are left out and counted in the report.
Which files a bundle holds and what its timeline files say is shared with the verifier
(probe.analysis.bundle_files); reading its rows from the database is probe.analysis.bundle_rows.

Everything is streamed into the zip one file at a time; timestamps are fixed and the order is fixed, so
the same database gives the same bytes. Reads only: the database connection may be read-only.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zipfile
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from probe.analysis.brackets import iso
from probe.analysis.bundle_dates import Dated, dates, measured_bounds, measured_words
from probe.analysis.bundle_files import (
    BUNDLE_FORMAT,
    BUNDLE_TYPE,
    MANIFEST,
    SIGNATURE,
    WINDOW,
    bundle_horizon,
    bundle_timeline,
    json_bytes,
    timeline_files,
)
from probe.analysis.bundle_rows import ROW_SQL, Row, context_of, control_rows, read_rows, rows_of, selection
from probe.analysis.bundle_tally import Tally, blocking_periods
from probe.analysis.facts import Fact, fact_from_receipt
from probe.analysis.provenance import is_lab, is_lab_payload
from probe.analysis.query import Filters, network_names
from probe.analysis.report import (
    PdfUnavailable,
    ReportFacts,
    pdf_problem,
    render_html,
    render_pdf,
)
from probe.analysis.rules import TIMELINE_RULES_VERSION
from probe.analysis.timeline import excluded_slots
from probe.analysis.verify_md import VERIFY_MD
from probe.collector.db import Connection
from probe.collector.sequencer import DbHashes, b64, latest
from probe.collector.signing import KEY_FILE, CollectorKey
from probe.log import Checkpoint, NoteError, NoteVerifier, inclusion_proof
from probe.models.evidence import Receipt
from probe.models.measurement import Measurement
from probe.sign.dsse import sign_envelope
from probe.sign.jcs import canonical
from probe.sign.keys import public_pem

ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # fixed: the same inputs give the same bytes


class BundleError(Exception):
    """A bundle cannot be built for these filters (nothing in the log, no key); one sentence."""


class LabDataRefused(BundleError):
    """The data is lab data and the caller did not say it wants a bundle of lab data."""


@dataclass(frozen=True)
class Built:
    measurements: int
    controls: int
    not_in_log: int
    manifest_sha256: str
    checkpoint_size: int
    lab_data: bool = False


class _Writer:
    def __init__(self, out: IO[bytes]) -> None:
        self.zip = zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED)
        self.files: dict[str, dict[str, object]] = {}

    def add(self, name: str, data: bytes, *, listed: bool = True) -> dict[str, object]:
        info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        self.zip.writestr(info, data)
        entry: dict[str, object] = {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}
        if listed:
            self.files[name] = entry
        return entry


LAB_REFUSED = (
    "this collector holds lab data invented by `probe collector demo-data`, not measurements of anything; "
    "a bundle of it is built only when asked for by name: add --lab-data (API: lab_data=true)"
)


def build_bundle(
    conn: Connection,
    key: CollectorKey,
    filters: Filters,
    out: IO[bytes],
    *,
    quorum: int = 1,
    lab_ok: bool = False,
    lang: str = "en",
) -> Built:
    """Write the bundle for `filters` (a domain is required) to `out`; BundleError when there is nothing,
    or when the data is lab data (provenance) and `lab_ok` was not given: a bundle looks like evidence.
    `lang` km adds the report in Khmer (report.km.html, report.km.pdf) beside the English one.

    `quorum`: the k of the collector's k-of-n witness policy (collector.witness_quorum)."""
    if filters.domain is None:
        raise BundleError("a bundle is about one domain: give --domain")
    lab_db = is_lab(conn)
    if lab_db and not lab_ok:
        raise LabDataRefused(LAB_REFUSED)
    head = latest(conn)
    if head is None:
        raise BundleError(
            "the collector has not signed a checkpoint yet, so nothing can be proven; try later"
        )
    checkpoint = Checkpoint.parse(head.note.split("\n\n", 1)[0] + "\n")
    key = CollectorKey(key.private, checkpoint.origin)  # the log's name is the checkpoint's origin
    try:
        NoteVerifier.from_vkey(key.verifier_key()).verify(head.note)
    except NoteError:
        raise BundleError(
            "the collector key in the data directory did not sign the latest checkpoint; use the data "
            "directory the collector runs with"
        ) from None
    where, params = selection(filters)  # never empty: the domain is required
    not_in_log = int(
        conn.execute(
            f"SELECT count(*) FROM facts f JOIN measurements m ON m.seq = f.seq{where} "
            "AND (m.log_index IS NULL OR m.log_index >= ?)",
            [*params, head.size],
        ).fetchone()[0]
    )
    sequenced = f"{ROW_SQL}{where} AND m.log_index < ? ORDER BY m.uid"

    writer = _Writer(out)
    hashes = DbHashes(conn)
    tally = Tally()
    # Names from the collector's own ip2asn table, never from what a probe claims.
    for number, name in network_names(conn).items():
        tally.names[number] = Counter({name: 1})
    countries = {int(n): str(cc) for n, cc in conn.execute("SELECT asn, cc FROM networks").fetchall()}
    facts: list[Fact] = []
    controls: list[Fact] = []
    domain_uids: set[str] = set()
    dated: list[Dated] = []

    def add_measurement(row: Row, *, control: bool, into: list[Fact] | None = None) -> None:
        m = Measurement.model_validate_json(_payload(row.envelope))
        anchor = m.time_anchor
        dated.append(
            Dated(
                row.uid,
                row.log_index,
                (anchor.tree_size, base64.b64decode(anchor.root_hash)) if anchor is not None else None,
            )
        )
        receipt = Receipt.model_validate_json(_payload(row.receipt))
        fact = fact_from_receipt(m, seq=row.log_index, receipt=receipt)
        fact = replace(fact, cc=countries.get(fact.asn)) if fact.asn is not None else fact
        if is_lab_payload(m):
            if not lab_ok:
                raise LabDataRefused(LAB_REFUSED)
            tally.lab += 1
        if control:
            controls.append(fact)
        elif into is not None:
            into.append(fact)
        else:
            facts.append(fact)
            tally.add(m, fact)
        base = f"measurements/{row.uid}/"
        writer.add(base + "envelope.json", row.envelope.encode())
        proof = inclusion_proof(row.log_index, head.size, hashes)
        statement = {
            "payload_sha256": row.payload_sha256,
            "key_id": row.key_id,
            "asn": row.asn,
            "received_at": row.received_at,
        }
        document = {
            "statement": statement,
            "inclusion": {
                "leaf_index": row.log_index,
                "tree_size": head.size,
                "hashes": [b64(h) for h in proof],
            },
        }
        writer.add(base + "proof.json", json_bytes(document))
        writer.add(base + "receipt.json", row.receipt.encode())

    for row in read_rows(conn, sequenced, [*params, head.size]):
        domain_uids.add(row.uid)
        add_measurement(row, control=False)
    if not facts:
        writer.zip.close()
        raise BundleError(
            f"no measurement of {filters.domain} matching these filters is in the log yet; widen the period "
            "or try after the next checkpoint"
        )
    signed_at = conn.execute("SELECT signed_at FROM checkpoints WHERE size = ?", [head.size]).fetchone()[0]
    horizon = bundle_horizon(signed_at, filters)
    context: list[Fact] = []
    dates_only: set[str] = set()
    if filters.since is not None:
        # the earlier measurements that decide and date the events as `probe export events` does, and no
        # more (probe.analysis.bundle_context): a long history does not make a long bundle
        chosen, earlier = context_of(conn, filters, head.size, horizon)
        dates_only = {f.uid for f in earlier if chosen.dated(f)}
        for row in rows_of(conn, sorted({f.uid for f in earlier if chosen.wanted(f)} | dates_only)):
            domain_uids.add(row.uid)
            add_measurement(row, control=False, into=context)
        keys = sorted(tally.keys | {f.key_id for f in context})
        period = replace(filters, since=datetime.fromtimestamp(chosen.first_window * 3600, UTC))
        windows = sorted({w for _, _, w in chosen.windows if w < chosen.first_window})
        controlled = [
            *control_rows(conn, period, keys, head.size),
            *(control_rows(conn, replace(filters, since=None), keys, head.size, windows) if windows else ()),
        ]
    else:
        controlled = list(control_rows(conn, filters, sorted(tally.keys), head.size))
    for row in sorted({r.uid: r for r in controlled}.values(), key=lambda r: r.uid):
        if row.uid not in domain_uids:  # a control domain bundled as itself is already there
            add_measurement(row, control=True)
    tally.controls = len(controls)

    index: dict[str, dict[str, object]] = {}
    for kid in sorted({f.key_id for f in (*facts, *context, *controls)}):
        raw, tier, enrolled_at, revoked_at = conn.execute(
            "SELECT public_key, tier, enrolled_at, revoked_at FROM probes WHERE key_id = ?", [kid]
        ).fetchone()
        writer.add(f"keys/{kid}.pem", public_pem(Ed25519PublicKey.from_public_bytes(bytes(raw))).encode())
        index[kid] = {"tier": tier, "enrolled_at": enrolled_at, "revoked_at": revoked_at}
    writer.add("keys/index.json", json_bytes(index))
    witnessed = dates(conn, head, dated, quorum)
    writer.add("checkpoint.txt", witnessed.head_note.encode())
    for name, value in witnessed.files.items():
        writer.add(name, value.encode() if isinstance(value, str) else json_bytes(value))
    writer.add("log-key.txt", (key.verifier_key() + "\n").encode())
    writer.add("collector.pub.pem", public_pem(key.private.public_key()).encode())

    lab = tally.lab > 0 or lab_db
    tl = bundle_timeline(facts, controls, horizon, context, filters.since, frozenset(dates_only))
    counted = tally.finish(facts, excluded_slots(controls, WINDOW), WINDOW)
    for name, data in timeline_files(tl, filters, lab).items():
        writer.add(name, data)
    writer.add("VERIFY.md", VERIFY_MD.encode())

    manifest = {
        "format": BUNDLE_FORMAT,
        # Invented measurements (probe collector demo-data): not evidence. The verifier also reads it from
        # the payloads themselves, so removing this flag hides nothing.
        "lab_data": lab,
        "created_at": str(signed_at),  # the checkpoint's time, not the clock: rebuilding gives the same bytes
        "filters": filters.as_dict(),
        "window": WINDOW,
        "rules_version": TIMELINE_RULES_VERSION,
        "checkpoint": {"origin": checkpoint.origin, "size": head.size, "root": b64(head.root)},
        "counts": {
            "measurements": len(facts),
            "controls": len(controls),
            "not_in_log": not_in_log,
            **({"context": len(context)} if context else {}),
        },
        # context measurements bundled only for the dates they bound (probe.analysis.bundle_context)
        **({"context_dates_only": sorted(dates_only)} if dates_only else {}),
        "files": dict(sorted(writer.files.items())),
    }
    manifest_bytes = json_bytes(manifest)
    writer.add(MANIFEST, manifest_bytes, listed=False)
    manifest_sha256 = hashlib.sha256(manifest_bytes).hexdigest()

    report = ReportFacts(
        domain=filters.domain,
        domains=sorted(tally.domains),
        since=filters.since,
        until=filters.until,
        first_at=tally.first_at,
        last_at=tally.last_at,
        measurements=tally.measurements,
        controls=tally.controls,
        not_in_log=not_in_log,
        probes=len(tally.tiers),
        vouched=sum(t == "vouched" for t in tally.tiers.values()),
        unverified=sum(t != "vouched" for t in tally.tiers.values()),
        networks=tally.networks(),
        countries=[cc for cc, _ in tally.countries.most_common()],
        periods=blocking_periods(
            tl, tally, witnessed.brackets, len(witnessed.witnesses), witnessed.independent
        ),
        windows={s: n for s, n in Counter(c.state for c in tl.cells).most_common()},
        manifest_sha256=manifest_sha256,
        origin=checkpoint.origin,
        checkpoint_size=head.size,
        checkpoint_root=b64(head.root),
        rules_version=TIMELINE_RULES_VERSION,
        created_at=str(signed_at),
        lab=lab,
        hosts=[(h, n, tally.blocked_per_domain[h]) for h, n in sorted(tally.per_domain.items())],
        tested_words=measured_words(
            counted, witnessed.brackets, len(witnessed.witnesses), independent=witnessed.independent
        ),
        tested_words_km=measured_words(
            counted,
            witnessed.brackets,
            len(witnessed.witnesses),
            independent=witnessed.independent,
            lang="km",
        ),
        witnessed_days=tuple(iso(t) for t in measured_bounds(counted, witnessed.brackets)),
        set_aside=dict(sorted(tally.set_aside.items())),
        witnesses=len(witnessed.witnesses),
        quorum=witnessed.quorum,
        independent=witnessed.independent,
    )
    from probe.analysis.report_km import KhmerUnavailable

    reports: dict[str, dict[str, object]] = {}
    for code in ("en", "km") if lang == "km" else ("en",):
        stem = "report" if code == "en" else f"report.{code}"
        try:
            pdf = render_pdf(report, code)
        except (PdfUnavailable, KhmerUnavailable) as exc:
            raise BundleError(str(exc)) from None
        reports[f"{stem}.html"] = writer.add(f"{stem}.html", render_html(report, code), listed=False)
        reports[f"{stem}.pdf"] = writer.add(f"{stem}.pdf", pdf, listed=False)
    statement = {
        "format": BUNDLE_FORMAT,
        "manifest_sha256": manifest_sha256,
        "reports": reports,
        "checkpoint": manifest["checkpoint"],
    }
    envelope = sign_envelope(BUNDLE_TYPE, canonical(statement), key.private, key.key_id)
    writer.add(SIGNATURE, json_bytes(envelope.model_dump()), listed=False)
    writer.zip.close()
    return Built(len(facts), len(controls), not_in_log, manifest_sha256, head.size, lab)


def _payload(envelope: str) -> bytes:
    return base64.b64decode(json.loads(envelope)["payload"])


def collector_key(data_dir: Path) -> CollectorKey:
    """The collector's key from its data directory, never created here (a new key would sign nothing)."""
    path = data_dir / KEY_FILE
    if not path.exists():
        raise BundleError(f"no collector key at {path}; give the collector's data directory (--data-dir)")
    return CollectorKey.load_or_create(data_dir, "origin-from-checkpoint")


def write_bundle(
    conn: Connection,
    key: CollectorKey,
    filters: Filters,
    path: Path,
    *,
    quorum: int = 1,
    lab_ok: bool = False,
    lang: str = "en",
) -> Built:
    """Build into `path` atomically: a temporary file renamed when complete, removed on failure. Refused
    before anything is opened when the PDF reports cannot be made here (the analysis extra)."""
    problem = pdf_problem(lang)
    if problem is not None:
        raise BundleError(problem)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("wb") as out:
            built = build_bundle(conn, key, filters, out, quorum=quorum, lab_ok=lab_ok, lang=lang)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return built
