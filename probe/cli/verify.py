"""`probe verify FILE`: check an evidence record (or a bare signed measurement) offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from probe.cli.common import err, fail, out
from probe.verify import VerifyInputError, verify_file


def verify(
    file: Annotated[
        Path, typer.Argument(help="An evidence record (GET /api/v1/measurements/{id}) or a DSSE envelope.")
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
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show every check, not one line.")] = False,
) -> None:
    """Verify an evidence record offline: signature, receipt, log inclusion and checkpoint signature.

    Prints one line and exits 1 when anything does not verify. No network is used. The record's log key is
    the trust anchor: compare it with the collector's (GET /api/v1/log/key), or pass --log-key.
    """
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
    out.print(result.summary(), markup=False, highlight=False)
    if result.ok:
        if result.kind == "record" and not result.log_key_from_user:
            err.print(
                f"note: the log key came from the file ({result.log_key_name}); compare it with the collector's "
                "published key, or pass --log-key",
                markup=False,
            )
        return
    if allow_unsequenced and result.ok_except_sequencing():
        return
    raise typer.Exit(1)
