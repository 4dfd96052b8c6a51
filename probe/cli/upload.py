"""`probe upload`: send the outbox to the collector now; `probe enrol`: enrol this network's key now."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import typer

from probe.cli.common import ConfigOption, err, fail, open_store, out, settings
from probe.config import Settings
from probe.sign.keys import SEED_FILE, DeviceSeed, KeyFileError, key_id, quarter_of
from probe.sign.signer import ProbeSigner
from probe.upload import UploadError, UploadReport, enrol, upload, whoami
from probe.upload.identity import previous_vouched_key


def report_lines(report: UploadReport) -> list[str]:
    """The report in a few lines a person reads."""
    from probe.i18n import t

    lines = [
        t(
            "up_summary",
            uploaded=report.uploaded,
            duplicates=report.duplicates,
            rejected=len(report.dead),
            retrying=report.retrying,
            pending=report.pending,
            collector=report.collector,
        )
    ]
    for kid in report.enrolled:
        lines.append(t("up_enrolled", kid=kid))
    reasons: dict[str, int] = {}
    for _uid, reason in report.dead:
        reasons[reason] = reasons.get(reason, 0) + 1
    if reasons:
        lines.append(t("up_rejected", reasons=", ".join(f"{r} ({n})" for r, n in sorted(reasons.items()))))
    if report.next_attempt_at:
        lines.append(t("up_next", when=report.next_attempt_at))
    if report.checkpoint_size is not None:
        lines.append(t("up_checkpoint", size=report.checkpoint_size))
    return lines


def upload_command(config: ConfigOption = None) -> None:
    """Send the measurements waiting in the outbox to the collector (upload.url) now.

    An item leaves the outbox only when the collector's signed receipt for it verifies. A collector that
    is down is not an error: the measurements wait and are retried later, with backoff.
    """
    from probe.cli.common import say
    from probe.i18n import t

    s = settings(config)
    if not s.upload.url:
        fail(t("no_collector"))

    say(err, t("uploading", url=s.upload.url, seconds=f"{s.upload.timeout_s:g}"))
    with open_store(s) as store:
        try:
            report = asyncio.run(upload(s, store))
        except UploadError as exc:
            fail(str(exc))
    for line in report_lines(report):
        out.print(line)
    if report.error:
        say(err, report.error, prefix=t("note") + " ", style="bold yellow")


def _current_asn(s: Settings) -> int | None:
    if s.probe.asn is not None:
        return s.probe.asn
    return asyncio.run(whoami(s)).asn


def enrol_command(
    config: ConfigOption = None,
    token: Annotated[
        str | None, typer.Option("--token", help="An invite token (tier vouched); default: upload.token.")
    ] = None,
) -> None:
    """Enrol this network's signing key (this quarter's) at the collector (upload.url) now.

    `probe upload` enrols keys by itself; this is for checking an invite token or the setup early. The
    network is probe.asn, else the one the collector sees this machine on.
    """
    from probe.consent import require_consent
    from probe.i18n import t

    s = settings(config)
    if not s.upload.url:
        fail(t("no_collector"))
    require_consent(
        s
    )  # enrolling is taking part: never a new device key without `probe init` (or after wipe)
    now = datetime.now(UTC)
    try:
        asn = _current_asn(s)
        signer = ProbeSigner(DeviceSeed(s.store.seed_folder / SEED_FILE))
        key = signer.key(asn, now)
        with open_store(s) as store:
            # A spent invite is not sent again: the same network's vouched key of an earlier quarter vouches.
            earlier = previous_vouched_key(
                store, s.upload.url, lambda q: signer.key_in(asn, q), quarter_of(now)
            )
            record, new = asyncio.run(enrol(s, store, key, token=token, predecessor=earlier))
    except (UploadError, KeyFileError) as exc:
        fail(str(exc))
    out.print(
        t(
            "enrol_done",
            state=t("enrol_new") if new else t("enrol_again"),
            kid=key_id(key.public_key()),
            asn=asn or 0,
            quarter=quarter_of(now),
            url=s.upload.url,
            tier=record.tier,
        )
    )
