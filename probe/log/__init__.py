"""The transparency-log core: RFC 6962 Merkle trees and proofs, C2SP signed notes and checkpoints.

Pure code shared by the collector (which keeps leaf and subtree hashes in its database and answers
proofs through a `HashSource`) and the offline verifier. Nothing here opens a file, socket or database;
`cryptography` is used only for Ed25519.

Exceptions (all are `ValueError`s, because each one means "these inputs are not acceptable")::

    ValueError
    └── LogError                  base of everything raised here
        ├── ProofError            a Merkle proof does not verify, or cannot be made for these sizes
        ├── WeakKeyError          an Ed25519 public key is malformed, non-canonical or of small order
        └── NoteError             a signed note, checkpoint or verifier key was rejected
            ├── NoteFormatError   malformed note, checkpoint text or verifier key (incl. a weak key)
            ├── NoteSignatureError  a line with our key name and id carries a bad signature
            └── NoteUnsignedError   no signature line by our key
"""

from probe.log.ed25519 import check_public_key
from probe.log.errors import (
    LogError,
    NoteError,
    NoteFormatError,
    NoteSignatureError,
    NoteUnsignedError,
    ProofError,
    WeakKeyError,
)
from probe.log.merkle import (
    EMPTY_ROOT,
    HASH_SIZE,
    CompactRange,
    HashSource,
    MemoryHashes,
    Subtree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root_from_inclusion_proof,
    root_from_leaves,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from probe.log.note import Checkpoint, NoteSigner, NoteVerifier, key_id

__all__ = [
    "EMPTY_ROOT",
    "HASH_SIZE",
    "Checkpoint",
    "CompactRange",
    "HashSource",
    "LogError",
    "MemoryHashes",
    "NoteError",
    "NoteFormatError",
    "NoteSignatureError",
    "NoteSigner",
    "NoteUnsignedError",
    "NoteVerifier",
    "ProofError",
    "Subtree",
    "WeakKeyError",
    "check_public_key",
    "consistency_proof",
    "inclusion_proof",
    "key_id",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion_proof",
    "root_from_leaves",
    "tree_root",
    "verify_consistency",
    "verify_inclusion",
]
