"""The add-checkpoint request of C2SP tlog-witness, parsed strictly; no I/O.

Body: ``old <size>\\n``, zero to 63 base64 hash lines (a consistency proof), an empty line, then a
signed checkpoint note. Sizes are decimal without leading zeros (``0`` alone for zero).
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass

from probe.log import Checkpoint, NoteError
from probe.log.cosignature import signature_lines

MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024  # a checkpoint with 100 signatures and 63 proof lines is well under this
_SIZE = re.compile(r"old (0|[1-9][0-9]{0,19})", re.ASCII)


class RequestError(ValueError):
    """The request body is not an add-checkpoint request (HTTP 400); one sentence."""


@dataclass(frozen=True)
class AddCheckpoint:
    old_size: int
    proof: tuple[bytes, ...]
    note: str  # the signed checkpoint as sent
    checkpoint: Checkpoint


def parse_add_checkpoint(body: bytes) -> AddCheckpoint:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise RequestError("the request body is not UTF-8") from None
    head, sep, note = text.partition("\n\n")
    if not sep:
        raise RequestError("the request has no empty line between the proof and the checkpoint")
    lines = head.split("\n")
    match = _SIZE.fullmatch(lines[0])
    if match is None:
        raise RequestError("the first line must be 'old <size>' (decimal, no leading zeros)")
    old = int(match.group(1))
    if old > 2**64 - 1:
        raise RequestError("the old size is larger than 2^64 - 1")
    hashes = lines[1:]
    if len(hashes) > MAX_PROOF_LINES:
        raise RequestError(f"a consistency proof has at most {MAX_PROOF_LINES} lines")
    proof = []
    for number, line in enumerate(hashes, 1):
        try:
            raw = binascii.a2b_base64(line.encode("ascii"), strict_mode=True)
        except (binascii.Error, UnicodeEncodeError):
            raise RequestError(f"proof line {number} is not base64") from None
        if len(raw) != 32 or base64.b64encode(raw).decode() != line:
            raise RequestError(f"proof line {number} is not one canonical base64 SHA-256 hash")
        proof.append(raw)
    try:
        checkpoint_text, _ = signature_lines(note)
        checkpoint = Checkpoint.parse(checkpoint_text)
    except NoteError as exc:
        raise RequestError(f"the checkpoint is malformed: {exc}") from None
    return AddCheckpoint(old, tuple(proof), note, checkpoint)


def request_body(old_size: int, proof: list[bytes], note: str) -> bytes:
    """The body a client sends (the inverse of parse_add_checkpoint)."""
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return ("".join(f"{line}\n" for line in lines) + "\n" + note).encode()
