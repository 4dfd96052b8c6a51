"""Enrolment that lasts: a probe's next key takes the tier of its enrolled predecessor, without a token.

A probe derives one key per (network, quarter) (probe.sign.keys). Its invite token is single-use, so the
next quarter's key could not be vouched for again. Instead the probe enrols the new key with a `Renewal`:
a signature by its previous, enrolled key over ``"saksi-renew-v1\\n" + new public key + "\\n" + old key id``.
The collector checks that signature against the enrolled key, that the old key is not revoked, and that it
has not vouched for another key before (one successor per key, so a vouched volunteer cannot mint vouched
keys); the new key gets the old key's tier. The link (old key id -> new key id) is kept in
`key_renewals`, so that a repeated enrolment of the same successor is answered the same way.

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

from probe.models.evidence import Renewal, renewal_statement

if TYPE_CHECKING:  # storage imports the schema, which imports this module's SCHEMA
    from probe.collector.db import Connection
    from probe.collector.storage import Storage

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


async def carried_tier(db: Storage, renewal: Renewal, public_key: str, new_key_id: str, now: str) -> str:
    """The tier the new key inherits from its predecessor; raises RenewalRefused (with why) otherwise."""
    old = await db.probe(renewal.key_id)
    if old is None:
        raise RenewalRefused("bad_renewal", "the key that signed the renewal is not enrolled here")
    if old.revoked_at is not None:
        raise RenewalRefused("bad_renewal", "the key that signed the renewal was revoked")
    if renewal.key_id == new_key_id:
        raise RenewalRefused("bad_renewal", "a key cannot renew itself")
    try:
        signature = base64.b64decode(renewal.signature, validate=True)
        Ed25519PublicKey.from_public_bytes(old.public_key).verify(
            signature, renewal_statement(public_key, renewal.key_id)
        )
    except (InvalidSignature, ValueError, binascii.Error):
        raise RenewalRefused(
            "bad_renewal", "the renewal is not signed by the enrolled key it names"
        ) from None

    def link(conn: Connection) -> str | None:
        conn.execute(
            "INSERT INTO key_renewals VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [renewal.key_id, new_key_id, now],
        )
        row = conn.execute(
            "SELECT new_key_id FROM key_renewals WHERE old_key_id = ?", [renewal.key_id]
        ).fetchone()
        return str(row[0]) if row else None

    successor = await db.write(link)
    if successor != new_key_id:
        raise RenewalRefused(
            "already_renewed", "this enrolled key already vouched for another key; each vouches for one"
        )
    return old.tier
