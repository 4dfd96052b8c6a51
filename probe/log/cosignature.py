"""C2SP tlog-cosignature `cosignature/v1`: timestamped Ed25519 cosignatures of checkpoints; no I/O.

A cosignature is a signed-note signature line ``— <name> base64(key_id[4] || timestamp[8] || sig[64])``
where ``key_id = SHA-256(name || 0x0A || 0x04 || public key)[:4]`` (signature type 0x04), the timestamp is
a big-endian u64 of POSIX seconds (at most 2^63 - 1, never zero from a witness) and the Ed25519 signature
covers::

    cosignature/v1
    time <timestamp in decimal, no leading zeros>
    <the whole checkpoint text, final newline included, no signature lines>

A verifier key is ``<name>+<hex key id>+base64(0x04 || public key)``. The statement a v1 cosignature makes:
as of that time, the consistent tree head with the largest size the cosigner has seen for the origin has
this root hash.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from probe.log.errors import NoteFormatError, NoteSignatureError, NoteUnsignedError
from probe.log.named_key import NamedSigner, NamedVerifier, named_key_id
from probe.log.note import MAX_SIGNATURES, SIGNATURE_PREFIX
from probe.log.text import check_name, decode_b64

__all__ = [
    "ALG_COSIGNATURE_V1",
    "Cosignature",
    "CosignatureSigner",
    "CosignatureVerifier",
    "cosignature_key_id",
    "cosigned_message",
    "signature_lines",
]

ALG_COSIGNATURE_V1 = 0x04
HEADER = "cosignature/v1"
MAX_TIMESTAMP = 2**63 - 1


def cosignature_key_id(name: str, public_key: bytes) -> bytes:
    """SHA-256(name || 0x0A || 0x04 || 32-byte public key)[:4]."""
    return named_key_id(name, ALG_COSIGNATURE_V1, public_key)


def cosigned_message(checkpoint_text: str, timestamp: int) -> bytes:
    """The exact bytes a cosignature/v1 signs: header line, time line, then the checkpoint text."""
    if not checkpoint_text.endswith("\n"):
        raise NoteFormatError("checkpoint text must end with a newline")
    if isinstance(timestamp, bool) or not 0 <= timestamp <= MAX_TIMESTAMP:
        raise NoteFormatError(f"cosignature timestamp {timestamp} is outside [0, 2^63 - 1]")
    return f"{HEADER}\ntime {timestamp}\n{checkpoint_text}".encode()


@dataclass(frozen=True, slots=True)
class Cosignature:
    """One verified cosignature: who (name, key id), when (POSIX seconds) and its signature line."""

    name: str
    key_id: bytes
    timestamp: int
    line: str  # "— name base64...\n"


class CosignatureSigner(NamedSigner):
    """A witness's cosigning key: signs checkpoint text as cosignature/v1 at a given time."""

    ALG = ALG_COSIGNATURE_V1
    __slots__ = ()

    def verifier(self) -> CosignatureVerifier:
        return CosignatureVerifier(self._name, self._public)

    def signature_line(self, checkpoint_text: str, timestamp: int) -> str:
        """``— <name> base64(key id || timestamp || signature)`` and a newline."""
        if timestamp <= 0:
            raise NoteFormatError("a witness cosignature must carry a non-zero timestamp")
        signature = self._key.sign(cosigned_message(checkpoint_text, timestamp))
        blob = self._key_id + timestamp.to_bytes(8, "big") + signature
        return f"{SIGNATURE_PREFIX}{self._name} {base64.b64encode(blob).decode('ascii')}\n"


def signature_lines(note: str) -> tuple[str, list[str]]:
    """Split a signed note into its text (final newline included) and its signature lines (no newlines)."""
    split = note.rfind("\n\n")
    if split < 0 or not note.endswith("\n"):
        raise NoteFormatError("note has no blank line before its signatures, or does not end in a newline")
    lines = note[split + 2 : -1].split("\n")
    if len(lines) > MAX_SIGNATURES:
        raise NoteFormatError(f"note has more than {MAX_SIGNATURES} signature lines")
    for number, line in enumerate(lines, 1):
        if not line.startswith(SIGNATURE_PREFIX) or " " not in line[len(SIGNATURE_PREFIX) :]:
            raise NoteFormatError(f"signature line {number} is not '— <name> <base64>'")
    return note[: split + 1], lines


class CosignatureVerifier(NamedVerifier):
    """Verifies cosignature/v1 lines by one witness key; lines by other keys are ignored."""

    ALG = ALG_COSIGNATURE_V1
    KIND = "witness key"
    __slots__ = ()

    @classmethod
    def from_vkey(cls, vkey: str) -> CosignatureVerifier:
        """Parse ``<name>+<hex key id>+base64(0x04 || key)``, checking the type byte and the key id."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3:
            raise NoteFormatError("a witness key has the form <name>+<hex key id>+<base64 key>")
        name, hex_id, key64 = parts
        check_name(name)
        if not re.fullmatch(r"[0-9a-f]{8}", hex_id):
            raise NoteFormatError(f"witness key {name!r}: the key id must be 8 lowercase hex digits")
        raw = decode_b64(key64, f"witness key {name!r}")
        if len(raw) != 33 or raw[0] != ALG_COSIGNATURE_V1:
            raise NoteFormatError(
                f"witness key {name!r} is not a cosignature/v1 key (type 0x04 and 32 bytes of Ed25519)"
            )
        verifier = cls(name, raw[1:])
        if verifier.key_id.hex() != hex_id:
            raise NoteFormatError(f"witness key {name!r}: key id {hex_id} does not match the key")
        return verifier

    def verify_line(self, checkpoint_text: str, line: str) -> Cosignature | None:
        """The cosignature in `line` if it is ours (name and key id) and verifies; None if it is another
        key's; NoteSignatureError if it is ours and does not verify."""
        line = line.rstrip("\n")
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteFormatError("a signature line starts with an em dash and a space")
        name, _, sig64 = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        if name != self._name:
            return None
        raw = decode_b64(sig64, f"signature line by {name!r}")
        if len(raw) < 4 or raw[:4] != self._key_id:
            return None
        if len(raw) != 4 + 8 + 64:
            raise NoteSignatureError(f"cosignature by {name!r} is {len(raw)} bytes, not 76")
        timestamp = int.from_bytes(raw[4:12], "big")
        if timestamp > MAX_TIMESTAMP:
            raise NoteSignatureError(f"cosignature by {name!r} has a timestamp above 2^63 - 1")
        try:
            self._key.verify(raw[12:], cosigned_message(checkpoint_text, timestamp))
        except InvalidSignature as exc:
            raise NoteSignatureError(
                f"cosignature by {name!r} does not verify: the checkpoint or its time was altered"
            ) from exc
        return Cosignature(self._name, self._key_id, timestamp, line + "\n")

    def verify(self, note: str) -> Cosignature:
        """The verified cosignature by this key in a signed note (the first, if several); raise
        NoteUnsignedError when there is none, NoteSignatureError when one of ours is bad."""
        text, lines = signature_lines(note)
        found = [c for line in lines if (c := self.verify_line(text, line)) is not None]
        if not found:
            raise NoteUnsignedError(f"no cosignature by witness {self._name!r} (key id {self._key_id.hex()})")
        return found[0]
