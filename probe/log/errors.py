"""The exception tree of the transparency-log core (drawn in `probe.log`'s docstring).

Every error is a `ValueError`: each one means "these bytes, sizes or keys are not acceptable", never an I/O
failure, because the package does no I/O.
"""

from __future__ import annotations

__all__ = [
    "LogError",
    "NoteError",
    "NoteFormatError",
    "NoteSignatureError",
    "NoteUnsignedError",
    "ProofError",
    "WeakKeyError",
]


class LogError(ValueError):
    """Base of every error raised by `probe.log`."""


class ProofError(LogError):
    """A Merkle inclusion or consistency proof does not verify, or cannot be made for these sizes."""


class WeakKeyError(LogError):
    """An Ed25519 public key is malformed, non-canonical, of small order or outside the prime-order group."""


class NoteError(LogError):
    """A signed note, checkpoint or verifier key was rejected."""


class NoteFormatError(NoteError):
    """The note, checkpoint text or verifier key string is not well formed (nothing was verified)."""


class NoteSignatureError(NoteError):
    """A signature line names our key (name and key id) but its signature does not verify the text."""


class NoteUnsignedError(NoteError):
    """The note is well formed but carries no signature line by the verifier's key."""
