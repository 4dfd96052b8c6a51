"""`probe verify FILE`: check an evidence record, a bare signed measurement or an evidence bundle offline."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from probe.analysis.provenance import LAB_NOTICE
from probe.cli.common import err, fail, out
from probe.verify import VerifyInputError, VerifyResult, verify_file

if TYPE_CHECKING:
    from probe.analysis.bundle_dates_verify import Saved
    from probe.analysis.bundle_verify import Trust


def verify(
    file: Annotated[
        Path,
        typer.Argument(
            help="An evidence record (GET /api/v1/measurements/{id}), a DSSE envelope, or a bundle (.zip)."
        ),
    ],
    log_key: Annotated[
        str | None,
        typer.Option(
            "--log-key", help="The collector's verifier key (vkey line) you trust; must match the record's."
        ),
    ] = None,
    probe_key: Annotated[
        Path | None,
        typer.Option("--probe-key", help="PEM public key of the probe, to check a bare DSSE envelope."),
    ] = None,
    allow_unsequenced: Annotated[
        bool,
        typer.Option(
            "--allow-unsequenced", help="Exit 0 when all but the log inclusion verifies (not in the log yet)."
        ),
    ] = False,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose",
            "-v",
            help="Show every check, not one line; for a bundle, each measurement's network evidence and time "
            "bracket.",
        ),
    ] = False,
    witness_key: Annotated[
        list[str] | None,
        typer.Option(
            "--witness-key",
            help="A witness's cosignature/v1 verifier key you trust (repeat for several); bundles only.",
        ),
    ] = None,
    witness_quorum: Annotated[
        int | None,
        typer.Option(
            "--witness-quorum",
            min=1,
            help="How many of those witnesses must agree (default: the bundle's policy).",
        ),
    ] = None,
    checkpoint: Annotated[
        list[Path] | None,
        typer.Option(
            "--checkpoint",
            help="A checkpoint of this log you saved earlier (repeatable): verify fails if it and the "
            "bundle's are inconsistent (a fork).",
        ),
    ] = None,
    consistency: Annotated[
        list[Path] | None,
        typer.Option(
            "--consistency",
            help="A consistency proof (the collector's /api/v1/log/proof/consistency answer) linking a "
            "--checkpoint to the bundle's.",
        ),
    ] = None,
) -> None:
    """Verify an evidence record or bundle offline: signatures, receipts, log inclusion, checkpoint.

    A record: prints one line and exits 1 when anything does not verify. A bundle (`probe evidence`):
    checks every file and prints a summary, or the files and checks that failed, and exits 1. No network
    is used. The log key in the file is the trust anchor: compare it with the collector's
    (GET /api/v1/log/key), or pass --log-key.
    """
    if is_bundle(file):
        from probe.analysis.bundle_verify import Trust
        from probe.log import NoteError
        from probe.log.cosignature import CosignatureVerifier

        for vkey in witness_key or ():
            try:
                CosignatureVerifier.from_vkey(vkey)
            except NoteError as exc:
                fail(f"--witness-key {vkey[:60]!r} is not a witness key: {exc}")

        trust = Trust(
            log_key=log_key,
            witness_keys=tuple(witness_key or ()),
            quorum=witness_quorum,
            checkpoints=tuple(_saved(p) for p in checkpoint or ()),
            proofs=tuple(_saved(p) for p in consistency or ()),
        )
        verify_bundle_command(file, trust, verbose)
        return
    if witness_key or checkpoint or consistency:
        fail("--witness-key, --checkpoint and --consistency apply to bundles (.zip), not to one record")
    pem: bytes | None = None
    if probe_key is not None:
        try:
            pem = probe_key.read_bytes()
        except OSError as exc:
            fail(f"cannot read --probe-key {probe_key}: {exc.strerror}")
    try:
        result = verify_file(file, log_key=log_key, probe_key_pem=pem)
    except VerifyInputError as exc:
        fail(str(exc))
    if verbose:
        for check in result.checks:
            mark = "ok  " if check.ok else ("skip" if check.skipped else "FAIL")
            out.print(f"{mark} {check.name}: {check.message}", markup=False, highlight=False)
    out.print(record_line(result), markup=False, highlight=False)
    if result.lab_data:
        out.print(LAB_NOTICE, markup=False, highlight=False)
    if result.ok:
        if result.kind == "record" and not result.log_key_from_user:
            from probe.i18n import t

            err.print(t("vf_key_from_file", name=result.log_key_name), markup=False)
        return
    if allow_unsequenced and result.ok_except_sequencing():
        return
    raise typer.Exit(1)


def record_line(result: VerifyResult) -> str:
    """The one line for a record or envelope: the full English summary, or its gist in Khmer."""
    from probe.i18n import current, t

    if current() != "km":
        return result.summary()
    if result.ok:
        if result.kind == "envelope":
            return t("vf_envelope_ok", kid=result.probe_key_id)
        return t("vf_record_ok", size=result.checkpoint_size, origin=result.origin, name=result.log_key_name)
    if result.ok_except_sequencing():
        return t("vf_not_yet")
    failure = result.first_failure
    return t("vf_failed", check=failure.name if failure else "?")


def is_bundle(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    try:
        with path.open("rb") as fh:
            return fh.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _saved(path: Path) -> Saved:
    from probe.analysis.bundle_dates_verify import Saved

    try:
        return Saved(str(path), path.read_text(encoding="utf-8"))
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror}")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text: give a checkpoint note or a consistency proof (JSON)")


def verify_bundle_command(path: Path, trust: Trust, each: bool = False) -> None:
    from probe.analysis.bundle_summary import describe, each_measurement, lab_line, unwitnessed_words
    from probe.analysis.bundle_verify import BundleInputError, verify_bundle

    try:
        summary = verify_bundle(path, trust=trust)
    except BundleInputError as exc:
        fail(str(exc))
    for line in describe(summary):
        out.print(line, markup=False, highlight=False)
    for line in each_measurement(summary) if each else []:
        out.print(line, markup=False, highlight=False)
    out.print(f"elapsed      {summary.elapsed_s:.2f} s", markup=False, highlight=False)
    lab = lab_line(summary)
    if lab:
        err.print(lab, markup=False)
    if summary.ok:
        verdict = "VERIFIED (lab data: not evidence)" if lab else "VERIFIED"
        if not summary.witnessed:
            dates = f"DATES NOT WITNESSED: {unwitnessed_words(summary)}"
        elif summary.witness_keys_from_user:
            dates = (
                f"dates witnessed ({summary.quorum} of the {len(summary.witness_keys)} witness keys you gave)"
            )
        else:
            dates = (
                "dates cosigned by witness keys that came in the bundle itself: compare them with the keys "
                "the witnesses publish (--witness-key)"
            )
        if not summary.log_key_from_user:
            verdict += " (against the collector key the bundle carries itself)"
        out.print(f"{verdict}: every file and every check above; {dates}", markup=False, highlight=False)
        if not summary.log_key_from_user:
            err.print(
                f"note: this bundle vouches for itself: the log key came from the bundle ({summary.log_key}); "
                "compare it with the collector's published key, or pass --log-key",
                markup=False,
            )
        return
    total = sum(summary.failed_count.values())
    out.print(
        f"FAILED: {total} problem(s); each names the file and the check:", markup=False, highlight=False
    )
    failures = summary.ordered_failures()
    for failure in failures[:50]:
        out.print(f"  {failure}", markup=False, highlight=False)
    if total > 50:
        out.print(f"  ... and {total - 50} more", markup=False, highlight=False)
    for check, because in summary.skip_reasons.items():
        out.print(f"  not checked: {check} (because {because})", markup=False, highlight=False)
    if lab:
        out.print(lab, markup=False, highlight=False)
    raise typer.Exit(1)
