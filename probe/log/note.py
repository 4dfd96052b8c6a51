"""C2SP signed notes (Ed25519) and C2SP tlog checkpoints, as EVIDENCE.md specifies; no I/O.

A signed note is UTF-8 text ending in a newline, a blank line, then one line per signature:
``— <key name> base64(key_id[4] || signature)`` (U+2014 em dash, space), with
``key_id = SHA-256(name || 0x0A || 0x01 || public key)[:4]``. A verifier key is written
``<name>+<8 hex digits of key id>+base64(0x01 || public key)``. A checkpoint is the note text
``<origin>\\n<tree size>\\n<base64 root hash>\\n`` followed by optional non-empty extension lines.

Parsing follows golang.org/x/mod/sumdb/note (the reference implementation), made stricter where the
Go code is lenient: base64 must be canonical (so no two encodings of one signature exist), every line
that names our key and key id must verify (Go checks only the first), and a checkpoint's size has no
leading zeros. Lines by other keys are checked for form only and otherwise ignored.

This module may not open files or sockets; it uses `cryptography` only for Ed25519.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature

from probe.log.errors import NoteFormatError, NoteSignatureError, NoteUnsignedError
from probe.log.merkle import HASH_SIZE
from probe.log.named_key import NamedSigner, NamedVerifier, named_key_id
from probe.log.text import as_text, check_name, decode_b64

__all__ = [
    "ALG_ED25519",
    "MAX_SIGNATURES",
    "SIGNATURE_PREFIX",
    "Checkpoint",
    "NoteSigner",
    "NoteVerifier",
    "key_id",
]

ALG_ED25519 = 0x01
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
# Go's note.Open stops at 100 signatures so a hostile note cannot make us parse forever.
MAX_SIGNATURES = 100
_MAX_SIZE = 2**64 - 1  # C2SP: the tree size is a uint64
_SIZE_RE = re.compile(r"0|[1-9][0-9]{0,19}", re.ASCII)


def key_id(name: str, public_key: bytes) -> bytes:
    """The 4-byte C2SP key id of an Ed25519 key: SHA-256(name || 0x0A || 0x01 || key)[:4]."""
    return named_key_id(name, ALG_ED25519, public_key)


def _check_note_text(text: str) -> None:
    as_text(text, "note text")
    if not text.endswith("\n"):
        raise NoteFormatError("note text must end with a newline")


class NoteSigner(NamedSigner):
    """Signs note text with an Ed25519 key under a C2SP key name."""

    ALG = ALG_ED25519
    __slots__ = ()

    def verifier(self) -> NoteVerifier:
        return NoteVerifier(self._name, self._public)

    def signature_line(self, text: str) -> str:
        """The signature line for `text`, newline included (to add to a note others signed too)."""
        _check_note_text(text)
        signature = self._key.sign(text.encode("utf-8"))
        return (
            f"{SIGNATURE_PREFIX}{self._name} {base64.b64encode(self._key_id + signature).decode('ascii')}\n"
        )

    def sign(self, text: str) -> str:
        """The whole signed note: `text`, a blank line and this key's signature line."""
        return f"{text}\n{self.signature_line(text)}"


class NoteVerifier(NamedVerifier):
    """Verifies C2SP signed notes against one Ed25519 verifier key."""

    ALG = ALG_ED25519
    __slots__ = ()

    @classmethod
    def from_vkey(cls, vkey: str) -> NoteVerifier:
        """Parse ``<name>+<hex key id>+base64(0x01 || key)``, checking the key id and the key itself."""
        parts = vkey.split("+", 2)  # the base64 key may itself contain '+'
        if len(parts) != 3:
            raise NoteFormatError("a verifier key has the form <name>+<hex key id>+<base64 key>")
        name, hex_id, key64 = parts
        check_name(name)
        if not re.fullmatch(r"[0-9a-fA-F]{8}", hex_id):
            raise NoteFormatError(f"verifier key {name!r}: the key id must be 8 hex digits")
        raw = decode_b64(key64, f"verifier key {name!r}")
        if not raw or raw[0] != ALG_ED25519:
            raise NoteFormatError(f"verifier key {name!r}: only key type 0x01 (Ed25519) is supported")
        if len(raw) != 33:
            raise NoteFormatError(f"verifier key {name!r}: an Ed25519 key is 32 bytes, not {len(raw) - 1}")
        verifier = cls(name, raw[1:])
        if verifier.key_id != bytes.fromhex(hex_id):
            raise NoteFormatError(f"verifier key {name!r}: key id {hex_id} does not match the key")
        return verifier

    def verify(self, note: str | bytes) -> str:
        """Return the text of `note` if a signature line by this key verifies it.

        Raises NoteFormatError (malformed note), NoteSignatureError (a line with our name and key id
        does not verify) or NoteUnsignedError (no line by our key). Well-formed lines by other keys are
        ignored.
        """
        note = as_text(note, "note")
        split = note.rfind("\n\n")
        if split < 0:
            raise NoteFormatError("note has no blank line before its signatures")
        text, block = note[: split + 1], note[split + 2 :]
        if not block.endswith("\n"):
            raise NoteFormatError("note's signature block is empty or does not end with a newline")
        lines = block[:-1].split("\n")
        if len(lines) > MAX_SIGNATURES:
            raise NoteFormatError(f"note has more than {MAX_SIGNATURES} signature lines")
        message = text.encode("utf-8")
        verified = False
        for number, line in enumerate(lines, 1):
            if not line.startswith(SIGNATURE_PREFIX):
                raise NoteFormatError(f"signature line {number} does not start with an em dash and a space")
            name, space, sig64 = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
            if not space:
                raise NoteFormatError(f"signature line {number} has no space between key name and signature")
            check_name(name)
            raw = decode_b64(sig64, f"signature line {number}")
            if len(raw) < 5:
                raise NoteFormatError(
                    f"signature line {number} is too short to hold a key id and a signature"
                )
            if name != self._name or raw[:4] != self._key_id:
                continue
            try:
                self._key.verify(raw[4:], message)
            except InvalidSignature as exc:
                raise NoteSignatureError(
                    f"signature line {number} by {name!r} does not verify: the note was altered or forged"
                ) from exc
            verified = True
        if not verified:
            raise NoteUnsignedError(
                f"note carries no signature by {self._name!r} (key id {self._key_id.hex()})"
            )
        return text


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A C2SP tlog checkpoint: the origin of the log, its size and root hash, and extension lines."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.origin:
            raise NoteFormatError("a checkpoint origin must not be empty")
        if "\n" in self.origin:
            raise NoteFormatError("a checkpoint origin is one line")
        as_text(self.origin, "checkpoint origin")
        if isinstance(self.size, bool) or not 0 <= self.size <= _MAX_SIZE:
            raise NoteFormatError(f"checkpoint size {self.size} is outside [0, 2^64 - 1]")
        if len(self.root) != HASH_SIZE:
            raise NoteFormatError(f"checkpoint root is {len(self.root)} bytes, not {HASH_SIZE}")
        for i, line in enumerate(self.extensions):
            if not line or "\n" in line:
                raise NoteFormatError(f"checkpoint extension line {i} must be one non-empty line")
            as_text(line, f"checkpoint extension line {i}")

    def text(self) -> str:
        """The note text to sign: origin, size, base64 root, extension lines, each ending in a newline."""
        lines = [self.origin, str(self.size), base64.b64encode(self.root).decode("ascii"), *self.extensions]
        return "".join(f"{line}\n" for line in lines)

    @classmethod
    def parse(cls, text: str | bytes) -> Checkpoint:
        """Parse checkpoint text (the text a verified note returned), strictly; raise NoteFormatError."""
        text = as_text(text, "checkpoint")
        if not text.endswith("\n"):
            raise NoteFormatError("checkpoint text must end with a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteFormatError("checkpoint needs an origin, a size and a root hash line")
        origin, size, root64, *extensions = lines
        if not _SIZE_RE.fullmatch(size):
            raise NoteFormatError(
                f"checkpoint size {size[:30]!r} is not a decimal number without leading zeros"
            )
        root = decode_b64(root64, "checkpoint root hash")
        # __post_init__ checks the rest (empty origin, size above 2^64 - 1, root length, empty extensions).
        return cls(origin, int(size), root, tuple(extensions))
