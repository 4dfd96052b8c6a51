"""Enrolment that lasts: a probe's next key takes the tier of its enrolled predecessor, without a token.

A probe derives one key per (network, quarter) (probe.sign.keys). Its invite token is single-use, so the
next quarter's key could not be vouched for again. Instead the probe enrols the new key with a `Renewal`:
a signature by its previous, enrolled key over ``"saksi-renew-v1\\n" + new public key + "\\n" + old key id``.
The collector checks that signature against the enrolled key, that the old key is not revoked, and that it
has not vouched for another key before (one successor per key); the new key gets the old key's tier. The
link (old key id -> new key id) is kept in `key_renewals`, so that a repeated enrolment of the same
successor is answered the same way.

A renewal hands the tier on, it does not copy it: a chain A -> B -> C counts as one vouched identity at any
moment (`tier_at`). A successor must be a key not yet enrolled, so its turn starts at its enrolment (its
time bracket does not count what it says it measured earlier, probe.collector.attest); the predecessor's
measurements that started from then on (less the same clock slack) are stored and receipted as
`unverified`. A measurement made before the hand-over and uploaded weeks later still counts. Revoking a key revokes every key after it in its chain (storage `revoke`), and the links stay, so
an ancestor cannot vouch again.

What the collector learns: that two keys are one device. The probe chains only the keys of one network
(the same ASN, quarter after quarter), which the collector could largely tell already from the network
and the timing of the uploads; it never chains keys of two networks, so the collector still cannot link a
volunteer's networks (docs/evidence.md, "Enrolment that lasts"). A key on a new network needs a new invite
token to be vouched, else it is enrolled unverified.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from probe.collector.attest import CLOCK_SLACK
from probe.models.evidence import Renewal, renewal_statement
from probe.models.types import parse_utc

if TYPE_CHECKING:  # storage imports the schema, which imports this module's SCHEMA
    from probe.collector.db import Connection
    from probe.collector.storage import ProbeRow, Storage

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS key_renewals (
        old_key_id TEXT PRIMARY KEY,
        new_key_id TEXT NOT NULL UNIQUE,
        renewed_at TEXT NOT NULL
    ) STRICT""",
]


class RenewalRefused(Exception):
    """The renewal cannot be accepted; `reason` is the machine-readable code, the message the detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def tier_at(row: ProbeRow, started_at: str) -> str:
    """The tier a measurement of `row`'s key that started at `started_at` counts with: once the key vouched
    for its successor, what it measured from then on (less the clock slack the successor's own time
    bracket allows it before its enrolment) is unverified, so the two keys' vouched turns never overlap."""
    if row.tier != "vouched" or row.superseded_at is None:
        return row.tier
    if parse_utc(started_at) >= parse_utc(row.superseded_at) - CLOCK_SLACK:
        return "unverified"
    return row.tier


async def renew(db: Storage, renewal: Renewal, row: ProbeRow) -> tuple[ProbeRow, bool]:
    """Enrol `row`'s key as the successor `renewal` names, with its predecessor's tier, in one transaction
    with the link; (the stored row, whether it was new). Raises RenewalRefused (with why) otherwise."""
    old = await db.probe(renewal.key_id)
    if old is None:
        raise RenewalRefused("bad_renewal", "the key that signed the renewal is not enrolled here")
    if old.revoked_at is not None:
        raise RenewalRefused("bad_renewal", "the key that signed the renewal was revoked")
    if renewal.key_id == row.key_id:
        raise RenewalRefused("bad_renewal", "a key cannot renew itself")
    public_key = base64.b64encode(row.public_key).decode()
    try:
        signature = base64.b64decode(renewal.signature, validate=True)
        Ed25519PublicKey.from_public_bytes(old.public_key).verify(
            signature, renewal_statement(public_key, renewal.key_id)
        )
    except (InvalidSignature, ValueError, binascii.Error):
        raise RenewalRefused(
            "bad_renewal", "the renewal is not signed by the enrolled key it names"
        ) from None

    def link(conn: Connection) -> tuple[str, str, bool]:
        # A no-op update that locks the predecessor's row (PostgreSQL) and says whether it is still
        # unrevoked: a concurrent `revoke` either comes first (refused here) or waits and then sees the link.
        held = conn.execute(
            "UPDATE probes SET revoked_at = revoked_at WHERE key_id = ? AND revoked_at IS NULL",
            [renewal.key_id],
        )
        if held.rowcount != 1:
            return "bad_renewal", "the key that signed the renewal was revoked", False
        current = conn.execute(
            "SELECT new_key_id FROM key_renewals WHERE old_key_id = ?", [renewal.key_id]
        ).fetchone()
        if current is not None and str(current[0]) != row.key_id:
            return (
                "already_renewed",
                "this enrolled key already vouched for another key; each vouches for one",
                False,
            )
        if current is None:
            # Only a key not yet enrolled can be a successor: its turn starts at its enrolment, which
            # its time bracket enforces (probe.collector.attest), and no key joins a chain twice.
            if conn.execute("SELECT 1 FROM probes WHERE key_id = ?", [row.key_id]).fetchone():
                return (
                    "bad_renewal",
                    "this key is already enrolled; a renewal vouches only for a new key",
                    False,
                )
            conn.execute(
                "INSERT INTO key_renewals VALUES (?, ?, ?)", [renewal.key_id, row.key_id, row.enrolled_at]
            )
        cur = conn.execute(
            "INSERT INTO probes VALUES (?,?,?,?,NULL) ON CONFLICT(key_id) DO NOTHING",
            [row.key_id, row.public_key, old.tier, row.enrolled_at],
        )
        return "", "", cur.rowcount == 1

    reason, detail, created = await db.write(link)
    if reason:
        raise RenewalRefused(reason, detail)
    stored = await db.probe(row.key_id)
    assert stored is not None
    return stored, created
