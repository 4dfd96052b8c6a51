"""The text rules signed notes, checkpoints and key strings share (C2SP signed-note): strict canonical
base64, UTF-8 without control characters other than newline, and key names."""

from __future__ import annotations

import base64
import binascii
import re

from probe.log.errors import NoteFormatError

_CONTROL_RE = re.compile(r"[\x00-\x09\x0b-\x1f]")  # ASCII controls other than newline


def decode_b64(value: str, what: str) -> bytes:
    """Strict standard base64 that must also be canonical: one byte string, one encoding."""
    try:
        raw = binascii.a2b_base64(value.encode("ascii"), strict_mode=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise NoteFormatError(f"{what} is not valid base64") from exc
    if base64.b64encode(raw).decode("ascii") != value:
        raise NoteFormatError(f"{what} is not canonical base64")
    return raw


def encode_b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def as_text(note: str | bytes, what: str) -> str:
    """Decode and check the character rules shared by notes and checkpoints."""
    if isinstance(note, bytes):
        try:
            note = note.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise NoteFormatError(f"{what} is not valid UTF-8") from exc
    else:
        try:
            note.encode("utf-8")
        except UnicodeEncodeError as exc:  # lone surrogates have no UTF-8 form, so no signature covers them
            raise NoteFormatError(f"{what} is not valid UTF-8") from exc
    if _CONTROL_RE.search(note):
        raise NoteFormatError(f"{what} contains a control character other than newline")
    return note


def check_name(name: str) -> None:
    if not name:
        raise NoteFormatError("a key name must not be empty")
    if any(c.isspace() for c in name) or "+" in name:
        raise NoteFormatError(f"key name {name!r} contains whitespace or '+'")
    as_text(name, f"key name {name!r}")
