"""DSSE (Dead Simple Signing Envelope), as in-toto and sigstore use it.

The signature covers PAE(type, body) = "DSSEv1" SP len(type) SP type SP len(body) SP body, so a signature
made for one payload type can never pass for another: measurements, receipts and control answers each
have their own type.
"""

from __future__ import annotations

import base64
import binascii

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import BaseModel, ConfigDict, Field

MEASUREMENT_TYPE = "application/vnd.saksi.measurement.v1+json"
RECEIPT_TYPE = "application/vnd.saksi.receipt.v1+json"
CONTROL_TYPE = "application/vnd.saksi.control.v1+json"
CONTROL_REQUEST_TYPE = "application/vnd.saksi.control-request.v1+json"
ALERT_TYPE = "application/vnd.saksi.alert.v1+json"
LISTS_TYPE = "application/vnd.saksi.lists.v1+json"  # the test lists a collector hands its probes


class SignatureError(ValueError):
    """The envelope does not verify; the message says which check failed."""


class EnvelopeSignature(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    keyid: str = Field(max_length=128)
    sig: str = Field(max_length=256)


class Envelope(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    payloadType: str = Field(max_length=128)
    payload: str
    signatures: list[EnvelopeSignature] = Field(min_length=1, max_length=4)

    def body(self) -> bytes:
        """The payload bytes; raises SignatureError when they are not valid base64."""
        return _b64decode(self.payload, "payload")


def pae(payload_type: str, body: bytes) -> bytes:
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(body), body)


def _b64decode(value: str, what: str) -> bytes:
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise SignatureError(f"{what} is not valid base64") from None


def sign_envelope(payload_type: str, body: bytes, key: Ed25519PrivateKey, keyid: str) -> Envelope:
    signature = key.sign(pae(payload_type, body))
    return Envelope(
        payloadType=payload_type,
        payload=base64.b64encode(body).decode(),
        signatures=[EnvelopeSignature(keyid=keyid, sig=base64.b64encode(signature).decode())],
    )


def verify_envelope(envelope: Envelope, payload_type: str, keys: dict[str, Ed25519PublicKey]) -> bytes:
    """Check the type and a signature by one of `keys` (keyid -> key); return the payload bytes.

    Raises SignatureError. The payload is not parsed here: bytes are verified before anyone reads them.
    """
    if envelope.payloadType != payload_type:
        raise SignatureError(f"payload type is {envelope.payloadType!r}, expected {payload_type!r}")
    body = envelope.body()
    message = pae(envelope.payloadType, body)
    known = [s for s in envelope.signatures if s.keyid in keys]
    if not known:
        raise SignatureError("no signature by a known key")
    for signature in known:
        raw = _b64decode(signature.sig, "signature")
        try:
            keys[signature.keyid].verify(raw, message)
        except InvalidSignature:
            continue
        return body
    raise SignatureError("the signature does not verify: the payload or the signature was changed")
