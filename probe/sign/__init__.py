"""Signing: per-network keys derived from one device seed, RFC 8785 payloads, DSSE envelopes.

    Exception
     └── SignatureError   an envelope that does not verify (bad base64, wrong type, bad signature)

Pure apart from `keys.DeviceSeed`, which reads and writes the seed file (atomically, owner-only).
"""

from probe.sign.dsse import (
    CONTROL_TYPE,
    MEASUREMENT_TYPE,
    RECEIPT_TYPE,
    Envelope,
    EnvelopeSignature,
    SignatureError,
    pae,
    sign_envelope,
    verify_envelope,
)
from probe.sign.jcs import canonical
from probe.sign.keys import DeviceSeed, KeyFileError, derive_key, key_id, public_pem, quarter_of, raw_public

__all__ = [
    "CONTROL_TYPE",
    "MEASUREMENT_TYPE",
    "RECEIPT_TYPE",
    "DeviceSeed",
    "Envelope",
    "EnvelopeSignature",
    "KeyFileError",
    "SignatureError",
    "canonical",
    "derive_key",
    "key_id",
    "pae",
    "public_pem",
    "quarter_of",
    "raw_public",
    "sign_envelope",
    "verify_envelope",
]
